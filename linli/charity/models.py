"""Donations and distributions (公益慈善资源): what came in, the stock it made, who received it, and the ledger.

Every row belongs to one community; staff of the community and officers of its street see it (DESIGN.md §4).
The stock ledger is append-only (model, queryset and, on PostgreSQL, a trigger); the balance of a stock line is a
column kept with ``F()`` under a row lock and a CHECK that it is never negative."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import DeliveryStatus, DonorKind, FileKind, MovementKind, PlanStatus, ProofKind, RecipientSource

APPEND_ONLY = "The stock ledger is append-only."


def charity_scope_q(
    user, *, community: str = "community_id", street: str = "community__street_id"
) -> Q | None:
    """The charity rows a user may see: a secretary's community, a grid worker's or leader's grids' community, a
    street officer's street; None means all of them (administrators)."""
    scope = user.scope
    if scope.is_admin:
        return None
    q = Q(pk__in=[])
    communities = scope.community_ids | scope.grid_community_ids
    if communities:
        q |= Q(**{f"{community}__in": communities})
    if scope.street_ids:
        q |= Q(**{f"{street}__in": scope.street_ids})
    return q


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user):
        q = charity_scope_q(user)
        return self.all() if q is None else self.filter(q)


def _file_path(instance, filename: str) -> str:
    return f"charity/{instance.stored_name}"


class CharityFile(models.Model):
    """A donation receipt, a drawn signature or a hand-over photo, stored under a random name, served by a guarded view."""

    kind = models.CharField(_("kind"), max_length=10, choices=FileKind.choices)
    community = models.ForeignKey("org.Community", on_delete=models.PROTECT, related_name="+")
    # Signatures and photos show a resident: only those who may see the household may see them.
    household = models.ForeignKey(
        "residents.Household", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    stored_name = models.CharField(max_length=60, editable=False)
    file = models.FileField(upload_to=_file_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("charity file")
        verbose_name_plural = _("charity files")

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class Donation(models.Model):
    """捐赠: what a donor gave a community on a day, with its receipt; receiving it puts its items into stock."""

    community = models.ForeignKey(
        "org.Community", on_delete=models.PROTECT, related_name="donations", verbose_name=_("community")
    )
    donor_kind = models.CharField(_("donor"), max_length=20, choices=DonorKind.choices)
    partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="donations",
        verbose_name=_("partner organisation"),
    )
    # The name of a person or another body; empty for a partner (its name is the partner's) or anonymous.
    donor_name = models.CharField(_("donor's name"), max_length=100, blank=True)
    received_on = models.DateField(_("received on"), db_index=True)
    total_value = models.DecimalField(_("total value (yuan)"), max_digits=12, decimal_places=2, default=0)
    receipt_number = models.CharField(_("receipt number"), max_length=40, blank=True)
    receipt = models.ForeignKey(
        CharityFile,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("receipt"),
    )
    note = models.TextField(_("note"), max_length=2000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("recorded at"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = _("donation")
        verbose_name_plural = _("donations")
        constraints = [
            models.UniqueConstraint(
                fields=["community", "receipt_number"],
                condition=~Q(receipt_number=""),
                name="charity_donation_unique_receipt",
            ),
            models.CheckConstraint(
                condition=Q(donor_kind=DonorKind.PARTNER, partner__isnull=False)
                | (~Q(donor_kind=DonorKind.PARTNER) & Q(partner__isnull=True)),
                name="charity_donation_partner_kind",
            ),
            models.CheckConstraint(
                condition=Q(total_value__gte=0), name="charity_donation_value_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.donor_display} {self.received_on}"

    @property
    def donor_display(self) -> str:
        if self.donor_kind == DonorKind.PARTNER and self.partner_id:
            return self.partner.name
        if self.donor_kind == DonorKind.ANONYMOUS:
            return str(_("Anonymous donor"))
        return self.donor_name


class StockItem(models.Model):
    """One line of a community's stock: an item name and unit, and how many are in store (never below zero)."""

    community = models.ForeignKey(
        "org.Community", on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    name = models.CharField(_("item"), max_length=60)
    unit = models.CharField(_("unit"), max_length=10)
    # Changed only by services, with F() under select_for_update, together with the ledger row that explains it.
    quantity = models.IntegerField(_("in stock"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["community_id", "name", "unit"]
        verbose_name = _("stock item")
        verbose_name_plural = _("stock")
        constraints = [
            models.UniqueConstraint(fields=["community", "name", "unit"], name="charity_stock_unique_item"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="charity_stock_never_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.unit}）"


class DonationItem(models.Model):
    """A line of a donation: 30 份 幸福包 (冬季蔬菜+春联), its value per unit if known, and the stock line it fed."""

    donation = models.ForeignKey(Donation, on_delete=models.PROTECT, related_name="items")
    stock_item = models.ForeignKey(StockItem, on_delete=models.PROTECT, related_name="donation_items")
    name = models.CharField(_("item"), max_length=60)
    unit = models.CharField(_("unit"), max_length=10)
    description = models.CharField(_("what is in it"), max_length=200, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_value = models.DecimalField(
        _("value per unit (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True
    )

    class Meta:
        ordering = ["donation_id", "id"]
        verbose_name = _("donated item")
        verbose_name_plural = _("donated items")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="charity_item_quantity_positive")
        ]

    def __str__(self) -> str:
        return f"{self.quantity} {self.unit} {self.name}"


class LedgerQuerySet(ScopedQuerySet):
    """Bulk updates and deletes are refused as well as single ones."""

    def update(self, **kwargs):
        raise RuntimeError(APPEND_ONLY)

    def delete(self):
        raise RuntimeError(APPEND_ONLY)


class StockMovement(models.Model):
    """One line of the stock ledger: never edited, never deleted; a stock line's balance is the sum of its lines."""

    stock_item = models.ForeignKey(StockItem, on_delete=models.PROTECT, related_name="movements")
    community = models.ForeignKey("org.Community", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=MovementKind.choices)
    quantity = models.IntegerField(_("change"))
    balance_after = models.IntegerField(_("balance after"))
    donation = models.ForeignKey(Donation, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    handover = models.ForeignKey(
        "charity.HandOver", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    created_at = models.DateTimeField(_("at"), db_index=True)
    # A hash chain per stock line (SECURITY.md DP-02): row_hash is the HMAC-SM3, under the audit key key_id, of
    # the row's fields and prev_hash, the previous row's row_hash; see services.ledger_payload / verify_ledger.
    key_id = models.CharField(max_length=20)
    prev_hash = models.CharField(max_length=64, blank=True)
    row_hash = models.CharField(max_length=64)

    objects = LedgerQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock ledger")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=MovementKind.DONATION, quantity__gt=0, donation__isnull=False)
                | Q(kind=MovementKind.HANDOVER, quantity__lt=0, handover__isnull=False)
                | (Q(kind=MovementKind.ADJUSTMENT) & ~Q(quantity=0) & ~Q(reason="")),
                name="charity_movement_kind_matches",
            ),
            models.CheckConstraint(
                condition=Q(balance_after__gte=0), name="charity_movement_balance_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stock_item_id} {self.quantity:+d} {self.kind}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError(APPEND_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError(APPEND_ONLY)


class Distribution(models.Model):
    """发放计划: an item of the stock, how many per household, and the households a rule over the registry picks.

    draft → approved (by the community's secretary) → open (hand-overs) → closed. Approval reserves no stock:
    each hand-over takes its own from the stock line under a lock, so hand-overs never exceed what is there."""

    community = models.ForeignKey(
        "org.Community", on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    name = models.CharField(_("name"), max_length=120)
    stock_item = models.ForeignKey(
        StockItem, on_delete=models.PROTECT, related_name="distributions", verbose_name=_("item")
    )
    per_household = models.PositiveIntegerField(_("per household"), default=1)
    # {"tags": [codes], "min_age": 80, "match": "any"|"all", "grids": [ids], "compounds": [ids]}, see rules.py
    rule = models.JSONField(_("recipient rule"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    note = models.TextField(_("note"), max_length=2000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("distribution")
        verbose_name_plural = _("distributions")
        constraints = [
            models.CheckConstraint(condition=Q(per_household__gt=0), name="charity_plan_per_household")
        ]

    def __str__(self) -> str:
        return self.name


class Recipient(models.Model):
    """A household on a distribution's list: picked by the rule or added by staff; removed ones stay, with why."""

    distribution = models.ForeignKey(Distribution, on_delete=models.CASCADE, related_name="recipients")
    household = models.ForeignKey("residents.Household", on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("source"), max_length=10, choices=RecipientSource.choices)
    # What made the rule pick it: tag codes and "age"; shown only as far as the viewer may see the tags.
    matched = models.JSONField(_("matched"), default=list, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    added_at = models.DateTimeField(_("added at"))
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    removed_reason = models.CharField(_("why removed"), max_length=300, blank=True)

    class Meta:
        ordering = [
            "distribution_id",
            "household__building_id",
            "household__unit_id",
            "household__floor",
            "id",
        ]
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        constraints = [
            models.UniqueConstraint(fields=["distribution", "household"], name="charity_recipient_unique")
        ]

    def __str__(self) -> str:
        return f"{self.distribution_id}:{self.household_id}"


class HandOver(models.Model):
    """One household receiving a distribution, once: who handed it over, who received it, signed or photographed."""

    distribution = models.ForeignKey(Distribution, on_delete=models.PROTECT, related_name="handovers")
    household = models.ForeignKey("residents.Household", on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey("org.Community", on_delete=models.PROTECT, related_name="+")
    stock_item = models.ForeignKey(StockItem, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    handed_at = models.DateTimeField(_("handed over at"), db_index=True)
    handed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("handed over by")
    )
    received_by = models.CharField(_("received by"), max_length=50)
    proof_kind = models.CharField(_("proof"), max_length=10, choices=ProofKind.choices)
    proof = models.ForeignKey(CharityFile, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-handed_at", "-id"]
        verbose_name = _("hand-over")
        verbose_name_plural = _("hand-overs")
        constraints = [
            models.UniqueConstraint(fields=["distribution", "household"], name="charity_handover_once"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="charity_handover_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.distribution_id}:{self.household_id}"


class HomeDelivery(models.Model):
    """送货上门: a visit to a household that cannot come (韩大爷); delivering it records the hand-over."""

    distribution = models.ForeignKey(Distribution, on_delete=models.PROTECT, related_name="deliveries")
    household = models.ForeignKey("residents.Household", on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey("org.Community", on_delete=models.PROTECT, related_name="+")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned to"),
    )
    # A volunteer without an account goes by name; the staff member who records the delivery signs in.
    volunteer_name = models.CharField(_("volunteer"), max_length=50, blank=True)
    planned_on = models.DateField(_("planned for"))
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PLANNED
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    handover = models.OneToOneField(
        HandOver, on_delete=models.PROTECT, null=True, blank=True, related_name="delivery"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"))
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["status", "planned_on", "id"]
        verbose_name = _("home delivery")
        verbose_name_plural = _("home deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["distribution", "household"],
                condition=~Q(status=DeliveryStatus.CANCELLED),
                name="charity_delivery_one_live",
            )
        ]

    def __str__(self) -> str:
        return f"{self.distribution_id}:{self.household_id} {self.planned_on}"
