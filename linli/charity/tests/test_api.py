"""The REST endpoints: scoped like cases (outsiders get 404 everywhere), idempotent creation, the hand-over's
409 and 422, multipart donations with a receipt and hand-overs with a drawn signature."""

import base64
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from linli.charity.models import Distribution, Donation, HandOver, HomeDelivery, StockMovement
from linli.charity.tests.conftest import BAG, signature_png
from linli.conftest import png_bytes

pytestmark = pytest.mark.django_db


def urls(charity, plan, registry, delivery):
    item = charity.bags.pk
    return {
        "get": [
            f"/api/v1/donations/{charity.donation.pk}/",
            f"/api/v1/stock/{item}/",
            f"/api/v1/stock/{item}/ledger/",
            f"/api/v1/distributions/{plan.pk}/",
            f"/api/v1/distributions/{plan.pk}/recipients/",
            f"/api/v1/distributions/{plan.pk}/handovers/",
            f"/api/v1/distributions/{plan.pk}/deliveries/",
            f"/api/v1/deliveries/{delivery.pk}/",
        ],
        "post": [
            (f"/api/v1/stock/{item}/adjust/", {"delta": -1, "reason": "盘点"}),
            (f"/api/v1/distributions/{plan.pk}/approve/", {}),
            (f"/api/v1/distributions/{plan.pk}/close/", {}),
            (
                f"/api/v1/distributions/{plan.pk}/recipients/",
                {"household": registry.home_b.pk, "reason": "x"},
            ),
            (
                f"/api/v1/distributions/{plan.pk}/handovers/",
                {"household": registry.home_a.pk, "received_by": "李秀兰", "proof_kind": "photo"},
            ),
            (f"/api/v1/deliveries/{delivery.pk}/complete/", {"received_by": "韩大爷", "proof_kind": "photo"}),
        ],
        "lists": [
            "/api/v1/donations/",
            "/api/v1/stock/",
            "/api/v1/stock/ledger/",
            "/api/v1/distributions/",
            "/api/v1/deliveries/",
        ],
    }


@pytest.fixture
def delivery(world, registry, plan):
    from datetime import date

    from linli.charity import services

    return services.delivery_plan(
        actor=world.secretary,
        distribution=plan,
        household=registry.home_a2,
        planned_on=date(2026, 1, 25),
        assignee=world.owner,
    )


def test_outsiders_get_404_everywhere_and_see_nothing_in_lists(world, registry, charity, plan, delivery, api):
    paths = urls(charity, plan, registry, delivery)
    for user in (world.outsider, world.outsider_secretary, world.dept, world.reporter):
        client = api.as_(user)
        for url in paths["get"]:
            assert client.get(url).status_code == 404, (user, url)
        for url, body in paths["post"]:
            assert client.post(url, body, format="json").status_code == 404, (user, url)
        for url in paths["lists"]:
            response = client.get(url)
            assert response.status_code in (200, 404), (user, url)
            if response.status_code == 200:
                assert response.json()["results"] == [], (user, url)
    assert StockMovement.objects.count() == 1 and not HandOver.objects.exists()


def test_community_staff_and_the_street_see_it_and_the_list_is_cut_to_the_households_they_see(
    world, registry, charity, plan, delivery, api
):
    paths = urls(charity, plan, registry, delivery)
    for user in (world.secretary, world.street, world.owner):
        client = api.as_(user)
        for url in paths["get"]:
            assert client.get(url).status_code == 200, (user, url)
    # 李网格 works grid B: the plan is his community's, but its households are in grid A
    client = api.as_(world.colleague_worker)
    assert client.get(f"/api/v1/distributions/{plan.pk}/").status_code == 200
    assert client.get(f"/api/v1/distributions/{plan.pk}/recipients/").json()["results"] == []
    assert client.get(f"/api/v1/deliveries/{delivery.pk}/").status_code == 404
    rows = api.as_(world.owner).get(f"/api/v1/distributions/{plan.pk}/recipients/").json()["results"]
    assert {r["household"] for r in rows} == {registry.home_a.pk, registry.home_a2.pk}
    han = next(r for r in rows if r["household"] == registry.home_a2.pk)
    assert han["name"] == "韩大爷" and han["matched"] == ["低保"] and han["delivery"] == delivery.pk
    # a street officer sees the households masked, and not the sensitive 低保 tag
    rows = api.as_(world.street).get(f"/api/v1/distributions/{plan.pk}/recipients/").json()["results"]
    han = next(r for r in rows if r["household"] == registry.home_a2.pk)
    assert han["name"] != "韩大爷" and han["matched"] == [] and han["address"].endswith("***")


def test_creating_a_donation_is_idempotent(world, charity, api):
    client = api.as_(world.owner)
    body = {
        "donor_kind": "person",
        "donor_name": "刘先生",
        "received_on": "2026-01-21",
        "items": [{"name": "棉衣", "unit": "件", "quantity": 12, "unit_value": "100.00"}],
    }
    first = client.post("/api/v1/donations/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post("/api/v1/donations/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and first.json()["id"] == again.json()["id"]
    assert first.json()["total_value"] == "1200.00" and first.json()["community"] == "XND"
    other = client.post(
        "/api/v1/donations/", {**body, "donor_name": "王女士"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert other.status_code == 422
    assert Donation.objects.count() == 2


def test_a_multipart_donation_with_its_receipt_which_only_staff_may_download(world, charity, api, client):
    response = api.as_(world.secretary).post(
        "/api/v1/donations/",
        {
            "donor_kind": "partner",
            "partner": charity.bank.pk,
            "received_on": "2026-01-21",
            "items": json.dumps([BAG]),
            "receipt_number": "JZ-2026-0002",
            "receipt": SimpleUploadedFile("收据.pdf", b"%PDF-1.4 receipt", content_type="application/pdf"),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    url = response.json()["receipt_url"]
    client.force_login(world.owner)
    download = client.get(url)
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    client.force_login(world.outsider)
    assert client.get(url).status_code == 404
    bad = api.as_(world.secretary).post(
        "/api/v1/donations/",
        {
            "donor_kind": "anonymous",
            "received_on": "2026-01-21",
            "items": json.dumps([BAG]),
            "receipt": SimpleUploadedFile("x.pdf", b"MZ not a pdf"),
        },
        format="multipart",
    )
    assert bad.status_code == 400 and bad.json()["field"] == "receipt"


def test_a_plan_through_the_api_its_approval_and_a_signed_hand_over(world, registry, charity, api):
    client = api.as_(world.owner)
    created = client.post(
        "/api/v1/distributions/",
        {"name": "春节幸福包", "stock_item": charity.bags.pk, "rule": {"tags": ["dibao"]}},
        format="json",
        HTTP_IDEMPOTENCY_KEY="plan-1",
    )
    assert created.status_code == 201 and created.json()["progress"]["listed"] == 1
    pk = created.json()["id"]
    assert client.post(f"/api/v1/distributions/{pk}/approve/", {}, format="json").status_code == 403
    secretary = api.as_(world.secretary)
    stale = secretary.post(f"/api/v1/distributions/{pk}/approve/", {"version": 99}, format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    assert (
        secretary.post(f"/api/v1/distributions/{pk}/approve/", {}, format="json").json()["status"]
        == "approved"
    )
    assert secretary.post(f"/api/v1/distributions/{pk}/open/", {}, format="json").json()["status"] == "open"
    data_url = "data:image/png;base64," + base64.b64encode(signature_png()).decode()
    body = {
        "household": registry.home_a2.pk,
        "received_by": "韩大爷",
        "proof_kind": "signature",
        "signature_data": data_url,
    }
    first = client.post(f"/api/v1/distributions/{pk}/handovers/", body, format="json")
    assert first.status_code == 201 and first.json()["proof_url"].startswith("/charity/files/")
    twice = client.post(f"/api/v1/distributions/{pk}/handovers/", body, format="json")
    assert twice.status_code == 409 and twice.json()["code"] == "already_received"
    other = client.post(
        f"/api/v1/distributions/{pk}/handovers/",
        {
            "household": registry.home_a.pk,
            "received_by": "李秀兰",
            "proof_kind": "photo",
            "photo": SimpleUploadedFile("p.png", png_bytes()),
        },
        format="multipart",
    )
    assert other.status_code == 422 and other.json()["code"] == "not_listed"
    assert HandOver.objects.count() == 1


def test_an_out_of_stock_hand_over_is_a_422_with_the_balance(world, registry, charity, plan, api):
    api.as_(world.secretary).post(
        f"/api/v1/stock/{charity.bags.pk}/adjust/", {"delta": -30, "reason": "转赠天兴里社区"}, format="json"
    )
    response = api.as_(world.owner).post(
        f"/api/v1/distributions/{plan.pk}/handovers/",
        {
            "household": registry.home_a.pk,
            "received_by": "李秀兰",
            "proof_kind": "photo",
            "photo": SimpleUploadedFile("p.png", png_bytes()),
        },
        format="multipart",
    )
    assert response.status_code == 422
    assert response.json()["code"] == "out_of_stock" and response.json()["in_stock"] == 0


def test_a_home_delivery_through_the_api(world, registry, plan, api):
    client = api.as_(world.owner)
    planned = client.post(
        f"/api/v1/distributions/{plan.pk}/deliveries/",
        {"household": registry.home_a2.pk, "planned_on": "2026-01-25", "volunteer_name": "红管家志愿者"},
        format="json",
    )
    assert planned.status_code == 201 and planned.json()["status"] == "planned"
    done = client.post(
        f"/api/v1/deliveries/{planned.json()['id']}/complete/",
        {
            "received_by": "韩大爷",
            "proof_kind": "photo",
            "photo": SimpleUploadedFile("door.png", png_bytes()),
        },
        format="multipart",
    )
    assert done.status_code == 200 and done.json()["status"] == "delivered"
    assert HomeDelivery.objects.get().handover.household_id == registry.home_a2.pk
    assert Distribution.objects.get().handovers.count() == 1
