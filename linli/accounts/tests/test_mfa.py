"""AU-04: TOTP as the second factor on every password sign-in path; each code works once."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from linli.accounts import services

from .conftest import PASSWORD, confirmed_device, events, sign_in, signed_in_user_id, totp_code

pytestmark = pytest.mark.django_db


def test_a_user_with_a_device_is_always_asked_for_a_code(world, settings):
    assert settings.LINLI_MFA_REQUIRED is False
    device = confirmed_device(world.owner)
    client = Client()
    first = sign_in(client, "grid1")
    assert first.status_code == 302 and first.url == "/accounts/login/verify/"
    assert signed_in_user_id(client) is None
    assert client.get("/cases/").status_code == 302
    wrong = client.post(
        "/accounts/login/verify/", {"otp": "000000" if totp_code(device) != "000000" else "111111"}
    )
    assert wrong.status_code == 200 and signed_in_user_id(client) is None
    with time_machine.travel(timezone.now() + timedelta(seconds=2)):  # django-otp throttles after a failure
        done = client.post("/accounts/login/verify/", {"otp": totp_code(device)})
    assert done.status_code == 302 and signed_in_user_id(client) == str(world.owner.pk)
    assert client.session["otp_device_id"] == device.persistent_id
    (entry,) = events("login")
    assert entry.detail["mfa"] is True


def test_a_used_code_cannot_be_replayed(world):
    device = confirmed_device(world.owner)
    code = totp_code(device)
    one = Client()
    sign_in(one, "grid1")
    assert one.post("/accounts/login/verify/", {"otp": code}).status_code == 302
    two = Client()
    sign_in(two, "grid1")
    replay = two.post("/accounts/login/verify/", {"otp": code})
    assert replay.status_code == 200 and signed_in_user_id(two) is None
    device.refresh_from_db()
    assert device.last_t >= 0
    token = Client().post("/api/v1/auth/token/", {"username": "grid1", "password": PASSWORD, "otp": code})
    assert token.status_code == 400 and token.json()["code"] == "otp_invalid"


def test_the_token_endpoint_asks_for_the_code(world):
    device = confirmed_device(world.owner)
    client = Client()
    missing = client.post("/api/v1/auth/token/", {"username": "grid1", "password": PASSWORD})
    assert missing.status_code == 400
    assert missing.json()["code"] == "otp_required" and missing.json()["field"] == "otp"
    assert not Token.objects.filter(user=world.owner).exists()
    ok = client.post(
        "/api/v1/auth/token/", {"username": "grid1", "password": PASSWORD, "otp": totp_code(device)}
    )
    assert ok.status_code == 200 and ok.json()["token"] == Token.objects.get(user=world.owner).key
    assert [e.detail["method"] for e in events("login")] == ["token"]


def test_with_mfa_required_a_user_without_a_device_enrols_first(world, mfa_on):
    client = Client()
    first = sign_in(client, "grid1")
    assert first.url == "/accounts/login/enrol/"
    page = client.get("/accounts/login/enrol/")
    assert page.status_code == 200 and "<svg" in page.content.decode()
    assert signed_in_user_id(client) is None and client.get("/cases/").status_code == 302
    device = TOTPDevice.objects.get(user=world.owner, confirmed=False)
    secret = re.search(r'id="mfa-secret">([A-Z2-7]+)<', page.content.decode()).group(1)
    import base64

    assert base64.b32decode(secret + "=" * (-len(secret) % 8)) == device.bin_key
    done = client.post("/accounts/login/enrol/", {"otp": totp_code(device)})
    assert done.status_code == 302 and signed_in_user_id(client) == str(world.owner.pk)
    device.refresh_from_db()
    assert device.confirmed and len(events("mfa_enrolled")) == 1
    token = Client().post("/api/v1/auth/token/", {"username": "grid2", "password": PASSWORD})
    assert token.json()["code"] == "mfa_enrolment_required"


def test_a_code_in_the_first_form_signs_in_at_once(world):
    device = confirmed_device(world.owner)
    client = Client()
    assert sign_in(client, "grid1", otp=totp_code(device)).status_code == 302
    assert signed_in_user_id(client) == str(world.owner.pk)


def test_wrong_codes_count_towards_the_lock(world):
    device = confirmed_device(world.owner)
    good = totp_code(device)
    bad = "123456" if good != "123456" else "654321"
    for _ in range(5):
        client = Client()
        sign_in(client, "grid1")
        client.post("/accounts/login/verify/", {"otp": bad})
    client = Client()
    sign_in(client, "grid1")
    assert signed_in_user_id(client) is None and len(events("account_locked")) == 1


def test_a_security_administrator_resets_a_lost_device(world):
    from linli.accounts.choices import Role

    confirmed_device(world.owner)
    from linli.accounts.models import User

    security = User.objects.create_user(username="sec", password=PASSWORD)
    services.role_assign(actor=None, user=security, role=Role.SECURITY_ADMIN)
    assert services.mfa_reset(actor=security, user=world.owner) == 1
    assert not TOTPDevice.objects.filter(user=world.owner).exists()
    (entry,) = events("mfa_reset")
    assert entry.actor == security and entry.object_id == str(world.owner.pk)
    assert sign_in(Client(), "grid1").status_code == 302


def test_the_account_page_sets_up_a_device(world, client):
    client.force_login(world.owner)
    page = client.get("/accounts/mfa/")
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=world.owner, confirmed=False)
    assert client.post("/accounts/mfa/", {"otp": totp_code(device)}).status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    fresh = Client()
    assert sign_in(fresh, "grid1").url == "/accounts/login/verify/"


def _walk(resolver: URLResolver, prefix: str = ""):
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern


def _concrete(route: str) -> str | None:
    route = route.lstrip("^").rstrip("$")
    if "(?P" in route or "\\" in route:
        return None
    path = re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: "1" if m.group(1) in (None, "int") else "x", route)
    return "/" + path


def test_no_view_gives_a_password_only_session_or_token_when_mfa_is_required(world, mfa_on):
    """Walks the URL resolver and posts a staff user's right password to every view (as a form and as JSON):
    none may leave a signed-in session or a token without the second factor."""
    paths = sorted({p for route, _ in _walk(get_resolver()) if (p := _concrete(route))})
    assert {"/accounts/login/", "/admin/login/", "/api/v1/auth/token/"} <= set(paths)
    assert len(paths) > 100
    credentials = {"username": "grid1", "password": PASSWORD}
    client = Client(raise_request_exception=False)
    for path in paths:
        if path.startswith("/api/"):
            client.post(path, credentials, content_type="application/json")
        else:
            client.post(path, credentials)
        assert signed_in_user_id(client) is None, path
        assert not Token.objects.filter(user=world.owner).exists(), path
    assert client.get("/api/v1/auth/me/").status_code in (401, 403)
    admin_login = Client().get("/admin/login/?next=/admin/")
    assert admin_login.status_code == 302 and admin_login.url.startswith("/accounts/login/")
