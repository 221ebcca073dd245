"""The resident registry (人熟、地熟、户数清): households, residents, their tags, care and data-subject requests.

ID numbers, phones, rooms and addresses are encrypted at rest (``EncryptedTextField``); each has a blind index
for exact lookup. Scoping lives in ``visible_to`` on the querysets, as for cases.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core.fields import BlindIndexField, EncryptedTextField
from linli.core.validators import normalize_id_number, normalize_phone

from .choices import (
    Gender,
    Occupancy,
    Relationship,
    RequestKind,
    RequestStatus,
    Sensitivity,
    TagTarget,
    Tenure,
    VisitKind,
)


def scope_q(
    user, *, grid: str = "grid_id", community: str = "community_id", street: str = "street_id"
) -> Q | None:
    """The registry rows a user may see, as a filter on the given columns; None means everything."""
    scope = user.scope
    if scope.is_admin:
        return None
    q = Q(pk__in=[])
    if scope.street_ids:
        q |= Q(**{f"{street}__in": scope.street_ids})
    if scope.community_ids:
        q |= Q(**{f"{community}__in": scope.community_ids})
    if scope.grid_ids:
        q |= Q(**{f"{grid}__in": scope.grid_ids})
    return q


class HouseholdQuerySet(models.QuerySet):
    def visible_to(self, user) -> HouseholdQuerySet:
        """The households a user may see: their grids, community or street (DESIGN.md §4)."""
        q = scope_q(user)
        return self.all() if q is None else self.filter(q)


class Household(models.Model):
    """户: one home in a building, and who lives there."""

    building = models.ForeignKey(
        "org.Building", on_delete=models.PROTECT, related_name="households", verbose_name=_("building")
    )
    unit = models.ForeignKey(
        "org.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="households",
        verbose_name=_("unit"),
    )
    # Denormalised from the building so that scoping is one indexed filter, as for cases.
    grid = models.ForeignKey(
        "org.Grid", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("grid")
    )
    community = models.ForeignKey(
        "org.Community", on_delete=models.PROTECT, related_name="households", verbose_name=_("community")
    )
    street = models.ForeignKey(
        "org.Street", on_delete=models.PROTECT, related_name="+", verbose_name=_("street")
    )
    floor = models.SmallIntegerField(_("floor"), null=True, blank=True)
    room = EncryptedTextField(_("room"))
    # One household per room of a building unit: the HMAC of "building/unit/room", so re-imports update.
    room_index = BlindIndexField(source="room_key", kind="room")
    address = EncryptedTextField(_("address"), blank=True)
    tenure = models.CharField(_("tenure"), max_length=10, choices=Tenure.choices, default=Tenure.OWNER)
    occupancy = models.CharField(
        _("occupancy"), max_length=10, choices=Occupancy.choices, default=Occupancy.OCCUPIED
    )
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        ordering = ["building_id", "unit_id", "floor", "id"]
        verbose_name = _("household")
        verbose_name_plural = _("households")
        constraints = [models.UniqueConstraint(fields=["room_index"], name="household_unique_room")]

    def __str__(self) -> str:
        return " ".join(
            str(p) for p in (self.building, self.unit.name if self.unit_id else "", self.room) if p
        )

    @property
    def room_key(self) -> str:
        return room_key(self.building_id, self.unit_id, self.room)


def room_key(building_id, unit_id, room: str) -> str:
    return f"{building_id}/{unit_id or ''}/{(room or '').strip()}"


def compose_address(compound: str, building: str, unit: str, room: str) -> str:
    """The address a household gets when none is given: 吉利花园1号楼2单元301."""
    return f"{compound}{building}{unit}{(room or '').strip()}"


def visit_due_date(last_visit_at, every_days: int | None):
    """When the next visit is due: a cadence after the last visit, today if there was none, never without one."""
    if not every_days:
        return None
    if last_visit_at is None:
        return timezone.localdate()
    return timezone.localtime(last_visit_at).date() + timedelta(days=every_days)


class ResidentQuerySet(models.QuerySet):
    def visible_to(self, user) -> ResidentQuerySet:
        """The residents a user may see: those of the households they may see."""
        q = scope_q(user, grid="household__grid_id", community="community_id", street="household__street_id")
        return self.all() if q is None else self.filter(q)

    def current(self) -> ResidentQuerySet:
        """Residents living here now: not moved out, not anonymised."""
        return self.filter(moved_out__isnull=True, anonymised_at__isnull=True)

    def by_phone(self, phone: str) -> ResidentQuerySet:
        from linli.core.fields import index_candidates

        return self.filter(phone_index__in=index_candidates("phone", phone, normalize_phone))

    def by_id_number(self, id_number: str) -> ResidentQuerySet:
        from linli.core.fields import index_candidates

        return self.filter(id_index__in=index_candidates("id_number", id_number, normalize_id_number))


class Resident(models.Model):
    """居民: a person registered in a household."""

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="residents", verbose_name=_("household")
    )
    community = models.ForeignKey(
        "org.Community", on_delete=models.PROTECT, related_name="residents", verbose_name=_("community")
    )
    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True, db_index=True)
    id_number = EncryptedTextField(_("ID number"), blank=True)
    id_index = BlindIndexField(source="id_number", kind="id_number", normalize=normalize_id_number)
    phone = EncryptedTextField(_("phone"), blank=True)
    phone_index = BlindIndexField(source="phone", kind="phone", normalize=normalize_phone)
    relationship = models.CharField(
        _("relationship to the householder"),
        max_length=12,
        choices=Relationship.choices,
        default=Relationship.HEAD,
    )
    moved_in = models.DateField(_("moved in"), null=True, blank=True)
    moved_out = models.DateField(_("moved out"), null=True, blank=True)
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    # Care: who is responsible, and how often people living alone are visited (探访).
    care_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible grid worker"),
    )
    visit_every_days = models.PositiveSmallIntegerField(_("visit every (days)"), null=True, blank=True)
    last_visit_at = models.DateTimeField(_("last visit"), null=True, blank=True)
    next_visit_due = models.DateField(_("next visit due"), null=True, blank=True, db_index=True)
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ResidentQuerySet.as_manager()

    class Meta:
        ordering = ["household_id", "id"]
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        indexes = [models.Index(fields=["community", "moved_out"])]
        # One person lives in one place: the ID number's blind index is unique among current residents (a record
        # of someone who moved out stays, and they may be registered again where they live now).
        constraints = [
            models.UniqueConstraint(
                fields=["id_index"],
                condition=~Q(id_index="") & Q(moved_out__isnull=True),
                name="resident_unique_current_id_number",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def age_on(self, day) -> int | None:
        if not self.birth_date:
            return None
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))


class Tag(models.Model):
    """A label from the managed list (独居老人, 低保, 残疾…), with its security label and who may see it."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=30)
    target = models.CharField(
        _("applies to"), max_length=10, choices=TagTarget.choices, default=TagTarget.RESIDENT
    )
    sensitivity = models.CharField(
        _("sensitivity"), max_length=10, choices=Sensitivity.choices, default=Sensitivity.NORMAL
    )
    # Roles (accounts.choices.Role values) that may see a sensitive tag; ignored for normal ones.
    visible_roles = models.JSONField(_("roles that may see it"), default=list, blank=True)
    has_grade = models.BooleanField(_("has a grade"), default=False)
    derived = models.BooleanField(_("derived, never set by hand"), default=False)
    # Visits at this cadence are expected for a resident carrying the tag (独居老人: weekly).
    visit_every_days = models.PositiveSmallIntegerField(_("visit every (days)"), null=True, blank=True)
    ordering = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        ordering = ["ordering", "code"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name

    def visible_for(self, roles) -> bool:
        return self.sensitivity == Sensitivity.NORMAL or bool(set(roles) & set(self.visible_roles))


class TagAssignment(models.Model):
    """A tag on a resident or a household: who set it and when, and who removed it (history is kept)."""

    tag = models.ForeignKey(Tag, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("tag"))
    resident = models.ForeignKey(
        Resident, on_delete=models.CASCADE, null=True, blank=True, related_name="tag_assignments"
    )
    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, null=True, blank=True, related_name="tag_assignments"
    )
    grade = models.CharField(_("grade"), max_length=20, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("set by"),
    )
    added_at = models.DateTimeField(_("set at"))
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("removed by"),
    )
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)

    class Meta:
        ordering = ["added_at", "id"]
        verbose_name = _("tag assignment")
        verbose_name_plural = _("tag assignments")
        constraints = [
            models.CheckConstraint(
                condition=Q(resident__isnull=False, household__isnull=True)
                | Q(resident__isnull=True, household__isnull=False),
                name="tag_assignment_one_subject",
            ),
            # One live assignment of a tag per subject; removed ones stay as history.
            models.UniqueConstraint(
                fields=["tag", "resident"],
                condition=Q(removed_at__isnull=True, resident__isnull=False),
                name="tag_assignment_live_resident",
            ),
            models.UniqueConstraint(
                fields=["tag", "household"],
                condition=Q(removed_at__isnull=True, household__isnull=False),
                name="tag_assignment_live_household",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tag} {self.grade}".strip()


class EmergencyContact(models.Model):
    """紧急联系人: who to call when a resident cannot be reached or calls for help."""

    resident = models.ForeignKey(
        Resident, on_delete=models.CASCADE, related_name="emergency_contacts", verbose_name=_("resident")
    )
    name = models.CharField(_("name"), max_length=50)
    relation = models.CharField(_("relation"), max_length=30, blank=True)
    phone = EncryptedTextField(_("phone"))
    phone_index = BlindIndexField(source="phone", kind="phone", normalize=normalize_phone)
    priority = models.PositiveSmallIntegerField(_("order to call"), default=1)

    class Meta:
        ordering = ["resident_id", "priority", "id"]
        verbose_name = _("emergency contact")
        verbose_name_plural = _("emergency contacts")

    def __str__(self) -> str:
        return self.name


class Visit(models.Model):
    """探访: a recorded visit or call to a resident, by a grid worker or volunteer."""

    resident = models.ForeignKey(
        Resident, on_delete=models.CASCADE, related_name="visits", verbose_name=_("resident")
    )
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("visitor")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=VisitKind.choices, default=VisitKind.HOME)
    visited_at = models.DateTimeField(_("visited at"))
    note = models.TextField(_("note"), max_length=2000, blank=True)
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("case raised"),
    )

    class Meta:
        ordering = ["-visited_at", "-id"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")

    def __str__(self) -> str:
        return f"{self.resident} {self.visited_at:%Y-%m-%d}"


class DataSubjectRequest(models.Model):
    """A resident's request under PIPL §44–47 to see, correct or delete their data; due in 15 working days."""

    kind = models.CharField(_("kind"), max_length=10, choices=RequestKind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, related_name="data_requests", verbose_name=_("resident")
    )
    community = models.ForeignKey("org.Community", on_delete=models.PROTECT, related_name="+")
    details = models.TextField(_("what is asked"), max_length=2000, blank=True)
    received_at = models.DateTimeField(_("received at"))
    due_date = models.DateField(_("due"))
    due_estimated = models.BooleanField(default=False)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("received by")
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), max_length=2000, blank=True)
    # Set once, when the deadline sweep first finds the request past its due date and tells the secretary.
    overdue_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["status", "due_date", "id"]
        verbose_name = _("data-subject request")
        verbose_name_plural = _("data-subject requests")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.resident_id}"


class ExportRequest(models.Model):
    """A registry export above the cap (SECURITY.md RL-03), waiting for a secretary's or street officer's approval."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")
        USED = "used", _("Downloaded")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    community = models.ForeignKey(
        "org.Community",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("community"),
    )
    filters = models.JSONField(_("filters"), default=dict)
    rows = models.PositiveIntegerField(_("rows"))
    unmasked = models.BooleanField(_("unmasked"), default=False)
    reason = models.CharField(_("reason"), max_length=300)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("export request")
        verbose_name_plural = _("export requests")

    def __str__(self) -> str:
        return f"{self.requested_by} · {self.rows}"
