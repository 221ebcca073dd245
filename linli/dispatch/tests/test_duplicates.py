import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from linli.cases.choices import Status
from linli.cases.services import case_merge
from linli.dispatch import duplicate_sample
from linli.dispatch.duplicates import find_duplicates, rank

pytestmark = pytest.mark.django_db

LEAK = {"title": "吉利花园1号楼下水道堵塞", "description": "污水漫到楼道口"}


def test_it_finds_a_reworded_report_at_the_same_building_and_says_why(world, new_case):
    first = new_case(building=world.building_1, description="1号楼下水道堵了，污水漫到楼道口")
    again = new_case(
        building=world.building_1, description="刘阿姨来电反映：吉利花园1号楼下水道堵塞，希望尽快处理。"
    )
    [candidate] = find_duplicates(again)
    assert candidate.case == first
    assert candidate.same_building and candidate.similarity > 0.3
    assert candidate.hours < 1
    assert "same building" in candidate.reasons
    assert any(reason.endswith("alike") for reason in candidate.reasons)
    assert any("minutes apart" in reason for reason in candidate.reasons)


def test_it_finds_a_report_located_by_a_point_inside_the_radius_only(world, new_case):
    near = new_case(lat=39.1118, lon=117.201)  # ~90 m north
    far = new_case(lat=39.1140, lon=117.201)  # ~330 m north
    case = new_case()
    found = {c.case: c for c in find_duplicates(case)}
    assert near in found and far not in found
    assert 80 < found[near].metres < 100


def test_it_leaves_out_reports_outside_the_category_window(world, new_case):
    now = timezone.now()
    old = new_case(received_at=now - timedelta(days=20))
    recent = new_case(received_at=now - timedelta(days=5))
    case = new_case(received_at=now)
    assert [c.case for c in find_duplicates(case)] == [recent]
    assert old not in [c.case for c in find_duplicates(case)]


def test_it_leaves_out_another_problem_at_the_same_building(world, new_case):
    new_case(title="1号楼楼道灯不亮", description="三门二楼到五楼的楼道灯坏了一个星期", category=world.fire)
    assert find_duplicates(new_case(**LEAK)) == []


def test_it_orders_the_best_first(world, new_case):
    worded = new_case(title="1号楼门口下水道堵塞冒水", description="下水道冒水")
    same = new_case(**LEAK)
    ranked = find_duplicates(new_case(**LEAK))
    assert [c.case for c in ranked] == [same, worded]
    assert ranked[0].score > ranked[1].score


def test_it_leaves_out_merged_and_closed_cases_and_itself(world, new_case):
    master = new_case()
    merged = new_case()
    case_merge(case=merged, actor=world.secretary, into=master)
    case = new_case()
    assert [c.case for c in find_duplicates(case)] == [master]


def test_the_search_is_one_query(world, new_case, django_assert_num_queries):
    new_case()
    new_case(lat=39.1118, lon=117.201)
    case = new_case()
    with django_assert_num_queries(1):
        assert len(find_duplicates(case)) == 2


def test_an_outsider_gets_404(client, world, new_case):
    case = new_case()
    client.force_login(world.outsider)
    assert client.get(reverse("dispatch:duplicates", args=[case.pk])).status_code == 404


def test_candidates_outside_the_viewers_scope_are_never_shown(client, world, new_case):
    across = new_case(lat=39.111, lon=117.2046)  # grid B, ~90 m from the case
    case = new_case(lat=39.111, lon=117.2036)  # grid A
    assert across.grid == world.grid_b and case.grid == world.grid_a
    url = reverse("dispatch:duplicates", args=[case.pk])
    client.force_login(world.owner)
    assert across.number not in client.get(url).content.decode()
    client.force_login(world.secretary)
    assert across.number in client.get(url).content.decode()


def test_the_merge_button_merges_in_one_click(client, world, new_case):
    master = new_case()
    case = new_case(description="刘阿姨来电反映：吉利花园1号楼下水道堵塞，希望尽快处理。")
    client.force_login(world.secretary)
    page = client.get(reverse("dispatch:duplicates", args=[case.pk])).content.decode()
    form = re.search(r'<form method="post" action="([^"]+)">(.*?)</form>', page, re.S)
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form.group(2)))
    assert form.group(1) == reverse("cases:act", args=[case.pk])
    assert fields["into"] == master.number and fields["action"] == "merge"
    response = client.post(form.group(1), fields)
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.MERGED and case.master == master


def test_the_case_page_loads_the_fragment_for_staff(client, world, new_case):
    case = new_case()
    client.force_login(world.secretary)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert f'hx-get="{reverse("dispatch:duplicates", args=[case.pk])}"' in page


def test_precision_and_recall_on_the_labelled_sample():
    cases = duplicate_sample.build(seed=7)
    kinds = {c.kind for c in cases}
    assert kinds == {"master", "dup", "other_problem", "far_away", "weeks_later"}
    result = duplicate_sample.evaluate(cases)
    assert result["precision"] >= 0.9, result
    assert result["recall"] >= 0.8, result


def test_a_first_report_finds_only_its_own_neighbours_reports():
    sample = duplicate_sample.build(groups=40, seed=3)
    master = next(c for c in sample if c.kind == "master")
    ranked = rank(master, sample, limit=None)
    assert all(c.case.cluster == master.cluster for c in ranked)
