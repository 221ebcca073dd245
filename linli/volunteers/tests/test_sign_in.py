"""A volunteer signs in on their phone with a one-time SMS code (AU-01, RL-02, SE-02), like the reporters."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import caches
from django.utils import timezone

from linli.core.models import AuditEntry
from linli.volunteers import services
from linli.volunteers.auth import SESSION_KEY
from linli.volunteers.models import LoginCode
from linli.volunteers.selectors import login_phone_indexes

from .conftest import browser, sms_code


def ask_code(client, phone: str, next_url: str = ""):
    return client.post("/volunteers/me/login/", {"phone": phone, "next": next_url})


def enter(client, code: str):
    return client.post("/volunteers/me/login/code/", {"code": code})


def other_than(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_a_volunteer_signs_in_with_the_code_and_sees_their_hours(vol, world, sms_gateway):
    phone = browser()
    assert phone.get("/volunteers/me/").status_code == 302
    assert phone.get("/volunteers/me/login/").status_code == 200
    asked = ask_code(phone, "138 2000 1111")
    assert asked.status_code == 302 and asked["Location"] == "/volunteers/me/login/code/"
    message = sms_gateway.requests[0].json()
    assert message["phone"] == "13820001111"
    page = phone.get("/volunteers/me/login/code/").content.decode()
    assert "138****1111" in page and "13820001111" not in page
    before = phone.session.session_key
    signed = enter(phone, sms_code(message))
    assert signed.status_code == 302 and signed["Location"] == "/volunteers/me/"
    assert phone.session.session_key != before  # a new session key at sign-in (SE-02)
    assert phone.session[SESSION_KEY] == vol.li.pk
    assert "_auth_user_id" not in phone.session  # a volunteer is not a staff account
    home = phone.get("/volunteers/me/")
    assert home.status_code == 200 and "李秀兰" in home.content.decode()
    assert home["Cache-Control"].count("no-cache") or "no-store" in home["Cache-Control"]
    # Signing out ends the volunteer session under a new key.
    key = phone.session.session_key
    out = phone.post("/volunteers/me/logout/")
    assert out.status_code == 302 and phone.session.session_key != key
    assert phone.get("/volunteers/me/").status_code == 302


def test_the_sign_in_brings_the_volunteer_back_where_they_were(vol, sms_gateway):
    phone = browser()
    sent = phone.get("/volunteers/me/certificate.pdf")
    assert sent.status_code == 302 and sent["Location"].startswith("/volunteers/me/login/?next=")
    ask_code(phone, vol.li.phone, next_url="/volunteers/me/certificate.pdf")
    signed = enter(phone, sms_code(sms_gateway.requests[0].json()))
    assert signed["Location"] == "/volunteers/me/certificate.pdf"
    # An outside address is never a place to go back to.
    other = browser()
    ask_code(other, vol.chen.phone, next_url="https://evil.example/")
    with time_machine.travel(timezone.now() + timedelta(seconds=1)):
        assert enter(other, sms_code(sms_gateway.requests[1].json()))["Location"] == "/volunteers/me/"


def test_the_code_works_once(vol, sms_gateway):
    ask_code(browser(), vol.li.phone)
    code = sms_code(sms_gateway.requests[0].json())
    indexes = login_phone_indexes(vol.li.phone)
    assert services.login_code_check(phone_indexes=indexes, code=code) == vol.li
    assert services.login_code_check(phone_indexes=indexes, code=code) is None


def test_five_wrong_codes_kill_the_code(vol, sms_gateway):
    client = browser()
    ask_code(client, vol.li.phone)
    code = sms_code(sms_gateway.requests[0].json())
    for _ in range(5):
        refused = enter(client, other_than(code))
        assert refused.status_code == 200 and SESSION_KEY not in client.session
        assert "This code is wrong or no longer valid" in refused.content.decode()
    assert LoginCode.objects.get(volunteer=vol.li).failed_attempts == 5
    assert enter(client, code).status_code == 200 and SESSION_KEY not in client.session
    failures = AuditEntry.objects.filter(event="volunteer_login", outcome="failed", detail__step="check_code")
    assert failures.count() == 6 and failures.filter(reason="too many wrong codes").count() == 1


def test_a_code_expires_after_five_minutes(vol, sms_gateway):
    client = browser()
    ask_code(client, vol.li.phone)
    code = sms_code(sms_gateway.requests[0].json())
    with time_machine.travel(timezone.now() + timedelta(minutes=5, seconds=1)):
        assert enter(client, code).status_code == 200
    assert SESSION_KEY not in client.session


def test_the_code_is_stored_hashed_and_never_logged(vol, sms_gateway):
    client = browser()
    ask_code(client, vol.li.phone)
    code = sms_code(sms_gateway.requests[0].json())
    enter(client, other_than(code))
    enter(client, code)
    assert LoginCode.objects.filter(code_hash__contains=code).count() == 0
    logged = " ".join(f"{e.reason} {e.detail}" for e in AuditEntry.objects.filter(event="volunteer_login"))
    assert vol.li.phone not in logged and code not in logged


def _normalised(html: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r"1\d\d\*{4}\d{4}", "PHONE", html)


def test_the_answer_is_the_same_for_a_number_that_is_not_registered(vol, sms_gateway):
    known, unknown = browser(), browser()
    a, b = ask_code(known, vol.li.phone), ask_code(unknown, "13700001111")
    assert (a.status_code, a["Location"]) == (b.status_code, b["Location"])
    assert len(sms_gateway.requests) == 1
    assert _normalised(known.get(a["Location"]).content.decode()) == _normalised(
        unknown.get(b["Location"]).content.decode()
    )


def test_an_inactive_volunteer_gets_no_code_and_loses_the_session(vol, world, sms_gateway, volunteer_client):
    assert volunteer_client.get("/volunteers/me/").status_code == 200
    services.volunteer_update(
        actor=world.secretary, volunteer=vol.li, version=vol.li.version, is_active=False
    )
    assert volunteer_client.get("/volunteers/me/").status_code == 302
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        ask_code(browser(), vol.li.phone)
    assert len(sms_gateway.requests) == 1  # only the sign-in code of the fixture


@time_machine.travel("2026-06-01 09:00:10+08:00", tick=False)
def test_codes_are_rate_limited_per_phone_per_day_and_per_ip(vol, sms_gateway):
    assert ask_code(browser(), vol.li.phone).status_code == 302
    again = ask_code(browser(), vol.li.phone)  # another browser, the same number, within the minute
    assert again.status_code == 429 and int(again["Retry-After"]) > 0
    assert len(sms_gateway.requests) == 1
    caches["ratelimit"].clear()
    for minute in range(10):  # ten a day per number, a minute apart, each from its own address
        with time_machine.travel(timezone.now() + timedelta(minutes=minute * 2), tick=False):
            response = browser().post(
                "/volunteers/me/login/", {"phone": vol.chen.phone}, REMOTE_ADDR=f"10.0.0.{minute}"
            )
            assert response.status_code == 302
    with time_machine.travel(timezone.now() + timedelta(minutes=30), tick=False):
        refused = browser().post("/volunteers/me/login/", {"phone": vol.chen.phone}, REMOTE_ADDR="10.0.1.1")
        assert refused.status_code == 429
    caches["ratelimit"].clear()
    client = browser()
    answers = [ask_code(client, f"1370000{n:04d}").status_code for n in range(21)]
    assert answers[:20] == [302] * 20 and answers[20] == 429  # 20 an hour from one address


@time_machine.travel("2026-06-01 09:00:10+08:00", tick=False)
def test_code_checks_are_rate_limited(vol, sms_gateway):
    client = browser()
    ask_code(client, vol.li.phone)
    answers = [enter(client, "000000").status_code for _ in range(11)]
    assert answers[:10] == [200] * 10 and answers[10] == 429


@pytest.mark.parametrize("path", ["/volunteers/me/", "/volunteers/me/certificate.pdf"])
def test_a_staff_sign_in_is_not_a_volunteer_sign_in(world, vol, signed_in, path):
    assert signed_in(world.secretary).get(path).status_code == 302
