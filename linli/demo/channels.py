"""The public channels of the demo: Open311's demo key and service attributes, the part-time reporters' profiles
and points, past notices — each built by its own app's demo function — and what the loader prints about them."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.urls import reverse

from linli.notices import demo as notices_demo
from linli.open311 import demo as open311_demo
from linli.org.models import Building
from linli.reporters import demo as reporters_demo
from linli.reporters.models import Reporter
from linli.reporters.selectors import balance_of, tally_of

# The seeds' blocked drain and lift door are at 吉利花园 1号楼: its door gets the demo's QR poster.
POSTER_PLACE = ("XND", "吉利花园", "1号楼")


@dataclass
class ChannelsSummary:
    counts: dict[str, int] = field(default_factory=dict)
    poster_url: str = ""
    report_url: str = ""
    reporters: list[tuple[str, str, int, int]] = field(default_factory=list)  # name, community, tally, points


def build_channels() -> ChannelsSummary:
    summary = ChannelsSummary()
    for build in (open311_demo.build_demo, reporters_demo.build_demo, notices_demo.build_demo):
        summary.counts.update(build())
    code, compound, name = POSTER_PLACE
    building = Building.objects.filter(
        compound__community__code=code, compound__name=compound, name=name
    ).first()
    if building is not None:
        base = settings.LINLI_PUBLIC_BASE_URL.rstrip("/")
        summary.poster_url = base + reverse("public:poster", args=["building", building.pk])
        summary.report_url = f"{base}{reverse('public:report')}?b={building.pk}"
    rows = [
        (r.name, r.community.name, tally_of(r.user_id), balance_of(r))
        for r in Reporter.objects.select_related("community")
    ]
    summary.reporters = sorted(rows, key=lambda row: (-row[2], row[0]))[:4]
    return summary
