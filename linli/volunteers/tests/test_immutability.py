"""A confirmed service record is never edited or deleted (令67号): refused by the model, the queryset, and on
PostgreSQL by a trigger below the ORM."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, InternalError, connection, transaction

from linli.volunteers import services
from linli.volunteers.choices import RecordStatus
from linli.volunteers.models import RecordImmutable, ServiceRecord

from .conftest import hours_ago

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL trigger")


def _record(vol, world, confirm):
    start, end = hours_ago(2)
    return services.service_record_create(
        volunteer=vol.li,
        content="义剪",
        started_at=start,
        ended_at=end,
        hours="2",
        actor=world.owner,
        team=vol.team,
        confirm=confirm,
    )


def test_model_save_refuses_a_confirmed_row_but_not_a_draft(vol, world):
    draft = _record(vol, world, confirm=False)
    draft.content = "义剪（补充）"
    draft.save()  # drafts may still be completed
    confirmed = _record(vol, world, confirm=True)
    confirmed.hours = 5
    with pytest.raises(RecordImmutable):
        confirmed.save()
    # A stale copy loaded while it was a draft cannot overwrite it either.
    stale = ServiceRecord.objects.get(pk=draft.pk)
    services.service_record_confirm(record=draft, actor=world.secretary)
    stale.hours = 1
    with pytest.raises(RecordImmutable):
        stale.save()
    assert ServiceRecord.objects.get(pk=draft.pk).hours == 2


def test_model_delete_refuses_a_confirmed_row(vol, world):
    confirmed = _record(vol, world, confirm=True)
    with pytest.raises(RecordImmutable):
        confirmed.delete()
    assert ServiceRecord.objects.filter(pk=confirmed.pk).exists()


def test_queryset_update_and_delete_refuse_confirmed_rows(vol, world):
    draft = _record(vol, world, confirm=False)
    confirmed = _record(vol, world, confirm=True)
    with pytest.raises(RecordImmutable):
        ServiceRecord.objects.filter(volunteer=vol.li).update(hours=9)
    with pytest.raises(RecordImmutable):
        ServiceRecord.objects.all().delete()
    with pytest.raises(RecordImmutable):
        ServiceRecord.objects.filter(pk=confirmed.pk).update(status=RecordStatus.DRAFT)
    assert ServiceRecord.objects.get(pk=confirmed.pk).hours == 2
    # Drafts alone may still be changed in bulk.
    assert ServiceRecord.objects.filter(pk=draft.pk).update(evaluation="好") == 1
    ServiceRecord.objects.filter(pk=draft.pk).delete()
    assert not ServiceRecord.objects.filter(pk=draft.pk).exists()


@on_postgresql
def test_the_trigger_refuses_sql_update_and_delete_of_a_confirmed_row(vol, world):
    confirmed = _record(vol, world, confirm=True)
    draft = _record(vol, world, confirm=False)
    table = ServiceRecord._meta.db_table
    for sql in (f"UPDATE {table} SET hours = 99 WHERE id = %s", f"DELETE FROM {table} WHERE id = %s"):
        with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, [confirmed.pk])
    assert ServiceRecord.objects.get(pk=confirmed.pk).hours == 2
    with connection.cursor() as cursor:  # a draft is still an ordinary row
        cursor.execute(f"UPDATE {table} SET evaluation = 'ok' WHERE id = %s", [draft.pk])
        assert cursor.rowcount == 1


def test_the_demo_purge_deletes_confirmed_records(vol, world):
    confirmed = _record(vol, world, confirm=True)
    services.service_record_correct(record=confirmed, actor=world.secretary, hours_delta="-1", reason="核对")
    assert services.purge_service_records(ServiceRecord.objects.filter(volunteer=vol.li)) == 2
    assert not ServiceRecord.objects.filter(volunteer=vol.li).exists()
