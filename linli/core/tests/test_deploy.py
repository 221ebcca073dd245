"""Production settings, in a fresh process each (SECURITY.md CF-01, CF-02, CF-03, CF-04)."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
LINLI = Path(sys.executable).with_name("linli")


def _production_env(tmp_path: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINLI_", "DATABASE_URL", "DJANGO_"))}
    env.update(
        {
            "LINLI_ENV": "production",
            "LINLI_SECRET_KEY": secrets.token_urlsafe(48),
            "LINLI_ALLOWED_HOSTS": "linli.example.gov.cn,testserver",
            "LINLI_REDIS_URL": "redis://127.0.0.1:6379/1",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
            "LINLI_STATIC_ROOT": str(tmp_path / "static"),
            "LINLI_MEDIA_ROOT": str(tmp_path / "media"),
            "LINLI_KEYRING_FILE": str(tmp_path / "keys" / "keyring.json"),
            "LINLI_AUDIT_KEYS_FILE": str(tmp_path / "keys" / "audit-keys.json"),
            "LINLI_AUDIT_KEYS": json.dumps({"active": "a1", "keys": {"a1": secrets.token_hex(32)}}),
            "DJANGO_SETTINGS_MODULE": "linli.settings",
        }
    )
    env.update(extra)
    return env


def _run(args, env, timeout=300):
    return subprocess.run(
        args, env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False
    )


def test_check_deploy_passes_at_warning_level_with_production_settings(tmp_path):
    done = _run([str(LINLI), "check", "--deploy", "--fail-level", "WARNING"], _production_env(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_check_deploy_warns_when_production_has_no_audit_key_ring(tmp_path):
    env = _production_env(tmp_path, LINLI_AUDIT_KEYS="")
    done = _run([str(LINLI), "check", "--deploy", "--fail-level", "WARNING"], env)
    assert done.returncode != 0 and "linli.W004" in done.stderr
    created = _run([str(LINLI), "audit", "rotate-key"], env)
    assert created.returncode == 0 and "new audit signing key: a1" in created.stdout, created.stderr
    assert _run([str(LINLI), "check", "--deploy", "--fail-level", "WARNING"], env).returncode == 0


def test_production_refuses_to_start_without_a_long_secret_key(tmp_path):
    for secret in ("", "short-secret", "a" * 60):
        done = _run([str(LINLI), "check"], _production_env(tmp_path, LINLI_SECRET_KEY=secret))
        assert done.returncode != 0
        assert "LINLI_SECRET_KEY must be set to at least 50 random characters" in done.stderr


def test_production_refuses_debug(tmp_path):
    done = _run([str(LINLI), "check"], _production_env(tmp_path, LINLI_DEBUG="1"))
    assert done.returncode != 0 and "LINLI_DEBUG must be off" in done.stderr


PROBE = textwrap.dedent(
    """
    import json, django
    django.setup()
    from django.conf import settings
    from django.test import Client
    c = Client()
    out = {"debug": settings.DEBUG}
    for path in ("/api/docs/", "/api/schema/", "/admin/"):
        out[path] = c.get(path, secure=True, REMOTE_ADDR="203.0.113.9").status_code
    out["admin_local"] = c.get("/admin/", secure=True, REMOTE_ADDR="127.0.0.1").status_code
    out["plain_http"] = c.get("/accounts/login/", REMOTE_ADDR="203.0.113.9").status_code
    r = c.get("/accounts/login/", secure=True, REMOTE_ADDR="203.0.113.9")
    out["login"] = r.status_code
    out["headers"] = dict(r.headers)
    out["cookies"] = {k: {a: str(m[a]) for a in ("secure", "httponly", "samesite", "path", "domain")}
                      for k, m in r.cookies.items()}
    print(json.dumps(out))
    """
)


@pytest.fixture(scope="module")
def production_probe(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("prod")
    env = _production_env(tmp_path)
    migrate = _run([str(LINLI), "migrate", "-v0"], env, timeout=600)
    assert migrate.returncode == 0, migrate.stderr
    done = _run([sys.executable, "-c", PROBE], env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_production_serves_no_api_docs_and_admin_only_locally(production_probe):
    assert production_probe["debug"] is False
    assert production_probe["/api/docs/"] == 404
    assert production_probe["/api/schema/"] == 404
    assert production_probe["/admin/"] == 404
    assert production_probe["admin_local"] == 302  # from 127.0.0.1/32: on to the sign-in
    assert production_probe["plain_http"] == 301  # to https


def test_production_headers_and_cookies(production_probe):
    assert production_probe["login"] == 200
    headers = production_probe["headers"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    csp = headers["Content-Security-Policy"]
    assert "Content-Security-Policy-Report-Only" not in headers
    for directive in ("default-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'self'"):
        assert directive in csp
    assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    cookies = production_probe["cookies"]
    assert set(cookies) >= {"__Host-linli_csrf"}
    for name, attrs in cookies.items():
        assert name.startswith("__Host-") or name == "django_language", name
        assert attrs["secure"] == "True" and attrs["path"] == "/" and attrs["domain"] == ""
        assert attrs["samesite"] in ("Lax", "Strict")
    assert cookies["__Host-linli_csrf"]["httponly"] == "True"
