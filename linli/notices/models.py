"""Notices (通知) to a grid, building, compound, community or tag group, and their deliveries per recipient."""

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from linli.core.fields import EncryptedTextField

from .choices import (
    BODY_MAX,
    TITLE_MAX,
    AudienceKind,
    DeliveryChannel,
    DeliveryStatus,
    NoticeStatus,
    PlaceKind,
    RobotChannel,
    TemplateKind,
)
from .placeholders import placeholders_in


class NoticeTemplate(models.Model):
    """A ready-made notice (停水, 停电, 消防安全提醒…) whose {placeholders} the sender fills in."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=40)
    kind = models.CharField(
        _("kind"), max_length=10, choices=TemplateKind.choices, default=TemplateKind.OTHER
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX, blank=True)
    body = models.TextField(_("text"), max_length=BODY_MAX, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    ordering = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        ordering = ["ordering", "code"]
        verbose_name = _("notice template")
        verbose_name_plural = _("notice templates")

    def __str__(self) -> str:
        return self.name

    @property
    def placeholders(self) -> list[str]:
        return placeholders_in(self.title, self.body)


class GroupEndpoint(models.Model):
    """A WeCom or DingTalk group robot (群机器人) that serves one grid, compound or community."""

    name = models.CharField(_("group name"), max_length=60)
    channel = models.CharField(
        pgettext_lazy("notice", "channel"), max_length=10, choices=RobotChannel.choices
    )
    grid = models.ForeignKey(
        "org.Grid", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("grid")
    )
    compound = models.ForeignKey(
        "org.Compound",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("compound"),
    )
    community = models.ForeignKey(
        "org.Community",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("community"),
    )
    # The webhook URL carries the robot's key: whoever has it can post to the group.
    webhook_url = EncryptedTextField(_("webhook URL"))
    secret = EncryptedTextField(_("signing secret"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("group robot")
        verbose_name_plural = _("group robots")
        constraints = [
            models.CheckConstraint(
                condition=Q(grid__isnull=False, compound__isnull=True, community__isnull=True)
                | Q(grid__isnull=True, compound__isnull=False, community__isnull=True)
                | Q(grid__isnull=True, compound__isnull=True, community__isnull=False),
                name="group_endpoint_one_unit",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_channel_display()})"

    @property
    def unit(self):
        return self.grid or self.compound or self.community


class NoticeQuerySet(models.QuerySet):
    def visible_to(self, user) -> "NoticeQuerySet":
        """The notices a user may see: those of their grids, community or street, their own, and those sent to
        them (DESIGN.md §4). The one place notice scoping lives."""
        scope = user.scope
        if scope.is_admin:
            return self.all()
        q = Q(created_by_id=user.pk) | Q(
            Exists(Delivery.objects.filter(notice_id=OuterRef("pk"), user_id=user.pk))
        )
        if scope.street_ids:
            q |= Q(street_id__in=scope.street_ids)
        if scope.community_ids:
            q |= Q(community_id__in=scope.community_ids)
        if scope.grid_ids:
            q |= Q(grid_id__in=scope.grid_ids)
        return self.filter(q)

    def with_related(self) -> "NoticeQuerySet":
        """What the notice pages and NoticeOut read besides the row."""
        return self.select_related(
            "grid__community", "building__compound", "compound", "community", "tag", "created_by", "case"
        )


class Notice(models.Model):
    """通知: one message to an audience, sent now or at a time through the channels the sender chose."""

    title = models.CharField(_("title"), max_length=TITLE_MAX)
    body = models.TextField(_("text"), max_length=BODY_MAX)
    template = models.ForeignKey(
        NoticeTemplate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("template"),
    )
    # The place addressed; for a tag group, the place its residents live in. The org columns are denormalised
    # down the tree (a building's notice also names its grid, compound and community) so scoping is one filter.
    place_kind = models.CharField(_("place kind"), max_length=10, choices=PlaceKind.choices)
    grid = models.ForeignKey(
        "org.Grid", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("grid")
    )
    building = models.ForeignKey(
        "org.Building",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("building"),
    )
    compound = models.ForeignKey(
        "org.Compound",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("compound"),
    )
    community = models.ForeignKey(
        "org.Community", on_delete=models.CASCADE, related_name="+", verbose_name=_("community")
    )
    street = models.ForeignKey(
        "org.Street", on_delete=models.CASCADE, related_name="+", verbose_name=_("street")
    )
    tag = models.ForeignKey(
        "residents.Tag",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("tag group"),
    )
    channels = models.JSONField(pgettext_lazy("notice", "channels"), default=list)
    status = models.CharField(
        _("status"), max_length=20, choices=NoticeStatus.choices, default=NoticeStatus.SCHEDULED
    )
    send_at = models.DateTimeField(_("send at"), db_index=True)
    dispatched_at = models.DateTimeField(_("sending started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    recipient_count = models.PositiveIntegerField(_("recipients"), default=0)
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notices",
        verbose_name=_("case"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("sent by"),
    )
    created_at = models.DateTimeField(_("created at"))
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cancelled by"),
    )

    objects = NoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-send_at", "-id"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        indexes = [
            models.Index(fields=["status", "send_at"]),
            models.Index(fields=["community", "send_at"]),
            models.Index(fields=["grid", "send_at"]),
            models.Index(fields=["street", "send_at"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def audience_kind(self) -> str:
        return AudienceKind.TAG if self.tag_id else AudienceKind(self.place_kind)

    @property
    def place(self):
        """The org unit addressed (a Grid, Building, Compound or Community)."""
        return getattr(self, self.place_kind)

    @property
    def place_name(self) -> str:
        place = self.place
        return f"{place.compound.name}{place.name}" if self.place_kind == PlaceKind.BUILDING else str(place)

    @property
    def audience_name(self) -> str:
        name = self.place_name
        return f"{name} · {self.tag.name}" if self.tag_id else name

    def get_audience_kind_display(self) -> str:
        return str(AudienceKind(self.audience_kind).label)


class Delivery(models.Model):
    """One notice to one recipient on one channel: its state, attempts and the reason it last failed."""

    notice = models.ForeignKey(
        Notice, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("notice")
    )
    channel = models.CharField(
        pgettext_lazy("notice", "channel"), max_length=10, choices=DeliveryChannel.choices
    )
    # "resident:12", "user:5" or "endpoint:3": with the notice and channel, what can be sent only once.
    recipient_key = models.CharField(_("recipient"), max_length=40)
    # No database constraint: the registry's bulk removals (demo reset, retention purges) delete residents
    # without Django's collector; a delivery then outlives its resident and fails as "no longer registered".
    resident = models.ForeignKey(
        "residents.Resident",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_constraint=False,
        related_name="+",
        verbose_name=_("resident"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("staff member"),
    )
    endpoint = models.ForeignKey(
        GroupEndpoint,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("group robot"),
    )
    recipient_label = models.CharField(_("to"), max_length=80, blank=True)
    address_display = models.CharField(_("address (masked)"), max_length=80, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Set by the worker that claimed the delivery; only that worker may record the outcome.
    claim_token = models.CharField(max_length=32, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["notice_id", "channel", "id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "channel", "recipient_key"], name="delivery_once_per_recipient"
            )
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.notice_id} {self.channel} {self.recipient_label}"
