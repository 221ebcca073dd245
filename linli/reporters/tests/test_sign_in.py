"""Staff invite a rider by phone; the rider signs in with the one-time code from the SMS (AU-01, RL-02, SE-02)."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import caches
from django.test import Client
from django.utils import timezone

from linli.accounts.choices import Role
from linli.core.models import AuditEntry
from linli.reporters import services
from linli.reporters.models import LoginCode, Reporter
from linli.reporters.selectors import login_phone_indexes

from .conftest import browser, sms_code

pytestmark = pytest.mark.django_db


def ask_code(client: Client, phone: str):
    return client.post("/reporter/login/", {"phone": phone})


def enter(client: Client, code: str):
    return client.post("/reporter/login/code/", {"code": code})


def test_an_invited_rider_gets_an_sms_and_signs_in_with_the_code_from_the_next_sms(
    world, signed_in, sms_gateway
):
    staff = signed_in(world.secretary)
    assert staff.get("/reporter/staff/invite/").status_code == 200
    response = staff.post(
        "/reporter/staff/invite/",
        {
            "name": "美团骑手 小李",
            "phone": "139 0001 2345",
            "occupation": "delivery",
            "employer": "美团",
            "community": world.xiningdao.pk,
        },
    )
    reporter = Reporter.objects.get(name="美团骑手 小李")
    assert response.status_code == 302 and response["Location"] == f"/reporter/staff/{reporter.pk}/"
    user = reporter.user
    assert user.username.startswith("r-") and not user.has_usable_password() and user.phone == ""
    assert set(user.roles.values_list("role", "community_id")) == {(Role.REPORTER, world.xiningdao.pk)}
    assert reporter.phone == "13900012345" and reporter.invited_by == world.secretary
    assert reporter.invite_sent_at is not None and reporter.first_login_at is None
    invite = sms_gateway.requests[0].json()
    assert invite["phone"] == "13900012345" and "/reporter/login/" in invite["text"]

    rider = browser()
    assert rider.get("/reporter/login/").status_code == 200
    asked = ask_code(rider, "13900012345")
    assert asked.status_code == 302 and asked["Location"] == "/reporter/login/code/"
    message = sms_gateway.requests[1].json()
    assert message["phone"] == "13900012345"
    page = rider.get("/reporter/login/code/").content.decode()
    assert "139****2345" in page and "13900012345" not in page
    before = rider.session.session_key
    signed = enter(rider, sms_code(message))
    assert signed.status_code == 302 and signed["Location"] == "/reporter/"
    assert rider.session.session_key != before  # a new session at sign-in (SE-02)
    assert rider.session["_auth_user_id"] == str(user.pk)
    home = rider.get("/reporter/")
    assert home.status_code == 200 and "美团骑手 小李" in home.content.decode()
    reporter.refresh_from_db()
    assert reporter.first_login_at is not None
    assert (
        AuditEntry.objects.filter(event="reporter_login", outcome="ok", detail__step="check_code").count()
        == 1
    )


def test_the_code_works_once(world, rider, sms_gateway):
    ask_code(browser(), rider.phone)
    code = sms_code(sms_gateway.requests[0].json())
    indexes = login_phone_indexes(rider.phone)
    assert services.login_code_check(phone_indexes=indexes, code=code) == rider
    assert services.login_code_check(phone_indexes=indexes, code=code) is None


def other_than(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_a_wrong_code_is_refused_and_five_wrong_codes_kill_the_code(world, rider, sms_gateway):
    client = browser()
    ask_code(client, rider.phone)
    code = sms_code(sms_gateway.requests[0].json())
    wrong = other_than(code)
    for _ in range(5):
        refused = enter(client, wrong)
        assert refused.status_code == 200 and "_auth_user_id" not in client.session
        assert "This code is wrong or no longer valid" in refused.content.decode()
    assert LoginCode.objects.get(reporter=rider).failed_attempts == 5
    assert enter(client, code).status_code == 200  # the right code, too late
    assert "_auth_user_id" not in client.session
    failures = AuditEntry.objects.filter(event="reporter_login", outcome="failed", detail__step="check_code")
    assert failures.count() == 6 and failures.filter(reason="too many wrong codes").count() == 1


def test_a_code_expires_after_five_minutes(world, rider, sms_gateway):
    client = browser()
    ask_code(client, rider.phone)
    code = sms_code(sms_gateway.requests[0].json())
    with time_machine.travel(timezone.now() + timedelta(minutes=5, seconds=1)):
        assert enter(client, code).status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_new_code_replaces_the_old_one(world, rider, sms_gateway):
    client = browser()
    ask_code(client, rider.phone)
    first = sms_code(sms_gateway.requests[0].json())
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        ask_code(client, rider.phone)
        second = sms_code(sms_gateway.requests[1].json())
        assert LoginCode.objects.filter(reporter=rider).count() == 1
        if first != second:
            assert enter(client, first).status_code == 200
        assert enter(client, second).status_code == 302


def _normalised(html: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r"1\d\d\*{4}\d{4}", "PHONE", html)


def test_the_answer_is_the_same_for_a_number_that_is_not_registered(world, rider, sms_gateway):
    known, unknown = browser(), browser()
    a, b = ask_code(known, rider.phone), ask_code(unknown, "13700001111")
    assert (a.status_code, a["Location"]) == (b.status_code, b["Location"]) == (302, "/reporter/login/code/")
    assert len(sms_gateway.requests) == 1  # only the reporter got an SMS
    page_a, page_b = known.get(a["Location"]), unknown.get(b["Location"])
    assert _normalised(page_a.content.decode()) == _normalised(page_b.content.decode())
    wrong = other_than(sms_code(sms_gateway.requests[0].json()))
    wrong_a, wrong_b = enter(known, wrong), enter(unknown, wrong)
    assert wrong_a.status_code == wrong_b.status_code == 200
    assert _normalised(wrong_a.content.decode()) == _normalised(wrong_b.content.decode())


def test_a_deactivated_reporter_gets_no_code(world, rider, sms_gateway):
    services.reporter_set_active(reporter=rider, actor=world.secretary, active=False)
    response = ask_code(browser(), rider.phone)
    assert response.status_code == 302 and sms_gateway.requests == []


@time_machine.travel("2026-06-01 09:00:10+08:00", tick=False)  # one window of each fixed-window limit
def test_codes_are_rate_limited_per_phone_and_per_ip(world, rider, sms_gateway):
    assert ask_code(browser(), rider.phone).status_code == 302
    again = ask_code(browser(), rider.phone)  # another browser, the same number, within the minute
    assert again.status_code == 429 and int(again["Retry-After"]) > 0
    assert len(sms_gateway.requests) == 1
    caches["ratelimit"].clear()
    client = browser()
    answers = [ask_code(client, f"1370000{n:04d}").status_code for n in range(21)]
    assert answers[:20] == [302] * 20 and answers[20] == 429  # 20 an hour from one address


@time_machine.travel("2026-06-01 09:00:10+08:00", tick=False)
def test_code_checks_are_rate_limited(world, rider, sms_gateway):
    client = browser()
    ask_code(client, rider.phone)
    answers = [enter(client, "000000").status_code for _ in range(11)]
    assert answers[:10] == [200] * 10 and answers[10] == 429


def test_the_audit_log_never_holds_the_code_or_the_full_phone(world, rider, sms_gateway):
    client = browser()
    ask_code(client, rider.phone)
    code = sms_code(sms_gateway.requests[0].json())
    enter(client, other_than(code))
    enter(client, code)
    logged = " ".join(
        f"{e.reason} {e.detail}" for e in AuditEntry.objects.filter(event__startswith="reporter_login")
    )
    assert rider.phone not in logged and code not in logged
    assert LoginCode.objects.filter(code_hash__contains=code).count() == 0
