"""Part-time reporters (兼职网格员), their sign-in codes, the photos they used, fraud flags and points ledger."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from linli.core.fields import BlindIndexField, EncryptedTextField, index_candidates
from linli.core.validators import normalize_phone

from .choices import EntryKind, FlagKind, Occupation


def reporter_scope_q(
    user, *, community: str = "community_id", street: str = "community__street_id"
) -> Q | None:
    """The reporters' rows a staff member may see, as a filter on the given columns; None means all of them.

    A secretary sees their community's reporters, a grid worker or leader those of their grids' community, a
    street officer those of their street (DESIGN.md §4)."""
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


class ReporterQuerySet(models.QuerySet):
    def visible_to(self, user) -> ReporterQuerySet:
        """The reporters a staff member may see (reporters themselves see none, not even their own row)."""
        q = reporter_scope_q(user)
        return self.all() if q is None else self.filter(q)

    def by_phone(self, phone: str) -> ReporterQuerySet:
        return self.filter(phone_index__in=index_candidates("phone", phone, normalize_phone))

    def may_sign_in(self) -> ReporterQuerySet:
        return self.filter(is_active=True, user__is_active=True)


class Reporter(models.Model):
    """兼职网格员: a delivery rider, courier or driver who reports what they see, signing in with SMS codes."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reporter_profile",
        verbose_name=_("user"),
    )
    community = models.ForeignKey(
        "org.Community", on_delete=models.PROTECT, related_name="reporters", verbose_name=_("community")
    )
    name = models.CharField(_("name"), max_length=50)
    phone = EncryptedTextField(_("phone"))
    phone_index = BlindIndexField(source="phone", kind="phone", normalize=normalize_phone)
    occupation = models.CharField(
        _("occupation"), max_length=20, choices=Occupation.choices, default=Occupation.DELIVERY
    )
    employer = models.CharField(_("employer"), max_length=50, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    invited_at = models.DateTimeField(_("invited at"))
    invite_sent_at = models.DateTimeField(_("invitation sent at"), null=True, blank=True)
    first_login_at = models.DateTimeField(_("first signed in at"), null=True, blank=True)

    objects = ReporterQuerySet.as_manager()

    class Meta:
        ordering = ["community", "name", "id"]
        verbose_name = _("part-time reporter")
        verbose_name_plural = _("part-time reporters")
        constraints = [
            # A sign-in is by phone number alone, so one number is one reporter.
            models.UniqueConstraint(fields=["phone_index"], name="reporter_unique_phone"),
        ]
        indexes = [models.Index(fields=["community", "is_active"])]

    def __str__(self) -> str:
        return self.name


class LoginCode(models.Model):
    """A one-time SMS sign-in code, kept only as a keyed hash; a new one replaces the reporter's previous one."""

    reporter = models.ForeignKey(Reporter, on_delete=models.CASCADE, related_name="login_codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("sign-in code")
        verbose_name_plural = _("sign-in codes")

    def __str__(self) -> str:
        return f"{self.reporter_id} {self.created_at:%Y-%m-%d %H:%M}"


class PhotoFingerprint(models.Model):
    """What a stored report photo looks like (pixel hash and difference hash), so it cannot be used twice."""

    reporter = models.ForeignKey(Reporter, on_delete=models.CASCADE, related_name="photos")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    community = models.ForeignKey("org.Community", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(max_length=64, db_index=True)
    # The 64-bit dhash stored as a signed BIGINT (see fraud.to_signed); near-duplicates are found by Hamming
    # distance in Python, over the community's photos.
    dhash = models.BigIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("photo fingerprint")
        verbose_name_plural = _("photo fingerprints")
        indexes = [models.Index(fields=["community", "created_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.sha256[:12]})"


class FlagQuerySet(models.QuerySet):
    def visible_to(self, user) -> FlagQuerySet:
        q = reporter_scope_q(
            user, community="reporter__community_id", street="reporter__community__street_id"
        )
        return self.all() if q is None else self.filter(q)

    def open(self) -> FlagQuerySet:
        return self.filter(cleared_at__isnull=True)


class Flag(models.Model):
    """Something staff should check: a report far from its photo, or a reporter sending bursts of reports.

    A report with an open flag earns its points only once staff clear the flag."""

    reporter = models.ForeignKey(
        Reporter, on_delete=models.CASCADE, related_name="flags", verbose_name=_("reporter")
    )
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("case"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=FlagKind.choices)
    detail = models.CharField(_("detail"), max_length=300)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("flagged at"), db_index=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cleared by"),
    )
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True)
    clear_note = models.CharField(_("note"), max_length=300, blank=True)

    objects = FlagQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        indexes = [models.Index(fields=["reporter", "cleared_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.reporter_id}"


class PointsQuerySet(models.QuerySet):
    """The ledger is append-only: bulk updates and deletes are refused as well as single ones."""

    def update(self, **kwargs):
        raise RuntimeError("The points ledger is append-only.")

    def delete(self):
        raise RuntimeError("The points ledger is append-only.")


class PointsEntry(models.Model):
    """One line of a reporter's points ledger (积分): never edited, never deleted; the balance is the sum."""

    reporter = models.ForeignKey(
        Reporter, on_delete=models.CASCADE, related_name="points", verbose_name=_("reporter")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=EntryKind.choices)
    points = models.IntegerField(_("points"))
    # SET_NULL keeps the balance if a case is ever deleted (only the demo's clean-up deletes cases).
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("case"),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("at"), db_index=True)

    objects = PointsQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("points entry")
        verbose_name_plural = _("points ledger")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind"],
                condition=Q(kind__in=[EntryKind.AWARD, EntryKind.REVERSAL]),
                name="points_one_award_and_reversal_per_case",
            ),
            models.CheckConstraint(
                condition=(Q(kind=EntryKind.AWARD, points__gt=0) | Q(~Q(kind=EntryKind.AWARD), points__lt=0)),
                name="points_sign_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reporter_id} {self.points:+d} {self.kind}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("The points ledger is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("The points ledger is append-only.")
