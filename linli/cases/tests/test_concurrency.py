"""Two people acting on the same case at once never lose a write (RE-01, RE-02)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from rest_framework.test import APIClient

from linli.cases.models import Case, CaseEvent

pytestmark = pytest.mark.django_db(transaction=True)


def _in_thread(fn):
    def run(*args):
        try:
            return fn(*args)
        finally:
            connection.close()

    return run


def _client(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def _token(user):
    from rest_framework.authtoken.models import Token

    return Token.objects.get_or_create(user=user)[0].key


def test_twenty_writers_on_the_same_version_give_one_success_and_nineteen_conflicts(world, new_case):
    case = new_case()
    token = _token(world.secretary)
    start = threading.Barrier(20)

    @_in_thread
    def write(i):
        start.wait()
        return _client(token).post(
            f"/api/v1/cases/{case.pk}/transition/",
            {"action": "note", "note": f"第{i}条", "version": 1},
            format="json",
        )

    with ThreadPoolExecutor(20) as pool:
        responses = list(pool.map(write, range(20)))
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [409] * 19
    conflict = next(r for r in responses if r.status_code == 409).json()
    assert conflict["code"] == "stale_version" and conflict["case"]["version"] == 2
    case.refresh_from_db()
    assert case.version == 2
    assert CaseEvent.objects.filter(case=case, action="note").count() == 1


def test_concurrent_notes_without_a_version_are_all_kept(world, new_case):
    case = new_case()
    token = _token(world.owner)

    @_in_thread
    def write(i):
        return _client(token).post(
            f"/api/v1/cases/{case.pk}/transition/", {"action": "note", "note": f"巡查记录{i}"}, format="json"
        )

    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(write, range(16)))
    assert all(r.status_code == 200 for r in responses), [
        r.content for r in responses if r.status_code != 200
    ]
    case.refresh_from_db()
    assert case.version == 17
    assert CaseEvent.objects.filter(case=case, action="note").count() == 16


def test_parallel_posts_with_one_idempotency_key_create_one_case(world):
    token = _token(world.secretary)
    body = {"title": "楼道飞线充电", "category": "ENV-DRAIN", "lat": 39.111, "lon": 117.201}
    start = threading.Barrier(10)

    @_in_thread
    def post(_):
        start.wait()
        return _client(token).post("/api/v1/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY="rider-42")

    with ThreadPoolExecutor(10) as pool:
        responses = list(pool.map(post, range(10)))
    assert Case.objects.count() == 1
    created = [r for r in responses if r.status_code == 201]
    assert len(created) + sum(r.status_code == 409 for r in responses) == 10
    assert {r.json()["id"] for r in created} == {Case.objects.get().pk}
