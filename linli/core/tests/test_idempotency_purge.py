from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from linli.core.idempotency import purge_expired_records
from linli.core.models import IdempotencyRecord

pytestmark = pytest.mark.django_db


def test_answers_are_kept_for_a_day_then_forgotten(world):
    old_time = timezone.now() - timedelta(hours=25)
    with time_machine.travel(old_time, tick=False):
        IdempotencyRecord.objects.create(user=world.owner, scope="case_create", key="old", request_hash="x")
    IdempotencyRecord.objects.create(user=world.owner, scope="case_create", key="fresh", request_hash="y")
    assert purge_expired_records() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["fresh"]
