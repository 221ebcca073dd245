"""Every care endpoint is scoped like the resident it is for: outsiders get 404, phones are masked for non-handlers."""

import pytest

from linli.care.models import CareCall

from .test_webhook import SOS

pytestmark = pytest.mark.django_db


@pytest.fixture
def sos_call(care, webhook):
    webhook(SOS)
    return CareCall.objects.get()


def test_the_lists_show_nothing_to_the_outsider(care, sos_call, api, world):
    for url in ("/api/v1/care/terminals/", "/api/v1/care/calls/", "/api/v1/care/orders/", "/api/v1/visits/"):
        body = api.as_(world.outsider).get(url).json()
        assert body["count"] == 0, url
        assert api.as_(world.owner).get(url).status_code == 200, url


@pytest.mark.parametrize("kind", ["terminal", "call", "order"])
def test_the_outsider_gets_404_on_every_object(care, sos_call, api, world, registry, kind):
    order = api.as_(world.owner).post(
        "/api/v1/care/orders/", {"resident": registry.li.pk, "service": "meal", "requester_kind": "resident"}
    )
    assert order.status_code == 201, order.content
    ids = {"terminal": care.terminal.pk, "call": sos_call.pk, "order": order.json()["id"]}
    url = f"/api/v1/care/{kind}s/{ids[kind]}/"
    assert api.as_(world.owner).get(url).status_code == 200
    assert api.as_(world.outsider).get(url).status_code == 404
    assert api.as_(world.outsider_secretary).get(url).status_code == 404
    assert api.as_(world.dept).get(url).status_code == 404


def test_the_outsider_cannot_write_for_someone_else_s_resident(care, api, world, registry):
    client = api.as_(world.outsider)
    order = {"resident": registry.li.pk, "service": "meal", "requester_kind": "resident"}
    assert client.post("/api/v1/care/orders/", order).status_code == 404
    terminal = {"resident": registry.li.pk, "provider": "dzbm", "device_id": "X-1"}
    assert client.post("/api/v1/care/terminals/", terminal).status_code == 404
    assert client.post("/api/v1/visits/", {"resident": registry.li.pk}).status_code == 404


def test_the_sim_is_full_for_the_grid_worker_and_masked_for_the_street(care, api, world):
    mine = api.as_(world.owner).get(f"/api/v1/care/terminals/{care.terminal.pk}/").json()
    assert mine["sim"] == "14500001111" and mine["resident_name"] == "李秀兰"
    street = api.as_(world.street).get(f"/api/v1/care/terminals/{care.terminal.pk}/").json()
    assert street["sim"] == "145****1111" and street["resident_name"] == "李**"


def test_call_alerts_never_show_a_full_phone(care, sos_call, api, world):
    body = api.as_(world.owner).get(f"/api/v1/care/calls/{sos_call.pk}/").json()
    assert body["case_number"] and body["level"] == "worker"
    [alert] = body["alerts"]
    assert alert["phone"] == "137****1111" and alert["name"] == "王网格"


def test_a_grid_worker_registers_a_terminal_through_the_api(care, api, world, registry):
    response = api.as_(world.colleague_worker).post(
        "/api/v1/care/terminals/",
        {"resident": registry.zhou.pk, "provider": "dzbm", "device_id": "DZBM-0002"},
    )
    assert response.status_code == 201, response.content
    again = api.as_(world.colleague_worker).post(
        "/api/v1/care/terminals/",
        {"resident": registry.zhou.pk, "provider": "dzbm", "device_id": "DZBM-0002"},
    )
    assert again.status_code == 400 and again.json()["field"] == "device_id"


def test_staff_lists_need_a_sign_in(care, client):
    assert client.get("/api/v1/care/calls/").status_code in (401, 403)
    assert client.get("/api/v1/care/orders/").status_code in (401, 403)
