import random

from linli.cases.models import Case
from linli.demo.builder import build_world
from linli.patrols import demo, selectors
from linli.patrols.models import Campaign, Hazard, Inspection, PatrolRound, Shop


def test_the_demo_builds_the_e_bike_campaign_of_rongxing_across_its_four_compounds(db):
    build_world(random.Random(7))
    counts = demo.build_demo()
    campaign = Campaign.objects.get(name=demo.CAMPAIGN_NAME)
    assert campaign.community.code == "RXWQ"
    rows, total = selectors.campaign_figures(campaign)
    assert [r.name for r in rows] == sorted(["荣兴温泉公寓", "大直沽东里", "荣兴里", "温泉花园"])
    assert counts["patrol_shops"] == total.shops_total == Shop.objects.count() == len(demo.SHOPS)
    assert counts["inspections"] == total.inspections == Inspection.objects.count() > 0
    assert counts["hazards"] == total.hazards_found == Hazard.objects.count() > 0
    assert 0 < total.buildings_checked <= total.buildings_total == 18
    assert total.hazards_fixed == counts["hazards_fixed_on_spot"] + counts["hazards_fixed_by_case"]
    assert total.hazards_open == total.hazards_found - total.hazards_fixed > 0
    patrol_cases = Case.objects.filter(channel="patrol")
    assert patrol_cases.count() == counts["hazard_cases"] <= 60
    assert patrol_cases.filter(status="closed").count() == counts["hazards_fixed_by_case"]
    assert PatrolRound.objects.filter(assignee__username="rxwq_grid1").exists()
    assert Inspection.objects.filter(finished_at__date__lt=campaign.starts_on).count() == 0

    demo.delete_demo()
    assert not Inspection.objects.exists() and not Shop.objects.exists() and not Campaign.objects.exists()
