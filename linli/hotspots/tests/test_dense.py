from datetime import datetime

import pytest

from linli.hotspots import detect
from linli.residents.services import household_create, resident_create

from .conftest import TZ


@pytest.fixture
def residents(world):
    for building, room in ((world.building_1, "101"), (world.building_3, "301")):
        household = household_create(actor=world.secretary, building=building, room=room)
        for name in ("甲", "乙"):
            resident_create(actor=world.secretary, household=household, name=f"{room}{name}")


def _month_of_cases(new_case, world, n, month, year=2025):
    for i in range(n):
        new_case(building=world.building_1, received_at=datetime(year, month, 10, 9 + i, tzinfo=TZ))


def test_a_grid_dense_three_months_running_is_a_governance_grid(world, new_case, residents, frozen):
    for month in (10, 11, 12):
        _month_of_cases(new_case, world, 3, month)
    spots = detect.hot_spots(world.secretary, kinds=("dense",))
    assert [(s.key, s.count) for s in spots] == [(str(world.grid_a.pk), 9)]
    assert spots[0].detail["per_thousand"] == [1500.0, 1500.0, 1500.0]
    assert spots[0].detail["residents"] == 2
    # the grid worker of grid A, who sees only grid A, is still compared with the community's median
    assert [s.key for s in detect.hot_spots(world.owner, kinds=("dense",))] == [str(world.grid_a.pk)]
    assert detect.hot_spots(world.colleague_worker, kinds=("dense",)) == []


def test_one_quiet_month_breaks_the_run(world, new_case, residents, frozen):
    for month in (10, 12):
        _month_of_cases(new_case, world, 3, month)
    _month_of_cases(new_case, world, 1, 11)
    assert detect.hot_spots(world.secretary, kinds=("dense",)) == []
