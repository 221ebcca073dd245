"""Care for the elderly (助老服务): call terminals and their calls, the escalation alerts, home-service orders.

Every row that concerns a resident carries the resident's grid, community and street (denormalised from the
household when it is written), so scoping is one indexed filter, as for cases and the registry."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from linli.core.fields import EncryptedTextField
from linli.residents.models import scope_q

from .choices import (
    AlertKind,
    AlertStatus,
    CallEvent,
    CallStatus,
    OrderStatus,
    ProviderKind,
    RequesterKind,
    Service,
    ServiceVisitStatus,
)


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Rows a user may see: those of the residents they may see (DESIGN.md §4); admins see all."""
        q = scope_q(user)
        return self.all() if q is None else self.filter(q)


class Placed(models.Model):
    """Where a care row belongs, copied from the resident's household."""

    grid = models.ForeignKey(
        "org.Grid", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("grid")
    )
    community = models.ForeignKey(
        "org.Community",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("community"),
    )
    street = models.ForeignKey(
        "org.Street",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("street"),
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True

    def place_from(self, household) -> None:
        self.grid_id, self.community_id, self.street_id = (
            household.grid_id,
            household.community_id,
            household.street_id,
        )


class TerminalProvider(models.Model):
    """A call-terminal platform (电子保姆) that posts its terminals' events to the webhook, signed with its secret."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=60)
    secret = EncryptedTextField(_("signing secret"))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("terminal platform")
        verbose_name_plural = _("terminal platforms")

    def __str__(self) -> str:
        return self.name


class CareProvider(models.Model):
    """Who delivers home services: a partner organisation, a volunteer team or the community's own staff."""

    kind = models.CharField(_("kind"), max_length=20, choices=ProviderKind.choices)
    name = models.CharField(_("name"), max_length=80)
    community = models.ForeignKey(
        "org.Community", on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    phone = EncryptedTextField(_("phone"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("staff member"),
    )
    services = models.JSONField(_("services offered"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["community_id", "kind", "name"]
        verbose_name = _("service provider")
        verbose_name_plural = _("service providers")

    def __str__(self) -> str:
        return self.name


class Terminal(Placed):
    """A call terminal registered to a resident: the platform's device id, its model and SIM."""

    provider = models.ForeignKey(
        TerminalProvider, on_delete=models.PROTECT, related_name="terminals", verbose_name=_("platform")
    )
    device_id = models.CharField(_("device id"), max_length=64)
    model = models.CharField(_("model"), max_length=60, blank=True)
    sim = EncryptedTextField(_("SIM number"), blank=True)
    resident = models.ForeignKey(
        "residents.Resident", on_delete=models.PROTECT, related_name="terminals", verbose_name=_("resident")
    )
    is_active = models.BooleanField(_("active"), default=True)
    registered_at = models.DateTimeField(_("registered at"))
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    last_event_at = models.DateTimeField(_("last event"), null=True, blank=True)

    class Meta:
        ordering = ["-registered_at", "-id"]
        verbose_name = _("call terminal")
        verbose_name_plural = _("call terminals")
        constraints = [
            models.UniqueConstraint(fields=["provider", "device_id"], name="care_terminal_unique_device")
        ]

    def __str__(self) -> str:
        return f"{self.provider.code}:{self.device_id}"


class CareCall(Placed):
    """One event a terminal platform posted (SOS, service request, no activity), stored once per provider call id.

    The stored answer is replayed for a retry; an SOS carries its escalation chain: ``level`` is the last level
    told (see services.LEVELS) and ``next_step_at`` when the next one is told, empty once the chain has ended."""

    provider = models.ForeignKey(
        TerminalProvider, on_delete=models.PROTECT, related_name="calls", verbose_name=_("platform")
    )
    call_id = models.CharField(_("platform's call id"), max_length=64)
    request_hash = models.CharField(max_length=64)
    event = models.CharField(_("event"), max_length=20, choices=CallEvent.choices)
    status = models.CharField(_("status"), max_length=20, choices=CallStatus.choices, default=CallStatus.OPEN)
    device_id = models.CharField(_("device id"), max_length=64)
    terminal = models.ForeignKey(
        Terminal,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="calls",
        verbose_name=_("terminal"),
    )
    resident = models.ForeignKey(
        "residents.Resident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="care_calls",
        verbose_name=_("resident"),
    )
    occurred_at = models.DateTimeField(_("occurred at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), db_index=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("case"),
    )
    order = models.ForeignKey(
        "care.CareOrder",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("care order"),
    )
    level = models.PositiveSmallIntegerField(_("last level told"), default=0)
    next_step_at = models.DateTimeField(_("next escalation at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("care call")
        verbose_name_plural = _("care calls")
        constraints = [
            models.UniqueConstraint(fields=["provider", "call_id"], name="care_call_unique_call_id")
        ]
        indexes = [
            models.Index(fields=["next_step_at"]),
            models.Index(fields=["community", "status"]),
            models.Index(fields=["grid", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.provider_id}:{self.call_id}"


class CareAlert(models.Model):
    """One person told about a call at one step of its chain: in the app (staff) and by SMS where there is a phone.

    It is also the SMS outbox: the sweep sends pending ones and retries failures, so a restart loses none."""

    call = models.ForeignKey(CareCall, on_delete=models.CASCADE, related_name="alerts")
    level = models.PositiveSmallIntegerField(_("level"))
    kind = models.CharField(_("kind"), max_length=10, choices=AlertKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    contact = models.ForeignKey(
        "residents.EmergencyContact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("name"), max_length=50)
    phone = EncryptedTextField(_("phone"), blank=True)
    text = models.CharField(_("message"), max_length=300)
    status = models.CharField(_("status"), max_length=10, choices=AlertStatus.choices)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("care alert")
        verbose_name_plural = _("care alerts")
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.call_id} L{self.level} {self.name}"


class CareOrder(Placed):
    """助老服务单: one of the six home services for a resident, once or on a rule (meals every weekday)."""

    resident = models.ForeignKey(
        "residents.Resident", on_delete=models.PROTECT, related_name="care_orders", verbose_name=_("resident")
    )
    service = models.CharField(_("service"), max_length=12, choices=Service.choices, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=OrderStatus.choices, default=OrderStatus.REQUESTED
    )
    requester_kind = models.CharField(_("requested by"), max_length=10, choices=RequesterKind.choices)
    requester_name = models.CharField(_("requester's name"), max_length=50, blank=True)
    details = models.TextField(_("what is needed"), max_length=2000, blank=True)
    provider = models.ForeignKey(
        CareProvider,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("provider"),
    )
    # A one-off order has one service visit at `scheduled_at`; a recurring one follows the RRULE from `starts_on`
    # at `at_time` (local time) until `ends_on`, its visits planned up to `planned_until`.
    scheduled_at = models.DateTimeField(_("scheduled for"), null=True, blank=True)
    rule = models.CharField(_("recurrence rule"), max_length=200, blank=True)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    at_time = models.TimeField(_("at"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    planned_until = models.DateField(null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_comment = models.CharField(_("comment"), max_length=300, blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("care order")
        verbose_name_plural = _("care orders")
        indexes = [models.Index(fields=["community", "status"]), models.Index(fields=["grid", "status"])]

    def __str__(self) -> str:
        return f"{self.get_service_display()} · {self.resident_id}"

    @property
    def recurring(self) -> bool:
        return bool(self.rule)


class ServiceVisit(models.Model):
    """One home service of an order, planned for a time and then done (with notes and photos) or cancelled."""

    order = models.ForeignKey(CareOrder, on_delete=models.CASCADE, related_name="visits")
    scheduled_for = models.DateTimeField(_("planned for"), db_index=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ServiceVisitStatus.choices, default=ServiceVisitStatus.PLANNED
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("note"), max_length=2000, blank=True)

    class Meta:
        ordering = ["scheduled_for", "id"]
        verbose_name = _("service visit")
        verbose_name_plural = _("service visits")
        constraints = [
            models.UniqueConstraint(fields=["order", "scheduled_for"], name="care_service_visit_unique_time")
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.scheduled_for:%Y-%m-%d %H:%M}"


def _photo_path(instance, filename: str) -> str:
    return f"care/{instance.stored_name}"


class CarePhoto(models.Model):
    """A photo or PDF of a completed home service, stored under a random name and served by the guarded view."""

    order = models.ForeignKey(CareOrder, on_delete=models.CASCADE, related_name="photos")
    visit = models.ForeignKey(ServiceVisit, on_delete=models.CASCADE, null=True, related_name="photos")
    stored_name = models.CharField(max_length=60, editable=False)
    file = models.FileField(upload_to=_photo_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
