from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 1, 20, 10, 0, tzinfo=TZ)


@pytest.fixture
def frozen():
    """Hot spots depend on the calendar: every test runs on Tuesday 20 January 2026, 10:00 in Tianjin."""
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def drains_at(world, new_case, frozen):
    """`drains_at(n)`: n drain cases at 吉利花园 1号楼 over the last few days."""

    def make(n, building=None, **kwargs):
        building = building or world.building_1
        return [
            new_case(building=building, received_at=frozen - timedelta(hours=10 * i + 1), **kwargs)
            for i in range(n)
        ]

    return make
