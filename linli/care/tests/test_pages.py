"""The care pages render for the field (mobile) and refuse outsiders."""

import pytest

from linli.care import services
from linli.care.models import CareCall, CareOrder, Terminal

from .test_webhook import SOS

pytestmark = pytest.mark.django_db


def test_every_page_renders_for_the_grid_worker_and_404s_for_outsiders(
    care, world, registry, webhook, client
):
    webhook(SOS)
    call = CareCall.objects.get()
    order = services.order_create(
        actor=world.owner, resident=registry.li, service="meal", requester_kind="resident"
    )
    urls = ["/care/", "/care/terminals/", "/care/orders/", "/care/orders/new/", "/care/visits/"]
    client.force_login(world.owner)
    for url in urls + [f"/care/calls/{call.pk}/", f"/care/orders/{order.pk}/"]:
        assert client.get(url).status_code == 200, url
    client.force_login(world.outsider)
    assert client.get(f"/care/calls/{call.pk}/").status_code == 404
    assert client.get(f"/care/orders/{order.pk}/").status_code == 404
    client.force_login(world.dept)
    assert client.get("/care/").status_code == 404


def test_a_terminal_is_registered_and_an_order_taken_from_the_pages(care, world, registry, client):
    client.force_login(world.colleague_worker)
    response = client.post(
        "/care/terminals/",
        {
            "resident": registry.zhou.pk,
            "provider": care.platform.pk,
            "device_id": "DZBM-0009",
            "model": "YL-A8",
        },
    )
    assert response.status_code == 302
    assert Terminal.objects.filter(device_id="DZBM-0009", resident=registry.zhou).exists()
    response = client.post(
        "/care/orders/new/",
        {"resident": registry.zhou.pk, "service": "shopping", "requester_kind": "resident"},
    )
    order = CareOrder.objects.get(resident=registry.zhou)
    assert response.status_code == 302 and response["Location"] == f"/care/orders/{order.pk}/"


def test_a_visit_is_recorded_from_the_visits_page(care, world, registry, client):
    client.force_login(world.owner)
    response = client.post(f"/care/visits/{registry.li.pk}/", {"kind": "phone", "note": "电话问候"})
    assert response.status_code == 302
    registry.li.refresh_from_db()
    assert registry.li.last_visit_at is not None
