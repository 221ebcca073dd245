"""Partners are created and edited through the services, the API and the pages; stale edits are refused."""

import pytest
from django.utils import translation

from linli.core.errors import Conflict, InvalidInput, NotAllowed
from linli.core.models import AuditEntry
from linli.partners import services
from linli.partners.models import Partner

pytestmark = pytest.mark.django_db


def test_the_secretary_creates_and_edits_a_partner_with_a_version_check(world, cast):
    partner = cast.aier
    assert partner.version == 1 and len(partner.code) == 10
    updated = services.partner_update(
        actor=world.secretary, partner=partner, version=1, address="南京路100号", is_active=False
    )
    assert (updated.address, updated.is_active, updated.version) == ("南京路100号", False, 2)
    with pytest.raises(Conflict):
        services.partner_update(actor=world.secretary, partner=partner, version=1, name="爱尔眼科医院")
    assert Partner.objects.get(pk=partner.pk).name == "爱尔眼科"
    events = set(AuditEntry.objects.filter(object_id=str(partner.pk)).values_list("event", flat=True))
    assert {"partner_created", "partner_updated"} <= events


def test_names_are_unique_per_community_and_only_managers_may_write(world, cast):
    with pytest.raises(InvalidInput) as exc:
        services.partner_create(
            actor=world.secretary, community=world.xiningdao, name=" 爱尔眼科 ", kind="other"
        )
    assert exc.value.field == "name"
    # the same name in another community is another partner
    services.partner_create(
        actor=world.outsider_secretary, community=world.yanyu, name="爱尔眼科", kind="other"
    )
    with pytest.raises(NotAllowed):
        services.partner_create(actor=world.owner, community=world.xiningdao, name="新店", kind="two_new")
    with pytest.raises(NotAllowed):
        services.partner_create(actor=world.secretary, community=world.yanyu, name="新店", kind="two_new")
    with pytest.raises(NotAllowed):
        services.partner_update(actor=world.owner, partner=cast.aier, version=1, name="x")
    # the street officer manages the partners of the street's communities
    services.partner_update(actor=world.street, partner=cast.aier, version=1, description="街道备注")
    with pytest.raises(InvalidInput):
        services.partner_create(actor=world.secretary, community=world.xiningdao, name="坏类型", kind="bank")


def test_the_api_creates_lists_filters_and_patches_with_a_version(world, cast, api):
    client = api.as_(world.secretary)
    body = {"community": world.xiningdao.pk, "name": "国天物业", "kind": "property", "address": "柳港园C区"}
    created = client.post("/api/v1/partners/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert created.status_code == 201, created.json()
    again = client.post("/api/v1/partners/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 201 and again.json()["id"] == created.json()["id"]
    assert Partner.objects.filter(name="国天物业").count() == 1
    pk = created.json()["id"]

    listed = client.get("/api/v1/partners/", {"kind": "property"}).json()
    assert [p["name"] for p in listed["results"]] == ["国天物业"]
    assert client.get("/api/v1/partners/", {"active": "false"}).json()["count"] == 0
    assert client.get("/api/v1/partners/", {"community": world.yanyu.pk}).json()["count"] == 0
    assert client.get("/api/v1/partners/", {"kind": "bank"}).status_code == 400

    patched = client.patch(f"/api/v1/partners/{pk}/", {"version": 1, "is_active": False}, format="json")
    assert patched.status_code == 200 and patched.json()["version"] == 2
    stale = client.patch(f"/api/v1/partners/{pk}/", {"version": 1, "name": "别名"}, format="json")
    assert stale.status_code == 409 and stale.json()["field"] == "version"
    # the community, the code and the version itself cannot be written from the body (AC-04)
    sneaky = client.patch(
        f"/api/v1/partners/{pk}/", {"version": 2, "community": world.yanyu.pk, "code": "aaaa"}, format="json"
    )
    assert sneaky.status_code == 200
    partner = Partner.objects.get(pk=pk)
    assert partner.community_id == world.xiningdao.pk and partner.code != "aaaa" and partner.version == 3
    duplicate = client.post("/api/v1/partners/", body, format="json")
    assert duplicate.status_code == 400 and duplicate.json()["field"] == "name"
    assert (
        api.as_(world.owner).post("/api/v1/partners/", {**body, "name": "x"}, format="json").status_code
        == 403
    )


def test_the_detail_masks_contacts_and_lists_agreements_and_items(world, cast, api):
    data = api.as_(world.secretary).get(f"/api/v1/partners/{cast.aier.pk}/").json()
    phones = {c["name"]: c["phone"] for c in data["contacts"]}
    assert phones == {"前台": "022*****6789", "陈明医生": "138****1201"}
    assert [i["title"] for i in data["items"]] == ["眼科义诊", "儿童视力检查"]
    assert data["agreements"] == [] and data["agreement_status"] == ""


def test_the_pages_create_and_edit_and_keep_what_was_typed(world, cast, en):
    client = en
    client.force_login(world.secretary)
    with translation.override("en"):
        form = {
            "community": world.xiningdao.pk,
            "name": "爱尔眼科",
            "kind": "co_building",
            "address": "南京路",
        }
        response = client.post("/partners/new/", {**form, "description": "第二次录入"})
        assert response.status_code == 200
        assert "already has a partner with this name" in response.content.decode()
        assert "第二次录入" in response.content.decode()
        response = client.post("/partners/new/", {**form, "name": "国天物业", "is_active": "on"})
        partner = Partner.objects.get(name="国天物业")
        assert response.status_code == 302 and response["Location"] == f"/partners/{partner.pk}/"
        response = client.post(
            f"/partners/{partner.pk}/edit/",
            {"name": "国天物业", "kind": "property", "address": "柳港园", "version": 7},
        )
        assert response.status_code == 200 and "Someone else changed this record" in response.content.decode()
        assert "柳港园" in response.content.decode()
        response = client.post(
            f"/partners/{partner.pk}/edit/",
            {"name": "国天物业", "kind": "property", "address": "柳港园", "is_active": "on", "version": 1},
        )
        assert response.status_code == 302
    assert Partner.objects.get(pk=partner.pk).address == "柳港园"
    client.force_login(world.owner)
    assert client.get(f"/partners/{partner.pk}/edit/").status_code == 404
    assert client.get("/partners/new/").status_code == 404
    assert client.get(f"/partners/{partner.pk}/").status_code == 200


def test_contacts_are_added_and_removed_from_the_page_and_shown_to_the_community_staff(world, cast, client):
    client.force_login(world.secretary)
    response = client.post(
        f"/partners/{cast.aier.pk}/contacts/",
        {"name": "王护士", "phone": "13900001111", "publicity": "hidden"},
    )
    assert response.status_code == 302
    page = client.get(f"/partners/{cast.aier.pk}/").content.decode()
    assert "13900001111" in page  # the community's own staff call them
    client.force_login(world.street)
    page = client.get(f"/partners/{cast.aier.pk}/").content.decode()
    assert "13900001111" not in page and "139****1111" in page
    client.force_login(world.secretary)
    bad = client.post(
        f"/partners/{cast.aier.pk}/contacts/", {"name": "李", "phone": "99999999999", "publicity": "hidden"}
    )
    assert bad.status_code == 400
    contact = cast.aier.contacts.get(name="王护士")
    assert client.post(f"/partners/{cast.aier.pk}/contacts/{contact.pk}/remove/").status_code == 302
    assert not cast.aier.contacts.filter(name="王护士").exists()
    assert AuditEntry.objects.filter(event="partner_contact_removed", object_id=str(contact.pk)).exists()
