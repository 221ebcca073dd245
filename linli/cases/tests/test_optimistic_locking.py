"""RE-02 and RE-03 on cases: ETag / If-Match on the case API, and version counters that never lose a write."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from linli.cases import services
from linli.cases.models import Case, CaseEvent


def _client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.mark.django_db
def test_the_case_carries_its_version_as_etag_and_a_stale_if_match_fails_with_the_current_case(
    world, new_case
):
    case = new_case()
    client = _client(world.secretary)
    read = client.get(f"/api/v1/cases/{case.pk}/")
    assert read.status_code == 200 and read["ETag"] == '"1"'
    assert client.get(f"/api/v1/cases/{case.pk}/", HTTP_IF_NONE_MATCH='"1"').status_code == 304
    url = f"/api/v1/cases/{case.pk}/transition/"
    done = client.post(url, {"action": "note", "note": "已联系物业"}, format="json", HTTP_IF_MATCH='"1"')
    assert done.status_code == 200 and done["ETag"] == '"2"' and done.json()["version"] == 2
    stale = client.post(url, {"action": "note", "note": "再记一笔"}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    body = stale.json()
    assert body["code"] == "stale_version" and body["case"]["version"] == 2 and stale["ETag"] == '"2"'
    weak = client.post(url, {"action": "note", "note": "弱校验"}, format="json", HTTP_IF_MATCH='W/"2"')
    assert weak.status_code == 200
    bad = client.post(url, {"action": "note", "note": "x"}, format="json", HTTP_IF_MATCH="yesterday")
    assert bad.status_code == 400 and bad.json()["field"] == "If-Match"
    clash = client.post(
        url, {"action": "note", "version": 2, "note": "x"}, format="json", HTTP_IF_MATCH='"3"'
    )
    assert clash.status_code == 400 and clash.json()["field"] == "version"
    assert client.get(f"/api/v1/cases/{case.pk}/").json()["version"] == 3
    assert CaseEvent.objects.filter(case=case, action="note").count() == 2


@pytest.mark.django_db(transaction=True)
def test_twenty_writers_with_one_if_match_give_one_success_nineteen_412s_and_a_gap_free_history(
    world, new_case
):
    case = new_case()
    Token.objects.get_or_create(user=world.secretary)
    start = threading.Barrier(20)

    def write(i):
        start.wait()
        try:
            return _client(world.secretary).post(
                f"/api/v1/cases/{case.pk}/transition/",
                {"action": "note", "note": f"第{i}条"},
                format="json",
                HTTP_IF_MATCH='"1"',
            )
        finally:
            connection.close()

    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(write, range(20)))
    assert sorted(a.status_code for a in answers) == [200] + [412] * 19
    case.refresh_from_db()
    assert case.version == 2
    events = list(CaseEvent.objects.filter(case=case).order_by("id").values_list("action", flat=True))
    assert events.count("note") == 1 and events[0] != "note"  # intake first, then the one note: no gap


@pytest.mark.django_db(transaction=True)
def test_concurrent_increments_of_the_case_version_add_up_exactly(world, new_case):
    """RE-03: the version counter is F("version") + 1 under the row lock; N concurrent notes → exactly +N."""
    increments = 1000 if connection.vendor == "postgresql" else 120
    threads = 8
    case = new_case()
    actor_ids = [world.secretary.pk, world.owner.pk]

    def work(worker: int) -> int:
        from linli.accounts.models import User

        try:
            actor = User.objects.get(pk=actor_ids[worker % 2])
            target = Case.objects.get(pk=case.pk)
            for i in range(worker, increments, threads):
                services.case_add_note(case=target, actor=actor, note=f"巡查{i}")
            return 1
        finally:
            connection.close()

    with ThreadPoolExecutor(threads) as pool:
        assert sum(pool.map(work, range(threads))) == threads
    case.refresh_from_db()
    assert case.version == 1 + increments
    assert CaseEvent.objects.filter(case=case, action="note").count() == increments
