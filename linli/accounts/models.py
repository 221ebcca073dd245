"""Staff accounts and their role assignments, each scoped to one org unit."""

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from .choices import ROLE_SCOPE_FIELD, Role


class User(AbstractUser):
    """A person who signs in to Linli: staff, department users and part-time reporters."""

    display_name = models.CharField(_("display name"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

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
        needed = ROLE_SCOPE_FIELD.get(self.role)
        for field in ("grid", "community", "street", "department"):
            value = getattr(self, f"{field}_id")
            if field == needed and value is None:
                unit = self._meta.get_field(field).verbose_name
                raise ValidationError({field: _("This role needs a %(unit)s.") % {"unit": unit}})
            if field != needed and value is not None:
                unit = self._meta.get_field(field).verbose_name
                raise ValidationError({field: _("This role is not scoped to a %(unit)s.") % {"unit": unit}})
