"""Cases (诉求/事件/工单), their append-only timeline, attachments and whistles (吹哨)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from linli.core.fields import BlindIndexField, EncryptedTextField
from linli.core.validators import normalize_phone

from .choices import (
    AWAITING_RESPONSE,
    OPEN_STATUSES,
    Action,
    Channel,
    Satisfaction,
    Status,
    Urgency,
    WhistleStatus,
)


class Category(models.Model):
    """类别: a node in the tree of case kinds, with its SLA policy and default handling department."""

    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=60)
    response_minutes = models.PositiveIntegerField(_("response deadline (minutes)"), default=120)
    urgent_response_minutes = models.PositiveIntegerField(_("urgent response deadline (minutes)"), default=10)
    resolution_working_days = models.PositiveSmallIntegerField(
        _("resolution deadline (working days)"), default=5
    )
    requires_verification = models.BooleanField(
        _("needs verification by someone other than the resolver"), default=False
    )
    default_department = models.ForeignKey(
        "org.Department",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("default department"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Cases of a kind that tells who is vulnerable (助老 emergencies, care requests) stay out of every public
    # listing (Open311's GET requests, open data); they are still taken in from every channel.
    is_public = models.BooleanField(_("listed publicly"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name


def overdue_q(now) -> Q:
    """Open cases past a deadline: the response one while nobody has responded, the resolution one always."""
    return Q(status__in=AWAITING_RESPONSE, response_due_at__lt=now) | Q(
        status__in=OPEN_STATUSES, resolution_due_at__lt=now
    )


class CaseQuerySet(models.QuerySet):
    def visible_to(self, user) -> "CaseQuerySet":
        """The cases a user may see: the one place org-tree scoping lives (DESIGN.md §4)."""
        scope = user.scope
        if scope.is_admin:
            return self.all()
        q = Q(pk__in=[])
        if scope.street_ids:
            q |= Q(street_id__in=scope.street_ids)
        if scope.community_ids:
            q |= Q(community_id__in=scope.community_ids)
        if scope.grid_ids:
            q |= Q(grid_id__in=scope.grid_ids) | Q(assignee_id=user.pk)
        if scope.department_ids:
            q |= Q(
                Exists(Whistle.objects.filter(case_id=OuterRef("pk"), department_id__in=scope.department_ids))
            )
        if scope.reporter_community_ids:
            q |= Q(reported_by_id=user.pk)
        return self.filter(q)

    def open(self) -> "CaseQuerySet":
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, now) -> "CaseQuerySet":
        return self.filter(overdue_q(now))

    def with_related(self) -> "CaseQuerySet":
        """What CaseOut and the case pages read besides the row: category, grid and community names, assignee."""
        return self.select_related("category", "grid", "community", "assignee")


class Case(models.Model):
    """诉求: anything that must be handled, from intake (受理) to close (销号)."""

    number = models.CharField(_("number"), max_length=20, null=True)  # unique: Meta.constraints
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    # The org, category and assignee keys need no index of their own: each leads a composite index in Meta.
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="cases", verbose_name=_("category"), db_index=False
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.PHONE)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED)

    # Where: denormalised down the org tree so scoping is one indexed filter.
    street = models.ForeignKey(
        "org.Street",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("street"),
        db_index=False,
    )
    community = models.ForeignKey(
        "org.Community",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("community"),
        db_index=False,
    )
    grid = models.ForeignKey(
        "org.Grid",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("grid"),
        db_index=False,
    )
    building = models.ForeignKey(
        "org.Building",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("building"),
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)

    # Who
    reporter_name = models.CharField(_("reporter's name"), max_length=50, blank=True)
    reporter_phone = EncryptedTextField(_("reporter's phone"), blank=True)
    reporter_phone_index = BlindIndexField(
        source="reporter_phone", kind="phone", normalize=normalize_phone, db_index=False
    )  # indexed in Meta.indexes
    # The registered resident the reporter is, when intake found them (by phone, through the blind index).
    resident = models.ForeignKey(
        "residents.Resident",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("resident"),
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reported by"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        verbose_name=_("taken in by"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_cases",
        verbose_name=_("assignee"),
        db_index=False,
    )

    # When: deadlines are stored timestamps, recomputable from the category and received_at.
    received_at = models.DateTimeField(_("received at"), db_index=True)
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    response_due_at = models.DateTimeField(_("response due"))
    resolution_due_at = models.DateTimeField(_("resolution due"))
    deadline_estimated = models.BooleanField(
        _("deadline estimated without the official calendar"), default=False
    )
    response_overdue_at = models.DateTimeField(_("response flagged overdue at"), null=True, blank=True)
    resolution_overdue_at = models.DateTimeField(_("resolution flagged overdue at"), null=True, blank=True)

    # Outcome
    result = models.TextField(_("result"), max_length=5000, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    verification_passed = models.BooleanField(_("verification passed"), null=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("verified by"),
    )
    feedback_solved = models.BooleanField(_("resident says solved"), null=True)
    satisfaction = models.CharField(
        _("satisfaction"), max_length=20, choices=Satisfaction.choices, blank=True
    )
    feedback_comment = models.CharField(_("feedback comment"), max_length=500, blank=True)
    feedback_at = models.DateTimeField(_("feedback at"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    master = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("merged into"),
    )
    reject_reason = models.CharField(_("reason for rejection"), max_length=500, blank=True)
    # 查询码: what the reporter tracks and rates the case with, without an account (see new_tracking_code).
    tracking_code = models.CharField(_("tracking code"), max_length=12, null=True, blank=True)  # unique: Meta
    # Answers to the category's extra questions (Open311 service attributes), by attribute code.
    attributes = models.JSONField(_("details"), default=dict, blank=True)

    version = models.PositiveIntegerField(_("version"), default=1)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        # The number, tracking code and phone digest are looked up whole, never by LIKE: plain unique keys and
        # index, not the field options, which on PostgreSQL add a second, varchar_pattern_ops index to each.
        constraints = [
            models.UniqueConstraint(fields=["number"], name="cases_case_number_key"),
            models.UniqueConstraint(fields=["tracking_code"], name="cases_case_tracking_code_key"),
        ]
        indexes = [
            models.Index(fields=["reporter_phone_index"], name="cases_case_phone_index"),
            # The deadlines still to keep, for the sweep and the overdue counts: open cases only, a small part of
            # the table (the pairs led by status held every closed case too, and sorted slowly on its text).
            models.Index(
                fields=["response_due_at"],
                name="cases_awaiting_response_due",
                condition=Q(status__in=AWAITING_RESPONSE),
            ),
            models.Index(
                fields=["resolution_due_at"],
                name="cases_open_resolution_due",
                condition=Q(status__in=OPEN_STATUSES),
            ),
            models.Index(fields=["grid", "status"]),
            models.Index(fields=["community", "status"]),
            models.Index(fields=["street", "status"]),
            models.Index(fields=["assignee", "status"]),
            models.Index(fields=["category", "received_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class CaseEvent(models.Model):
    """One append-only entry on a case's timeline: who did what, when, with which note."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", verbose_name=_("case"))
    action = models.CharField(_("action"), max_length=30, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("at"), db_index=True)
    from_status = models.CharField(_("from status"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to status"), max_length=20, choices=Status.choices, blank=True)
    note = models.TextField(_("note"), max_length=5000, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")

    def __str__(self) -> str:
        return f"{self.case_id} {self.action} {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("Timeline entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("Timeline entries are append-only.")


def _attachment_path(instance, filename: str) -> str:
    return f"cases/{instance.stored_name}"


class Attachment(models.Model):
    """A photo or PDF on a case, stored under a random name and served only through the guarded view."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("case")
    )
    event = models.ForeignKey(CaseEvent, on_delete=models.CASCADE, null=True, related_name="attachments")
    stored_name = models.CharField(max_length=60, default="", editable=False)
    file = models.FileField(upload_to=_attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
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


class Whistle(models.Model):
    """吹哨: an escalation of a case to a department, which must report in (报到) and answer by a deadline."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="whistles", verbose_name=_("case"))
    department = models.ForeignKey(
        "org.Department", on_delete=models.PROTECT, related_name="whistles", verbose_name=_("department")
    )
    reason = models.TextField(_("reason"), max_length=2000)
    due_at = models.DateTimeField(_("due"))
    status = models.CharField(
        _("status"), max_length=20, choices=WhistleStatus.choices, default=WhistleStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("whistled by")
    )
    created_at = models.DateTimeField(_("whistled at"))
    reported_in_at = models.DateTimeField(_("reported in at"), null=True, blank=True)
    reported_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    answer = models.TextField(_("answer"), max_length=5000, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    decision_note = models.TextField(_("decision note"), max_length=2000, blank=True)
    rejections = models.PositiveSmallIntegerField(_("answers rejected"), default=0)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("whistle")
        verbose_name_plural = _("whistles")
        indexes = [models.Index(fields=["department", "status"])]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.department_id}"
