"""Two people editing the same resident at once: one wins, the other hears of it, nothing is lost (RE-02)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from rest_framework.test import APIClient

from linli.core.models import AuditEntry
from linli.residents.models import Resident

pytestmark = pytest.mark.django_db(transaction=True)


def test_ten_editors_on_the_same_version_give_one_success_and_nine_conflicts(world, registry):
    from rest_framework.authtoken.models import Token

    token = Token.objects.get_or_create(user=world.owner)[0].key
    start = threading.Barrier(10)

    def edit(i):
        try:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
            start.wait()
            return client.patch(
                f"/api/v1/residents/{registry.li.pk}/",
                {"version": 1, "notes": f"第{i}次探访记录"},
                format="json",
            )
        finally:
            connection.close()

    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(edit, range(10)))
    assert sorted(a.status_code for a in answers) == [200] + [409] * 9
    winner = next(a for a in answers if a.status_code == 200).json()
    li = Resident.objects.get(pk=registry.li.pk)
    assert li.version == 2 == winner["version"]
    assert li.notes.startswith("第") and li.phone == "13820001111"
    assert AuditEntry.objects.filter(event="registry.resident_update").count() == 1
