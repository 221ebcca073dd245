"""Receiving a donation fills the stock; the balance never goes below zero; the ledger is append-only at the
three layers (model, queryset, and on PostgreSQL a trigger) and always sums to the balance."""

from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Sum

from linli.charity import services
from linli.charity.choices import DonorKind, MovementKind
from linli.charity.models import Donation, StockItem, StockMovement
from linli.core.errors import Conflict, InvalidInput, NotAllowed, Unprocessable
from linli.core.models import AuditEntry

pytestmark = pytest.mark.django_db
on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL-only")


def ledger_sum(item) -> int:
    return StockMovement.objects.filter(stock_item=item).aggregate(s=Sum("quantity"))["s"] or 0


def test_a_donation_puts_its_items_into_stock_with_one_ledger_row_each(world, charity):
    assert charity.bags.quantity == 30 and str(charity.bags) == "幸福包（份）"
    [row] = StockMovement.objects.filter(stock_item=charity.bags)
    assert (row.kind, row.quantity, row.balance_after, row.donation_id) == (
        MovementKind.DONATION,
        30,
        30,
        charity.donation.pk,
    )
    assert (
        charity.donation.total_value == 2400
        and charity.donation.donor_display == "邮政储蓄银行石油新村营业所"
    )
    assert AuditEntry.objects.filter(
        event="charity.donation_receive", object_id=str(charity.donation.pk)
    ).exists()


def test_a_second_donation_of_the_same_item_adds_to_the_same_stock_line(world, charity):
    services.donation_receive(
        actor=world.owner,
        community=world.xiningdao,
        donor_kind=DonorKind.PERSON,
        donor_name="刘先生",
        received_on=date(2026, 1, 22),
        items=[
            {"name": "幸福包", "unit": "份", "quantity": 5},
            {"name": "棉衣", "unit": "件", "quantity": 12},
        ],
        total_value="1500",
    )
    charity.bags.refresh_from_db()
    assert charity.bags.quantity == 35 == ledger_sum(charity.bags)
    assert StockItem.objects.get(name="棉衣").quantity == 12


def test_donations_are_checked(world, charity):
    base = dict(actor=world.secretary, community=world.xiningdao, received_on=date(2026, 1, 2))
    with pytest.raises(InvalidInput) as e:
        services.donation_receive(
            **base, donor_kind=DonorKind.PERSON, items=[{"name": "米", "unit": "袋", "quantity": 1}]
        )
    assert e.value.field == "donor_name"
    with pytest.raises(InvalidInput) as e:
        services.donation_receive(**base, donor_kind=DonorKind.ANONYMOUS, items=[])
    assert e.value.field == "items"
    with pytest.raises(InvalidInput) as e:
        services.donation_receive(
            **base, donor_kind=DonorKind.ANONYMOUS, items=[{"name": "米", "unit": "袋", "quantity": 0}]
        )
    assert e.value.field == "items.0.quantity"
    with pytest.raises(Conflict):
        services.donation_receive(
            **base,
            donor_kind=DonorKind.ANONYMOUS,
            items=[{"name": "米", "unit": "袋", "quantity": 1}],
            receipt_number="JZ-2026-0001",
        )
    with pytest.raises(NotAllowed):
        services.donation_receive(
            actor=world.outsider,
            community=world.xiningdao,
            received_on=date(2026, 1, 2),
            donor_kind=DonorKind.ANONYMOUS,
            items=[{"name": "米", "unit": "袋", "quantity": 1}],
        )
    assert Donation.objects.count() == 1


def test_an_adjustment_needs_the_secretary_and_a_reason_and_never_goes_below_zero(world, charity):
    with pytest.raises(NotAllowed):
        services.stock_adjust(actor=world.owner, stock_item=charity.bags, delta=-1, reason="盘点")
    with pytest.raises(InvalidInput) as e:
        services.stock_adjust(actor=world.secretary, stock_item=charity.bags, delta=-1, reason=" ")
    assert e.value.field == "reason"
    with pytest.raises(Unprocessable) as e:
        services.stock_adjust(actor=world.secretary, stock_item=charity.bags, delta=-31, reason="盘点")
    assert e.value.code == "out_of_stock"
    moved = services.stock_adjust(
        actor=world.secretary, stock_item=charity.bags, delta=-2, reason="两份蔬菜冻坏"
    )
    charity.bags.refresh_from_db()
    assert (moved.balance_after, charity.bags.quantity, ledger_sum(charity.bags)) == (28, 28, 28)
    assert AuditEntry.objects.filter(event="charity.stock_adjust").count() == 1


def test_the_database_refuses_a_negative_balance(charity):
    with pytest.raises(IntegrityError), transaction.atomic():
        StockItem.objects.filter(pk=charity.bags.pk).update(quantity=F("quantity") - 31)
    charity.bags.refresh_from_db()
    assert charity.bags.quantity == 30


def test_the_ledger_refuses_edits_and_deletes_in_the_model_and_the_queryset(charity):
    row = StockMovement.objects.get(stock_item=charity.bags)
    row.quantity = 300
    with pytest.raises(RuntimeError):
        row.save()
    with pytest.raises(RuntimeError):
        row.delete()
    with pytest.raises(RuntimeError):
        StockMovement.objects.filter(pk=row.pk).update(quantity=300)
    with pytest.raises(RuntimeError):
        StockMovement.objects.all().delete()
    assert StockMovement.objects.get(pk=row.pk).quantity == 30


@on_postgresql
def test_on_postgresql_the_database_refuses_update_and_delete_of_the_ledger(charity):
    row = StockMovement.objects.get(stock_item=charity.bags)
    for sql in (
        "UPDATE charity_stockmovement SET quantity = 300 WHERE id = %s",
        "DELETE FROM charity_stockmovement WHERE id = %s",
    ):
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, [row.pk])
    assert StockMovement.objects.get(pk=row.pk).quantity == 30


def test_a_ledger_row_must_fit_its_kind(world, charity):
    with pytest.raises(IntegrityError), transaction.atomic():
        StockMovement.objects.create(
            stock_item=charity.bags,
            community=world.xiningdao,
            kind=MovementKind.ADJUSTMENT,
            quantity=-1,
            balance_after=29,
            reason="",
            created_by=world.secretary,
            created_at=charity.donation.created_at,
        )


def test_the_ledger_is_a_signed_chain_that_shows_an_altered_or_removed_row(world, charity):
    for delta in (-2, 5):
        services.stock_adjust(actor=world.secretary, stock_item=charity.bags, delta=delta, reason="盘点")
    check = services.verify_ledger(charity.bags)
    assert check.ok and check.rows == 3
    first, middle, last = StockMovement.objects.filter(stock_item=charity.bags).order_by("id")
    assert first.prev_hash == "" and middle.prev_hash == first.row_hash and last.prev_hash == middle.row_hash
    with transaction.atomic():
        if (
            connection.vendor == "postgresql"
        ):  # the trigger refuses anything else; the demo's purge may delete
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL linli.charity_purge = 'demo'")
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM charity_stockmovement WHERE id = %s", [middle.pk])
        check = services.verify_ledger(charity.bags)
        assert not check.ok and check.broken_at == last.pk and "chain" in check.reason
        transaction.set_rollback(True)
    if connection.vendor == "sqlite":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("UPDATE charity_stockmovement SET reason = 'x' WHERE id = %s", [middle.pk])
            check = services.verify_ledger(charity.bags)
            assert not check.ok and check.broken_at == middle.pk and "altered" in check.reason
            transaction.set_rollback(True)
    assert services.verify_ledger(charity.bags).ok
