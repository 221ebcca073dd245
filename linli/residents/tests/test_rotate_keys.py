"""`linli rotate-keys`: every protected value moves to new keys, nothing is lost, a concurrent edit wins."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from linli.core.crypto import reset_key_service
from linli.residents import services
from linli.residents.management.commands import rotate_keys
from linli.residents.models import EmergencyContact, Household, Resident

pytestmark = pytest.mark.django_db


@pytest.fixture
def file_ring(settings, tmp_path, monkeypatch):
    settings.LINLI_KEYRING = ""
    settings.LINLI_KEYRING_FILE = str(tmp_path / "keyring.json")
    settings.LINLI_KEYRING_CREATE = True
    monkeypatch.setattr(rotate_keys, "RELOAD_SECONDS", 0)  # no other process to wait for in a test
    reset_key_service()
    yield
    reset_key_service()


def raw(table: str, *columns: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY id")  # noqa: S608 - test constants
        return cursor.fetchall()


def snapshot():
    return (
        [(r.pk, r.name, r.id_number, r.phone) for r in Resident.objects.order_by("pk")],
        [(h.pk, h.room, h.address) for h in Household.objects.order_by("pk")],
    )


def test_rotation_re_encrypts_every_row_under_the_new_keys_and_loses_nothing(
    file_ring, world, registry, new_case
):
    EmergencyContact.objects.create(resident=registry.li, name="李明", phone="13500005555")
    new_case(reporter_phone="13812345678")
    before = snapshot()
    call_command("rotate-keys", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert snapshot() == before
    assert all(
        r[0].startswith("d2:") and r[1].startswith("d2:")
        for r in raw("residents_resident", "id_number", "phone")
    )
    assert all(r[0].startswith("i2.") for r in raw("residents_resident", "phone_index"))
    assert all(r[0].startswith("d2:") for r in raw("residents_household", "room"))
    assert raw("cases_case", "reporter_phone")[0][0].startswith("d2:")
    assert raw("residents_emergencycontact", "phone")[0][0].startswith("d2:")
    assert list(Resident.objects.by_phone("13820001111")) == [registry.li]
    assert (
        rotate_keys.stale_rows(Resident, [f for m, f in rotate_keys.protected_models() if m is Resident][0])
        == 0
    )


def test_retiring_old_keys_waits_until_no_row_uses_them(file_ring, world, registry):
    from linli.core.crypto import KeyRingSource

    source = KeyRingSource()
    source.save(source.ring(fresh=True).with_new_keys())  # new keys, rows not yet rewritten
    reset_key_service()
    with pytest.raises(CommandError):
        call_command("rotate-keys", "--retire")
    call_command("rotate-keys", "--resume", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("rotate-keys", "--retire", stdout=open("/dev/null", "w"))  # noqa: SIM115
    ring = KeyRingSource().ring(fresh=True)
    assert list(ring.data_keys) == ["d2"] and list(ring.index_keys) == ["i2"]
    reset_key_service()
    assert Resident.objects.get(pk=registry.li.pk).phone == "13820001111"


def test_an_edit_made_during_rotation_is_kept_not_overwritten(file_ring, world, registry, monkeypatch):
    from linli.core.crypto import KeyRingSource

    source = KeyRingSource()
    source.save(source.ring(fresh=True).with_new_keys())
    reset_key_service()
    real_batches = rotate_keys._raw_batches

    def batches_with_an_edit_in_between(model, fields):
        for batch in real_batches(model, fields):
            if model is Resident:  # someone changes 李秀兰's phone after the rotation read her row
                services.resident_update(
                    actor=world.owner, resident=registry.li, version=None, phone="13899998888"
                )
            yield batch

    monkeypatch.setattr(rotate_keys, "_raw_batches", batches_with_an_edit_in_between)
    fields = next(f for m, f in rotate_keys.protected_models() if m is Resident)
    rewritten, skipped = rotate_keys.rotate_model(Resident, fields)
    assert skipped == 1 and rewritten == Resident.objects.count() - 1
    assert Resident.objects.get(pk=registry.li.pk).phone == "13899998888"
    monkeypatch.setattr(rotate_keys, "_raw_batches", real_batches)
    assert rotate_keys.stale_rows(Resident, fields) == 0
