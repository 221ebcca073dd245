from datetime import timedelta

from linli.hotspots import detect


def test_five_drain_cases_in_a_building_in_a_week_are_a_cluster(world, drains_at):
    cases = drains_at(5)
    spots = detect.hot_spots(world.owner, kinds=("building", "grid"))
    assert [(s.kind, s.key, s.count) for s in spots] == [
        ("building", f"{world.building_1.pk}-{world.drain.pk}", 5)
    ]
    spot = spots[0]
    assert {c["id"] for c in spot.cases} == {c.pk for c in cases}
    assert spot.place == "吉利花园 1号楼"
    assert sum(spot.series) == 5 and len(spot.series) == detect.SERIES_WEEKS
    assert len(spot.points) == 5


def test_four_cases_are_no_cluster(world, drains_at):
    drains_at(4)
    assert detect.hot_spots(world.owner, kinds=("building", "grid")) == []


def test_cases_older_than_the_window_do_not_count(world, new_case, frozen):
    for i in range(5):
        new_case(building=world.building_1, received_at=frozen - timedelta(days=8, hours=i))
    assert detect.hot_spots(world.owner, kinds=("building",)) == []


def test_eight_cases_of_one_kind_in_a_grid_are_a_grid_cluster(world, drains_at):
    drains_at(8)
    kinds = {s.kind for s in detect.hot_spots(world.secretary, kinds=("building", "grid"))}
    assert kinds == {"building", "grid"}


def test_rejected_and_merged_cases_do_not_count(world, drains_at):
    from linli.cases.services import case_merge

    cases = drains_at(5)
    case_merge(case=cases[1], actor=world.secretary, into=cases[0])
    assert detect.hot_spots(world.owner, kinds=("building",)) == []
