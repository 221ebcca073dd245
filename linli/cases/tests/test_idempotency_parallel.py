"""RE-01 under load: fifty clients retrying one intake with one Idempotency-Key make one case and hear one answer."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from linli.cases.models import Case
from linli.core.models import IdempotencyRecord

pytestmark = pytest.mark.django_db(transaction=True)

BODY = {"title": "楼道飞线充电", "category": "ENV-DRAIN", "lat": 39.111, "lon": 117.201}


def _post(token: str, key: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    try:
        return client.post("/api/v1/cases/", BODY, format="json", HTTP_IDEMPOTENCY_KEY=key)
    finally:
        connection.close()


def test_fifty_parallel_posts_with_one_key_make_one_case_and_every_answer_is_the_same(world):
    writers = 50 if connection.vendor == "postgresql" else 12  # SQLite serialises writers: fewer, same point
    token = Token.objects.get_or_create(user=world.secretary)[0].key
    start = threading.Barrier(writers)

    def post(_):
        start.wait()
        return _post(token, "rider-42-retry")

    with ThreadPoolExecutor(writers) as pool:
        answers = list(pool.map(post, range(writers)))
    assert Case.objects.count() == 1
    codes = [a.status_code for a in answers]
    assert set(codes) <= {201, 409} and codes.count(201) >= 1, codes
    busy = [a.json() for a in answers if a.status_code == 409]
    assert all(b["code"] == "idempotency_in_flight" and b["field"] == "Idempotency-Key" for b in busy)
    # Those told "still being processed" retry, and now hear the first answer too.
    retried = [_post(token, "rider-42-retry") for _ in busy]
    bodies = [a.json() for a in answers if a.status_code == 201] + [r.json() for r in retried]
    assert all(r.status_code == 201 for r in retried)
    assert len(bodies) == writers and all(b == bodies[0] for b in bodies)
    assert bodies[0]["id"] == Case.objects.get().pk
    assert IdempotencyRecord.objects.get().status_code == 201


def test_a_key_whose_request_died_in_flight_is_taken_over_after_the_in_flight_window(world, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.LINLI_IDEMPOTENCY_IN_FLIGHT_SECONDS = 30
    token = Token.objects.get_or_create(user=world.secretary)[0].key
    # A request claimed the key and its process died before answering: the claim has no answer.
    record = IdempotencyRecord.objects.create(
        user=world.secretary, scope="case_create", key="k-died", request_hash=_hash_of_body()
    )
    busy = _post(token, "k-died")
    assert busy.status_code == 409 and busy.json()["code"] == "idempotency_in_flight"
    IdempotencyRecord.objects.filter(pk=record.pk).update(created_at=timezone.now() - timedelta(seconds=31))
    taken = _post(token, "k-died")
    assert taken.status_code == 201 and Case.objects.count() == 1
    assert _post(token, "k-died").json() == taken.json()


def _hash_of_body() -> str:
    """The request hash of BODY on /api/v1/cases/, as `core.idempotency` computes it."""
    import hashlib
    import json

    payload = json.dumps(
        {"path": "/api/v1/cases/", "data": BODY}, sort_keys=True, default=str, ensure_ascii=False
    )
    return hashlib.sha256(payload.encode()).hexdigest()
