"""Care, patrols and deliberation in the demo: the 电子保姆 platform with its terminals, calls and care orders, the
e-bike campaign of 荣兴温泉公寓社区, the seeds' meetings and decisions — each built by its own app's demo function —
and what the loader prints about them."""

from __future__ import annotations

from dataclasses import dataclass, field

from linli.care import demo as care_demo
from linli.deliberation import demo as deliberation_demo
from linli.patrols import demo as patrols_demo
from linli.patrols.models import Campaign
from linli.patrols.selectors import campaign_figures


@dataclass
class FieldworkSummary:
    counts: dict[str, int] = field(default_factory=dict)
    campaign: str = ""
    # compound, buildings checked/total, shops checked/total, hazards found, fixed
    compounds: list[tuple[str, int, int, int, int, int, int]] = field(default_factory=list)


def build_fieldwork() -> FieldworkSummary:
    summary = FieldworkSummary()
    summary.counts.update(care_demo.build_demo())
    summary.counts.update(patrols_demo.build_demo())
    summary.counts.update(deliberation_demo.build_demo())
    campaign = Campaign.objects.filter(community__code=patrols_demo.COMMUNITY).order_by("id").first()
    if campaign is not None:
        summary.campaign = campaign.name
        rows, _total = campaign_figures(campaign)
        summary.compounds = [
            (
                r.name,
                r.buildings_checked,
                r.buildings_total,
                r.shops_checked,
                r.shops_total,
                r.hazards_found,
                r.hazards_fixed,
            )
            for r in rows
        ]
    return summary
