"""Staff accounts and their role assignments, each scoped to one org unit."""

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from .choices import ROLE_SCOPE_FIELD, SEPARATED_ROLES, Role


class User(AbstractUser):
    """A person who signs in to Linli: staff, department users and part-time reporters."""

    display_name = models.CharField(_("display name"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    # AU-03/AU-05: when the password was last set, and whether the next sign-in must change it first.
    password_changed_at = models.DateTimeField(_("password changed at"), null=True, blank=True)
    must_change_password = models.BooleanField(_("must change password"), default=False)
    initial_password_expires_at = models.DateTimeField(
        _("initial password expires at"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def set_password(self, raw_password):
        super().set_password(raw_password)
        from django.utils import timezone

        self.password_changed_at = timezone.now()

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @cached_property
    def scope(self):
        """The user's roles and org units, loaded once per request (see accounts.scope)."""
        from .scope import Scope

        return Scope.for_user(self)


class RoleAssignment(models.Model):
    """A role a user holds for one org unit: a grid, a community, a street or a department."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles", verbose_name=_("user"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    grid = models.ForeignKey(
        "org.Grid", on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("grid")
    )
    community = models.ForeignKey(
        "org.Community", on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("community")
    )
    street = models.ForeignKey(
        "org.Street", on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("street")
    )
    department = models.ForeignKey(
        "org.Department", on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("department")
    )

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "grid", "community", "street", "department"],
                name="role_assignment_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.unit or ''}"

    @property
    def unit(self):
        field = ROLE_SCOPE_FIELD.get(self.role)
        return getattr(self, field) if field else None

    def clean(self) -> None:
        if self.user_id is not None:
            others = set(
                RoleAssignment.objects.filter(user_id=self.user_id)
                .exclude(pk=self.pk)
                .values_list("role", flat=True)
            )
            if others and (self.role in SEPARATED_ROLES or others & SEPARATED_ROLES):
                raise ValidationError(
                    {"role": _("System, security and audit administrators hold that one role and no other.")}
                )
        needed = ROLE_SCOPE_FIELD.get(self.role)
        for field in ("grid", "community", "street", "department"):
            value = getattr(self, f"{field}_id")
            if field == needed and value is None:
                unit = self._meta.get_field(field).verbose_name
                raise ValidationError({field: _("This role needs a %(unit)s.") % {"unit": unit}})
            if field != needed and value is not None:
                unit = self._meta.get_field(field).verbose_name
                raise ValidationError({field: _("This role is not scoped to a %(unit)s.") % {"unit": unit}})


class SignInLock(models.Model):
    """Consecutive failed sign-ins of one username, known or not, and the lock they led to (AU-01)."""

    username = models.CharField(_("username"), max_length=150, unique=True)
    failures = models.PositiveSmallIntegerField(_("consecutive failures"), default=0)
    last_failure_at = models.DateTimeField(_("last failure"), null=True, blank=True)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in lock")
        verbose_name_plural = _("sign-in locks")

    def __str__(self) -> str:
        return self.username


class PasswordHistory(models.Model):
    """A password hash the user had, so that the last few are not used again (AU-03)."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="password_history", verbose_name=_("user")
    )
    password = models.CharField(_("password"), max_length=128)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("password history entry")
        verbose_name_plural = _("password history")

    def __str__(self) -> str:
        return f"{self.user} {self.created_at:%Y-%m-%d}"


class UserSession(models.Model):
    """A signed-in browser session of a user, so it can be listed, limited and killed (SE-03)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("user"))
    session_key = models.CharField(_("session key"), max_length=40, unique=True)
    created_at = models.DateTimeField(_("signed in at"))
    last_seen_at = models.DateTimeField(_("last seen"))
    ip = models.GenericIPAddressField(_("client IP"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    def __str__(self) -> str:
        return f"{self.user} {self.created_at:%Y-%m-%d %H:%M}"
