"""Partner organisations (共建单位, 两新组织, 爱心企业, 社会组织) linked to a community: their contacts, co-building
agreements, pledged service items (服务项目清单), what they delivered and the cases they helped with."""

from __future__ import annotations

import secrets
import uuid
from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from linli.core.fields import EncryptedTextField

from .choices import AgreementStatus, Audience, ContactPublicity, HowToAsk, PartnerKind

# An agreement ending within this many days is "expiring"; its community's secretaries are told once.
EXPIRING_DAYS = 30

_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off a printed sign


def new_public_code() -> str:
    """A random code for the partner's public page: 10 characters, about 49 bits, not guessable."""
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(10))


def partner_scope_q(
    user, *, community: str = "community_id", street: str = "community__street_id"
) -> Q | None:
    """Partners a user may see: staff of the partner's community, street officers their street; None = all."""
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


class PartnerQuerySet(models.QuerySet):
    def visible_to(self, user) -> PartnerQuerySet:
        """The partners a user may see (scoped like cases: community staff, street officers, admins)."""
        q = partner_scope_q(user)
        return self.all() if q is None else self.filter(q)


class Partner(models.Model):
    """An organisation that works with a community: it co-hosts activities, donates, pledges services."""

    community = models.ForeignKey(
        "org.Community", on_delete=models.PROTECT, related_name="partners", verbose_name=_("community")
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=PartnerKind.choices)
    address = models.CharField(_("address"), max_length=200, blank=True)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # The code in the URL of the public service list page that the shop-front sign's QR code opens.
    code = models.CharField(
        _("public code"), max_length=16, unique=True, default=new_public_code, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = PartnerQuerySet.as_manager()

    class Meta:
        verbose_name = _("partner organisation")
        verbose_name_plural = _("partner organisations")
        ordering = ["community", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="partner_unique_name_per_community")
        ]

    def __str__(self) -> str:
        return self.name


class PartnerContact(models.Model):
    """A person to talk to at a partner; the phone is personal data (encrypted, masked when shown)."""

    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("partner")
    )
    name = models.CharField(_("name"), max_length=50)
    role = models.CharField(_("role"), max_length=50, blank=True)
    phone = EncryptedTextField(_("phone"), blank=True)
    publicity = models.CharField(
        _("shown on the public page"),
        max_length=10,
        choices=ContactPublicity.choices,
        default=ContactPublicity.HIDDEN,
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["partner_id", "id"]
        verbose_name = _("partner contact")
        verbose_name_plural = _("partner contacts")

    def __str__(self) -> str:
        return self.name


class Agreement(models.Model):
    """共建协议: a signed co-building agreement with its dates; its status is derived from them."""

    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="agreements", verbose_name=_("partner")
    )
    title = models.CharField(_("title"), max_length=120)
    signed_on = models.DateField(_("signed on"))
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    # Set once by the sweep when the secretaries were told the agreement is about to end.
    expiry_notified_at = models.DateTimeField(_("expiry notice sent"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["partner_id", "-valid_from", "-id"]
        verbose_name = _("co-building agreement")
        verbose_name_plural = _("co-building agreements")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="partner_agreement_dates_in_order",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def status_on(self, today: date) -> str:
        if today < self.valid_from:
            return AgreementStatus.PENDING
        if self.valid_until is None:
            return AgreementStatus.ACTIVE
        if today > self.valid_until:
            return AgreementStatus.EXPIRED
        if self.valid_until <= today + timedelta(days=EXPIRING_DAYS):
            return AgreementStatus.EXPIRING
        return AgreementStatus.ACTIVE

    def status_label(self, today: date) -> str:
        return AgreementStatus(self.status_on(today)).label


def _attachment_path(instance, filename: str) -> str:
    return f"partners/{instance.stored_name}"


class AgreementAttachment(models.Model):
    """The scanned agreement (PDF or photo), stored under a random name and served to staff in scope only."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="attachments")
    stored_name = models.CharField(max_length=60, editable=False)
    file = models.FileField(upload_to=_attachment_path, max_length=200)
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
        verbose_name = _("agreement attachment")
        verbose_name_plural = _("agreement attachments")

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class ServiceItemQuerySet(models.QuerySet):
    def offered_on(self, today: date) -> ServiceItemQuerySet:
        """Items active and not past their end date: what the sign and the public page list."""
        return self.filter(is_active=True).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))


class ServiceItem(models.Model):
    """One pledged service of the partner's 服务项目清单: what, for whom, when, how to ask, how often."""

    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="items", verbose_name=_("partner")
    )
    title = models.CharField(_("service"), max_length=100)
    description = models.TextField(_("details"), max_length=1000, blank=True)
    audience = models.CharField(_("for whom"), max_length=10, choices=Audience.choices, default=Audience.ALL)
    tag = models.ForeignKey(
        "residents.Tag",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("tag group"),
    )
    schedule = models.CharField(_("when"), max_length=100, blank=True)
    valid_until = models.DateField(_("offered until"), null=True, blank=True)
    how_to_ask = models.CharField(
        _("how to ask"), max_length=10, choices=HowToAsk.choices, default=HowToAsk.COMMUNITY
    )
    monthly_cap = models.PositiveIntegerField(_("households per month at most"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ServiceItemQuerySet.as_manager()

    class Meta:
        ordering = ["partner_id", "-is_active", "id"]
        verbose_name = _("pledged service item")
        verbose_name_plural = _("pledged service items")

    def __str__(self) -> str:
        return self.title

    def audience_label(self) -> str:
        if self.audience == Audience.TAG and self.tag_id:
            return self.tag.name
        return self.get_audience_display()


class ServiceUse(models.Model):
    """A delivery of a pledged item: the day and how many households it served (pledged vs delivered)."""

    item = models.ForeignKey(
        ServiceItem, on_delete=models.CASCADE, related_name="uses", verbose_name=_("service item")
    )
    on = models.DateField(_("date"))
    households = models.PositiveIntegerField(_("households served"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-on", "-id"]
        verbose_name = _("service delivered")
        verbose_name_plural = _("services delivered")
        constraints = [models.CheckConstraint(condition=Q(households__gte=1), name="partner_use_households")]

    def __str__(self) -> str:
        return f"{self.item_id} {self.on}"


class PartnerCaseHelp(models.Model):
    """What a partner did for a case (the 爱心企业 that replaced the broken fire-cabinet glass)."""

    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="case_helps", verbose_name=_("partner")
    )
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="partner_helps", verbose_name=_("case")
    )
    what = models.TextField(_("what they did"), max_length=1000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        verbose_name = _("case a partner helped with")
        verbose_name_plural = _("cases partners helped with")

    def __str__(self) -> str:
        return f"{self.partner_id} → {self.case_id}"
