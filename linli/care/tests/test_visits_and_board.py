"""Visits due and overdue per grid worker, a visit raising a case, and the secretary's care board."""

from datetime import timedelta

import pytest
from django.utils import timezone

from linli.care.selectors import board, visit_lists
from linli.residents.models import Resident

from .test_webhook import SOS

pytestmark = pytest.mark.django_db


def _due(resident, days: int) -> None:
    Resident.objects.filter(pk=resident.pk).update(
        visit_every_days=7, next_visit_due=timezone.localdate() + timedelta(days=days)
    )


def test_the_worker_sees_overdue_and_due_visits_and_the_outsider_nothing(care, world, registry, api):
    _due(registry.li, -2)
    _due(registry.han, 1)
    lists = visit_lists(world.owner)
    assert list(lists["overdue"]) == [registry.li]
    assert list(lists["due"]) == [registry.han]
    overdue = api.as_(world.owner).get("/api/v1/visits/?list=overdue").json()
    assert [r["resident"] for r in overdue["results"]] == [registry.li.pk] and overdue["results"][0][
        "overdue"
    ]
    assert api.as_(world.outsider).get("/api/v1/visits/?list=overdue").json()["count"] == 0
    # The secretary can read one worker's lists.
    by_worker = api.as_(world.secretary).get(f"/api/v1/visits/?list=overdue&worker={world.owner.pk}").json()
    assert [r["resident"] for r in by_worker["results"]] == [registry.li.pk]


def test_a_visit_moves_the_resident_off_the_overdue_list_and_can_raise_a_case(care, world, registry, api):
    _due(registry.li, -2)
    response = api.as_(world.owner).post(
        "/api/v1/visits/",
        {
            "resident": registry.li.pk,
            "kind": "home",
            "note": "水管冻裂",
            "raise_case": {"title": "李秀兰家水管冻裂", "category": world.drain.code},
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["case_number"]
    assert list(visit_lists(world.owner)["overdue"]) == []


def test_the_board_shows_open_calls_missed_visits_and_who_was_not_heard_from(
    care, world, registry, webhook, django_assert_max_num_queries
):
    _due(registry.han, -3)
    webhook(SOS)
    with django_assert_max_num_queries(16):
        data = board(world.secretary)
        calls, missed, quiet = list(data["open_calls"]), list(data["missed"]), list(data["quiet"])
    assert [c.resident for c in calls] == [registry.li]
    assert missed == [registry.han]
    # 李秀兰's terminal just called; 韩大爷 has a cadence and nobody heard from him.
    assert quiet == [registry.han]
    assert board(world.outsider_secretary)["open_calls_count"] == 0


def test_the_board_page_lists_them_for_the_secretary(care, world, registry, webhook, client):
    webhook(SOS)
    client.force_login(world.secretary)
    page = client.get("/care/")
    assert page.status_code == 200
    assert "李秀兰" in page.content.decode()
    client.force_login(world.outsider)
    assert "李秀兰" not in client.get("/care/").content.decode()
