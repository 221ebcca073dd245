"""The demo district, loaded once for the whole package: test_load_demo and test_demo_registry share it."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from linli.conftest import ensure_seed_data


@pytest.fixture(scope="package")
def demo(django_db_setup, django_db_blocker):
    """Load the demo (200 cases and the full registry) and remove it afterwards; yields what the command printed."""
    # the suite's fast hasher (linli/conftest.py) is function-scoped; use it here too so `authenticate` can check
    # the hash (the key ring is the run's, set in pytest_configure)
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast:
        out = StringIO()
        call_command("load_demo", cases=200, stdout=out)
        yield out.getvalue()
        call_command("flush", interactive=False, verbosity=0)
        ensure_seed_data()  # flush also empties what data migrations put in
