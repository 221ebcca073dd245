from django.db import models
from django.utils.translation import gettext_lazy as _

from linli.accounts.choices import Role


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class Tenure(models.TextChoices):
    OWNER = "owner", _("Owner-occupied")
    TENANT = "tenant", _("Rented")
    PUBLIC = "public", _("Public housing")
    OTHER = "other", _("Other")


class Occupancy(models.TextChoices):
    OCCUPIED = "occupied", _("Lived in")
    VACANT = "vacant", _("Vacant")
    SEASONAL = "seasonal", _("Lived in part of the year")


class Relationship(models.TextChoices):
    HEAD = "head", _("Householder")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    GRANDCHILD = "grandchild", _("Grandchild")
    SIBLING = "sibling", _("Sibling")
    OTHER_RELATIVE = "relative", _("Other relative")
    TENANT = "tenant", _("Tenant")
    OTHER = "other", _("Other")


class Sensitivity(models.TextChoices):
    """Security labels (SECURITY.md AC-06): a sensitive tag is shown only to the roles it grants."""

    NORMAL = "normal", _("Normal")
    SENSITIVE = "sensitive", _("Sensitive personal information")


class TagTarget(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    HOUSEHOLD = "household", _("Household")


class VisitKind(models.TextChoices):
    HOME = "home", _("Home visit")
    PHONE = "phone", _("Phone call")
    OTHER = "other", _("Other")


class RequestKind(models.TextChoices):
    """The data-subject rights of PIPL §44–47."""

    ACCESS = "access", _("See and copy my data")
    CORRECT = "correct", _("Correct my data")
    DELETE = "delete", _("Delete my data")


class RequestStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    REFUSED = "refused", _("Refused")


class Field(models.TextChoices):
    """The protected fields a permitted role may reveal, one at a time, with a reason."""

    ID_NUMBER = "id_number", _("ID number")
    PHONE = "phone", _("Phone")
    ADDRESS = "address", _("Address")


# Roles that see the registry of their scope at all.
REGISTRY_ROLES = frozenset(
    {Role.GRID_WORKER, Role.GRID_LEADER, Role.SECRETARY, Role.STREET_OFFICER, Role.ADMIN}
)
# Roles that work with residents by name and may reveal a protected field (with a reason, audited).
HANDLER_ROLES = frozenset({Role.GRID_WORKER, Role.GRID_LEADER, Role.SECRETARY})

ELDERLY_AGE = 60
VERY_OLD_AGE = 80  # 高龄: derived from the birth date, never typed
VERY_OLD_TAG = "gaoling"
# Tags that make a resident's case urgent by default at intake.
URGENT_TAGS = frozenset({"dujulaoren", "shineng", "banshineng"})
