"""Helpers for the accounts security tests: TOTP codes as an authenticator app computes them, MFA switched on."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from django_otp.oath import TOTP

from linli.core.models import AuditEntry

PASSWORD = "Linli-test-2026"


def totp_code(device, at: float | None = None) -> str:
    """The six digits the user's app shows at `at` (now by default)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = at if at is not None else time.time()
    return f"{totp.token():0{device.digits}d}"


def confirmed_device(user):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def sign_in(client: Client, username: str, password: str = PASSWORD, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password, **extra})


def signed_in_user_id(client: Client):
    return client.session.get("_auth_user_id")


def events(name: str):
    return list(AuditEntry.objects.filter(event=name))


@pytest.fixture
def mfa_on(settings):
    settings.LINLI_MFA_REQUIRED = True
    return settings
