from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CallEvent(models.TextChoices):
    """What a call terminal (电子保姆) reports."""

    SOS = "sos", _("Emergency call (SOS)")
    SERVICE = "service", _("Service request")
    NO_ACTIVITY = "no_activity", _("No activity")


class CallStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("care call", "Waiting for a response")
    ANSWERED = "answered", pgettext_lazy("care call", "Answered")
    CONTACTS_TOLD = "contacts_told", _("Nobody answered; emergency contacts told")
    HANDLED = "handled", pgettext_lazy("care call", "Handled")
    UNKNOWN_DEVICE = "unknown_device", _("Unknown device")


# Calls that still wait for someone to take them up (the escalation chain may be running).
WAITING_CALL_STATUSES = (CallStatus.OPEN, CallStatus.CONTACTS_TOLD)


class AlertKind(models.TextChoices):
    STAFF = "staff", _("Staff member")
    CONTACT = "contact", _("Emergency contact")


class AlertStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    NO_PHONE = "no_phone", _("Told in the app only (no phone)")


class Service(models.TextChoices):
    """The six kinds of home service for the elderly (六助)."""

    RESCUE = "rescue", _("Emergency help (助救)")
    MEAL = "meal", _("Meals (助餐)")
    SHOPPING = "shopping", _("Shopping (助购)")
    MEDICAL = "medical", _("Medical help (助医)")
    CLEANING = "cleaning", _("Cleaning (助洁)")
    MOBILITY = "mobility", _("Getting about (助行)")


class RequesterKind(models.TextChoices):
    RESIDENT = "resident", pgettext_lazy("requested by", "The resident")
    RELATIVE = "relative", _("A relative")
    STAFF = "staff", _("Community staff")
    TERMINAL = "terminal", _("The call terminal")


class OrderStatus(models.TextChoices):
    REQUESTED = "requested", pgettext_lazy("care order", "Requested")
    SCHEDULED = "scheduled", pgettext_lazy("care order", "Scheduled")
    DONE = "done", pgettext_lazy("care order", "Done")
    CANCELLED = "cancelled", pgettext_lazy("care order", "Cancelled")


OPEN_ORDER_STATUSES = (OrderStatus.REQUESTED, OrderStatus.SCHEDULED)


class ServiceVisitStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("service visit", "Planned")
    DONE = "done", pgettext_lazy("service visit", "Done")
    CANCELLED = "cancelled", pgettext_lazy("service visit", "Cancelled")


class ProviderKind(models.TextChoices):
    ORGANISATION = "organisation", _("Partner organisation")
    VOLUNTEER_TEAM = "volunteer_team", _("Volunteer team")
    STAFF = "staff", _("Community staff")
