"""The staff pages: each renders for the community's staff, answers 404 to outsiders, and the forms work."""

import base64

import pytest
from django.utils import translation

from linli.charity.models import Distribution, Donation, HandOver
from linli.charity.tests.conftest import signature_png

pytestmark = pytest.mark.django_db


def page_urls(charity, plan, registry):
    return [
        "/charity/",
        "/charity/donations/",
        "/charity/donations/new/",
        f"/charity/donations/{charity.donation.pk}/",
        f"/charity/stock/{charity.bags.pk}/",
        "/charity/plans/",
        "/charity/plans/new/",
        f"/charity/plans/{plan.pk}/",
        f"/charity/plans/{plan.pk}/handover/",
        f"/charity/plans/{plan.pk}/handover/{registry.home_a.pk}/",
        "/charity/deliveries/",
    ]


def test_pages_render_for_staff_and_are_404_for_outsiders(world, registry, charity, plan, client):
    for url in page_urls(charity, plan, registry):
        client.force_login(world.owner)
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response.get("Cache-Control", ""), url
        client.force_login(world.outsider)
        if url.endswith(
            ("/charity/", "/donations/", "/plans/", "/deliveries/", "/new/")
        ):  # their own community's
            assert client.get(url).status_code == 200
            continue
        assert client.get(url).status_code == 404, url
    client.force_login(world.dept)
    assert client.get("/charity/").status_code == 404


def test_recording_a_donation_in_the_form_keeps_what_was_typed_on_an_error(world, charity, client):
    client.force_login(world.owner)
    form = {
        "community": world.xiningdao.pk,
        "donor_kind": "person",
        "donor_name": "",
        "received_on": "2026-01-21",
        "item_name_0": "棉衣",
        "item_unit_0": "件",
        "item_quantity_0": "8",
        "item_value_0": "90",
    }
    with translation.override("en"):
        again = client.post("/charity/donations/new/", form)
    assert again.status_code == 200 and "棉衣" in again.content.decode() and Donation.objects.count() == 1
    response = client.post("/charity/donations/new/", {**form, "donor_name": "刘先生"})
    donation = Donation.objects.exclude(pk=charity.donation.pk).get()
    assert response.status_code == 302 and response["Location"] == f"/charity/donations/{donation.pk}/"
    assert donation.total_value == 720


def test_the_plan_page_drafts_approves_and_the_phone_screen_records_a_signed_hand_over(
    world, registry, charity, client
):
    client.force_login(world.owner)
    response = client.post(
        "/charity/plans/new/",
        {
            "name": "春节幸福包",
            "stock_item": charity.bags.pk,
            "per_household": 1,
            "tags": ["dibao"],
            "match": "any",
        },
    )
    plan = Distribution.objects.get()
    assert response.status_code == 302 and plan.recipients.count() == 1
    client.post(
        f"/charity/plans/{plan.pk}/add/", {"household": registry.home_a.pk, "reason": "独居，行动不便"}
    )
    assert plan.recipients.filter(removed_at__isnull=True).count() == 2
    client.post(f"/charity/plans/{plan.pk}/approve/")  # a grid worker cannot
    plan.refresh_from_db()
    assert plan.status == "draft"
    client.force_login(world.secretary)
    client.post(f"/charity/plans/{plan.pk}/approve/", {"version": plan.version})
    client.post(f"/charity/plans/{plan.pk}/open/")
    plan.refresh_from_db()
    assert plan.status == "open"
    data_url = "data:image/png;base64," + base64.b64encode(signature_png()).decode()
    response = client.post(
        f"/charity/plans/{plan.pk}/handover/{registry.home_a2.pk}/",
        {"received_by": "韩大爷", "proof_kind": "signature", "signature_data": data_url},
    )
    assert response.status_code == 302 and HandOver.objects.get().household == registry.home_a2
    screen = client.get(f"/charity/plans/{plan.pk}/handover/").content.decode()
    assert "signature.js" not in screen and f"/handover/{registry.home_a.pk}/" in screen
    assert f"/handover/{registry.home_a2.pk}/" not in screen
    form = client.get(f"/charity/plans/{plan.pk}/handover/{registry.home_a.pk}/").content.decode()
    assert "charity/signature.js" in form and 'id="signature-pad"' in form
