"""Deliberation (议事协商): meetings, their agenda items, minutes and decisions, and the action items that join the
problem list (问题清单) until they are closed out (销号).

Approved minutes are fixed: an agenda item, a decision or an attendance of an approved meeting refuses to be
saved or deleted, and a later correction is a new MinutesCorrection entry."""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from linli.accounts.choices import Role
from linli.core.fields import EncryptedTextField

from .choices import (
    ActionEventKind,
    ActionStatus,
    AgendaSource,
    MatterOutcome,
    MeetingStatus,
    MeetingType,
    Party,
    ProposalOrigin,
    ProposalStatus,
)


class MinutesFixed(RuntimeError):
    """A write to the minutes of a meeting whose minutes were approved."""


def _community_q(user, field: str = "community_id") -> Q:
    """Meetings and action items belong to a community: its secretary, grid staff and street officers see them."""
    scope = user.scope
    q = Q(pk__in=[])
    ids = scope.community_ids | scope.grid_community_ids
    if ids:
        q |= Q(**{f"{field}__in": ids})
    if scope.street_ids:
        q |= Q(**{f"{field.removesuffix('_id')}__street_id__in": scope.street_ids})
    return q


def new_sign_in_token() -> str:
    return secrets.token_urlsafe(24)


class MeetingQuerySet(models.QuerySet):
    def visible_to(self, user) -> "MeetingQuerySet":
        if user.scope.is_admin:
            return self.all()
        return self.filter(_community_q(user))


class Meeting(models.Model):
    """会议: one sitting of a community's deliberation, with its invitees, attendance and minutes."""

    community = models.ForeignKey(
        "org.Community", on_delete=models.PROTECT, related_name="meetings", verbose_name=_("community")
    )
    type = models.CharField(_("type"), max_length=30, choices=MeetingType.choices)
    title = models.CharField(_("title"), max_length=120)
    starts_at = models.DateTimeField(_("date and time"), db_index=True)
    place = models.CharField(_("place"), max_length=120, blank=True)
    convenor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("convenor")
    )
    invited = models.JSONField(_("invited parties"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    sign_in_token = models.CharField(max_length=40, unique=True, default=new_sign_in_token, editable=False)
    approved_at = models.DateTimeField(_("minutes approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        indexes = [models.Index(fields=["community", "starts_at"])]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        if self.pk is not None and Meeting.objects.filter(pk=self.pk, status=MeetingStatus.APPROVED).exists():
            raise MinutesFixed("The minutes of this meeting are approved; add a correction instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.is_approved:
            raise MinutesFixed("The minutes of this meeting are approved.")
        return super().delete(*args, **kwargs)

    @property
    def is_approved(self) -> bool:
        return self.status == MeetingStatus.APPROVED


class _PartOfMinutes(models.Model):
    """A row of the minutes: fixed once its meeting's minutes are approved."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self._refuse_if_fixed()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._refuse_if_fixed()
        return super().delete(*args, **kwargs)

    def _meeting_id(self) -> int:
        raise NotImplementedError

    def _refuse_if_fixed(self) -> None:
        if Meeting.objects.filter(pk=self._meeting_id(), status=MeetingStatus.APPROVED).exists():
            raise MinutesFixed("The minutes of this meeting are approved; add a correction instead.")


class Attendance(_PartOfMinutes):
    """签到: one person present, signed in by the meeting's QR code or ticked by staff."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendances")
    name = models.CharField(_("name"), max_length=50)
    party = models.CharField(_("speaks for"), max_length=30, choices=Party.choices)
    organisation = models.CharField(_("organisation"), max_length=80, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    by_qr = models.BooleanField(_("signed in by QR code"), default=False)
    signed_in_at = models.DateTimeField(_("signed in at"))

    class Meta:
        ordering = ["signed_in_at", "id"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_party_display()})"

    def _meeting_id(self) -> int:
        return self.meeting_id


class Proposal(models.Model):
    """居民提议: a matter a resident wants the next meeting to take up."""

    community = models.ForeignKey(
        "org.Community", on_delete=models.PROTECT, related_name="proposals", verbose_name=_("community")
    )
    text = models.TextField(_("proposal"), max_length=2000)
    origin = models.CharField(_("origin"), max_length=20, choices=ProposalOrigin.choices)
    meeting_type = models.CharField(
        _("for a meeting of type"), max_length=30, choices=MeetingType.choices, default=MeetingType.HALL
    )
    proposer_name = models.CharField(_("proposer's name"), max_length=50, blank=True)
    proposer_phone = EncryptedTextField(_("proposer's phone"), blank=True)
    case = models.ForeignKey("cases.Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    status = models.CharField(
        _("status"), max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.WAITING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")

    def __str__(self) -> str:
        return self.text[:40]


class AgendaItem(_PartOfMinutes):
    """议题: a topic of a meeting, with its evidence (cases, figures, photos) and the discussion notes."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=AgendaSource.choices)
    # The cases this item takes up: they show its decisions and close when its action items close.
    cases = models.ManyToManyField("cases.Case", blank=True, related_name="agenda_items")
    proposal = models.ForeignKey(
        Proposal, on_delete=models.SET_NULL, null=True, blank=True, related_name="agenda_items"
    )
    figures = models.TextField(_("figures"), max_length=2000, blank=True)
    discussion = models.TextField(_("discussion notes"), max_length=10000, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["meeting", "order", "id"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")

    def __str__(self) -> str:
        return self.title

    def _meeting_id(self) -> int:
        return self.meeting_id


class Decision(_PartOfMinutes):
    """决议: what the meeting decided on an agenda item, with the vote where its type needs one."""

    agenda_item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="decisions")
    # Denormalised so the minutes rule and scoping are one lookup.
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    text = models.TextField(_("decision"), max_length=5000)
    votes_for = models.PositiveSmallIntegerField(_("for"), null=True, blank=True)
    votes_against = models.PositiveSmallIntegerField(_("against"), null=True, blank=True)
    votes_abstain = models.PositiveSmallIntegerField(_("abstain"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("decided at"), auto_now_add=True)

    class Meta:
        ordering = ["agenda_item", "id"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")

    def __str__(self) -> str:
        return self.text[:60]

    def _meeting_id(self) -> int:
        return self.meeting_id

    @property
    def passed(self) -> bool | None:
        """A decision that was voted on passes with more for than against; one without a vote is by consensus."""
        if self.votes_for is None:
            return None
        return self.votes_for > (self.votes_against or 0)


class MinutesCorrection(models.Model):
    """更正: a later correction to approved minutes, appended, never edited."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="corrections")
    agenda_item = models.ForeignKey(
        AgendaItem, on_delete=models.CASCADE, null=True, blank=True, related_name="corrections"
    )
    text = models.TextField(_("correction"), max_length=5000)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("at"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("correction to the minutes")
        verbose_name_plural = _("corrections to the minutes")

    def __str__(self) -> str:
        return self.text[:60]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("Corrections are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("Corrections are append-only.")


class ActionItemQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ActionItemQuerySet":
        """The community's people see its action items; an owner (or their department) sees their own."""
        scope = user.scope
        if scope.is_admin:
            return self.all()
        q = _community_q(user) | Q(owner_id=user.pk)
        if scope.department_ids:
            q |= Q(owner_department_id__in=scope.department_ids)
        return self.filter(q)

    def open(self) -> "ActionItemQuerySet":
        return self.exclude(status=ActionStatus.CONFIRMED)

    def overdue(self, today) -> "ActionItemQuerySet":
        return self.filter(status=ActionStatus.OPEN, deadline__lt=today)

    def with_related(self) -> "ActionItemQuerySet":
        return self.select_related(
            "owner", "owner_department", "community", "decision__meeting", "decision__agenda_item"
        )


class ActionItem(models.Model):
    """待办: one thing a decision asks of someone by a deadline, on the problem list until closed out (销号)."""

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="action_items")
    community = models.ForeignKey(
        "org.Community", on_delete=models.PROTECT, related_name="action_items", verbose_name=_("community")
    )
    title = models.CharField(_("what"), max_length=200)
    done_definition = models.TextField(_("what “done” means"), max_length=2000)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="action_items",
        verbose_name=_("owner"),
    )
    owner_department = models.ForeignKey(
        "org.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="action_items",
        verbose_name=_("owner's department"),
    )
    # The owner's role in the community when the item was given: the public page names the unit or role
    # ("物业公司", "社区居委会"), never the person.
    owner_role = models.CharField(_("owner's role"), max_length=20, choices=Role.choices, blank=True)
    deadline = models.DateField(_("deadline"), db_index=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    done_note = models.TextField(_("what was done"), max_length=5000, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("closed out at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sent_back_count = models.PositiveSmallIntegerField(_("times sent back"), default=0)
    overdue_at = models.DateTimeField(_("flagged overdue at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ActionItemQuerySet.as_manager()

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        indexes = [models.Index(fields=["community", "status"]), models.Index(fields=["status", "deadline"])]

    def __str__(self) -> str:
        return self.title


class ActionItemEvent(models.Model):
    """One append-only entry in an action item's life: who, when, what, with which note."""

    action_item = models.ForeignKey(ActionItem, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("what"), max_length=20, choices=ActionEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("note"), max_length=5000, blank=True)
    created_at = models.DateTimeField(_("at"))

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.action_item_id} {self.kind}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("Action item entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("Action item entries are append-only.")


def _photo_path(instance, filename: str) -> str:
    return f"deliberation/{instance.stored_name}"


class EvidencePhoto(models.Model):
    """A photo of an agenda item's evidence or of an action item's done report, served only after a scope check."""

    agenda_item = models.ForeignKey(
        AgendaItem, on_delete=models.CASCADE, null=True, blank=True, related_name="photos"
    )
    action_item = models.ForeignKey(
        ActionItem, on_delete=models.CASCADE, null=True, blank=True, related_name="photos"
    )
    stored_name = models.CharField(max_length=60, editable=False)
    file = models.FileField(upload_to=_photo_path, max_length=200)
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


class ReceptionMatter(models.Model):
    """One resident's matter at a reception day or an evening talk: a case, a proposal, or answered on the spot."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="matters")
    text = models.CharField(_("matter"), max_length=500)
    name = models.CharField(_("name"), max_length=50, blank=True)
    phone = EncryptedTextField(_("phone"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=MatterOutcome.choices)
    case = models.ForeignKey("cases.Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    proposal = models.ForeignKey(Proposal, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    answer = models.TextField(_("answer"), max_length=2000, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("reception matter")
        verbose_name_plural = _("reception matters")

    def __str__(self) -> str:
        return self.text[:40]
