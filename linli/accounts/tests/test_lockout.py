"""AU-01: five consecutive failures lock a username for 30 minutes, known or not, with one and the same answer."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone
from django.utils.translation import override

from linli.accounts.models import SignInLock
from linli.accounts.security import is_locked

from .conftest import PASSWORD, events, sign_in, signed_in_user_id

pytestmark = pytest.mark.django_db


def _fail(client, username, times):
    return [sign_in(client, username, "wrong-password-1A!") for _ in range(times)]


def test_five_failures_lock_the_account_until_thirty_minutes_pass(world):
    client = Client()
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        _fail(client, "grid1", 5)
        refused = sign_in(client, "grid1")
        assert refused.status_code == 200 and signed_in_user_id(client) is None
        assert SignInLock.objects.get(username="grid1").locked_until == start + timedelta(minutes=30)
        clock.shift(timedelta(minutes=29))
        sign_in(client, "grid1")
        assert signed_in_user_id(client) is None
        clock.shift(timedelta(minutes=2))
        ok = sign_in(client, "grid1")
        assert ok.status_code == 302 and signed_in_user_id(client) == str(world.owner.pk)
    assert not SignInLock.objects.filter(username="grid1").exists()  # a success clears the count


def test_a_success_before_the_fifth_failure_starts_the_count_again(world):
    client = Client()
    _fail(client, "grid1", 4)
    sign_in(client, "grid1")
    client.logout()
    _fail(client, "grid1", 4)
    assert sign_in(client, "grid1").status_code == 302


def _body(response) -> str:
    """The page without its CSRF token, which differs per request."""
    text = response.content.decode()
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)


def test_unknown_locked_and_wrong_password_answers_are_identical(world):
    def english():
        client = Client()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    with override("en"):
        wrong = sign_in(english(), "grid2", "wrong-password-1A!")
        unknown = sign_in(english(), "nobody-here", "wrong-password-1A!")
        _fail(Client(), "street", 5)
        locked = sign_in(english(), "street")
        for response in (wrong, unknown, locked):
            assert response.status_code == 200
        # the same page but the typed username
        assert _body(wrong).replace("grid2", "X") == _body(unknown).replace("nobody-here", "X")
        assert _body(wrong).replace("grid2", "X") == _body(locked).replace("street", "X")
        assert "Unable to sign in with these credentials." in _body(locked)


def test_unknown_usernames_are_locked_too_and_never_stored(world):
    typed = "13812345678"  # what people type into the username field is not kept as typed
    _fail(Client(), typed, 5)
    (lock,) = SignInLock.objects.all()
    assert lock.locked_until is not None and lock.username.startswith("#") and typed not in lock.username
    assert is_locked(typed) and not is_locked("13812345679")
    assert all(typed not in str(e.detail) for e in events("login_failed"))


def test_the_token_endpoint_shares_the_lock_and_the_answer(world, api):
    for _ in range(5):
        api.post("/api/v1/auth/token/", {"username": "grid1", "password": "nope-nope-1A!"})
    locked = api.post("/api/v1/auth/token/", {"username": "grid1", "password": PASSWORD})
    unknown = api.post("/api/v1/auth/token/", {"username": "nobody", "password": PASSWORD})
    assert locked.status_code == unknown.status_code == 400
    assert locked.json() == unknown.json() and locked.json()["code"] == "invalid_credentials"
    assert sign_in(Client(), "grid1").status_code == 200  # the page is locked as well


def test_each_failure_and_the_lock_are_audited_once(world):
    _fail(Client(), "grid1", 5)
    failures = events("login_failed")
    assert len(failures) == 5 and all(e.outcome == "denied" for e in failures)
    assert failures[0].object_id == str(world.owner.pk)
    (lock,) = events("account_locked")
    assert lock.detail["username"] == "grid1"
    sign_in(Client(), "grid1")
    assert len(events("login_failed")) == 6 and len(events("account_locked")) == 1
    assert events("login") == []


def test_a_successful_sign_in_is_audited_once(world):
    sign_in(Client(), "grid1")
    (entry,) = events("login")
    assert entry.actor == world.owner and entry.detail == {
        "method": "password",
        "mfa": False,
        "break_glass": False,
    }
