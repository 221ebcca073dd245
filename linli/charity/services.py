"""Every write of the charity app: donations into stock, adjustments, distribution plans, hand-overs, deliveries.

Stock moves only through ``_move``: the stock line is locked (``select_for_update``), the new balance checked,
the column changed with ``F()`` and one ledger row written with the balance after it, all in the caller's
transaction; the CHECK constraint on the column is the last guard. Lock order is plan, then stock line."""

from __future__ import annotations

import base64
import binascii
import io
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from cryptography.hazmat.primitives import constant_time
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from linli.core.audit import audit, signer
from linli.core.errors import Conflict, InvalidInput, NotAllowed, Unprocessable
from linli.core.images import clean_photo
from linli.core.uploads import CheckedUpload, check_uploads

from . import rules
from .choices import DeliveryStatus, DonorKind, FileKind, MovementKind, PlanStatus, ProofKind, RecipientSource
from .models import (
    CharityFile,
    Distribution,
    Donation,
    DonationItem,
    HandOver,
    HomeDelivery,
    Recipient,
    StockItem,
    StockMovement,
)

MAX_ITEMS = 20
MAX_SIGNATURE_BYTES = 2 * 1024 * 1024


def _now() -> datetime:
    return timezone.now()


# ---------------------------------------------------------------- who may do what


def may_manage(user, community_id: int) -> bool:
    """Staff of the community (its secretary, its grids' workers and leaders) record donations and hand-overs."""
    scope = user.scope
    return community_id in scope.community_ids or community_id in scope.grid_community_ids


def is_secretary_of(user, community_id: int) -> bool:
    return community_id in user.scope.community_ids


def _require_staff(user, community_id: int) -> None:
    if not may_manage(user, community_id):
        raise NotAllowed(_("Only staff of the community may do this."))


def _require_secretary(user, community_id: int) -> None:
    if not is_secretary_of(user, community_id):
        raise NotAllowed(_("Only the community's secretary may do this."))


def _check_version(obj, version: int | None) -> None:
    if version is not None and int(version) != obj.version:
        raise Conflict(
            _("Someone else changed this in the meantime; reload and try again."),
            code="stale_version",
            field="version",
            current_version=obj.version,
        )


# ---------------------------------------------------------------- files


def _flatten(upload: CheckedUpload) -> CheckedUpload:
    """A drawn signature is a PNG with a transparent background: put it on white, or it turns black as a JPEG.

    A signature with no stroke on it is refused."""
    upload.file.seek(0)
    try:
        with Image.open(upload.file) as img:
            img.load()
            rgba = img.convert("RGBA")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError):
        raise InvalidInput(_("The signature is not a readable picture."), field="signature") from None
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    white.alpha_composite(rgba)
    grey = white.convert("L")
    low, high = grey.getextrema()
    if high - low < 32:
        raise InvalidInput(_("The signature is empty: ask the recipient to sign."), field="signature")
    out = io.BytesIO()
    white.convert("RGB").save(out, format="PNG")
    data = out.getvalue()
    return CheckedUpload(
        file=SimpleUploadedFile(upload.name, data, content_type="image/png"),
        name=upload.name,
        content_type="image/png",
        size=len(data),
    )


def signature_from_data_url(value: str) -> CheckedUpload:
    """The canvas's `data:image/png;base64,…` as a checked upload named signature.png."""
    prefix = "data:image/png;base64,"
    if not value.startswith(prefix):
        raise InvalidInput(_("The signature is not a PNG picture."), field="signature")
    try:
        data = base64.b64decode(value[len(prefix) :], validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(_("The signature is not a PNG picture."), field="signature") from None
    if len(data) > MAX_SIGNATURE_BYTES:
        raise InvalidInput(_("The signature is too large."), field="signature")
    return check_uploads(
        [SimpleUploadedFile("signature.png", data, content_type="image/png")], field="signature"
    )[0]


def _store(*, kind: str, community_id: int, upload: CheckedUpload, actor, household=None) -> CharityFile:
    """Store a checked upload under a random name; photos and signatures re-encoded without metadata (FU-03)."""
    if kind == FileKind.SIGNATURE:
        upload = clean_photo(_flatten(upload), field="signature").upload
    elif upload.content_type.startswith("image/") and not upload.cleaned:
        upload = clean_photo(upload, field=kind).upload
    stored = CharityFile(
        kind=kind,
        community_id=community_id,
        household=household,
        stored_name=f"{uuid.uuid4().hex}.{upload.stored_extension}",
        original_name=upload.name,
        content_type=upload.content_type,
        size=upload.size,
        uploaded_by=actor,
    )
    stored.file.save(stored.stored_name, upload.file, save=False)
    stored.save()
    return stored


# ---------------------------------------------------------------- stock


def _move(
    *,
    stock_item_id: int,
    delta: int,
    kind: str,
    actor,
    donation: Donation | None = None,
    handover: HandOver | None = None,
    reason: str = "",
) -> StockMovement:
    """Change a stock line by `delta` and write its ledger row; a balance below zero is refused (422)."""
    item = StockItem.objects.select_for_update().get(pk=stock_item_id)
    if item.quantity + delta < 0:
        raise Unprocessable(
            _("Not enough in stock: %(n)d %(unit)s of %(item)s left.")
            % {"n": item.quantity, "unit": item.unit, "item": item.name},
            code="out_of_stock",
            field="quantity",
            in_stock=item.quantity,
        )
    StockItem.objects.filter(pk=item.pk).update(quantity=F("quantity") + delta)
    balance = StockItem.objects.values_list("quantity", flat=True).get(pk=item.pk)
    # The stock line is locked, so the previous link of its chain cannot change under us.
    prev = (
        StockMovement.objects.filter(stock_item=item)
        .order_by("-id")
        .values_list("row_hash", flat=True)
        .first()
    )
    row = StockMovement(
        stock_item=item,
        community_id=item.community_id,
        kind=kind,
        quantity=delta,
        balance_after=balance,
        donation=donation,
        handover=handover,
        reason=reason[:300],
        created_by=actor,
        created_at=_now(),
        key_id=signer().active_key_id(),
        prev_hash=prev or "",
    )
    row.row_hash = signer().mac(row.key_id, ledger_payload(row))
    row.save()
    return row


def ledger_payload(row: StockMovement) -> bytes:
    """The bytes a ledger row's HMAC is taken over: its fields and the previous link, as compact sorted JSON."""
    values = {
        "stock_item": row.stock_item_id,
        "community": row.community_id,
        "kind": row.kind,
        "quantity": row.quantity,
        "balance_after": row.balance_after,
        "donation": row.donation_id,
        "handover": row.handover_id,
        "reason": row.reason,
        "created_by": row.created_by_id,
        "created_at": row.created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "prev_hash": row.prev_hash,
    }
    return (
        b"charity.stock|"
        + json.dumps(values, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    )


@dataclass(frozen=True)
class LedgerCheck:
    ok: bool
    rows: int
    broken_at: int | None = None  # the id of the first row that does not check
    reason: str = ""


def verify_ledger(stock_item: StockItem) -> LedgerCheck:
    """Walk a stock line's chain: each row signed, linked to the one before, its balance the running sum, and the
    last balance the stock line's quantity."""
    prev, total, n = "", 0, 0
    for row in StockMovement.objects.filter(stock_item=stock_item).order_by("id").iterator():
        n += 1
        total += row.quantity
        expected = signer().mac(row.key_id, ledger_payload(row))
        if row.prev_hash != prev:
            return LedgerCheck(False, n, row.pk, "chain broken: a row was removed or inserted")
        if expected is None or not constant_time.bytes_eq(expected.encode(), row.row_hash.encode()):
            return LedgerCheck(False, n, row.pk, "signature does not match: the row was altered")
        if row.balance_after != total:
            return LedgerCheck(False, n, row.pk, "balance does not match the running sum")
        prev = row.row_hash
    quantity = StockItem.objects.values_list("quantity", flat=True).get(pk=stock_item.pk)
    if quantity != total:
        return LedgerCheck(False, n, None, "the stock line's quantity is not the ledger's sum")
    return LedgerCheck(True, n)


def _stock_line(community_id: int, name: str, unit: str) -> StockItem:
    try:
        with transaction.atomic():
            item, _created = StockItem.objects.get_or_create(community_id=community_id, name=name, unit=unit)
    except IntegrityError:  # created by a concurrent donation in the meantime
        item = StockItem.objects.get(community_id=community_id, name=name, unit=unit)
    return item


@transaction.atomic
def stock_adjust(*, actor, stock_item: StockItem, delta: int, reason: str, request=None) -> StockMovement:
    """A secretary's correction of a stock line (a count, spoiled goods), with the reason; never below zero."""
    _require_secretary(actor, stock_item.community_id)
    try:
        delta = int(delta)
    except (TypeError, ValueError):
        raise InvalidInput(_("The change is a whole number."), field="delta") from None
    if delta == 0:
        raise InvalidInput(_("The change cannot be zero."), field="delta")
    if not (reason or "").strip():
        raise InvalidInput(_("Give the reason for the adjustment."), field="reason")
    movement = _move(
        stock_item_id=stock_item.pk,
        delta=delta,
        kind=MovementKind.ADJUSTMENT,
        actor=actor,
        reason=reason.strip(),
    )
    audit(
        "charity.stock_adjust",
        actor=actor,
        request=request,
        obj=stock_item,
        reason=reason.strip(),
        delta=delta,
        balance=movement.balance_after,
    )
    return movement


# ---------------------------------------------------------------- donations


@dataclass(frozen=True)
class ItemIn:
    name: str
    unit: str
    quantity: int
    unit_value: Decimal | None = None
    description: str = ""


def _clean_items(items) -> list[ItemIn]:
    cleaned = []
    for n, raw in enumerate(items or []):
        raw = raw if isinstance(raw, dict) else vars(raw)
        name = str(raw.get("name") or "").strip()[:60]
        unit = str(raw.get("unit") or "").strip()[:10]
        field = f"items.{n}"
        if not name:
            raise InvalidInput(_("Name the item."), field=f"{field}.name")
        if not unit:
            raise InvalidInput(_("Give the item's unit (份, 件, 箱…)."), field=f"{field}.unit")
        try:
            quantity = int(raw.get("quantity"))
        except (TypeError, ValueError):
            raise InvalidInput(_("The quantity is a whole number."), field=f"{field}.quantity") from None
        if not 0 < quantity <= 1_000_000:
            raise InvalidInput(_("The quantity is at least 1."), field=f"{field}.quantity")
        value = raw.get("unit_value")
        if value in (None, ""):
            value = None
        else:
            try:
                value = Decimal(str(value)).quantize(Decimal("0.01"))
            except InvalidOperation:
                raise InvalidInput(
                    _("The value is an amount in yuan."), field=f"{field}.unit_value"
                ) from None
            if value < 0 or value >= Decimal("100000000"):
                raise InvalidInput(_("The value is an amount in yuan."), field=f"{field}.unit_value")
        description = str(raw.get("description") or "").strip()[:200]
        cleaned.append(ItemIn(name, unit, quantity, value, description))
    if not cleaned:
        raise InvalidInput(_("List at least one item."), field="items")
    if len(cleaned) > MAX_ITEMS:
        raise InvalidInput(_("At most %(n)d items per donation.") % {"n": MAX_ITEMS}, field="items")
    return cleaned


@transaction.atomic
def donation_receive(
    *,
    actor,
    community,
    donor_kind: str,
    received_on: date,
    items,
    partner=None,
    donor_name: str = "",
    total_value=None,
    receipt_number: str = "",
    receipt: CheckedUpload | None = None,
    note: str = "",
    request=None,
) -> Donation:
    """Record a donation and put its items into the community's stock, one ledger row per item."""
    _require_staff(actor, community.pk)
    if donor_kind not in DonorKind.values:
        raise InvalidInput(_("Say who the donor is."), field="donor_kind")
    donor_name = (donor_name or "").strip()[:100]
    if donor_kind == DonorKind.PARTNER:
        if partner is None or partner.community_id != community.pk:
            raise InvalidInput(_("Choose a partner organisation of the community."), field="partner")
        donor_name = ""
    else:
        partner = None
        if donor_kind == DonorKind.ANONYMOUS:
            donor_name = ""
        elif not donor_name:
            raise InvalidInput(_("Give the donor's name."), field="donor_name")
    if received_on > timezone.localdate():
        raise InvalidInput(_("A donation cannot be received in the future."), field="received_on")
    cleaned = _clean_items(items)
    if total_value in (None, ""):
        total = sum((i.unit_value * i.quantity for i in cleaned if i.unit_value is not None), Decimal("0"))
    else:
        try:
            total = Decimal(str(total_value)).quantize(Decimal("0.01"))
        except InvalidOperation:
            raise InvalidInput(_("The value is an amount in yuan."), field="total_value") from None
        if total < 0 or total >= Decimal("10000000000"):
            raise InvalidInput(_("The value is an amount in yuan."), field="total_value")
    receipt_number = (receipt_number or "").strip()[:40]
    if (
        receipt_number
        and Donation.objects.filter(community=community, receipt_number=receipt_number).exists()
    ):
        raise Conflict(_("This receipt number is already used."), field="receipt_number")
    stored = (
        _store(kind=FileKind.RECEIPT, community_id=community.pk, upload=receipt, actor=actor)
        if receipt
        else None
    )
    try:
        with transaction.atomic():
            donation = Donation.objects.create(
                community=community,
                donor_kind=donor_kind,
                partner=partner,
                donor_name=donor_name,
                received_on=received_on,
                total_value=total,
                receipt_number=receipt_number,
                receipt=stored,
                note=(note or "").strip()[:2000],
                created_by=actor,
                created_at=_now(),
            )
    except IntegrityError:
        raise Conflict(_("This receipt number is already used."), field="receipt_number") from None
    for item in cleaned:
        line = _stock_line(community.pk, item.name, item.unit)
        DonationItem.objects.create(
            donation=donation,
            stock_item=line,
            name=item.name,
            unit=item.unit,
            description=item.description,
            quantity=item.quantity,
            unit_value=item.unit_value,
        )
        _move(
            stock_item_id=line.pk,
            delta=item.quantity,
            kind=MovementKind.DONATION,
            actor=actor,
            donation=donation,
        )
    audit(
        "charity.donation_receive",
        actor=actor,
        request=request,
        obj=donation,
        donor_kind=donor_kind,
        items=len(cleaned),
        total_value=str(total),
    )
    return donation


# ---------------------------------------------------------------- distribution plans


def _locked_plan(plan: Distribution, version: int | None = None) -> Distribution:
    plan = Distribution.objects.select_for_update().get(pk=plan.pk)
    _check_version(plan, version)
    return plan


def _bump(plan: Distribution, *fields: str) -> None:
    plan.version += 1
    plan.save(update_fields=["version", *fields])


@transaction.atomic
def distribution_create(
    *,
    actor,
    community,
    name: str,
    stock_item: StockItem,
    per_household: int = 1,
    rule: dict | None = None,
    note: str = "",
    request=None,
) -> Distribution:
    """A draft plan: the rule is evaluated over the community's registry and the households listed for approval."""
    _require_staff(actor, community.pk)
    name = (name or "").strip()[:120]
    if not name:
        raise InvalidInput(_("Name the distribution."), field="name")
    if stock_item.community_id != community.pk:
        raise InvalidInput(_("Choose an item of the community's stock."), field="stock_item")
    try:
        per_household = int(per_household)
    except (TypeError, ValueError):
        raise InvalidInput(_("The quantity is a whole number."), field="per_household") from None
    if not 0 < per_household <= 1000:
        raise InvalidInput(_("The quantity is at least 1."), field="per_household")
    cleaned = rules.clean_rule(rule, community)
    now = _now()
    plan = Distribution.objects.create(
        community=community,
        name=name,
        stock_item=stock_item,
        per_household=per_household,
        rule=cleaned,
        note=(note or "").strip()[:2000],
        created_by=actor,
        created_at=now,
    )
    picked = rules.evaluate(community, cleaned, on=timezone.localdate(now))
    Recipient.objects.bulk_create(
        [
            Recipient(
                distribution=plan,
                household=household,
                source=RecipientSource.RULE,
                matched=matched,
                added_by=actor,
                added_at=now,
            )
            for household, matched in picked
        ]
    )
    audit("charity.distribution_create", actor=actor, request=request, obj=plan, recipients=len(picked))
    return plan


def _require_draft(plan: Distribution) -> None:
    if plan.status != PlanStatus.DRAFT:
        raise Conflict(_("The list can be changed only before approval."), field="status", code="not_draft")


@transaction.atomic
def recipient_add(*, actor, distribution: Distribution, household, reason: str, request=None) -> Recipient:
    """Staff add a household the rule missed (with the reason), before approval."""
    plan = _locked_plan(distribution)
    _require_staff(actor, plan.community_id)
    _require_draft(plan)
    if household.community_id != plan.community_id:
        raise InvalidInput(_("The household is not in the plan's community."), field="household")
    reason = (reason or "").strip()[:300]
    if not reason:
        raise InvalidInput(_("Give the reason."), field="reason")
    now = _now()
    row = Recipient.objects.filter(distribution=plan, household=household).first()
    if row is not None and row.removed_at is None:
        raise Conflict(_("The household is already on the list."), field="household", code="already_listed")
    if row is None:
        row = Recipient.objects.create(
            distribution=plan,
            household=household,
            source=RecipientSource.ADDED,
            reason=reason,
            added_by=actor,
            added_at=now,
        )
    else:
        row.source, row.reason, row.added_by, row.added_at = RecipientSource.ADDED, reason, actor, now
        row.removed_at, row.removed_by, row.removed_reason = None, None, ""
        row.save()
    _bump(plan)
    audit(
        "charity.recipient_add", actor=actor, request=request, obj=plan, household=household.pk, reason=reason
    )
    return row


@transaction.atomic
def recipient_remove(*, actor, distribution: Distribution, household, reason: str, request=None) -> Recipient:
    """Staff take a household off the list (moved away, already helped…), with the reason, before approval."""
    plan = _locked_plan(distribution)
    _require_staff(actor, plan.community_id)
    _require_draft(plan)
    reason = (reason or "").strip()[:300]
    if not reason:
        raise InvalidInput(_("Give the reason."), field="reason")
    row = Recipient.objects.filter(distribution=plan, household=household, removed_at__isnull=True).first()
    if row is None:
        raise InvalidInput(_("The household is not on the list."), field="household")
    row.removed_at, row.removed_by, row.removed_reason = _now(), actor, reason
    row.save(update_fields=["removed_at", "removed_by", "removed_reason"])
    _bump(plan)
    audit(
        "charity.recipient_remove",
        actor=actor,
        request=request,
        obj=plan,
        household=household.pk,
        reason=reason,
    )
    return row


def active_recipients(plan: Distribution):
    return Recipient.objects.filter(distribution=plan, removed_at__isnull=True)


@transaction.atomic
def distribution_approve(*, actor, distribution: Distribution, version: int | None = None, request=None):
    """The secretary approves the list. Nothing is reserved: the stock is checked at each hand-over."""
    plan = _locked_plan(distribution, version)
    _require_secretary(actor, plan.community_id)
    if plan.status != PlanStatus.DRAFT:
        raise Conflict(_("Only a draft can be approved."), field="status")
    if not active_recipients(plan).exists():
        raise Unprocessable(_("The list is empty: add households before approving."), field="recipients")
    plan.status, plan.approved_by, plan.approved_at = PlanStatus.APPROVED, actor, _now()
    _bump(plan, "status", "approved_by", "approved_at")
    audit("charity.distribution_approve", actor=actor, request=request, obj=plan)
    return plan


@transaction.atomic
def distribution_open(*, actor, distribution: Distribution, version: int | None = None, request=None):
    plan = _locked_plan(distribution, version)
    _require_secretary(actor, plan.community_id)
    if plan.status != PlanStatus.APPROVED:
        raise Conflict(_("Only an approved plan can be opened."), field="status")
    plan.status, plan.opened_at = PlanStatus.OPEN, _now()
    _bump(plan, "status", "opened_at")
    audit("charity.distribution_open", actor=actor, request=request, obj=plan)
    return plan


@transaction.atomic
def distribution_close(*, actor, distribution: Distribution, version: int | None = None, request=None):
    """Close the plan; deliveries still planned are cancelled (what was not handed over stays in stock)."""
    plan = _locked_plan(distribution, version)
    _require_secretary(actor, plan.community_id)
    if plan.status != PlanStatus.OPEN:
        raise Conflict(_("Only an open plan can be closed."), field="status")
    plan.status, plan.closed_at = PlanStatus.CLOSED, _now()
    _bump(plan, "status", "closed_at")
    cancelled = HomeDelivery.objects.filter(distribution=plan, status=DeliveryStatus.PLANNED).update(
        status=DeliveryStatus.CANCELLED, version=F("version") + 1
    )
    audit(
        "charity.distribution_close", actor=actor, request=request, obj=plan, deliveries_cancelled=cancelled
    )
    return plan


# ---------------------------------------------------------------- hand-overs


def _handover(
    *,
    actor,
    plan: Distribution,
    household,
    received_by: str,
    proof_kind: str,
    proof: CheckedUpload | None,
    quantity: int | None,
    note: str,
    request,
    delivery: HomeDelivery | None = None,
) -> HandOver:
    """The hand-over itself, inside the caller's transaction with the plan already locked."""
    _require_staff(actor, plan.community_id)
    if plan.status != PlanStatus.OPEN:
        raise Conflict(_("Hand-overs are recorded while the plan is open."), field="status", code="not_open")
    if not active_recipients(plan).filter(household=household).exists():
        raise Unprocessable(
            _("The household is not on the approved list."), field="household", code="not_listed"
        )
    if HandOver.objects.filter(distribution=plan, household=household).exists():
        raise Conflict(
            _("The household has already received this distribution."),
            field="household",
            code="already_received",
        )
    received_by = (received_by or "").strip()[:50]
    if not received_by:
        raise InvalidInput(_("Write who received it."), field="received_by")
    quantity = plan.per_household if quantity in (None, "") else int(quantity)
    if not 0 < quantity <= plan.per_household:
        raise InvalidInput(
            _("A household receives 1 to %(n)d.") % {"n": plan.per_household}, field="quantity"
        )
    if proof_kind not in ProofKind.values:
        raise InvalidInput(_("Choose how the hand-over is confirmed."), field="proof_kind")
    if proof is None:
        field = "signature" if proof_kind == ProofKind.SIGNATURE else "photo"
        raise InvalidInput(_("Add the signature or the photo."), field=field)
    # Check the stock before storing anything: a refused hand-over leaves no file behind.
    item = StockItem.objects.select_for_update().get(pk=plan.stock_item_id)
    if item.quantity < quantity:
        raise Unprocessable(
            _("Not enough in stock: %(n)d %(unit)s of %(item)s left.")
            % {"n": item.quantity, "unit": item.unit, "item": item.name},
            code="out_of_stock",
            field="quantity",
            in_stock=item.quantity,
        )
    kind = FileKind.SIGNATURE if proof_kind == ProofKind.SIGNATURE else FileKind.PHOTO
    stored = _store(kind=kind, community_id=plan.community_id, upload=proof, actor=actor, household=household)
    try:
        with transaction.atomic():
            handover = HandOver.objects.create(
                distribution=plan,
                household=household,
                community_id=plan.community_id,
                stock_item_id=plan.stock_item_id,
                quantity=quantity,
                handed_at=_now(),
                handed_by=actor,
                received_by=received_by,
                proof_kind=proof_kind,
                proof=stored,
                note=(note or "").strip()[:300],
            )
    except IntegrityError:
        raise Conflict(
            _("The household has already received this distribution."),
            field="household",
            code="already_received",
        ) from None
    _move(
        stock_item_id=plan.stock_item_id,
        delta=-quantity,
        kind=MovementKind.HANDOVER,
        actor=actor,
        handover=handover,
    )
    audit(
        "charity.handover",
        actor=actor,
        request=request,
        obj=handover,
        distribution=plan.pk,
        household=household.pk,
        quantity=quantity,
        proof=proof_kind,
        delivery=delivery.pk if delivery else None,
    )
    return handover


@transaction.atomic
def handover_record(
    *,
    actor,
    distribution: Distribution,
    household,
    received_by: str,
    proof_kind: str,
    proof: CheckedUpload | None = None,
    quantity: int | None = None,
    note: str = "",
    request=None,
) -> HandOver:
    """One household receives the distribution, once; the stock goes down in the same transaction (409/422 else)."""
    plan = _locked_plan(distribution)
    return _handover(
        actor=actor,
        plan=plan,
        household=household,
        received_by=received_by,
        proof_kind=proof_kind,
        proof=proof,
        quantity=quantity,
        note=note,
        request=request,
    )


# ---------------------------------------------------------------- home deliveries


@transaction.atomic
def delivery_plan(
    *,
    actor,
    distribution: Distribution,
    household,
    planned_on: date,
    assignee=None,
    volunteer_name: str = "",
    note: str = "",
    request=None,
) -> HomeDelivery:
    """A home-delivery visit for a listed household that cannot come, by a staff member or a named volunteer."""
    plan = _locked_plan(distribution)
    _require_staff(actor, plan.community_id)
    if plan.status not in (PlanStatus.APPROVED, PlanStatus.OPEN):
        raise Conflict(_("Deliveries are planned once the list is approved."), field="status")
    if not active_recipients(plan).filter(household=household).exists():
        raise Unprocessable(
            _("The household is not on the approved list."), field="household", code="not_listed"
        )
    if HandOver.objects.filter(distribution=plan, household=household).exists():
        raise Conflict(
            _("The household has already received this distribution."),
            field="household",
            code="already_received",
        )
    if assignee is not None and not may_manage(assignee, plan.community_id):
        raise InvalidInput(_("Assign a staff member of the community."), field="assignee")
    volunteer_name = (volunteer_name or "").strip()[:50]
    if assignee is None and not volunteer_name:
        raise InvalidInput(_("Say who delivers it."), field="assignee")
    if (
        HomeDelivery.objects.filter(distribution=plan, household=household)
        .exclude(status=DeliveryStatus.CANCELLED)
        .exists()
    ):
        raise Conflict(_("A delivery to this household is already planned."), field="household")
    delivery = HomeDelivery.objects.create(
        distribution=plan,
        household=household,
        community_id=plan.community_id,
        assignee=assignee,
        volunteer_name=volunteer_name,
        planned_on=planned_on,
        note=(note or "").strip()[:300],
        created_by=actor,
        created_at=_now(),
    )
    audit("charity.delivery_plan", actor=actor, request=request, obj=delivery, household=household.pk)
    return delivery


def _locked_delivery(delivery: HomeDelivery, version: int | None) -> HomeDelivery:
    delivery = HomeDelivery.objects.select_for_update().get(pk=delivery.pk)
    _check_version(delivery, version)
    return delivery


@transaction.atomic
def delivery_complete(
    *,
    actor,
    delivery: HomeDelivery,
    received_by: str,
    proof_kind: str,
    proof: CheckedUpload | None = None,
    note: str = "",
    version: int | None = None,
    request=None,
) -> HomeDelivery:
    """The delivery was made: it records the household's hand-over (signed or photographed at the door)."""
    plan = _locked_plan(delivery.distribution)
    delivery = _locked_delivery(delivery, version)
    if delivery.status != DeliveryStatus.PLANNED:
        raise Conflict(_("Only a planned delivery can be completed."), field="status")
    handover = _handover(
        actor=actor,
        plan=plan,
        household=delivery.household,
        received_by=received_by,
        proof_kind=proof_kind,
        proof=proof,
        quantity=None,
        note=note,
        request=request,
        delivery=delivery,
    )
    delivery.status, delivery.delivered_at, delivery.handover = (
        DeliveryStatus.DELIVERED,
        handover.handed_at,
        handover,
    )
    delivery.version += 1
    delivery.save(update_fields=["status", "delivered_at", "handover", "version"])
    return delivery


@transaction.atomic
def delivery_cancel(*, actor, delivery: HomeDelivery, reason: str, version: int | None = None, request=None):
    delivery = _locked_delivery(delivery, version)
    _require_staff(actor, delivery.community_id)
    if delivery.status != DeliveryStatus.PLANNED:
        raise Conflict(_("Only a planned delivery can be cancelled."), field="status")
    reason = (reason or "").strip()[:300]
    if not reason:
        raise InvalidInput(_("Give the reason."), field="reason")
    delivery.status, delivery.note = DeliveryStatus.CANCELLED, reason
    delivery.version += 1
    delivery.save(update_fields=["status", "note", "version"])
    audit("charity.delivery_cancel", actor=actor, request=request, obj=delivery, reason=reason)
    return delivery
