"""Field encryption (SECURITY.md DP-01): SM4-GCM ciphertext, HMAC-SM3 blind indexes, and a key ring outside the DB."""

import json

import pytest
from django.core.exceptions import ImproperlyConfigured

from linli.core.crypto import DecryptionError, KeyRing, KeyRingSource, LocalKeyService, reset_key_service


@pytest.fixture
def file_ring(settings, tmp_path):
    settings.LINLI_KEYRING = ""
    settings.LINLI_KEYRING_FILE = str(tmp_path / "keys" / "keyring.json")
    settings.LINLI_KEYRING_CREATE = True
    reset_key_service()
    return tmp_path / "keys" / "keyring.json"


def test_a_value_round_trips_and_the_ciphertext_shows_nothing_of_it():
    service = LocalKeyService()
    stored = service.encrypt(b"11010119900307123X", context=b"residents.resident.id_number")
    assert "1101011990" not in stored and stored.startswith("d1:")
    assert service.decrypt(stored, context=b"residents.resident.id_number") == b"11010119900307123X"


def test_the_same_value_encrypts_differently_each_time():
    service = LocalKeyService()
    assert service.encrypt(b"13812345678", context=b"c") != service.encrypt(b"13812345678", context=b"c")


def test_a_flipped_byte_is_refused():
    service = LocalKeyService()
    stored = service.encrypt(b"13812345678", context=b"c")
    key_id, payload = stored.split(":")
    flipped = payload[:10] + ("A" if payload[10] != "A" else "B") + payload[11:]
    with pytest.raises(DecryptionError):
        service.decrypt(f"{key_id}:{flipped}", context=b"c")


def test_a_ciphertext_moved_to_another_column_does_not_decrypt():
    service = LocalKeyService()
    stored = service.encrypt(b"13812345678", context=b"residents.resident.phone")
    with pytest.raises(DecryptionError):
        service.decrypt(stored, context=b"residents.emergencycontact.phone")


def test_the_blind_index_is_stable_keyed_and_separated_by_kind():
    service = LocalKeyService()
    one = service.blind_index(b"13812345678", context=b"phone")
    assert one == service.blind_index(b"13812345678", context=b"phone")
    assert one != service.blind_index(b"13812345678", context=b"id_number")
    assert "13812345678" not in one
    other_ring = KeyRing.generate()

    class Fixed(KeyRingSource):
        def ring(self, *, fresh=False):
            return other_ring

    assert LocalKeyService(Fixed()).blind_index(b"13812345678", context=b"phone") != one


def test_the_key_ring_file_is_created_outside_the_database_readable_by_its_owner_only(file_ring):
    service = LocalKeyService()
    service.encrypt(b"x", context=b"c")
    assert file_ring.exists()
    assert oct(file_ring.stat().st_mode & 0o777) == "0o600"
    assert set(json.loads(file_ring.read_text())) == {
        "active_data",
        "active_index",
        "data_keys",
        "index_keys",
    }


def test_production_refuses_to_invent_a_key_ring(settings, file_ring):
    settings.LINLI_KEYRING_CREATE = False
    with pytest.raises(ImproperlyConfigured):
        LocalKeyService().encrypt(b"x", context=b"c")


def test_after_adding_keys_old_values_still_decrypt_and_lookups_try_both_indexes(file_ring):
    source = KeyRingSource()
    service = LocalKeyService(source)
    old = service.encrypt(b"13812345678", context=b"c")
    old_index = service.blind_index(b"13812345678", context=b"phone")
    source.save(source.ring().with_new_keys())
    assert service.decrypt(old, context=b"c") == b"13812345678"
    assert service.needs_rotation(old)
    assert service.encrypt(b"y", context=b"c").startswith("d2:")
    candidates = service.blind_indexes(b"13812345678", context=b"phone")
    assert old_index in candidates and len(candidates) == 2


def test_a_malformed_ring_is_a_configuration_error():
    with pytest.raises(ImproperlyConfigured):
        KeyRing.from_json(
            '{"active_data": "d1", "data_keys": {"d1": "00"}, "index_keys": {}, "active_index": "i1"}'
        )
