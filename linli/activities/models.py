"""Community activities (活动) and their dated occurrences, the residents and volunteers who sign up for them, the
home visits of a 上门服务 day, and the photos and messages that go with them.

An activity's schedule is an RFC 5545 RRULE with a DTSTART in the community's local time (``tzid``, Asia/Shanghai);
its occurrences are rows materialised for a horizon (see ``recurrence.py``), unique on (activity, original_start),
so a skipped or moved occurrence keeps its place when the rule is regenerated."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from linli.core.fields import BlindIndexField, EncryptedTextField
from linli.core.validators import normalize_phone

from .choices import (
    ActivityKind,
    Attendance,
    CheckMethod,
    HomeVisitStatus,
    MessageStatus,
    OccurrenceStatus,
    Preset,
    SignupSource,
    SignupStatus,
    TargetGroup,
    VolunteerSignupStatus,
)

LOCAL_TZ = "Asia/Shanghai"


class ActivityQuerySet(models.QuerySet):
    def visible_to(self, user) -> ActivityQuerySet:
        """Activities of the communities the user works in (grids, community, street); admins see all."""
        from .selectors import community_q

        q = community_q(user, "community_id", street="community__street_id")
        return self.all() if q is None else self.filter(q)


class Activity(models.Model):
    """An activity a community runs once or by a recurrence rule: a free clinic, the haircut day on the 26th."""

    community = models.ForeignKey(
        "org.Community", on_delete=models.PROTECT, related_name="activities", verbose_name=_("community")
    )
    title = models.CharField(_("title"), max_length=100)
    kind = models.CharField(
        _("kind"), max_length=20, choices=ActivityKind.choices, default=ActivityKind.OTHER
    )
    organiser = models.ForeignKey(
        "volunteers.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("organiser team"),
    )
    partners = models.ManyToManyField(
        "partners.Partner", blank=True, related_name="activities", verbose_name=_("partner organisations")
    )
    place = models.CharField(_("place"), max_length=120, blank=True)
    building = models.ForeignKey(
        "org.Building",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("building"),
    )
    compound = models.ForeignKey(
        "org.Compound",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("compound"),
    )
    # DTSTART: the first occurrence's start, read in ``tzid`` wall-clock time when the rule is expanded.
    starts_at = models.DateTimeField(_("first start"), null=True)
    tzid = models.CharField(_("time zone"), max_length=40, default=LOCAL_TZ)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=120)
    preset = models.CharField(_("repeats"), max_length=20, choices=Preset.choices, default=Preset.ONCE)
    rrule = models.CharField(_("recurrence rule (RRULE)"), max_length=300, blank=True)
    capacity = models.PositiveIntegerField(_("places for residents"), null=True, blank=True)
    waitlist = models.BooleanField(_("keep a waiting list when full"), default=True)
    target_group = models.CharField(
        _("for whom"), max_length=10, choices=TargetGroup.choices, default=TargetGroup.ALL
    )
    target_tag = models.ForeignKey(
        "residents.Tag",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("tag group"),
    )
    description = models.TextField(_("description"), max_length=4000, blank=True)
    is_public = models.BooleanField(_("shown on the residents' page"), default=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [models.Index(fields=["community", "kind"], name="activity_comm_kind")]

    def __str__(self) -> str:
        return self.title

    @property
    def rfc5545(self) -> str:
        """The schedule as RFC 5545 lines: DTSTART with its TZID, then the RRULE (none for a one-off)."""
        from .recurrence import rfc5545_text

        return rfc5545_text(self)


class VolunteerRole(models.Model):
    """A role an activity needs volunteers for: 理发师 ×3, 引导员 ×2, optionally needing a skill."""

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="roles", verbose_name=_("activity")
    )
    name = models.CharField(_("role"), max_length=40)
    needed = models.PositiveSmallIntegerField(_("how many"), default=1)
    skill = models.ForeignKey(
        "volunteers.Skill",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("skill needed"),
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("volunteer role")
        verbose_name_plural = _("volunteer roles")
        constraints = [models.UniqueConstraint(fields=["activity", "name"], name="activity_role_unique_name")]

    def __str__(self) -> str:
        return self.name


class OccurrenceQuerySet(models.QuerySet):
    def visible_to(self, user) -> OccurrenceQuerySet:
        from .selectors import community_q

        q = community_q(user, "activity__community_id", street="activity__community__street_id")
        return self.all() if q is None else self.filter(q)


def _new_code() -> str:
    import secrets

    return f"{secrets.randbelow(1_000_000):06d}"


class Occurrence(models.Model):
    """One dated session of an activity; a skipped or moved one keeps its original start."""

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="occurrences", verbose_name=_("activity")
    )
    original_start = models.DateTimeField(_("scheduled start"))
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    status = models.CharField(
        _("status"), max_length=10, choices=OccurrenceStatus.choices, default=OccurrenceStatus.SCHEDULED
    )
    skip_reason = models.CharField(_("why it is skipped"), max_length=200, blank=True)
    moved = models.BooleanField(_("moved"), default=False)
    move_reason = models.CharField(_("why it moved"), max_length=200, blank=True)
    place = models.CharField(_("place (if not the activity's)"), max_length=120, blank=True)
    # Typed by volunteers to check in when they cannot scan the QR code.
    code = models.CharField(_("check-in code"), max_length=6, unique=True, default=_new_code)
    version = models.PositiveIntegerField(default=1)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(null=True, blank=True)

    objects = OccurrenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("occurrence")
        verbose_name_plural = _("occurrences")
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "original_start"], name="occurrence_once_per_start")
        ]
        indexes = [models.Index(fields=["starts_at", "status"], name="occurrence_start_status")]

    def __str__(self) -> str:
        return f"{self.activity.title} {self.starts_at:%Y-%m-%d}"

    @property
    def is_exception(self) -> bool:
        return self.moved or self.status == OccurrenceStatus.SKIPPED

    @property
    def where(self) -> str:
        return self.place or self.activity.place


class ResidentSignup(models.Model):
    """A resident's place at an occurrence, taken by staff on their behalf or on the public H5 page."""

    occurrence = models.ForeignKey(
        Occurrence, on_delete=models.CASCADE, related_name="signups", verbose_name=_("occurrence")
    )
    resident = models.ForeignKey(
        "residents.Resident",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activity_signups",
        verbose_name=_("resident"),
    )
    name = models.CharField(_("name"), max_length=50)
    phone = EncryptedTextField(_("phone"), blank=True)
    phone_index = BlindIndexField(source="phone", kind="phone", normalize=normalize_phone)
    source = models.CharField(_("signed up"), max_length=10, choices=SignupSource.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=SignupStatus.choices, default=SignupStatus.CONFIRMED
    )
    attendance = models.CharField(
        _("attendance"), max_length=10, choices=Attendance.choices, default=Attendance.UNKNOWN, blank=True
    )
    attendance_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    attendance_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("signed up at"), auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("resident sign-up")
        verbose_name_plural = _("resident sign-ups")
        constraints = [
            models.UniqueConstraint(
                fields=["occurrence", "resident"],
                condition=Q(resident__isnull=False) & ~Q(status="cancelled"),
                name="signup_resident_once",
            ),
            models.UniqueConstraint(
                fields=["occurrence", "phone_index"],
                condition=~Q(phone_index="") & ~Q(status="cancelled"),
                name="signup_phone_once",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class VolunteerSignup(models.Model):
    """A volunteer's sign-up for a role at an occurrence, their check-in and check-out, and the organiser's
    confirmation, which writes the one service record (民政部令第67号) the sign-up ever gets."""

    occurrence = models.ForeignKey(
        Occurrence, on_delete=models.CASCADE, related_name="volunteer_signups", verbose_name=_("occurrence")
    )
    volunteer = models.ForeignKey(
        "volunteers.Volunteer",
        on_delete=models.PROTECT,
        related_name="activity_signups",
        verbose_name=_("volunteer"),
    )
    role = models.ForeignKey(
        VolunteerRole,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="signups",
        verbose_name=_("role"),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=VolunteerSignupStatus.choices,
        default=VolunteerSignupStatus.SIGNED_UP,
    )
    walk_in = models.BooleanField(_("walk-in accepted by the organiser"), default=False)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    check_in_method = models.CharField(max_length=10, choices=CheckMethod.choices, blank=True)
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    service_record = models.OneToOneField(
        "volunteers.ServiceRecord",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activity_signup",
        verbose_name=_("service record"),
    )
    created_at = models.DateTimeField(_("signed up at"), auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("volunteer sign-up")
        verbose_name_plural = _("volunteer sign-ups")
        constraints = [
            models.UniqueConstraint(fields=["occurrence", "volunteer"], name="volunteer_signup_once"),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} @ {self.occurrence_id}"


class HomeVisitQuerySet(models.QuerySet):
    def visible_to(self, user) -> HomeVisitQuerySet:
        """Home visits follow the registry: visible like the household they go to."""
        from linli.residents.models import scope_q

        q = scope_q(user)
        return self.all() if q is None else self.filter(q)


class HomeVisit(models.Model):
    """上门服务: one household (or one resident in it) visited on a home-service occurrence."""

    occurrence = models.ForeignKey(
        Occurrence, on_delete=models.CASCADE, related_name="home_visits", verbose_name=_("occurrence")
    )
    household = models.ForeignKey(
        "residents.Household", on_delete=models.PROTECT, related_name="+", verbose_name=_("household")
    )
    resident = models.ForeignKey(
        "residents.Resident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resident"),
    )
    # Copied from the household so that scoping is one indexed filter, as for the registry.
    grid = models.ForeignKey("org.Grid", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    community = models.ForeignKey("org.Community", on_delete=models.PROTECT, related_name="+")
    street = models.ForeignKey("org.Street", on_delete=models.PROTECT, related_name="+")
    volunteer = models.ForeignKey(
        "volunteers.Volunteer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="home_visits",
        verbose_name=_("assigned volunteer"),
    )
    planned_at = models.DateTimeField(_("planned for"))
    status = models.CharField(
        _("status"), max_length=10, choices=HomeVisitStatus.choices, default=HomeVisitStatus.PLANNED
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = HomeVisitQuerySet.as_manager()

    class Meta:
        ordering = ["planned_at", "id"]
        verbose_name = _("home visit")
        verbose_name_plural = _("home visits")
        constraints = [
            models.UniqueConstraint(
                fields=["occurrence", "resident"],
                condition=Q(resident__isnull=False),
                name="home_visit_resident_once",
            ),
            models.UniqueConstraint(
                fields=["occurrence", "household"],
                condition=Q(resident__isnull=True),
                name="home_visit_household_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.occurrence_id}/{self.household_id}"


def _photo_path(instance, filename: str) -> str:
    return f"activities/{instance.occurrence_id}/{instance.stored_name}"


class ActivityPhoto(models.Model):
    """A photo of an occurrence, re-encoded without metadata, stored under a random name, shown to staff only."""

    occurrence = models.ForeignKey(Occurrence, on_delete=models.CASCADE, related_name="photos")
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
        verbose_name = _("activity photo")
        verbose_name_plural = _("activity photos")

    def __str__(self) -> str:
        return self.original_name


class ActivityMessage(models.Model):
    """An SMS telling someone signed up that their occurrence is skipped or moved; sent after the change commits."""

    occurrence = models.ForeignKey(Occurrence, on_delete=models.CASCADE, related_name="messages")
    phone = EncryptedTextField(_("phone"))
    text = models.CharField(_("text"), max_length=300)
    status = models.CharField(max_length=10, choices=MessageStatus.choices, default=MessageStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("activity message")
        verbose_name_plural = _("activity messages")

    def __str__(self) -> str:
        return self.text
