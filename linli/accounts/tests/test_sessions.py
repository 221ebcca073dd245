"""SE-01 timeouts, SE-02 rotation and sign-out, SE-03 limits and kills; API tokens' lifetime."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from linli.accounts import services
from linli.accounts.models import UserSession

from .conftest import PASSWORD, events, sign_in, signed_in_user_id

pytestmark = pytest.mark.django_db


def test_an_idle_session_ends_after_fifteen_minutes_and_its_row_is_deleted(world):
    client = Client()
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        sign_in(client, "grid1")
        key = client.session.session_key
        clock.shift(timedelta(minutes=14))
        assert client.get("/api/v1/auth/me/").status_code == 200
        clock.shift(timedelta(minutes=14))  # active 14 minutes ago: still in
        assert client.get("/api/v1/auth/me/").status_code == 200
        clock.shift(timedelta(minutes=16))
        response = client.get("/api/v1/auth/me/")
        assert response.status_code == 401 and response.json()["code"] == "session_expired"
        assert not Session.objects.filter(session_key=key).exists()
        assert not UserSession.objects.filter(session_key=key).exists()


def test_a_page_after_the_timeout_redirects_to_sign_in(world):
    client = Client()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        sign_in(client, "grid1")
        clock.shift(timedelta(minutes=16))
        response = client.get("/cases/")
        assert response.status_code == 302 and response.url.startswith("/accounts/login/?next=/cases/")


def test_a_busy_session_still_ends_eight_hours_after_sign_in(world):
    client = Client()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        sign_in(client, "grid1")
        for _ in range(47):  # a request every ten minutes, up to 7 h 50 min
            clock.shift(timedelta(minutes=10))
            assert client.get("/api/v1/auth/me/").status_code == 200
        clock.shift(timedelta(minutes=11))
        assert client.get("/api/v1/auth/me/").status_code == 401


def test_a_force_login_session_is_stamped_on_its_first_request(world, client):
    client.force_login(world.owner)
    assert client.get("/api/v1/auth/me/").status_code == 200
    assert "linli_auth_at" in client.session and "linli_seen_at" in client.session


def test_signing_in_gives_a_new_session_key(world):
    client = Client()
    client.get("/accounts/login/")
    client.session.save()
    client.cookies["sessionid"] = client.session.session_key
    before = client.cookies["sessionid"].value
    sign_in(client, "grid1")
    after = client.cookies["sessionid"].value
    assert before and after and before != after
    assert not Session.objects.filter(session_key=before).exists()


def test_signing_out_deletes_the_session_and_clears_the_browser(world):
    client = Client()
    sign_in(client, "grid1")
    old = client.cookies["sessionid"].value
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    assert not Session.objects.filter(session_key=old).exists()
    assert not UserSession.objects.filter(session_key=old).exists()
    replay = Client()
    replay.cookies["sessionid"] = old
    assert replay.get("/api/v1/auth/me/").status_code in (401, 403)
    assert replay.get("/cases/").status_code == 302
    assert len(events("logout")) == 1


def test_a_staff_user_keeps_at_most_three_sessions(world):
    clients = []
    for _ in range(4):
        client = Client()
        sign_in(client, "grid1")
        clients.append(client)
        assert UserSession.objects.filter(user=world.owner).count() == min(len(clients), 3)
    statuses = [c.get("/api/v1/auth/me/").status_code for c in clients]
    assert statuses[0] in (401, 403) and statuses[1:] == [200, 200, 200]
    rows = UserSession.objects.filter(user=world.owner)
    assert {r.session_key for r in rows} == {c.cookies["sessionid"].value for c in clients[1:]}


def test_disabling_a_user_kills_their_sessions_and_tokens(world, api):
    browser = Client()
    sign_in(browser, "grid1")
    program = api.as_(world.owner)
    assert program.get("/api/v1/auth/me/").status_code == 200
    world.owner.is_active = False
    world.owner.save()
    assert UserSession.objects.filter(user=world.owner).count() == 0
    assert not Token.objects.filter(user=world.owner).exists()
    assert Session.objects.count() == 0
    assert browser.get("/api/v1/auth/me/").status_code in (401, 403)
    assert program.get("/api/v1/auth/me/").status_code == 401


def test_the_disable_service_is_audited_once(world):
    services.user_disable(actor=world.admin, user=world.owner, reason="left the job")
    services.user_disable(actor=world.admin, user=world.owner, reason="again")
    (entry,) = events("user_disabled")
    assert entry.actor == world.admin and entry.reason == "left the job"


def test_sign_out_other_sessions(world):
    mine, other = Client(), Client()
    sign_in(mine, "grid1")
    sign_in(other, "grid1")
    assert mine.post("/accounts/sessions/sign-out-others/").status_code == 302
    assert mine.get("/api/v1/auth/me/").status_code == 200
    assert other.get("/api/v1/auth/me/").status_code in (401, 403)
    (entry,) = events("sessions_killed")
    assert entry.detail == {"sessions": 1, "own": True}
    page = mine.get("/accounts/me/").content.decode()
    assert page.count("<tr") == 2  # the header and this session


def test_tokens_expire_eight_hours_after_creation(world, api):
    client = api.as_(world.owner)
    with time_machine.travel(timezone.now() + timedelta(hours=7, minutes=59)):
        assert client.get("/api/v1/auth/me/").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(hours=8, minutes=1)):
        response = client.get("/api/v1/auth/me/")
        assert response.status_code == 401
        assert not Token.objects.filter(user=world.owner).exists()
        fresh = Client().post("/api/v1/auth/token/", {"username": "grid1", "password": PASSWORD})
        assert fresh.status_code == 200
    assert Token.objects.get(user=world.owner).key == fresh.json()["token"]


def test_an_expired_token_is_replaced_at_the_next_sign_in(world):
    first = Client().post("/api/v1/auth/token/", {"username": "grid1", "password": PASSWORD}).json()["token"]
    again = Client().post("/api/v1/auth/token/", {"username": "grid1", "password": PASSWORD}).json()["token"]
    assert first == again
    with time_machine.travel(timezone.now() + timedelta(hours=9)):
        later = (
            Client().post("/api/v1/auth/token/", {"username": "grid1", "password": PASSWORD}).json()["token"]
        )
    assert later != first


def test_the_session_list_records_ip_and_browser(world):
    client = Client(HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 14) 钉钉", REMOTE_ADDR="10.1.2.3")
    sign_in(client, "grid1")
    (row,) = UserSession.objects.filter(user=world.owner)
    assert row.ip == "10.1.2.3" and "Android" in row.user_agent
    assert signed_in_user_id(client) == str(world.owner.pk)
