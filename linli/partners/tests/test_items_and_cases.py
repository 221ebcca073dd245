"""Pledged service items and what was delivered (pledged vs delivered), and the cases a partner helped with:
recorded from the partner page, the case page or the API, and listed only to viewers who may see the case."""

from datetime import timedelta

import pytest
from django.utils import timezone

from linli.core.errors import InvalidInput, NotAllowed
from linli.partners import selectors, services
from linli.partners.models import PartnerCaseHelp, ServiceItem, ServiceUse
from linli.residents.models import Tag

pytestmark = pytest.mark.django_db


def test_a_tag_group_item_needs_its_tag(world, cast):
    with pytest.raises(InvalidInput) as exc:
        services.item_create(actor=world.secretary, partner=cast.aier, title="低保家庭配镜", audience="tag")
    assert exc.value.field == "tag"
    tag = Tag.objects.order_by("pk").first()
    item = services.item_create(
        actor=world.secretary, partner=cast.aier, title="低保家庭配镜", audience="tag", tag=tag
    )
    assert item.audience_label() == tag.name
    item = services.item_update(actor=world.secretary, item=item, version=1, audience="all")
    assert item.tag is None and item.version == 2
    with pytest.raises(NotAllowed):
        services.item_create(actor=world.owner, partner=cast.aier, title="x")


def test_deliveries_are_counted_against_the_monthly_cap(world, cast):
    today = timezone.localdate()
    services.service_use_record(actor=world.owner, item=cast.clinic, on=today, households=20, note="义诊日")
    services.service_use_record(actor=world.secretary, item=cast.clinic, on=today, households=15)
    services.service_use_record(
        actor=world.secretary, item=cast.clinic, on=today - timedelta(days=40), households=9
    )
    with pytest.raises(InvalidInput):
        services.service_use_record(
            actor=world.secretary, item=cast.clinic, on=today + timedelta(days=1), households=1
        )
    with pytest.raises(InvalidInput):
        services.service_use_record(actor=world.secretary, item=cast.clinic, on=today, households=0)
    with pytest.raises(NotAllowed):
        services.service_use_record(actor=world.outsider, item=cast.clinic, on=today, households=1)
    rows = {r.item.title: r for r in selectors.deliveries(cast.aier, today)}
    clinic = rows["眼科义诊"]
    assert (clinic.month_households, clinic.month_uses, clinic.total_households, clinic.total_uses) == (
        35,
        2,
        44,
        3,
    )
    assert clinic.over_cap  # 35 households against a pledge of 30 a month
    assert rows["儿童视力检查"].total_households == 0 and not rows["儿童视力检查"].over_cap


def test_items_and_deliveries_from_the_pages_and_the_api(world, cast, client, api):
    client.force_login(world.owner)
    today = timezone.localdate().isoformat()
    response = client.post(
        f"/partners/{cast.aier.pk}/uses/",
        {"item": cast.kids.pk, "on": today, "households": 4, "note": "寒假"},
    )
    assert response.status_code == 302 and ServiceUse.objects.get().households == 4
    bad = client.post(f"/partners/{cast.aier.pk}/uses/", {"item": cast.kids.pk, "on": today, "households": 0})
    assert bad.status_code == 400
    assert client.get(f"/partners/{cast.aier.pk}/").status_code == 200

    client_api = api.as_(world.secretary)
    body = {
        "title": "免费验光",
        "audience": "all",
        "schedule": "每周三下午",
        "how_to_ask": "shop",
        "monthly_cap": 10,
    }
    created = client_api.post(
        f"/api/v1/partners/{cast.aier.pk}/items/", body, format="json", HTTP_IDEMPOTENCY_KEY="i1"
    )
    assert created.status_code == 201 and created.json()["schedule"] == "每周三下午"
    replay = client_api.post(
        f"/api/v1/partners/{cast.aier.pk}/items/", body, format="json", HTTP_IDEMPOTENCY_KEY="i1"
    )
    assert (
        replay.json()["id"] == created.json()["id"]
        and ServiceItem.objects.filter(title="免费验光").count() == 1
    )
    listed = client_api.get(f"/api/v1/partners/{cast.aier.pk}/items/").json()
    assert [i["title"] for i in listed["results"]] == ["眼科义诊", "儿童视力检查", "免费验光"]
    assert (
        api.as_(world.owner).post(f"/api/v1/partners/{cast.aier.pk}/items/", body, format="json").status_code
        == 403
    )

    client.force_login(world.secretary)
    item = ServiceItem.objects.get(title="免费验光")
    edit = client.post(
        f"/partners/{cast.aier.pk}/items/{item.pk}/",
        {"title": "免费验光配镜", "audience": "all", "how_to_ask": "shop", "is_active": "on", "version": 1},
    )
    assert edit.status_code == 302
    item.refresh_from_db()
    assert item.title == "免费验光配镜" and item.version == 2 and item.monthly_cap is None


def test_a_helped_case_is_listed_only_to_those_who_may_see_the_case(world, cast, new_case, api, client):
    case_a = new_case(title="吉利花园1号楼消防柜玻璃破损")  # grid A
    case_b = new_case(title="3号楼楼道堆物", lat=39.111, lon=117.205)  # grid B
    assert (case_a.grid_id, case_b.grid_id) == (world.grid_a.pk, world.grid_b.pk)
    services.case_help_record(
        actor=world.secretary, partner=cast.aier, case=case_a, what="更换破损的消防柜玻璃"
    )
    services.case_help_record(actor=world.secretary, partner=cast.aier, case=case_b, what="清理楼道")

    def listed(user):
        return sorted(h.case_id for h in selectors.case_helps_for(user, cast.aier))

    assert listed(world.secretary) == sorted([case_a.pk, case_b.pk])
    assert listed(world.owner) == [case_a.pk]
    assert listed(world.colleague_worker) == [case_b.pk]
    assert [
        h["case"]
        for h in api.as_(world.owner).get(f"/api/v1/partners/{cast.aier.pk}/cases/").json()["results"]
    ] == [case_a.pk]
    client.force_login(world.owner)
    page = client.get(f"/partners/{cast.aier.pk}/").content.decode()
    assert "更换破损的消防柜玻璃" in page and "清理楼道" not in page

    # a grid worker can link only a case they can see
    with pytest.raises(InvalidInput):
        services.case_help_record(actor=world.owner, partner=cast.aier, case=case_b, what="x")
    response = api.as_(world.owner).post(
        f"/api/v1/partners/{cast.aier.pk}/cases/", {"case": case_b.number, "what": "x"}, format="json"
    )
    assert response.status_code == 400 and response.json()["field"] == "case"
    response = api.as_(world.owner).post(
        f"/api/v1/partners/{cast.aier.pk}/cases/",
        {"case": case_a.number, "what": "补齐灭火器"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="h1",
    )
    assert response.status_code == 201 and response.json()["case_number"] == case_a.number
    assert PartnerCaseHelp.objects.filter(case=case_a).count() == 2


def test_help_is_recorded_from_the_case_page(world, cast, new_case, client):
    case = new_case()
    client.force_login(world.owner)
    url = f"/partners/for-case/{case.pk}/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"partner": cast.aier.pk, "what": "提供义诊"})
    assert response.status_code == 302
    assert PartnerCaseHelp.objects.get(case=case).partner == cast.aier
    bad = client.post(url, {"partner": cast.yanyu_shop.pk, "what": "x"})  # not a partner they can see
    assert bad.status_code == 400
    client.force_login(world.outsider)
    assert client.get(url).status_code == 404
    # from the partner page, by case number
    client.force_login(world.owner)
    response = client.post(f"/partners/{cast.aier.pk}/cases/", {"case": case.number, "what": "再次帮助"})
    assert response.status_code == 302 and PartnerCaseHelp.objects.filter(case=case).count() == 2
    response = client.post(f"/partners/{cast.aier.pk}/cases/", {"case": "NOPE-1", "what": "再次帮助"})
    assert response.status_code == 400 and "再次帮助" in response.content.decode()
