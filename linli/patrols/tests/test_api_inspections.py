import json

import pytest

from linli.core.models import IdempotencyRecord
from linli.patrols.models import Hazard, Inspection, InspectionPhoto

from .conftest import gps_jpeg, has_gps


def _results(template, **by_order) -> list[dict]:
    return [
        {
            "item": item.pk,
            "result": by_order.get(item.order, ("ok", ""))[0],
            "note": by_order.get(item.order, ("", ""))[1],
        }
        for item in template.items.order_by("order")
    ]


def _body(world, **overrides) -> dict:
    body = {
        "template": "ebike",
        "place": f"building:{world.building_1.pk}",
        "results": _results(world.ebike),
        "lat": 39.111,
        "lon": 117.201,
        "note": "",
    }
    body.update(overrides)
    return body


def test_an_inspection_is_recorded_over_json_with_its_hazards(api, patrol):
    results = _results(patrol.ebike)
    results[1] = {"item": patrol.flying_wire.pk, "result": "hazard", "note": "窗口飞线充电"}
    response = api.as_(patrol.owner).post(
        "/api/v1/inspections/", _body(patrol, results=results), format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["place"] == {"kind": "building", "id": patrol.building_1.pk, "name": "吉利花园 1号楼"}
    assert body["hazards_found"] == body["hazards_open"] == 1
    assert body["hazards"][0]["category"] == "SAFE-FIRE" and body["hazards"][0]["status"] == "found"
    assert [r["result"] for r in body["results"]].count("hazard") == 1
    assert api.get(f"/api/v1/inspections/{body['id']}/").json()["id"] == body["id"]


def test_multipart_carries_the_photos_per_item_without_their_location(api, patrol):
    results = _results(patrol.ebike)
    results[1]["result"] = "hazard"
    response = api.as_(patrol.owner).post(
        "/api/v1/inspections/",
        {
            "template": "ebike",
            "place": f"building:{patrol.building_1.pk}",
            "results": json.dumps(results),
            "lat": "39.111",
            "lon": "117.201",
            f"photo_{patrol.flying_wire.pk}": gps_jpeg(),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    photo = InspectionPhoto.objects.get()
    assert not has_gps(photo.file.read())
    [result] = [r for r in response.json()["results"] if r["item"] == patrol.flying_wire.pk]
    assert result["photos"][0]["url"] == f"/patrols/photos/{photo.uuid}/"


@pytest.mark.parametrize(
    "change, field",
    [
        (
            lambda w, b: b.update(place=f"building:{w.building_3.pk}"),
            "place",
        ),  # grid B's, for grid A's worker
        (lambda w, b: b.update(place="building:999999"), "place"),
        (lambda w, b: b.update(place=f"shop:{w.shop.pk}"), "place"),  # a building checklist at a shop
        (lambda w, b: b.update(template="nope"), "template"),
        (lambda w, b: b["results"].pop(), "results"),
        (lambda w, b: b["results"].append(dict(b["results"][0])), "results"),
        (lambda w, b: b["results"][0].update(result="maybe"), "results"),
        (lambda w, b: b.update(results="not json"), "results"),
        (lambda w, b: b.pop("lon"), "lon"),
        (lambda w, b: b.update(lat=91), "lat"),
        (lambda w, b: b.update(occurrence=12345), "occurrence"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_stores_nothing(api, patrol, change, field):
    body = _body(patrol)
    change(patrol, body)
    response = api.as_(patrol.owner).post("/api/v1/inspections/", body, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["field"] == field
    assert not Inspection.objects.exists() and not Hazard.objects.exists()


def test_a_photo_that_is_not_one_is_refused_and_nothing_is_stored(api, patrol):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("x.jpg", b"\xff\xd8\xff not really a jpeg", content_type="image/jpeg")
    response = api.as_(patrol.owner).post(
        "/api/v1/inspections/",
        {
            "template": "ebike",
            "place": f"building:{patrol.building_1.pk}",
            "results": json.dumps(_results(patrol.ebike)),
            f"photo_{patrol.flying_wire.pk}": fake,
        },
        format="multipart",
    )
    assert response.status_code == 400 and response.json()["field"] == f"photo_{patrol.flying_wire.pk}"
    assert not Inspection.objects.exists() and not InspectionPhoto.objects.exists()


def test_a_retry_with_the_same_idempotency_key_replays_the_first_answer(api, patrol):
    client = api.as_(patrol.owner)
    first = client.post("/api/v1/inspections/", _body(patrol), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post("/api/v1/inspections/", _body(patrol), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json()["id"] == first.json()["id"]
    assert Inspection.objects.count() == 1
    other = client.post(
        "/api/v1/inspections/", _body(patrol, note="另一次"), format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert other.status_code == 422 and Inspection.objects.count() == 1
    assert IdempotencyRecord.objects.filter(key="k-1").count() == 1


def test_inspections_are_scoped_like_cases(api, patrol):
    created = api.as_(patrol.owner).post("/api/v1/inspections/", _body(patrol), format="json").json()
    url = f"/api/v1/inspections/{created['id']}/"
    for user in (patrol.secretary, patrol.street, patrol.admin, patrol.owner):
        assert api.as_(user).get(url).status_code == 200
        assert [i["id"] for i in api.get("/api/v1/inspections/").json()["results"]] == [created["id"]]
    for user in (patrol.outsider, patrol.outsider_secretary, patrol.colleague_worker, patrol.dept):
        assert api.as_(user).get(url).status_code == 404
        assert api.get("/api/v1/inspections/").json()["results"] == []
    assert api.as_(patrol.outsider).post(f"{url}cases/", {}, format="json").status_code == 404


def test_a_department_user_may_not_record_inspections(api, patrol):
    response = api.as_(patrol.dept).post("/api/v1/inspections/", _body(patrol), format="json")
    assert response.status_code == 400 and response.json()["field"] == "place"
    assert not Inspection.objects.exists()
