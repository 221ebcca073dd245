"""Hand-overs at the same moment (RE-03), on PostgreSQL with real threads: against a stock smaller than the crowd
exactly the stock succeeds and the rest hear 422, the balance ends at 0 and the ledger sums to it; two staff
handing the same household its bag at once give it one."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Sum
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from linli.charity import services
from linli.charity.choices import DonorKind, MovementKind
from linli.charity.models import HandOver, StockItem, StockMovement
from linli.conftest import png_bytes
from linli.residents.models import Household

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL"),
]
N = 8
STOCK = 5


def _clients(user, n):
    token = Token.objects.get_or_create(user=user)[0].key
    clients = []
    for _ in range(n):
        c = APIClient()
        c.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        clients.append(c)
    return clients


def _post_all(clients, plan, households, start):
    def post(i):
        try:
            start.wait()
            return clients[i].post(
                f"/api/v1/distributions/{plan.pk}/handovers/",
                {
                    "household": households[i].pk,
                    "received_by": f"户主{i}",
                    "proof_kind": "photo",
                    "photo": SimpleUploadedFile(f"{i}.png", png_bytes()),
                },
                format="multipart",
            )
        finally:
            connection.close()

    with ThreadPoolExecutor(len(clients)) as pool:
        return list(pool.map(post, range(len(clients))))


@pytest.fixture
def crowd(world, registry):
    """N 低保 households in grid A and a plan for them, with only STOCK bags."""
    from linli.residents.tests.conftest import _household, _resident, _tag

    homes = []
    for i in range(N):
        home = _household(world.building_1, f"6{i:02d}", 6)
        _resident(home, f"住户{i}", date(1950, 1, 1 + i), 60 + i, female=bool(i % 2), phone=f"1350000{i:04d}")
        _tag("dibao", by=world.secretary, household=home)
        homes.append(home)
    donation = services.donation_receive(
        actor=world.secretary,
        community=world.xiningdao,
        donor_kind=DonorKind.ANONYMOUS,
        received_on=date(2026, 1, 20),
        items=[{"name": "幸福包", "unit": "份", "quantity": STOCK}],
    )
    item = donation.items.get().stock_item
    plan = services.distribution_create(
        actor=world.secretary,
        community=world.xiningdao,
        name="春节幸福包",
        stock_item=item,
        rule={"tags": ["dibao"], "compounds": [world.jili.pk]},
    )
    services.distribution_approve(actor=world.secretary, distribution=plan)
    plan = services.distribution_open(actor=world.secretary, distribution=plan)
    return plan, item, homes


def test_more_hand_overs_than_stock_at_once_give_exactly_the_stock(world, crowd):
    plan, item, homes = crowd
    answers = _post_all(_clients(world.owner, N), plan, homes, threading.Barrier(N))
    codes = sorted(a.status_code for a in answers)
    assert codes == [201] * STOCK + [422] * (N - STOCK), [a.json() for a in answers]
    assert {a.json()["code"] for a in answers if a.status_code == 422} == {"out_of_stock"}
    item.refresh_from_db()
    assert item.quantity == 0
    rows = StockMovement.objects.filter(stock_item=item)
    assert rows.aggregate(s=Sum("quantity"))["s"] == 0
    assert rows.filter(kind=MovementKind.HANDOVER).count() == STOCK == HandOver.objects.count()
    assert sorted(rows.values_list("balance_after", flat=True)) == list(range(STOCK + 1))
    assert services.verify_ledger(item).ok  # the chain stayed linked under concurrent writers


def test_two_hand_overs_to_the_same_household_at_once_give_one(world, crowd):
    plan, item, homes = crowd
    same = [homes[0]] * 4
    answers = _post_all(
        _clients(world.owner, 2) + _clients(world.secretary, 2), plan, same, threading.Barrier(4)
    )
    assert sorted(a.status_code for a in answers) == [201, 409, 409, 409]
    assert {a.json()["code"] for a in answers if a.status_code == 409} == {"already_received"}
    item.refresh_from_db()
    assert item.quantity == STOCK - 1 and HandOver.objects.filter(household=homes[0]).count() == 1
    assert StockItem.objects.get(pk=item.pk).quantity == STOCK + sum(
        StockMovement.objects.filter(stock_item=item, kind=MovementKind.HANDOVER).values_list(
            "quantity", flat=True
        )
    )
    assert Household.objects.filter(pk=homes[0].pk).exists() and services.verify_ledger(item).ok
