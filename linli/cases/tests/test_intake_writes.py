"""The rows one intake writes: the one-statement PostgreSQL path and the ORM path write the same, atomically."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from linli.cases import services
from linli.cases.models import Case, CaseEvent
from linli.core.models import Notification

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL-only write path")
PATHS = [pytest.param("orm", id="orm"), pytest.param("postgresql", id="postgresql", marks=on_postgresql)]


@pytest.fixture
def write_path(monkeypatch):
    """Choose the write path: `postgresql` is the default there; `orm` forces the ORM on any database."""

    def use(path: str) -> None:
        if path == "orm":
            monkeypatch.setattr(services, "_insert_new_case_postgresql", services._insert_new_case_orm)

    return use


def stored_rows(case: Case) -> dict:
    """What intake wrote for `case`, without what differs by nature between two cases (ids, stamps, the random
    tracking code)."""
    row = Case.objects.filter(pk=case.pk).values().get()
    assert row["number"] == services.case_number(case.received_at, case.pk) == case.number
    assert len(row["tracking_code"]) == services.TRACKING_LENGTH
    for key in ("id", "number", "updated_at", "tracking_code"):
        row.pop(key)
    events = list(
        CaseEvent.objects.filter(case=case).values("action", "actor_id", "created_at", "to_status", "data")
    )
    notes = list(Notification.objects.filter(url=reverse("cases:detail", args=[case.pk])).values())
    for note in notes:
        assert note.pop("message") == f"新诉求 {case.number}：{case.title}"
        for key in ("id", "url", "created_at"):
            note.pop(key)
    return {"case": row, "events": events, "notifications": notes}


@on_postgresql
def test_the_one_statement_write_stores_what_the_orm_stores(world, new_case, write_path):
    at = timezone.now() - timedelta(minutes=5)
    via_sql = new_case(received_at=at)
    write_path("orm")
    via_orm = new_case(received_at=at)
    assert stored_rows(via_sql) == stored_rows(via_orm)
    assert stored_rows(via_sql)["notifications"][0]["recipient_id"] == world.owner.pk


@pytest.mark.parametrize("path", PATHS)
def test_the_returned_case_is_the_stored_one(world, new_case, write_path, path):
    write_path(path)
    case = new_case(lat=None, lon=None, building=world.building_3, urgency="urgent")
    stored = Case.objects.get(pk=case.pk)
    for field in Case._meta.concrete_fields:
        assert getattr(case, field.attname) == getattr(stored, field.attname), field.name
    assert not case._state.adding
    event = CaseEvent.objects.get(case=case)
    assert event.data == {"grid": world.grid_b.pk, "assignee": world.colleague_worker.pk, "channel": "phone"}


@pytest.mark.parametrize("path", PATHS)
def test_a_failed_write_leaves_no_row_behind(world, new_case, write_path, monkeypatch, path):
    write_path(path)
    broken = Notification(recipient_id=world.owner.pk, kind=None, message="x")  # kind is NOT NULL
    monkeypatch.setattr(services, "_new_case_notification", lambda case: broken)
    with pytest.raises(IntegrityError), transaction.atomic():
        new_case()
    assert (Case.objects.count(), CaseEvent.objects.count(), Notification.objects.count()) == (0, 0, 0)


@pytest.mark.django_db(transaction=True)
def test_a_warm_intake_sends_only_its_writes(world, api):
    """Token, scope, category, grid, worker: all from the process caches once warm; only the rows are written."""
    client = api.as_(world.secretary)
    body = {"title": "楼道堆物", "category": "ENV-DRAIN", "lat": 39.111, "lon": 117.201}
    assert client.post("/api/v1/cases/", body, format="json").status_code == 201  # warms the caches
    with CaptureQueriesContext(connection) as queries:
        assert client.post("/api/v1/cases/", body, format="json").status_code == 201
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    # then, in a transaction of their own, the insights roll-ups (one upsert for all its rows) and the case's fact
    insights = ["BEGIN", "INSERT", "INSERT", "COMMIT"]
    if connection.vendor == "postgresql":
        # nextval, then case + event + notification
        assert statements == ["SELECT", "WITH", *insights]
    else:
        # case, its number, event, notification in one transaction
        assert statements == ["BEGIN", "INSERT", "UPDATE", "INSERT", "INSERT", "COMMIT", *insights]
