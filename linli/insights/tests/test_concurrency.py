"""Cases moving at the same time in the same grid never lose a count in the roll-ups (PostgreSQL)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.utils import timezone

from linli.cases import services
from linli.cases.models import Case
from linli.insights import facts
from linli.insights.models import Rollup

from .test_rollups import snapshot

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks and upserts under load: PostgreSQL"
    ),
]


def test_concurrent_intake_and_transitions_keep_exact_counts(world, new_case):
    start = threading.Barrier(8, timeout=60)  # a failed task fails the test instead of hanging CI

    def work(i):
        try:
            start.wait()
            case = new_case(title=f"同时 {i}")
            case = services.case_respond(case=case, actor=world.secretary)
            services.case_resolve(case=case, actor=world.secretary, result="已处理")
        finally:
            connection.close()

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(work, range(24)))
    assert Case.objects.count() == 24
    month = timezone.localdate().replace(day=1)
    row = Rollup.objects.get(level="d", unit_id=world.heping.pk, grain="m", dim="", period=month)
    assert (row.received, row.responded, row.resolved) == (24, 24, 24)
    incremental = snapshot()
    facts.rebuild()
    assert snapshot() == incremental
