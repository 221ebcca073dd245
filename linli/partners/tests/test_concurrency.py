"""Concurrent edits of one partner give one success and conflicts; two sweepers announce an agreement once."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from linli.core.models import Notification
from linli.partners import services
from linli.partners.models import Partner

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def _in_thread(fn):
    def run(*args):
        try:
            return fn(*args)
        finally:
            connection.close()

    return run


def test_ten_writers_on_the_same_version_give_one_success_and_nine_conflicts(world, cast):
    token = Token.objects.get_or_create(user=world.secretary)[0].key
    start = threading.Barrier(10)

    @_in_thread
    def write(i):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        start.wait()
        return client.patch(
            f"/api/v1/partners/{cast.aier.pk}/", {"version": 1, "address": f"南京路{i}号"}, format="json"
        ).status_code

    with ThreadPoolExecutor(10) as pool:
        codes = sorted(pool.map(write, range(10)))
    assert codes == [200] + [409] * 9
    assert Partner.objects.get(pk=cast.aier.pk).version == 2


def test_two_sweepers_at_once_announce_an_agreement_once(world, cast):
    today = date(2026, 12, 1)
    services.agreement_create(
        actor=world.secretary,
        partner=cast.aier,
        title="将到期",
        signed_on=date(2026, 1, 1),
        valid_from=date(2026, 1, 1),
        valid_until=today + timedelta(days=5),
    )
    start = threading.Barrier(4)

    @_in_thread
    def sweep(_):
        start.wait()
        return services.agreements_sweep(today)

    with ThreadPoolExecutor(4) as pool:
        announced = list(pool.map(sweep, range(4)))
    assert sum(announced) == 1
    assert Notification.objects.filter(kind="partner_agreement_expiring").count() == 1
