"""五社联动 in the demo: partner organisations, volunteer teams with their service records, activities (the
haircut day on the 26th, 每周五 楼宇服务日, a free clinic, a fire drill) and the 幸福包 donation with its
distribution — each built by its own app's demo function, in the order their links need."""

from __future__ import annotations

from dataclasses import dataclass, field

from linli.activities import demo as activities_demo
from linli.charity import demo as charity_demo
from linli.partners import demo as partners_demo
from linli.volunteers import demo as volunteers_demo


@dataclass
class LinkageSummary:
    counts: dict[str, int] = field(default_factory=dict)


def build_linkage() -> LinkageSummary:
    summary = LinkageSummary()
    # partners first: activities co-host with them and donations name them; volunteers before their activities
    summary.counts.update(partners_demo.build_demo())
    summary.counts.update(volunteers_demo.build_demo())
    summary.counts.update(activities_demo.build_demo())
    summary.counts.update(charity_demo.build_demo())
    return summary


def delete_linkage(communities) -> None:
    """Undo build_linkage, last link first: hand-overs and sign-ups hold on to residents, records to volunteers."""
    charity_demo.delete_demo(communities)
    activities_demo.delete_demo(communities)
    volunteers_demo.delete_demo(communities)
    partners_demo.delete_demo(communities)
