"""Team statistics: age profile ("银发多、黑发少"), active members (90 days), hours per month (12 months)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import time_machine
from django.utils import timezone

from linli.volunteers import services
from linli.volunteers.selectors import team_stats

TZ = timezone.get_current_timezone()


def _served(vol, world, volunteer, when: datetime, hours="2"):
    return services.service_record_create(
        volunteer=volunteer,
        content="服务",
        started_at=when,
        ended_at=when + timedelta(hours=2),
        hours=hours,
        actor=world.secretary,
        team=vol.team,
        confirm=True,
    )


@time_machine.travel(datetime(2026, 11, 20, 12, tzinfo=TZ), tick=False)
def test_age_profile_active_members_and_hours_per_month(vol, world):
    # 刘秀英 b. 1962 (64), 李秀兰 b. 1941 (85), 陈国华 b. 1990 (36).
    _served(vol, world, vol.li, datetime(2026, 11, 2, 9, tzinfo=TZ))  # this month, active
    _served(vol, world, vol.chen, datetime(2026, 7, 1, 9, tzinfo=TZ), hours="1.5")  # 142 days ago: not active
    _served(vol, world, vol.chen, datetime(2025, 12, 31, 9, tzinfo=TZ))  # the first of the 12 months
    _served(vol, world, vol.chen, datetime(2025, 11, 30, 9, tzinfo=TZ))  # 13 months back: outside the chart
    draft = services.service_record_create(
        volunteer=vol.captain,
        content="草稿",
        started_at=datetime(2026, 11, 10, 9, tzinfo=TZ),
        ended_at=datetime(2026, 11, 10, 11, tzinfo=TZ),
        hours="2",
        actor=world.secretary,
        team=vol.team,
    )
    assert draft.status == "draft"  # a draft makes no one active
    stats = team_stats(vol.team, today=date(2026, 11, 20))
    assert stats["members"] == 3
    assert stats["ages"] == {"under_35": 0, "35_59": 1, "60_plus": 2}
    assert stats["silver_share"] == 0.67
    assert stats["active_members"] == 1
    months = stats["hours_by_month"]
    assert (
        [m["month"] for m in months][0] == "2025-12"
        and months[-1]["month"] == "2026-11"
        and len(months) == 12
    )
    by_month = {m["month"]: m["hours"] for m in months}
    assert by_month["2026-11"] == Decimal("2") and by_month["2026-07"] == Decimal("1.5")
    assert by_month["2025-12"] == Decimal("2") and by_month["2026-01"] == 0
    assert stats["hours_total"] == Decimal("7.50")


def test_a_member_who_left_no_longer_counts(vol, world):
    services.team_member_remove(actor=world.secretary, team=vol.team, volunteer=vol.chen)
    stats = team_stats(vol.team)
    assert stats["members"] == 2 and stats["ages"]["35_59"] == 0 and stats["ages"]["60_plus"] == 2
    assert stats["ages"]["under_35"] == 0


def test_under_35_band(vol, world):
    from .conftest import id_number

    young = services.volunteer_register(
        actor=world.secretary,
        community=world.xiningdao,
        name="小王",
        id_number=id_number("120101", date(2004, 5, 4), 18, female=False),
        phone="13700137000",
        kind="outsider",
    )
    services.team_member_add(actor=world.secretary, team=vol.team, volunteer=young)
    assert team_stats(vol.team)["ages"]["under_35"] == 1
