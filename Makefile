# The one task runner. `make demo` and `make test` work on a fresh machine.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
LINLI := $(VENV)/bin/linli
PYTEST_ARGS ?= -n 2  # both cores: the suite (with its fuzzing) fits CI's 30 minutes on SQLite and PostgreSQL
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test lint bench messages install schema clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e ".[test]"
	touch $@

install: $(VENV)/.installed

messages: install
	@command -v msgfmt >/dev/null || (apt-get update -qq && apt-get install -y -qq gettext >/dev/null)
	cd linli && ../$(LINLI) compilemessages -v0

demo: install messages
	sh scripts/install-fonts.sh
	$(LINLI) migrate -v0
	$(LINLI) load_demo --if-empty
	$(LINLI) start_monitor
	$(LINLI) collectstatic --noinput -v0
	@echo "Linli: http://$(HOST):$(PORT)/  (demo logins above, password Linli-demo-2026)"
	LINLI_DEBUG=0 $(LINLI) db_worker & WORKER=$$!; trap "kill $$WORKER" EXIT INT TERM; \
		LINLI_DEBUG=0 $(VENV)/bin/gunicorn linli.wsgi:application -b $(HOST):$(PORT) -w 2 --threads 4 --access-logfile -

test: install messages
	bash scripts/install-chromium.sh
	sh scripts/install-fonts.sh
	$(LINLI) makemigrations --check --dry-run -v0
	$(VENV)/bin/ruff check linli bench
	$(VENV)/bin/pytest -p no:cacheprovider $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check linli bench
	$(VENV)/bin/ruff format --check linli bench

bench: install
	$(PY) bench/locate.py
	$(PY) bench/intake.py
	$(PY) bench/registry_import.py
	$(PY) bench/photos.py
	$(PY) bench/care_calls.py
	$(PY) bench/dispatch.py
	$(PY) bench/duplicates.py
	$(PY) bench/dashboard.py --cases 1000000
	$(PY) bench/load.py --seconds 60

clean:
	rm -rf var $(VENV)

schema: install
	$(LINLI) spectacular --lang en --file docs/openapi.yaml --validate
