"""The demo's care and patrols: the 电子保姆 platform's terminals and calls, care orders, and the e-bike campaign of
荣兴温泉公寓社区 across its four compounds. Uses the package's `demo` fixture (conftest.py), loaded once."""

import pytest

from linli.care.models import CareCall, CareOrder, Terminal
from linli.patrols.models import Campaign
from linli.patrols.selectors import campaign_figures

pytestmark = pytest.mark.django_db


def test_residents_living_alone_carry_terminals_and_an_sos_was_answered(demo):
    assert Terminal.objects.filter(resident__tag_assignments__tag__name="独居老人").exists()
    sos = CareCall.objects.filter(event="sos").select_related("case").first()
    assert sos is not None and sos.case.status == "closed" and sos.case.urgency == "urgent"
    assert CareOrder.objects.exclude(rule="").exists()  # the weekday meals


def test_the_ebike_campaign_covers_four_compounds_with_hazards_found_and_fixed(demo):
    campaign = Campaign.objects.get(community__code="RXWQ")
    rows, total = campaign_figures(campaign)
    assert len(rows) == 4
    assert total.hazards_found > 0 and 0 < total.hazards_fixed <= total.hazards_found
    assert all(r.buildings_checked <= r.buildings_total for r in rows)
    assert "巡查 campaign" in demo
