from django.db import models
from django.utils.translation import gettext_lazy as _


class DonorKind(models.TextChoices):
    PARTNER = "partner", _("Partner organisation")
    ORGANISATION = "organisation", _("Other organisation")
    PERSON = "person", _("Person")
    ANONYMOUS = "anonymous", _("Anonymous")


class MovementKind(models.TextChoices):
    """A line of the stock ledger: in from a donation, out by a hand-over, or a secretary's adjustment."""

    DONATION = "donation", _("In from a donation")
    HANDOVER = "handover", _("Out by a hand-over")
    ADJUSTMENT = "adjustment", _("Adjustment")


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    OPEN = "open", _("Open for hand-overs")
    CLOSED = "closed", _("Closed")


class RecipientSource(models.TextChoices):
    RULE = "rule", _("Picked by the rule")
    ADDED = "added", _("Added by staff")


class DeliveryStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")


class FileKind(models.TextChoices):
    RECEIPT = "receipt", _("Donation receipt")
    SIGNATURE = "signature", _("Signature")
    PHOTO = "photo", _("Photo of the hand-over")


class ProofKind(models.TextChoices):
    SIGNATURE = "signature", _("Signed on the screen")
    PHOTO = "photo", _("Photographed")


# Tags a recipient rule may name: the registry's codes (residents/migrations/0002_tags.py). 高龄 is derived from
# the birth date (80+), never assigned, so the rule turns it into an age condition.
RULE_TAGS = (
    "dibao",
    "tekun",
    "canji",
    "dujulaoren",
    "kongchao",
    "gaoling",
    "shineng",
    "banshineng",
    "kunjingertong",
)
