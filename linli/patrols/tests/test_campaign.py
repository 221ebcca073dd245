from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from linli.cases import services as case_services
from linli.core.errors import InvalidInput, NotAllowed
from linli.org.models import Building, Compound
from linli.patrols import selectors, services

from .conftest import all_ok

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _at(day: int) -> datetime:
    return datetime(2026, 4, day, 10, tzinfo=SHANGHAI)


@pytest.fixture
def campaign(patrol):
    """吉利花园 (1号楼, 3号楼, a shop) and 宁园 (two buildings in grid A, no shop) in an April e-bike campaign."""
    patrol.ningyuan = Compound.objects.create(community=patrol.xiningdao, name="宁园")
    patrol.ning_1 = Building.objects.create(compound=patrol.ningyuan, name="1号楼", grid=patrol.grid_a)
    patrol.ning_2 = Building.objects.create(compound=patrol.ningyuan, name="2号楼", grid=patrol.grid_a)
    patrol.campaign = services.campaign_create(
        actor=patrol.secretary,
        community=patrol.xiningdao,
        name="电动车安全隐患排查",
        starts_on=date(2026, 4, 1),
        ends_on=date(2026, 4, 30),
        templates=[patrol.ebike, patrol.shop_fire],
        compounds=[patrol.jili, patrol.ningyuan],
    )
    return patrol


def _inspect(w, place, *, template=None, hazards=(), at=None, actor=None):
    template = template or w.ebike
    return services.inspection_record(
        actor=actor or w.owner,
        template=template,
        place=place,
        ticks=all_ok(template, hazards),
        at=at or _at(10),
    )


def test_the_figures_count_checked_against_total_and_found_fixed_open_per_compound(campaign):
    w = campaign
    first = _inspect(w, w.building_1, hazards=(1, 2))
    _inspect(w, w.building_1, at=_at(20))  # checked again: still one building
    _inspect(w, w.building_3, actor=w.colleague_worker, hazards=(2,))
    _inspect(w, w.shop, template=w.shop_fire, hazards=(6,))
    _inspect(w, w.ning_1, hazards=(5,))
    _inspect(w, w.ning_2, at=datetime(2026, 3, 31, 23, tzinfo=SHANGHAI))  # before the campaign
    _inspect(w, w.ning_2, template=w.corridor, hazards=(1,))  # not one of the campaign's checklists

    parking, wire = first.hazards.order_by("result__item__order")
    services.hazard_fix(hazard=parking, actor=w.owner, note="挪走")
    case = services.hazard_open_case(hazard=wire, actor=w.owner)
    case = case_services.case_respond(case=case, actor=w.owner)
    case = case_services.case_resolve(case=case, actor=w.owner, result="已拆")
    case = case_services.case_verify(case=case, actor=w.secretary, passed=True)
    case_services.case_close(case=case, actor=w.secretary)

    rows, total = selectors.campaign_figures(w.campaign)
    jili, ning = rows
    assert (jili.name, ning.name) == ("吉利花园", "宁园")
    assert (jili.buildings_checked, jili.buildings_total, jili.shops_checked, jili.shops_total) == (
        2,
        2,
        1,
        1,
    )
    assert (jili.inspections, jili.hazards_found, jili.hazards_fixed, jili.hazards_open) == (4, 4, 2, 2)
    assert jili.cases_opened == 1 and jili.checked_percent == 100.0
    assert (ning.buildings_checked, ning.buildings_total, ning.shops_total) == (1, 2, 0)
    assert (ning.hazards_found, ning.hazards_fixed, ning.hazards_open, ning.checked_percent) == (
        1,
        0,
        1,
        50.0,
    )
    assert (total.buildings_checked, total.buildings_total, total.hazards_found, total.hazards_fixed) == (
        3,
        4,
        5,
        2,
    )


def test_the_campaign_page_and_endpoint_show_the_table_in_few_queries(
    client, api, campaign, django_assert_max_num_queries
):
    w = campaign
    _inspect(w, w.building_1, hazards=(2,))
    client.force_login(w.secretary)
    with django_assert_max_num_queries(20):
        page = client.get(f"/patrols/campaigns/{w.campaign.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and "宁园" in html and "1/2" in html
    assert f"/patrols/campaigns/{w.campaign.pk}/" in client.get("/patrols/campaigns/").content.decode()
    body = api.as_(w.owner).get(f"/api/v1/campaigns/{w.campaign.pk}/").json()
    jili = next(r for r in body["compounds"] if r["name"] == "吉利花园")
    assert (
        jili["buildings_checked"],
        jili["buildings_total"],
        jili["hazards_found"],
        jili["hazards_open"],
    ) == (
        1,
        2,
        1,
        1,
    )
    assert body["total"]["buildings_total"] == 4 and body["campaign"]["templates"] == ["ebike", "shop-fire"]
    assert [c["id"] for c in api.get("/api/v1/campaigns/").json()["results"]] == [w.campaign.pk]
    for user in (w.outsider, w.outsider_secretary, w.dept):
        assert api.as_(user).get(f"/api/v1/campaigns/{w.campaign.pk}/").status_code == 404
        client.force_login(user)
        assert client.get(f"/patrols/campaigns/{w.campaign.pk}/").status_code == 404


def test_only_those_who_run_the_community_start_campaigns_of_its_compounds(patrol):
    kwargs = {
        "community": patrol.xiningdao,
        "name": "排查",
        "starts_on": date(2026, 4, 1),
        "ends_on": date(2026, 4, 30),
        "templates": [patrol.ebike],
        "compounds": [patrol.jili],
    }
    with pytest.raises(NotAllowed):
        services.campaign_create(actor=patrol.owner, **kwargs)
    with pytest.raises(NotAllowed):
        services.campaign_create(actor=patrol.outsider_secretary, **kwargs)
    with pytest.raises(InvalidInput) as exc:
        services.campaign_create(actor=patrol.secretary, **(kwargs | {"ends_on": date(2026, 3, 1)}))
    assert exc.value.field == "ends_on"
    assert services.campaign_create(actor=patrol.street, **kwargs).compounds.get() == patrol.jili
