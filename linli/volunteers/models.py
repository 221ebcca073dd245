"""Volunteers (志愿者), their teams (队伍) and service records kept as 民政部令第67号 asks."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from linli.core.fields import BlindIndexField, EncryptedTextField, index_candidates
from linli.core.validators import normalize_id_number, normalize_phone

from .choices import MemberRole, RecordStatus, TeamKind, VolunteerKind


class Skill(models.Model):
    """Something a volunteer can do: 理发, 家电维修, 医疗, 法律…"""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=30)

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def volunteer_scope_q(
    user, *, community: str = "community_id", street: str = "community__street_id"
) -> Q | None:
    """The volunteers' rows a staff member may see, as a filter on the given columns; None means all of them.

    A secretary sees their community's, a grid worker or leader those of their grids' community, a street
    officer those of their street (DESIGN.md §4)."""
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


class VolunteerQuerySet(models.QuerySet):
    def visible_to(self, user) -> VolunteerQuerySet:
        q = volunteer_scope_q(user)
        return self.all() if q is None else self.filter(q)

    def by_id_number(self, id_number: str) -> VolunteerQuerySet:
        return self.filter(id_index__in=index_candidates("id_number", id_number, normalize_id_number))

    def by_phone(self, phone: str) -> VolunteerQuerySet:
        return self.filter(phone_index__in=index_candidates("phone", phone, normalize_phone))


class Volunteer(models.Model):
    """A person registered under their real name to serve in a community."""

    community = models.ForeignKey(
        "org.Community", on_delete=models.PROTECT, related_name="volunteers", verbose_name=_("community")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=VolunteerKind.choices)
    resident = models.ForeignKey(
        "residents.Resident",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="volunteer_profiles",
        verbose_name=_("resident"),
    )
    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=10, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    id_number = EncryptedTextField(_("ID number"))
    id_index = BlindIndexField(source="id_number", kind="id_number", normalize=normalize_id_number)
    phone = EncryptedTextField(_("phone"))
    phone_index = BlindIndexField(source="phone", kind="phone", normalize=normalize_phone)
    work_unit = models.CharField(
        _("work unit"), max_length=100, blank=True
    )  # 在职党员: employer, party branch
    skills = models.ManyToManyField(Skill, blank=True, related_name="volunteers", verbose_name=_("skills"))
    registered_at = models.DateTimeField(_("registered at"))
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = VolunteerQuerySet.as_manager()

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["community", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "id_index"], name="volunteer_once_per_community")
        ]

    def __str__(self) -> str:
        return self.name

    def age_on(self, day) -> int | None:
        if not self.birth_date:
            return None
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))


class TeamQuerySet(models.QuerySet):
    def visible_to(self, user) -> TeamQuerySet:
        q = volunteer_scope_q(user)
        return self.all() if q is None else self.filter(q)


class Team(models.Model):
    """A volunteer team: 红管家服务队, a colour squad of 西宁道社区, 银发爱心义剪队…"""

    community = models.ForeignKey(
        "org.Community", on_delete=models.PROTECT, related_name="volunteer_teams", verbose_name=_("community")
    )
    name = models.CharField(_("name"), max_length=50)
    kind = models.CharField(_("kind"), max_length=20, choices=TeamKind.choices, default=TeamKind.SERVICE)
    colour = models.CharField(_("colour"), max_length=7, blank=True)  # "#f08c00"
    focus = models.CharField(_("what the team does"), max_length=100, blank=True)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    members = models.ManyToManyField(
        Volunteer, through="TeamMembership", related_name="teams", verbose_name=_("members")
    )
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = TeamQuerySet.as_manager()

    class Meta:
        verbose_name = _("volunteer team")
        verbose_name_plural = _("volunteer teams")
        ordering = ["community", "name"]
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="team_unique_name")]

    def __str__(self) -> str:
        return self.name


class TeamMembership(models.Model):
    """A volunteer's place in a team, captain or member, from when to when."""

    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("team")
    )
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("volunteer")
    )
    role = models.CharField(_("role"), max_length=10, choices=MemberRole.choices, default=MemberRole.MEMBER)
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)

    class Meta:
        verbose_name = _("team membership")
        verbose_name_plural = _("team memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["team", "volunteer"],
                condition=models.Q(left_on__isnull=True),
                name="membership_one_current",
            )
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id} in {self.team_id} ({self.role})"


class RecordImmutable(RuntimeError):
    """A confirmed service record was about to be changed or deleted (令67号: a correction is a new record)."""


class ServiceRecordQuerySet(models.QuerySet):
    """Bulk updates and deletes are refused when they would touch a confirmed record."""

    def visible_to(self, user) -> ServiceRecordQuerySet:
        q = volunteer_scope_q(user)
        return self.all() if q is None else self.filter(q)

    def confirmed(self) -> ServiceRecordQuerySet:
        return self.filter(status=RecordStatus.CONFIRMED)

    def update(self, **kwargs):
        if self.filter(status=RecordStatus.CONFIRMED).exists():
            raise RecordImmutable("A confirmed service record is never changed.")
        return super().update(**kwargs)

    def delete(self):
        if self.filter(status=RecordStatus.CONFIRMED).exists():
            raise RecordImmutable("A confirmed service record is never deleted.")
        return super().delete()


class ServiceRecord(models.Model):
    """志愿服务记录: who served in what, for how long, with training, awards and evaluation (令67号 §7).

    A confirmed record is never changed: a correction is a new record pointing at it, whose hours are the
    difference (negative to take hours away)."""

    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.PROTECT, related_name="service_records", verbose_name=_("volunteer")
    )
    community = models.ForeignKey(
        "org.Community", on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_records",
        verbose_name=_("team"),
    )
    occurrence = models.ForeignKey(
        "activities.Occurrence",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_records",
        verbose_name=_("activity"),
    )
    content = models.CharField(_("service content"), max_length=200)
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"))
    hours = models.DecimalField(_("hours served"), max_digits=6, decimal_places=2, default=Decimal("0"))
    training = models.CharField(_("training received"), max_length=200, blank=True)
    awards = models.CharField(_("awards"), max_length=200, blank=True)
    evaluation = models.CharField(_("evaluation"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=RecordStatus.choices, default=RecordStatus.DRAFT
    )
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_("corrects"),
    )
    correction_reason = models.CharField(_("reason for the correction"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"))
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    # A team captain signed in on their phone records or confirms as a volunteer, not as a user account.
    recorded_by_volunteer = models.ForeignKey(
        Volunteer, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_by_volunteer = models.ForeignKey(
        Volunteer, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ServiceRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["community", "status", "started_at"], name="servicerec_comm_status")]
        constraints = [
            # One record per volunteer and activity session; corrections point at it instead.
            models.UniqueConstraint(
                fields=["volunteer", "occurrence"],
                condition=Q(occurrence__isnull=False, corrects__isnull=True),
                name="servicerec_once_per_occurrence",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__gte=models.F("started_at")), name="servicerec_times"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id} {self.hours}h {self.content}"

    def save(self, *args, **kwargs):
        if (
            self.pk is not None
            and type(self).objects.filter(pk=self.pk, status=RecordStatus.CONFIRMED).exists()
        ):
            raise RecordImmutable("A confirmed service record is never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if (
            self.pk is not None
            and type(self).objects.filter(pk=self.pk, status=RecordStatus.CONFIRMED).exists()
        ):
            raise RecordImmutable("A confirmed service record is never deleted.")
        return super().delete(*args, **kwargs)

    @property
    def is_confirmed(self) -> bool:
        return self.status == RecordStatus.CONFIRMED

    @property
    def organiser_name(self) -> str:
        """Who confirmed the record, as the certificate names the organiser."""
        if self.team_id:
            return self.team.name
        return self.community.name


class LoginCode(models.Model):
    """A one-time SMS sign-in code for a volunteer's phone pages, kept only as a keyed hash."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="login_codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("volunteer sign-in code")
        verbose_name_plural = _("volunteer sign-in codes")

    def __str__(self) -> str:
        return f"{self.volunteer_id} {self.created_at:%Y-%m-%d %H:%M}"


class Certificate(models.Model):
    """One issued 志愿服务记录证明: its number, the period it covers and the hours it states."""

    number = models.CharField(_("certificate number"), max_length=40, unique=True)
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.PROTECT, related_name="certificates", verbose_name=_("volunteer")
    )
    community = models.ForeignKey(
        "org.Community", on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    period_start = models.DateField(_("from"), null=True, blank=True)
    period_end = models.DateField(_("to"))
    hours = models.DecimalField(_("hours"), max_digits=8, decimal_places=2)
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")

    def __str__(self) -> str:
        return self.number
