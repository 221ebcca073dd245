"""On PostgreSQL, concurrent organisers: a draft is confirmed once, and corrections never take a record below
zero (the original's row lock serialises them; RE-03)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection

from linli.core.errors import Conflict, InvalidInput
from linli.volunteers import services
from linli.volunteers.models import ServiceRecord
from linli.volunteers.selectors import hours_total

from .conftest import hours_ago

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks under real concurrency"),
    pytest.mark.django_db(transaction=True),
]


def _parallel(n, work):
    start = threading.Barrier(n)

    def run(i):
        start.wait()
        try:
            return work(i)
        except (Conflict, InvalidInput) as exc:
            return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def test_ten_organisers_confirming_one_draft_confirm_it_once(vol, world):
    start, end = hours_ago(3)
    draft = services.service_record_create(
        volunteer=vol.li, content="义剪", started_at=start, ended_at=end, hours="2", actor=world.owner
    )
    answers = _parallel(10, lambda i: services.service_record_confirm(record=draft, actor=world.secretary))
    assert sum(isinstance(a, ServiceRecord) for a in answers) == 1
    assert sum(isinstance(a, Conflict) for a in answers) == 9


def test_parallel_corrections_stop_at_zero(vol, world):
    start, end = hours_ago(3)
    record = services.service_record_create(
        volunteer=vol.li,
        content="义剪",
        started_at=start,
        ended_at=end,
        hours="2",
        actor=world.owner,
        confirm=True,
    )
    answers = _parallel(
        10,
        lambda i: services.service_record_correct(
            record=record, actor=world.secretary, hours_delta="-0.25", reason=f"核对{i}"
        ),
    )
    assert sum(isinstance(a, ServiceRecord) for a in answers) == 8
    assert sum(isinstance(a, InvalidInput) for a in answers) == 2
    assert hours_total(volunteer=vol.li) == Decimal("0.00")
