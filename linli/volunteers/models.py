"""Volunteers (志愿者), their teams (队伍) and service records kept as 民政部令第67号 asks."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from linli.core.fields import BlindIndexField, EncryptedTextField
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

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["community", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "id_index"], name="volunteer_once_per_community")
        ]

    def __str__(self) -> str:
        return self.name


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

    class Meta:
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["community", "status", "started_at"], name="servicerec_comm_status")]
