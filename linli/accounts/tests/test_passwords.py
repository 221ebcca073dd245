"""AU-02 password policy, AU-03 expiry and history, AU-06 hashing and the current password for changes."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from linli.accounts.models import PasswordHistory, User
from linli.accounts.passwords import character_classes, context_words, random_password

from .conftest import PASSWORD, events, sign_in, signed_in_user_id

pytestmark = pytest.mark.django_db

GOOD = "Tulip#Harbor-7719"


def _errors(password, user=None):
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        return [e.code for e in exc.error_list]
    return []


@pytest.mark.parametrize(
    "password, code",
    [
        ("Short1!a", "password_too_short"),
        ("alllowercaseletters", "password_too_simple"),
        ("lowercase-and-symbols", "password_too_simple"),
        ("A" * 60 + "b1" + "x" * 70, "password_too_long"),
        ("Password1234", "password_too_common"),
        ("MyLinli-Pass-99", "password_context_word"),
        ("我爱邻里Abc12345", "password_context_word"),
    ],
)
def test_the_policy_refuses(password, code, db):
    assert code in _errors(password)


def test_context_words_include_the_users_name_and_units(world):
    words = context_words(world.owner)
    assert {"grid1", "王网格", "第一网格", "西宁道社区", "西宁道", "南营门街道", "南营门"} <= words
    assert "password_context_word" in _errors("Xiningdao西宁道-2026", world.owner)
    assert "password_context_word" in _errors("Secure-grid1-Pass", world.owner)
    assert _errors(GOOD, world.owner) == []


def test_a_long_passphrase_is_accepted(db):
    assert _errors("correct horse battery staple 42 Tianjin river") == []
    assert _errors("x" * 100 + "A1") == []


def _meets_policy(password, user=None) -> bool:
    from django.contrib.auth.password_validation import CommonPasswordValidator

    try:
        CommonPasswordValidator().validate(password)
    except ValidationError:
        return False
    folded = password.casefold()
    return (
        12 <= len(password) <= 128
        and len(character_classes(password)) >= 3
        and not password.isdigit()
        and not any(w in folded for w in ("linli", "邻里"))
        and not any(w in folded for w in context_words(user))
    )


@hsettings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(min_size=0, max_size=140))
def test_every_accepted_password_meets_the_policy(world, password):
    if not _errors(password, world.owner):
        assert _meets_policy(password, world.owner), password


@hsettings(max_examples=30, deadline=None)
@given(st.integers(min_value=12, max_value=64))
def test_random_initial_passwords_pass_the_policy(length):
    password = random_password(length)
    assert len(password) == length and len(character_classes(password)) == 4


def test_the_last_five_passwords_cannot_be_used_again(world, api):
    user = world.owner
    client = api.as_(user)
    current = PASSWORD
    used = [f"Harbor#Tulip-{i}x" for i in range(6)]
    for new in used:
        response = client.post("/api/v1/auth/password/", {"current_password": current, "new_password": new})
        assert response.status_code == 200, response.json()
        current = new
        client = api.as_(user)  # a password change ends every token
    assert PasswordHistory.objects.filter(user=user).count() == 5
    for old in used[1:]:  # the current one and the four before it
        response = client.post("/api/v1/auth/password/", {"current_password": current, "new_password": old})
        assert response.status_code == 400 and response.json()["field"] == "new_password"
    again = client.post("/api/v1/auth/password/", {"current_password": current, "new_password": used[0]})
    assert again.status_code == 200


def test_changing_the_password_needs_the_current_one(world, api):
    client = api.as_(world.owner)
    wrong = client.post("/api/v1/auth/password/", {"current_password": "guess", "new_password": GOOD})
    assert wrong.status_code == 400 and wrong.json()["field"] == "current_password"
    missing = client.post("/api/v1/auth/password/", {"new_password": GOOD})
    assert missing.status_code == 400 and missing.json()["field"] == "current_password"
    weak = client.post("/api/v1/auth/password/", {"current_password": PASSWORD, "new_password": "short"})
    assert weak.status_code == 400 and weak.json()["field"] == "new_password"
    assert events("password_changed") == []
    ok = client.post("/api/v1/auth/password/", {"current_password": PASSWORD, "new_password": GOOD})
    assert ok.status_code == 200 and len(events("password_changed")) == 1
    world.owner.refresh_from_db()
    assert world.owner.check_password(GOOD)
    assert client.get("/api/v1/auth/me/").status_code == 401  # the token ended with the old password


def test_changing_the_phone_needs_the_current_password(world, api):
    client = api.as_(world.owner)
    missing = client.patch("/api/v1/auth/me/", {"phone": "13912345678"}, format="json")
    assert missing.status_code == 400 and missing.json()["field"] == "current_password"
    wrong = client.patch("/api/v1/auth/me/", {"phone": "13912345678", "current_password": "x"}, format="json")
    assert wrong.status_code == 400
    world.owner.refresh_from_db()
    assert world.owner.phone == ""
    ok = client.patch(
        "/api/v1/auth/me/", {"phone": "13912345678", "current_password": PASSWORD}, format="json"
    )
    assert ok.status_code == 200 and ok.json()["phone"] == "139****5678"
    world.owner.refresh_from_db()
    assert world.owner.phone == "13912345678" and len(events("phone_changed")) == 1
    name = client.patch("/api/v1/auth/me/", {"display_name": "王网格员"}, format="json")
    assert name.status_code == 200  # the name alone needs no password


def test_the_phone_form_on_the_account_page_needs_the_password(world, client):
    client.force_login(world.owner)
    page = client.post("/accounts/me/", {"phone-phone": "13912345678", "phone-current_password": "x"})
    assert page.status_code == 200 and "13912345678" in page.content.decode()  # kept in the form
    world.owner.refresh_from_db()
    assert world.owner.phone == ""
    done = client.post("/accounts/me/", {"phone-phone": "13912345678", "phone-current_password": PASSWORD})
    assert done.status_code == 302
    world.owner.refresh_from_db()
    assert world.owner.phone == "13912345678"


def test_the_password_page_changes_it_and_keeps_this_session(world, client):
    client.force_login(world.owner)
    other = Client()
    other.force_login(world.owner)
    response = client.post(
        "/accounts/password/",
        {"current_password": PASSWORD, "new_password1": GOOD, "new_password2": GOOD},
    )
    assert response.status_code == 302
    assert client.get("/accounts/me/").status_code == 200
    assert other.get("/accounts/me/").status_code == 302  # signed out


def test_staff_passwords_expire_and_force_a_change_at_sign_in(world, settings):
    settings.LINLI_PASSWORD_MAX_AGE_DAYS = 90
    client = Client()
    with time_machine.travel(timezone.now() + timedelta(days=89)):
        assert sign_in(client, "grid1").status_code == 302
        client.logout()
    with time_machine.travel(timezone.now() + timedelta(days=91)):
        response = sign_in(client, "grid1")
        assert response.status_code == 302 and response.url == "/accounts/login/change/"
        assert signed_in_user_id(client) is None  # not signed in until the password is changed
        assert client.get("/cases/").status_code == 302
        reused = client.post(
            "/accounts/login/change/", {"new_password1": PASSWORD, "new_password2": PASSWORD}
        )
        assert reused.status_code == 200 and signed_in_user_id(client) is None
        done = client.post("/accounts/login/change/", {"new_password1": GOOD, "new_password2": GOOD})
        assert done.status_code == 302 and signed_in_user_id(client) == str(world.owner.pk)
        token = Client().post("/api/v1/auth/token/", {"username": "grid2", "password": PASSWORD})
        assert token.status_code == 400 and token.json()["code"] == "password_change_required"


def test_passwords_never_expire_outside_production_by_default(world, settings):
    assert settings.LINLI_PASSWORD_MAX_AGE_DAYS == 0
    with time_machine.travel(timezone.now() + timedelta(days=400)):
        assert sign_in(Client(), "grid1").status_code == 302


def test_hashes_are_pbkdf2_sha256_by_default(world, settings):
    from django.conf import global_settings

    from linli import settings as linli_settings

    settings.PASSWORD_HASHERS = linli_settings.PASSWORD_HASHERS  # the suite uses a fast hasher
    assert settings.PASSWORD_HASHERS[0] == global_settings.PASSWORD_HASHERS[0]
    user = User.objects.create_user(username="hash-check", password=GOOD)
    stored = User.objects.values_list("password", flat=True).get(pk=user.pk)
    assert stored.startswith("pbkdf2_sha256$1000000$")


def test_the_sm3_hasher_round_trips(settings):
    settings.PASSWORD_HASHERS = ["linli.accounts.passwords.PBKDF2SM3PasswordHasher"]
    from linli.accounts.passwords import PBKDF2SM3PasswordHasher

    hasher = PBKDF2SM3PasswordHasher()
    hasher.iterations = 1000
    encoded = hasher.encode(GOOD, "somesalt")
    assert encoded.startswith("pbkdf2_sm3$1000$somesalt$")
    assert hasher.verify(GOOD, encoded) and not hasher.verify(GOOD + "x", encoded)
    assert check_password(GOOD, make_password(GOOD))
