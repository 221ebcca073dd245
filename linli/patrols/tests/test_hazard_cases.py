import pytest

from linli.cases import services as case_services
from linli.cases.models import Case
from linli.core.errors import Conflict, InvalidInput
from linli.core.images import clean_photos
from linli.core.models import AuditEntry
from linli.core.uploads import check_uploads
from linli.patrols import services
from linli.patrols.models import Hazard, InspectionPhoto

from .conftest import all_ok, gps_jpeg


def _inspect(world, *, photo=True, place=None, orders=(2,)):
    place = place or world.building_1
    photos = {}
    if photo:
        photos[world.flying_wire.pk] = clean_photos(check_uploads([gps_jpeg()]))
    return services.inspection_record(
        actor=world.owner,
        template=world.ebike,
        place=place,
        ticks=all_ok(world.ebike, orders),
        photos=photos,
        lat=39.1111,
        lon=117.2011,
    )


def _close(case, world):
    case = case_services.case_respond(case=case, actor=world.owner)
    case = case_services.case_resolve(case=case, actor=world.owner, result="拆除飞线")
    case = case_services.case_verify(case=case, actor=world.secretary, passed=True)
    return case_services.case_close(case=case, actor=world.secretary)


def test_a_hazard_becomes_a_patrol_case_in_one_step_with_its_photo_place_and_category(client, patrol):
    inspection = _inspect(patrol)
    hazard = inspection.hazards.get()
    client.force_login(patrol.owner)
    response = client.post(f"/patrols/hazards/{hazard.pk}/case/")
    assert response.status_code == 302
    case = Case.objects.get()
    assert (case.channel, case.category, case.building, case.grid) == (
        "patrol",
        patrol.fire,
        patrol.building_1,
        patrol.grid_a,
    )
    assert (case.lat, case.lon) == (39.1111, 117.2011)
    assert case.assignee == patrol.owner and case.created_by == patrol.owner
    [attachment] = case.attachments.all()
    assert attachment.content_type == "image/jpeg"
    assert attachment.file.read() == InspectionPhoto.objects.get().file.read()
    hazard.refresh_from_db()
    assert (hazard.status, hazard.case) == ("case_open", case)
    entry = AuditEntry.objects.get(event="patrol_hazard_to_case")
    assert (
        entry.actor == patrol.owner and entry.object_id == str(hazard.pk) and entry.detail["case"] == case.pk
    )
    with pytest.raises(Conflict):  # not twice
        services.hazard_open_case(hazard=hazard, actor=patrol.owner)
    assert Case.objects.count() == 1


def test_the_hazard_is_fixed_when_its_case_is_closed_and_open_again_when_it_is_reopened(patrol):
    hazard = _inspect(patrol).hazards.get()
    case = services.hazard_open_case(hazard=hazard, actor=patrol.owner)
    case = case_services.case_respond(case=case, actor=patrol.owner)
    case = case_services.case_resolve(case=case, actor=patrol.owner, result="拆除飞线")
    hazard.refresh_from_db()
    assert hazard.status == "case_open"  # resolved is not yet 销号
    case = case_services.case_verify(case=case, actor=patrol.secretary, passed=True)
    case = case_services.case_close(case=case, actor=patrol.secretary)
    hazard.refresh_from_db()
    assert (
        hazard.status == "fixed" and hazard.fixed_at == case.closed_at and hazard.fixed_by == patrol.secretary
    )
    case_services.case_reopen(case=case, actor=patrol.secretary, note="又发现飞线")
    hazard.refresh_from_db()
    assert (hazard.status, hazard.fixed_at) == ("case_open", None)


def test_a_rejected_case_hands_the_hazard_back(patrol):
    hazard = _inspect(patrol, photo=False).hazards.get()
    case = services.hazard_open_case(hazard=hazard, actor=patrol.owner)
    case_services.case_reject(case=case, actor=patrol.secretary, reason="重复上报")
    hazard.refresh_from_db()
    assert hazard.status == "found"
    services.hazard_fix(hazard=hazard, actor=patrol.owner, note="已当场拆除")
    hazard.refresh_from_db()
    assert hazard.status == "fixed"


def test_all_hazards_of_an_inspection_become_cases_over_the_api_or_none_without_a_category(api, patrol):
    inspection = _inspect(patrol, orders=(1, 2))  # 楼道停放 has no category in this world
    client = api.as_(patrol.owner)
    url = f"/api/v1/inspections/{inspection.pk}/cases/"
    refused = client.post(url, {}, format="json")
    assert refused.status_code == 400 and refused.json()["field"] == "category"
    assert not Case.objects.exists() and not inspection.hazards.exclude(status="found").exists()
    assert not AuditEntry.objects.filter(event="patrol_hazard_to_case").exists()

    response = client.post(url, {"category": "ENV-DRAIN"}, format="json", HTTP_IDEMPOTENCY_KEY="cases-1")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert len(body["cases"]) == 2 and {h["status"] for h in body["inspection"]["hazards"]} == {"case_open"}
    categories = dict(Hazard.objects.values_list("result__item__order", "case__category__code"))
    assert categories == {1: "ENV-DRAIN", 2: "SAFE-FIRE"}  # the item's own category wins
    replay = client.post(url, {"category": "ENV-DRAIN"}, format="json", HTTP_IDEMPOTENCY_KEY="cases-1")
    assert replay.status_code == 201 and replay.json() == body and Case.objects.count() == 2
    again = client.post(url, {"category": "ENV-DRAIN"}, format="json")
    assert again.status_code == 409 and Case.objects.count() == 2


def test_one_hazard_over_the_api_and_an_unknown_one_is_a_400(api, patrol):
    inspection = _inspect(patrol, orders=(1, 2))
    client = api.as_(patrol.owner)
    url = f"/api/v1/inspections/{inspection.pk}/cases/"
    wire = inspection.hazards.get(result__item=patrol.flying_wire)
    assert client.post(url, {"hazard": 999999}, format="json").json()["field"] == "hazard"
    response = client.post(url, {"hazard": wire.pk}, format="json")
    assert response.status_code == 201 and response.json()["cases"][0]["hazard"] == wire.pk
    assert Case.objects.get().category == patrol.fire
    assert inspection.hazards.filter(status="found").count() == 1


def test_a_hazard_fixed_on_the_spot_keeps_its_note_and_after_photo(client, patrol):
    hazard = _inspect(patrol, photo=False).hazards.get()
    client.force_login(patrol.owner)
    response = client.post(
        f"/patrols/hazards/{hazard.pk}/fix/", {"note": "已拔掉飞线", "photos": gps_jpeg("after.jpg")}
    )
    assert response.status_code == 302
    hazard.refresh_from_db()
    assert (hazard.status, hazard.fix_note, hazard.fixed_by) == ("fixed", "已拔掉飞线", patrol.owner)
    assert hazard.after_photos.get().kind == "after"
    with pytest.raises(Conflict):
        services.hazard_open_case(hazard=hazard, actor=patrol.owner)
    with pytest.raises(InvalidInput) as exc:
        services.hazard_fix(hazard=hazard, actor=patrol.owner, note=" ")
    assert exc.value.field == "note"
    assert not Case.objects.exists()


def test_fixing_over_the_api_needs_a_note_and_is_scoped(api, patrol):
    hazard = _inspect(patrol, photo=False).hazards.get()
    url = f"/api/v1/hazards/{hazard.pk}/fix/"
    assert api.as_(patrol.outsider).post(url, {"note": "x"}, format="json").status_code == 404
    missing = api.as_(patrol.owner).post(url, {}, format="json")
    assert missing.status_code == 400 and missing.json()["field"] == "note"
    done = api.post(url, {"note": "已清理"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "fixed"
    assert api.post(url, {"note": "再来"}, format="json").status_code == 409


def test_a_hazard_at_a_shop_becomes_a_case_at_its_building(patrol):
    photos = {}
    inspection = services.inspection_record(
        actor=patrol.owner,
        template=patrol.shop_fire,
        place=patrol.shop,
        ticks=all_ok(patrol.shop_fire, (6,)),
        photos=photos,
    )
    case = services.hazard_open_case(
        hazard=inspection.hazards.get(), actor=patrol.owner, category=patrol.fire
    )
    assert (case.building, case.grid, case.community) == (patrol.building_1, patrol.grid_a, patrol.xiningdao)
    assert (case.lat, case.lon) == (patrol.building_1.lat, patrol.building_1.lon)
