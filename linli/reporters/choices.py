from django.db import models
from django.utils.translation import gettext_lazy as _


class Occupation(models.TextChoices):
    """What a part-time reporter does on their rounds."""

    DELIVERY = "delivery", _("Food delivery rider")
    COURIER = "courier", _("Courier")
    TAXI = "taxi", _("Taxi driver")
    OTHER = "other", _("Other")


class EntryKind(models.TextChoices):
    """The kinds of line in a reporter's points ledger."""

    AWARD = "award", _("Confirmed report")
    REVERSAL = "reversal", _("Report merged or rejected")
    REDEMPTION = "redemption", _("Redeemed")


class FlagKind(models.TextChoices):
    """Why staff should look at a report or a reporter."""

    FAR_FROM_PHOTO = "far_from_photo", _("Far from where the photo was taken")
    BURST = "burst", _("Too many reports in a short time")
