"""Bad input gets a clear JSON error naming the field, and nothing is half-written."""

import pytest

from linli.cases.models import Case, CaseEvent
from linli.conftest import png_bytes
from linli.core.models import IdempotencyRecord

pytestmark = pytest.mark.django_db

GOOD = {"title": "路灯不亮", "category": "ENV-DRAIN", "lat": 39.111, "lon": 117.201}


@pytest.mark.parametrize(
    "change, field",
    [
        ({"title": ""}, "title"),
        ({"title": "长" * 121}, "title"),
        ({"category": "NOPE"}, "category"),
        ({"channel": "pigeon"}, "channel"),
        ({"urgency": "now"}, "urgency"),
        ({"lat": 91}, "lat"),
        ({"lon": "east"}, "lon"),
        ({"lon": None}, "lon"),
        ({"reporter_phone": "1381234567"}, "reporter_phone"),
        ({"building": 999999}, "building"),
    ],
)
def test_bad_intake_input_names_the_field_and_writes_nothing(world, api, change, field):
    body = {**GOOD, **change}
    response = api.as_(world.secretary).post("/api/v1/cases/", body, format="json")
    assert response.status_code == 400
    error = response.json()
    assert error["field"] == field
    assert error["code"] == "invalid" and error["message"]
    assert Case.objects.count() == 0 and CaseEvent.objects.count() == 0


def test_a_transition_without_its_required_field_is_refused(world, api, new_case):
    case = new_case()
    client = api.as_(world.owner)
    response = client.post(f"/api/v1/cases/{case.pk}/transition/", {"action": "respond"}, format="json")
    assert response.status_code == 200
    response = client.post(f"/api/v1/cases/{case.pk}/transition/", {"action": "resolve"}, format="json")
    assert response.status_code == 400 and response.json()["field"] == "result"
    response = client.post(f"/api/v1/cases/{case.pk}/transition/", {"action": "fly"}, format="json")
    assert response.status_code == 400 and response.json()["field"] == "action"


def test_an_illegal_transition_answers_409_with_the_current_case(world, api, new_case):
    case = new_case()
    response = api.as_(world.secretary).post(
        f"/api/v1/cases/{case.pk}/transition/", {"action": "close"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert response.json()["case"]["status"] == "assigned"


def test_a_role_that_may_not_act_gets_403(world, api, new_case):
    case = new_case()
    response = api.as_(world.owner).post(
        f"/api/v1/cases/{case.pk}/transition/", {"action": "reject", "reason": "不归我管"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "not_allowed"


def test_writable_looking_fields_in_the_body_are_ignored(world, api):
    body = {
        **GOOD,
        "status": "closed",
        "assignee": world.colleague_worker.pk,
        "community": world.yanyu.pk,
        "version": 99,
    }
    response = api.as_(world.owner).post("/api/v1/cases/", body, format="json")
    assert response.status_code == 201
    case = Case.objects.get()
    assert case.status == "assigned" and case.community == world.xiningdao and case.version == 1


def test_a_retried_post_with_the_same_idempotency_key_returns_the_first_case(world, api):
    client = api.as_(world.secretary)
    first = client.post("/api/v1/cases/", GOOD, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post("/api/v1/cases/", GOOD, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert Case.objects.count() == 1


def test_the_same_idempotency_key_with_another_body_is_refused(world, api):
    client = api.as_(world.secretary)
    client.post("/api/v1/cases/", GOOD, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    other = client.post(
        "/api/v1/cases/", {**GOOD, "title": "别的事"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2"
    )
    assert other.status_code == 422
    assert other.json()["field"] == "Idempotency-Key"
    assert Case.objects.count() == 1


def test_a_failed_request_does_not_burn_its_idempotency_key(world, api):
    client = api.as_(world.secretary)
    bad = client.post("/api/v1/cases/", {**GOOD, "title": ""}, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    assert bad.status_code == 400
    assert not IdempotencyRecord.objects.exists()
    good = client.post("/api/v1/cases/", GOOD, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    assert good.status_code == 201


def test_each_user_has_their_own_idempotency_keys(world, api):
    a = api.as_(world.secretary).post("/api/v1/cases/", GOOD, format="json", HTTP_IDEMPOTENCY_KEY="same")
    b = api.as_(world.owner).post("/api/v1/cases/", GOOD, format="json", HTTP_IDEMPOTENCY_KEY="same")
    assert a.json()["id"] != b.json()["id"]


def test_token_sign_in_answers_the_same_for_unknown_users_and_bad_passwords(world, api):
    good = api.post(
        "/api/v1/auth/token/", {"username": "grid1", "password": "Linli-test-2026"}, format="json"
    )
    assert good.status_code == 200 and len(good.json()["token"]) == 40
    wrong = api.post("/api/v1/auth/token/", {"username": "grid1", "password": "nope"}, format="json")
    unknown = api.post("/api/v1/auth/token/", {"username": "nobody", "password": "nope"}, format="json")
    assert wrong.status_code == unknown.status_code == 400
    assert wrong.json() == unknown.json()


def test_reference_data_is_listed(world, api):
    client = api.as_(world.owner)
    grids = client.get("/api/v1/grids/").json()
    assert {g["code"] for g in grids} == {"XND-01", "XND-02", "YY-01"}
    assert grids[0]["geometry"]["type"] == "Polygon"
    assert {c["code"] for c in client.get("/api/v1/categories/").json()} >= {"ENV", "ENV-DRAIN"}
    assert {d["code"] for d in client.get("/api/v1/departments/").json()} == {"CGW", "GS"}


def test_case_list_filters(world, api, new_case):
    a = new_case()
    b = new_case(category=world.fire, building=world.building_3, lat=None, lon=None)
    client = api.as_(world.secretary)

    def ids(query):
        response = client.get(f"/api/v1/cases/?{query}")
        assert response.status_code == 200, response.json()
        return {c["id"] for c in response.json()["results"]}

    assert ids(f"grid={world.grid_b.pk}") == {b.pk}
    assert ids("category=ENV") == {a.pk}
    assert ids("status=assigned") == {a.pk, b.pk}
    assert ids("status=closed") == set()
    assert ids("overdue=true") == set()
    today = a.received_at.astimezone().date().isoformat()
    assert ids(f"date_from={today}&date_to={today}") == {a.pk, b.pk}
    assert client.get("/api/v1/cases/?status=nonsense").status_code == 400
    assert client.get("/api/v1/cases/?date=yesterday").json()["field"] == "date"
    no_such_day = client.get("/api/v1/cases/?date_from=2025-13-01")
    assert no_such_day.status_code == 400 and no_such_day.json()["field"] == "date_from"


def test_the_schema_and_docs_are_served(world, api):
    client = api.as_(world.owner)
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/cases/{id}/transition/" in schema.content
    assert client.get("/api/docs/").status_code == 200


PNG = png_bytes()


def test_photos_can_be_sent_with_a_multipart_intake_and_note(world, api):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = api.as_(world.owner)
    body = {**GOOD, "photos": [SimpleUploadedFile("a.png", PNG), SimpleUploadedFile("b.png", PNG)]}
    response = client.post("/api/v1/cases/", body, format="multipart")
    assert response.status_code == 201, response.json()
    case_id = response.json()["id"]
    response = client.post(
        f"/api/v1/cases/{case_id}/transition/",
        {"action": "note", "note": "现场照片", "photos": [SimpleUploadedFile("c.png", PNG)]},
        format="multipart",
    )
    assert response.status_code == 200
    detail = client.get(f"/api/v1/cases/{case_id}/").json()
    assert sorted(a["name"] for a in detail["attachments"]) == ["a.png", "b.png", "c.png"]
    assert detail["timeline"][-1]["attachments"][0]["url"].startswith("/cases/files/")


def test_a_photo_that_is_not_an_image_is_refused_by_the_api(world, api):
    from django.core.files.uploadedfile import SimpleUploadedFile

    body = {**GOOD, "photos": [SimpleUploadedFile("x.png", b"MZ\x90\x00 not a png")]}
    response = api.as_(world.owner).post("/api/v1/cases/", body, format="multipart")
    assert response.status_code == 400 and response.json()["field"] == "photos"
    assert Case.objects.count() == 0
