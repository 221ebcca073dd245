from linli.patrols.models import Hazard, Inspection, InspectionPhoto

from .conftest import gps_jpeg, has_gps


def _form(template, *, hazard_item=None, **extra) -> dict:
    data = {f"result_{item.pk}": "ok" for item in template.items.all()}
    if hazard_item is not None:
        data[f"result_{hazard_item.pk}"] = "hazard"
    data.update(extra)
    return data


def test_the_phone_page_offers_big_ticks_a_camera_and_the_location(client, patrol):
    client.force_login(patrol.owner)
    page = client.get(f"/patrols/inspect/building/{patrol.building_1.pk}/{patrol.ebike.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('type="radio"') == 3 * patrol.ebike.items.count()
    assert 'capture="environment"' in html and 'accept="image/*"' in html
    assert 'name="lat"' in html and 'name="lon"' in html and "csrfmiddlewaretoken" in html
    assert "patrols/inspect.js" in html


def test_an_inspection_carried_out_on_the_page_stores_ticks_photo_note_and_location(client, patrol):
    client.force_login(patrol.owner)
    url = f"/patrols/inspect/building/{patrol.building_1.pk}/{patrol.ebike.pk}/"
    data = _form(
        patrol.ebike,
        hazard_item=patrol.flying_wire,
        **{
            f"note_{patrol.flying_wire.pk}": "4楼窗户飞线充电",
            f"photo_{patrol.flying_wire.pk}": gps_jpeg(),
            "note": "雨天复查",
            "lat": "39.11105",
            "lon": "117.20102",
        },
    )
    response = client.post(url, data)
    inspection = Inspection.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/patrols/inspections/{inspection.pk}/"
    assert (inspection.inspector, inspection.building, inspection.grid) == (
        patrol.owner,
        patrol.building_1,
        patrol.grid_a,
    )
    assert (inspection.lat, inspection.lon, inspection.note) == (39.11105, 117.20102, "雨天复查")
    assert inspection.results.count() == patrol.ebike.items.count()
    hazard = Hazard.objects.get()
    assert hazard.description == "4楼窗户飞线充电" and hazard.category == patrol.fire
    assert hazard.status == "found"
    photo = InspectionPhoto.objects.get()
    assert photo.result.item == patrol.flying_wire and photo.content_type == "image/jpeg"
    assert photo.stored_name.endswith(".jpg") and "window" not in photo.file.name
    assert not has_gps(photo.file.read())

    result = client.get(response["Location"]).content.decode()
    assert "4楼窗户飞线充电" in result and f"/patrols/hazards/{hazard.pk}/case/" in result
    served = client.get(f"/patrols/photos/{photo.uuid}/")
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Disposition"].startswith("attachment")


def test_an_incomplete_checklist_is_shown_again_and_nothing_is_stored(client, patrol):
    client.force_login(patrol.owner)
    data = _form(patrol.ebike)
    del data[f"result_{patrol.parking.pk}"]
    response = client.post(f"/patrols/inspect/building/{patrol.building_1.pk}/{patrol.ebike.pk}/", data)
    assert response.status_code == 200
    assert response.context["form"].errors[f"result_{patrol.parking.pk}"]
    assert not Inspection.objects.exists()


def test_a_grid_worker_cannot_inspect_another_grids_building_and_outsiders_see_nothing(client, patrol):
    client.force_login(patrol.colleague_worker)  # grid B
    url = f"/patrols/inspect/building/{patrol.building_1.pk}/{patrol.ebike.pk}/"
    assert client.get(url).status_code == 404
    assert client.post(url, _form(patrol.ebike)).status_code == 404
    client.force_login(patrol.secretary)  # the community's secretary inspects any of its places
    assert client.post(url, _form(patrol.ebike)).status_code == 302
    inspection = Inspection.objects.get()
    result_page = f"/patrols/inspections/{inspection.pk}/"
    client.force_login(patrol.outsider)
    assert client.get(result_page).status_code == 404
    assert client.get(url).status_code == 404
    client.force_login(patrol.dept)
    assert client.get(url).status_code == 404


def test_a_building_checklist_is_not_offered_for_a_shop(client, patrol):
    client.force_login(patrol.owner)
    assert client.get(f"/patrols/inspect/shop/{patrol.shop.pk}/{patrol.ebike.pk}/").status_code == 404
    page = client.get(f"/patrols/new/?template={patrol.shop_fire.pk}").content.decode()
    assert f"/patrols/inspect/shop/{patrol.shop.pk}/{patrol.shop_fire.pk}/" in page
