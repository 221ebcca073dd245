"""The reporters API: staff list, detail, invite and redeem within their scope; a reporter reads their own tally."""

import pytest

from linli.cases import services as case_services
from linli.reporters import services
from linli.reporters.models import PointsEntry, Reporter
from linli.reporters.selectors import balance_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def earned(world, rider, new_case):
    case = new_case(actor=world.reporter, reporter_name="", reporter_phone="")
    return case_services.case_respond(case=case, actor=world.owner)


def test_staff_list_their_communitys_reporters_with_masked_phones(world, rider, earned, api):
    body = api.as_(world.secretary).get("/api/v1/reporters/").json()
    assert body["count"] == 1
    [row] = body["results"]
    assert row["id"] == rider.pk and row["phone"] == "139****6688"
    assert (row["tally"], row["balance"], row["open_flags"]) == (1, 10, 0)
    assert api.as_(world.outsider_secretary).get("/api/v1/reporters/").json()["count"] == 0
    assert api.as_(world.admin).get("/api/v1/reporters/").json()["count"] == 1


def test_the_detail_holds_the_ledger_and_outsiders_get_404(world, rider, earned, api):
    body = api.as_(world.owner).get(f"/api/v1/reporters/{rider.pk}/").json()
    assert body["phone"] == "139****6688" and "13920016688" not in str(body)
    assert [(e["kind"], e["points"], e["case_number"]) for e in body["ledger"]] == [
        ("award", 10, earned.number)
    ]
    for persona in ("outsider_secretary", "outsider", "dept", "reporter"):
        response = api.as_(getattr(world, persona)).get(f"/api/v1/reporters/{rider.pk}/")
        assert response.status_code == 404 and response.json()["code"] == "not_found", persona


def test_reporters_and_departments_get_404_from_the_staff_list(world, rider, api):
    for persona in ("reporter", "dept"):
        assert api.as_(getattr(world, persona)).get("/api/v1/reporters/").status_code == 404


def test_anonymous_callers_get_401(world, rider, client):
    for url in ("/api/v1/reporters/", f"/api/v1/reporters/{rider.pk}/", "/api/v1/reporters/me/"):
        assert client.get(url).status_code == 401


def test_inviting_through_the_api_sends_the_sms_once_per_idempotency_key(world, api, sms_gateway):
    client = api.as_(world.secretary)
    body = {"name": "顺丰小哥", "phone": "13822223333", "occupation": "courier", "employer": "顺丰"}
    first = client.post("/api/v1/reporters/", body, format="json", HTTP_IDEMPOTENCY_KEY="invite-1")
    again = client.post("/api/v1/reporters/", body, format="json", HTTP_IDEMPOTENCY_KEY="invite-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and first.json() == again.json()
    assert first.json()["phone"] == "138****3333" and first.json()["community"] == world.xiningdao.pk
    assert Reporter.objects.count() == 1 and len(sms_gateway.requests) == 1


def test_invite_errors_are_structured(world, rider, api, sms_gateway):
    client = api.as_(world.secretary)
    taken = client.post(
        "/api/v1/reporters/", {"name": "x", "phone": "13920016688"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert taken.status_code == 409
    assert taken.json() == {
        "code": "already_invited",
        "message": "A reporter with this phone number is already registered.",
        "field": "phone",
    }
    landline = client.post("/api/v1/reporters/", {"name": "x", "phone": "022-23456789"}, format="json")
    assert landline.status_code == 400 and landline.json()["field"] == "phone"
    elsewhere = client.post(
        "/api/v1/reporters/",
        {"name": "x", "phone": "13800001111", "community": world.yanyu.pk},
        format="json",
    )
    assert elsewhere.status_code == 400 and elsewhere.json()["field"] == "community"
    assert (
        api.as_(world.street)
        .post("/api/v1/reporters/", {"name": "x", "phone": "13800001111"}, format="json")
        .json()["field"]
        == "community"
    )
    assert Reporter.objects.count() == 1


def test_redeem_through_the_api_once_per_key_and_never_below_zero(world, rider, earned, api):
    client = api.as_(world.secretary)
    url = f"/api/v1/reporters/{rider.pk}/redeem/"
    first = client.post(url, {"points": 7, "note": "毛巾一条"}, format="json", HTTP_IDEMPOTENCY_KEY="r-1")
    again = client.post(url, {"points": 7, "note": "毛巾一条"}, format="json", HTTP_IDEMPOTENCY_KEY="r-1")
    assert first.status_code == 201 and again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert first.json()["points"] == -7 and first.json()["kind"] == "redemption"
    assert balance_of(rider) == 3 and PointsEntry.objects.filter(kind="redemption").count() == 1
    over = client.post(url, {"points": 4, "note": "牙膏"}, format="json")
    assert over.status_code == 400 and over.json()["code"] == "insufficient_points"
    assert client.post(url, {"points": 0, "note": "x"}, format="json").json()["field"] == "points"
    assert api.as_(world.street).post(url, {"points": 1, "note": "x"}, format="json").status_code == 403
    assert (
        api.as_(world.outsider_secretary).post(url, {"points": 1, "note": "x"}, format="json").status_code
        == 404
    )
    assert balance_of(rider) == 3


def test_me_gives_the_reporter_their_tally_balance_and_reports(world, rider, earned, new_case, signed_in):
    other = new_case()
    body = signed_in(world.reporter).get("/api/v1/reporters/me/").json()
    assert (body["name"], body["community_name"], body["tally"], body["balance"]) == (
        "外卖小哥",
        "西宁道社区",
        1,
        10,
    )
    assert [r["number"] for r in body["reports"]] == [earned.number] and other.number not in str(body)
    assert signed_in(world.secretary).get("/api/v1/reporters/me/").status_code == 404


def test_a_deactivated_reporter_is_listed_as_such(world, rider, api):
    services.reporter_set_active(reporter=rider, actor=world.secretary, active=False)
    [row] = api.as_(world.secretary).get("/api/v1/reporters/").json()["results"]
    assert row["is_active"] is False
