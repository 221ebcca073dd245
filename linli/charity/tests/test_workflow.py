"""A distribution's life: the rule's list, changes with a reason before approval, the secretary's approval,
hand-overs once per household and never beyond the stock, home deliveries that record the hand-over."""

from datetime import date

import pytest
from django.db.models import Sum

from linli.charity import selectors, services
from linli.charity.choices import DeliveryStatus, FileKind, MovementKind, PlanStatus, RecipientSource
from linli.charity.models import CharityFile, HandOver, Recipient, StockMovement
from linli.charity.tests.conftest import photo_upload, signature_upload
from linli.core.errors import Conflict, InvalidInput, NotAllowed, Unprocessable
from linli.core.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(world, charity):
    return services.distribution_create(
        actor=world.owner,
        community=world.xiningdao,
        name="春节幸福包",
        stock_item=charity.bags,
        rule={"tags": ["dibao", "dujulaoren"]},
    )


def listed(plan) -> set[int]:
    return set(
        Recipient.objects.filter(distribution=plan, removed_at__isnull=True).values_list(
            "household", flat=True
        )
    )


def test_a_new_plan_lists_what_the_rule_picks_for_approval(world, registry, draft):
    assert draft.status == PlanStatus.DRAFT and draft.rule == {
        "match": "any",
        "tags": ["dibao", "dujulaoren"],
    }
    assert listed(draft) == {registry.home_a.pk, registry.home_a2.pk}
    assert selectors.plan_progress(draft) | {} == {
        "listed": 2,
        "handed_over": 0,
        "quantity_handed_over": 0,
        "waiting": 2,
        "deliveries_planned": 0,
        "needed": 2,
        "in_stock": 30,
        "short_by": 0,
    }


def test_staff_add_and_remove_households_with_a_reason_before_approval(world, registry, draft):
    with pytest.raises(InvalidInput):
        services.recipient_add(actor=world.owner, distribution=draft, household=registry.home_b, reason="")
    services.recipient_add(
        actor=world.colleague_worker, distribution=draft, household=registry.home_b, reason="失业困难"
    )
    with pytest.raises(Conflict):
        services.recipient_add(
            actor=world.owner, distribution=draft, household=registry.home_b, reason="再加"
        )
    services.recipient_remove(
        actor=world.owner, distribution=draft, household=registry.home_a, reason="已由女儿接走"
    )
    assert listed(draft) == {registry.home_a2.pk, registry.home_b.pk}
    removed = Recipient.objects.get(distribution=draft, household=registry.home_a)
    assert removed.removed_reason == "已由女儿接走" and removed.removed_by == world.owner
    with pytest.raises(InvalidInput):
        services.recipient_add(
            actor=world.owner, distribution=draft, household=registry.home_y, reason="外社区"
        )
    with pytest.raises(NotAllowed):
        services.recipient_remove(
            actor=world.outsider, distribution=draft, household=registry.home_b, reason="x"
        )
    assert AuditEntry.objects.filter(event__startswith="charity.recipient_").count() == 2
    back = services.recipient_add(
        actor=world.owner, distribution=draft, household=registry.home_a, reason="女儿出差"
    )
    assert back.source == RecipientSource.ADDED and back.removed_at is None


def test_only_the_secretary_approves_and_opens_and_the_list_is_frozen_after_approval(world, registry, draft):
    for actor in (world.owner, world.street, world.outsider_secretary):
        with pytest.raises(NotAllowed):
            services.distribution_approve(actor=actor, distribution=draft)
    with pytest.raises(Conflict):
        services.distribution_approve(actor=world.secretary, distribution=draft, version=draft.version + 5)
    plan = services.distribution_approve(actor=world.secretary, distribution=draft, version=draft.version)
    assert (plan.status, plan.approved_by) == (PlanStatus.APPROVED, world.secretary)
    with pytest.raises(Conflict):
        services.recipient_add(
            actor=world.secretary, distribution=plan, household=registry.home_b, reason="补"
        )
    with pytest.raises(Conflict):
        services.handover_record(
            actor=world.owner,
            distribution=plan,
            household=registry.home_a,
            received_by="李秀兰",
            proof_kind="signature",
            proof=signature_upload(),
        )
    with pytest.raises(NotAllowed):
        services.distribution_open(actor=world.owner, distribution=plan)
    plan = services.distribution_open(actor=world.secretary, distribution=plan)
    assert plan.status == PlanStatus.OPEN


def test_an_empty_list_cannot_be_approved(world, registry, draft):
    for household in (registry.home_a, registry.home_a2):
        services.recipient_remove(
            actor=world.secretary, distribution=draft, household=household, reason="复核"
        )
    with pytest.raises(Unprocessable):
        services.distribution_approve(actor=world.secretary, distribution=draft)


def test_a_hand_over_takes_from_stock_once_per_household(world, registry, charity, plan):
    handover = services.handover_record(
        actor=world.owner,
        distribution=plan,
        household=registry.home_a,
        received_by="李秀兰",
        proof_kind="signature",
        proof=signature_upload(),
    )
    charity.bags.refresh_from_db()
    assert charity.bags.quantity == 29
    out = StockMovement.objects.get(handover=handover)
    assert (out.kind, out.quantity, out.balance_after) == (MovementKind.HANDOVER, -1, 29)
    stored = handover.proof
    assert (stored.kind, stored.content_type, stored.household_id) == (
        FileKind.SIGNATURE,
        "image/jpeg",
        registry.home_a.pk,
    )
    with pytest.raises(Conflict) as e:
        services.handover_record(
            actor=world.secretary,
            distribution=plan,
            household=registry.home_a,
            received_by="李秀兰女儿",
            proof_kind="photo",
            proof=photo_upload(),
        )
    assert e.value.code == "already_received"
    with pytest.raises(Unprocessable) as e:
        services.handover_record(
            actor=world.owner,
            distribution=plan,
            household=registry.home_b,
            received_by="周建国",
            proof_kind="photo",
            proof=photo_upload(),
        )
    assert e.value.code == "not_listed"
    assert HandOver.objects.count() == 1 and CharityFile.objects.filter(kind="signature").count() == 1
    assert AuditEntry.objects.filter(event="charity.handover").count() == 1


def test_a_hand_over_never_exceeds_the_stock(world, registry, charity, plan):
    services.stock_adjust(actor=world.secretary, stock_item=charity.bags, delta=-30, reason="调拨到天兴里")
    with pytest.raises(Unprocessable) as e:
        services.handover_record(
            actor=world.owner,
            distribution=plan,
            household=registry.home_a,
            received_by="李秀兰",
            proof_kind="photo",
            proof=photo_upload(),
        )
    assert e.value.code == "out_of_stock" and e.value.extra == {"in_stock": 0}
    assert not HandOver.objects.exists() and not CharityFile.objects.filter(kind="photo").exists()


def test_a_hand_over_needs_a_real_signature_or_photo_and_a_name(world, registry, plan):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from linli.core.uploads import check_uploads

    blank = io.BytesIO()
    Image.new("RGBA", (100, 50), (0, 0, 0, 0)).save(blank, format="PNG")
    [empty] = check_uploads([SimpleUploadedFile("signature.png", blank.getvalue())], field="signature")
    base = dict(actor=world.owner, distribution=plan, household=registry.home_a)
    for kwargs, field in (
        (dict(received_by="李秀兰", proof_kind="signature", proof=empty), "signature"),
        (dict(received_by="李秀兰", proof_kind="signature", proof=None), "signature"),
        (dict(received_by=" ", proof_kind="photo", proof=photo_upload()), "received_by"),
        (dict(received_by="李秀兰", proof_kind="photo", proof=photo_upload(), quantity=2), "quantity"),
    ):
        with pytest.raises(InvalidInput) as e:
            services.handover_record(**base, **kwargs)
        assert e.value.field == field
    assert not HandOver.objects.exists()


def test_a_signature_arrives_as_a_data_url_from_the_canvas(world, registry, plan):
    import base64

    from linli.charity.tests.conftest import signature_png

    upload = services.signature_from_data_url(
        "data:image/png;base64," + base64.b64encode(signature_png()).decode()
    )
    handover = services.handover_record(
        actor=world.owner,
        distribution=plan,
        household=registry.home_a,
        received_by="李秀兰",
        proof_kind="signature",
        proof=upload,
    )
    from PIL import Image

    with Image.open(handover.proof.file) as img:  # on white, the strokes kept
        assert img.convert("L").getextrema()[1] > 200 and img.convert("L").getextrema()[0] < 100
    with pytest.raises(InvalidInput):
        services.signature_from_data_url("data:image/png;base64,!!!")


def test_a_home_delivery_records_the_hand_over_when_it_is_done(world, registry, charity, plan):
    delivery = services.delivery_plan(
        actor=world.secretary,
        distribution=plan,
        household=registry.home_a2,
        planned_on=date(2026, 1, 25),
        assignee=world.owner,
        note="行动不便，雨雪天不出门",
    )
    with pytest.raises(Conflict):
        services.delivery_plan(
            actor=world.owner,
            distribution=plan,
            household=registry.home_a2,
            planned_on=date(2026, 1, 26),
            volunteer_name="红管家志愿者",
        )
    with pytest.raises(InvalidInput):
        services.delivery_plan(
            actor=world.owner,
            distribution=plan,
            household=registry.home_a,
            planned_on=date(2026, 1, 26),
            assignee=world.outsider,
        )
    done = services.delivery_complete(
        actor=world.owner,
        delivery=delivery,
        received_by="韩大爷",
        proof_kind="photo",
        proof=photo_upload(),
        version=delivery.version,
    )
    assert done.status == DeliveryStatus.DELIVERED and done.handover.household == registry.home_a2
    charity.bags.refresh_from_db()
    assert charity.bags.quantity == 29
    with pytest.raises(Conflict):
        services.delivery_complete(
            actor=world.owner, delivery=done, received_by="韩大爷", proof_kind="photo", proof=photo_upload()
        )


def test_closing_cancels_planned_deliveries_and_keeps_the_rest_in_stock(world, registry, charity, plan):
    delivery = services.delivery_plan(
        actor=world.owner,
        distribution=plan,
        household=registry.home_a2,
        planned_on=date(2026, 1, 25),
        volunteer_name="红管家志愿者",
    )
    services.handover_record(
        actor=world.owner,
        distribution=plan,
        household=registry.home_a,
        received_by="李秀兰",
        proof_kind="photo",
        proof=photo_upload(),
    )
    closed = services.distribution_close(actor=world.secretary, distribution=plan)
    delivery.refresh_from_db()
    assert closed.status == PlanStatus.CLOSED and delivery.status == DeliveryStatus.CANCELLED
    charity.bags.refresh_from_db()
    total = StockMovement.objects.filter(stock_item=charity.bags).aggregate(s=Sum("quantity"))["s"]
    assert charity.bags.quantity == 29 == total
    with pytest.raises(Conflict):
        services.handover_record(
            actor=world.owner,
            distribution=plan,
            household=registry.home_a2,
            received_by="韩大爷",
            proof_kind="photo",
            proof=photo_upload(),
        )
