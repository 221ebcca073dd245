from django.db import models
from django.utils.translation import gettext_lazy as _


class TeamKind(models.TextChoices):
    PARTY = "party", _("Party members' service team")
    COLOUR = "colour", _("Colour squad")
    SERVICE = "service", _("Service team")
    OTHER = "other", _("Other")


class VolunteerKind(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    PARTY_MEMBER = "party_member", _("Party member reporting in (在职党员双报到)")
    OUTSIDER = "outsider", _("From outside the community")


class MemberRole(models.TextChoices):
    CAPTAIN = "captain", _("Captain")
    MEMBER = "member", _("Member")


class RecordStatus(models.TextChoices):
    DRAFT = "draft", _("Awaiting the organiser's confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
