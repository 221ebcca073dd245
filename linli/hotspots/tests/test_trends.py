from datetime import datetime

from linli.hotspots import detect

from .conftest import TZ


def _cases(new_case, world, n, year, month, day=3):
    for i in range(n):
        new_case(building=world.building_1, received_at=datetime(year, month, day, 9 + i, tzinfo=TZ))


def test_twice_last_years_month_is_a_rising_trend(world, new_case, frozen):
    _cases(new_case, world, 2, 2025, 1)
    _cases(new_case, world, 5, 2026, 1)
    spots = detect.hot_spots(world.owner, kinds=("rising",))
    assert [(s.key, s.count, s.detail["last_year"]) for s in spots] == [
        (f"{world.grid_a.pk}-{world.root_cat.pk}", 5, 2)
    ]
    assert spots[0].category == "环境卫生"  # the top-level category
    assert len(spots[0].cases) == 5


def test_less_than_twice_last_year_is_no_trend(world, new_case, frozen):
    _cases(new_case, world, 3, 2025, 1)
    _cases(new_case, world, 5, 2026, 1)
    assert detect.hot_spots(world.owner, kinds=("rising",)) == []


def test_a_busy_autumn_takes_the_rise_away(world, new_case, frozen):
    _cases(new_case, world, 8, 2025, 11)
    _cases(new_case, world, 5, 2026, 1)
    assert detect.hot_spots(world.owner, kinds=("rising",)) == []  # 5 < 2 × 8 / 3
