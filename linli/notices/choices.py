"""The words of the notices app: channels, audiences, states, and the retry schedule."""

from datetime import timedelta
from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class DeliveryChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    IN_APP = "in_app", _("In-app")
    WECOM = "wecom", _("WeCom group robot")
    DINGTALK = "dingtalk", _("DingTalk group robot")


# The channels that post to a group through a GroupEndpoint (the others reach one person each).
ROBOT_CHANNELS = (DeliveryChannel.WECOM, DeliveryChannel.DINGTALK)


class RobotChannel(models.TextChoices):
    WECOM = "wecom", _("WeCom group robot")
    DINGTALK = "dingtalk", _("DingTalk group robot")


class PlaceKind(models.TextChoices):
    """The org units a notice can be addressed to (a tag group is residents with a tag within one of them)."""

    GRID = "grid", _("Grid")
    BUILDING = "building", _("Building")
    COMPOUND = "compound", _("Compound")
    COMMUNITY = "community", _("Community")


class AudienceKind(models.TextChoices):
    GRID = "grid", _("Grid")
    BUILDING = "building", _("Building")
    COMPOUND = "compound", _("Compound")
    COMMUNITY = "community", _("Community")
    TAG = "tag", _("Tag group")


class NoticeStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    SENDING = "sending", pgettext_lazy("notice", "Sending")
    SENT = "sent", pgettext_lazy("notice", "Sent")
    PARTLY_FAILED = "partly_failed", _("Sent, some failed")
    FAILED = "failed", pgettext_lazy("notice", "Failed")
    CANCELLED = "cancelled", _("Cancelled")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENDING = "sending", pgettext_lazy("delivery", "Sending")
    SENT = "sent", pgettext_lazy("delivery", "Sent")
    FAILED = "failed", pgettext_lazy("delivery", "Failed")


class TemplateKind(models.TextChoices):
    OUTAGE = "outage", _("Service interruption")
    SAFETY = "safety", _("Safety reminder")
    ACTIVITY = "activity", _("Activity")
    OTHER = "other", _("Other")


class ErrorCode(StrEnum):
    """The stable codes of the notices app's errors (the API's "code")."""

    PLACE_NOT_ALLOWED = "place_not_allowed"
    TAG_NOT_ALLOWED = "tag_not_allowed"
    CHANNEL_UNAVAILABLE = "channel_unavailable"
    NO_RECIPIENTS = "no_recipients"
    PLACEHOLDER_MISSING = "placeholder_missing"
    SEND_AT_PAST = "send_at_past"
    SEND_AT_TOO_LATE = "send_at_too_late"
    NOT_CANCELLABLE = "not_cancellable"


# After the n-th failed attempt the next one waits RETRY_DELAYS[n - 1]; after the last delay the next failure is
# final. A delivery is therefore tried at most len(RETRY_DELAYS) + 1 times.
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30))
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
# A claim older than this is a worker that died mid-send; every gateway call times out long before it.
CLAIM_LEASE = timedelta(minutes=10)
# The periodic sweep only picks up work the queue should have done this long ago (it lost it, or it is down).
SWEEP_GRACE = timedelta(minutes=2)
# How far ahead a notice may be scheduled.
MAX_SCHEDULE_AHEAD = timedelta(days=366)
TITLE_MAX = 60
BODY_MAX = 1000
