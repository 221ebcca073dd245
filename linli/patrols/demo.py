"""The patrols of the loaded demo: 荣兴温泉公寓社区's e-bike campaign (电动车安全隐患排查 摸清底数) across its four
compounds — shops, weekly rounds for its grid workers, inspections over the past weeks with the hazards they found
(飞线充电 from a window, e-bikes in the corridor), some turned into cases and closed, some fixed on the spot,
some still open — all written through the patrols and cases services."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from linli.accounts.choices import Role
from linli.accounts.models import User
from linli.cases import services as case_services
from linli.org.models import Building, Community

from . import services
from .choices import ItemResult, ShopKind
from .models import Campaign, ChecklistTemplate, Hazard, Inspection, PatrolRound, RoundOccurrence, Shop

COMMUNITY = "RXWQ"
CAMPAIGN_NAME = "电动车安全隐患排查 摸清底数"
CAMPAIGN_WEEKS_AGO = 5

# (compound, shop name, kind): the shops along 大直沽中路 and in the compounds' ground floors.
SHOPS = (
    ("荣兴温泉公寓", "温泉便利店", ShopKind.GROCERY),
    ("荣兴温泉公寓", "老刘电动车维修", ShopKind.EBIKE_REPAIR),
    ("大直沽东里", "东里早点铺", ShopKind.RESTAURANT),
    ("大直沽东里", "东里洗衣店", ShopKind.SERVICE),
    ("荣兴里", "荣兴里小饭桌", ShopKind.RESTAURANT),
    ("荣兴里", "兴旺电动车行", ShopKind.EBIKE_REPAIR),
    ("温泉花园", "花园理发店", ShopKind.SERVICE),
    ("温泉花园", "温泉菜店", ShopKind.GROCERY),
)

# What a patrol writes down for a failed item, by item order in the seeded checklists.
EBIKE_NOTES = {
    1: "一楼楼道停放电动自行车3辆，堵塞疏散通道",
    2: "4楼窗户垂下电线，给楼下电动车飞线充电",
    3: "楼道里用接线板给电动车充电",
    4: "住户把电动车电池拿回家中充电",
    5: "电动车停在单元门口消防通道上",
    6: "充电车棚两个充电口损坏，无法使用",
}
SHOP_NOTES = {
    1: "灭火器已过检验期",
    2: "后门堆放货物，堵住安全出口",
    3: "店内搭阁楼住人（三合一）",
    4: "私拉电线接排插，线路裸露",
    5: "后厨未装燃气报警器",
    6: "店内给电动车电池充电",
}
# How likely an item fails: 飞线充电 and corridor parking are what the campaign is about.
EBIKE_FAIL = {1: 0.22, 2: 0.16, 3: 0.08, 4: 0.05, 5: 0.1, 6: 0.04}
SHOP_FAIL = {1: 0.15, 2: 0.1, 3: 0.05, 4: 0.1, 5: 0.08, 6: 0.12}
FIXES = {
    1: "当场劝导车主把车推到车棚",
    2: "已联系住户拆除飞线，改到充电车棚充电",
    3: "已拔掉接线板，告知住户到车棚充电",
    4: "已劝导住户到充电柜充电",
    5: "已挪车，疏通消防通道",
    6: "已报物业维修",
}


def _at(day, rng: random.Random) -> datetime:
    moment = datetime.combine(day, time(9, 0)) + timedelta(minutes=rng.randrange(0, 7 * 60))
    return timezone.make_aware(moment)


def delete_demo(communities=None) -> None:
    """Remove the patrol data of the demo's communities (the loader's --force calls it before the places go)."""
    community = communities if communities is not None else Community.objects.filter(code=COMMUNITY)
    with transaction.atomic():
        Hazard.objects.filter(inspection__community__in=community).delete()
        Inspection.objects.filter(community__in=community).delete()
        PatrolRound.objects.filter(community__in=community).delete()
        Campaign.objects.filter(community__in=community).delete()
        Shop.objects.filter(compound__community__in=community).delete()


def build_demo() -> dict:
    """Build the campaign on the loaded demo; returns what it wrote. Nothing if the community is missing."""
    community = Community.objects.filter(code=COMMUNITY).first()
    if community is None:
        return {}
    rng = random.Random("patrols-demo")
    today = timezone.localdate()
    now = timezone.now()
    services.checklist_link_categories()
    secretary = User.objects.filter(roles__role=Role.SECRETARY, roles__community=community).first()
    workers = list(
        User.objects.filter(roles__role=Role.GRID_WORKER, roles__grid__community=community)
        .order_by("roles__grid__code")
        .distinct()
    )
    compounds = {c.name: c for c in community.compounds.all()}
    ebike = ChecklistTemplate.objects.get(code="ebike")
    shop_fire = ChecklistTemplate.objects.get(code="shop-fire")
    counts = {"patrol_shops": 0, "patrol_rounds": 0, "inspections": 0, "hazards": 0}
    counts |= {"hazard_cases": 0, "hazards_fixed_on_spot": 0, "hazards_fixed_by_case": 0}

    with transaction.atomic():
        for compound_name, name, kind in SHOPS:
            compound = compounds[compound_name]
            building = Building.objects.filter(compound=compound).order_by("name").first()
            services.shop_create(compound=compound, name=name, kind=kind, building=building)
            counts["patrol_shops"] += 1
        starts_on = today - timedelta(weeks=CAMPAIGN_WEEKS_AGO)
        campaign = services.campaign_create(
            actor=secretary,
            community=community,
            name=CAMPAIGN_NAME,
            description="逐楼逐户排查电动自行车进楼入户、楼道停放和飞线充电，沿街商铺一并检查，做到底数清、隐患明、整改实。",
            starts_on=starts_on,
            ends_on=today + timedelta(weeks=3),
            templates=[ebike, shop_fire],
            compounds=list(compounds.values()),
        )
        rounds = []
        for n, worker in enumerate(workers, start=1):
            grids = list(worker.roles.filter(role=Role.GRID_WORKER).values_list("grid_id", flat=True))
            buildings = list(Building.objects.filter(grid_id__in=grids).select_related("compound"))
            shops = list(Shop.objects.filter(Q(grid_id__in=grids)).select_related("compound"))
            rounds.append(
                services.round_create(
                    actor=secretary,
                    title=f"电动车隐患排查 · 第{n}网格",
                    template=ebike,
                    assignee=worker,
                    places=buildings,
                    rrule="FREQ=WEEKLY;BYDAY=FR",
                    starts_on=starts_on,
                    campaign=campaign,
                    now=now - timedelta(weeks=CAMPAIGN_WEEKS_AGO),
                )
            )
            if shops:
                rounds.append(
                    services.round_create(
                        actor=secretary,
                        title=f"商铺消防检查 · 第{n}网格",
                        template=shop_fire,
                        assignee=worker,
                        places=shops,
                        rrule="FREQ=WEEKLY;INTERVAL=2;BYDAY=WE",
                        starts_on=starts_on,
                        campaign=campaign,
                        now=now - timedelta(weeks=CAMPAIGN_WEEKS_AGO),
                    )
                )
        counts["patrol_rounds"] = len(rounds)

        hazards: list[tuple[Hazard, User, datetime]] = []
        for patrol_round in rounds:
            is_shop = patrol_round.template_id == shop_fire.pk
            fail, notes = (SHOP_FAIL, SHOP_NOTES) if is_shop else (EBIKE_FAIL, EBIKE_NOTES)
            items = list(patrol_round.template.items.all())
            places = [rp.shop if is_shop else rp.building for rp in patrol_round.places.all()]
            past = RoundOccurrence.objects.filter(round=patrol_round, due_on__lt=today).order_by("due_on")
            for k, occurrence in enumerate(past):
                # The first sweep covers most places, later ones the rest and re-checks; some are still to do.
                share = 0.7 if k == 0 else 0.35
                for place in places:
                    if rng.random() > share:
                        continue
                    at = _at(occurrence.due_on, rng)
                    ticks = []
                    for item in items:
                        failed = rng.random() < fail.get(item.order, 0.05)
                        result = ItemResult.HAZARD if failed else ItemResult.OK
                        ticks.append(
                            services.ItemTick(item.pk, result, notes.get(item.order, "") if failed else "")
                        )
                    inspection = services.inspection_record(
                        actor=patrol_round.assignee,
                        template=patrol_round.template,
                        place=place,
                        ticks=ticks,
                        lat=None if place.lat is None else round(place.lat + rng.uniform(-5e-5, 5e-5), 6),
                        lon=None if place.lon is None else round(place.lon + rng.uniform(-5e-5, 5e-5), 6),
                        occurrence=occurrence,
                        started_at=at - timedelta(minutes=rng.randrange(8, 25)),
                        at=at,
                    )
                    counts["inspections"] += 1
                    for hazard in inspection.hazards.select_related("result__item"):
                        hazards.append((hazard, patrol_round.assignee, at))
        counts["hazards"] = len(hazards)

        for hazard, inspector, at in hazards:
            roll = rng.random()
            order = hazard.result.item.order
            if roll < 0.25 and order in FIXES:
                services.hazard_fix(
                    hazard=hazard, actor=inspector, note=FIXES[order], at=at + timedelta(minutes=20)
                )
                counts["hazards_fixed_on_spot"] += 1
            elif roll < 0.7 and hazard.category_id:
                case = services.hazard_open_case(
                    hazard=hazard, actor=inspector, at=at + timedelta(minutes=30)
                )
                counts["hazard_cases"] += 1
                if at < now - timedelta(days=7) and rng.random() < 0.7:
                    _close(case, worker=inspector, secretary=secretary)
                    counts["hazards_fixed_by_case"] += 1
    return counts


def _close(case, *, worker: User, secretary: User) -> None:
    """The grid worker responds and resolves, the secretary verifies and closes (销号): the hazard is fixed."""
    case = case_services.case_respond(case=case, actor=worker, note="已到现场")
    case = case_services.case_resolve(case=case, actor=worker, result="已督促整改，现场复查无隐患")
    case = case_services.case_verify(case=case, actor=secretary, passed=True, note="复查确认已整改")
    case_services.case_close(case=case, actor=secretary, note="隐患已销号")
