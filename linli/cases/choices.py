from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    ESCALATED = "escalated", _("Escalated")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    MERGED = "merged", _("Merged")
    REJECTED = "rejected", _("Rejected")


OPEN_STATUSES = (Status.RECEIVED, Status.ASSIGNED, Status.IN_PROGRESS, Status.ESCALATED)
# Nobody has responded yet: the response deadline is the promise still to keep.
AWAITING_RESPONSE = (Status.RECEIVED, Status.ASSIGNED)
TERMINAL_STATUSES = (Status.CLOSED, Status.MERGED, Status.REJECTED)


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone hotline")
    WALK_IN = "walk_in", _("Walk-in reception")
    PATROL = "patrol", _("Patrol")
    PART_TIME_REPORTER = "part_time_reporter", pgettext_lazy("channel", "Part-time reporter")
    RESIDENT_WEB = "resident_web", _("Resident web / QR code")
    MEETING = "meeting", _("Meeting")
    CARE_CALL = "care_call", _("Care call terminal")
    OPEN311 = "open311", _("Open311 client")
    HOTLINE_12345 = "hotline_12345", _("12345 hand-off")
    OTHER = "other", _("Other")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY_SATISFIED = "basically_satisfied", _("Basically satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")


class Action(models.TextChoices):
    """Every entry on a case's timeline."""

    CREATE = "create", _("Received")
    ASSIGN = "assign", _("Assigned")
    RESPOND = "respond", _("Responded")
    NOTE = "note", _("Progress note")
    WHISTLE = "whistle", _("Whistle blown")
    WHISTLE_REPORT_IN = "whistle_report_in", _("Department reported in")
    WHISTLE_ANSWER = "whistle_answer", _("Department answered")
    WHISTLE_ACCEPT = "whistle_accept", _("Answer accepted")
    WHISTLE_REJECT = "whistle_reject", _("Answer rejected")
    RESOLVE = "resolve", _("Resolved")
    VERIFY = "verify", _("Verified")
    FEEDBACK = "feedback", _("Resident feedback")
    REOPEN = "reopen", _("Reopened")
    CLOSE = "close", _("Closed")
    DIRECT_ANSWER = "direct_answer", _("Answered directly (直接答复)")
    MERGE = "merge", _("Merged into another case")
    ABSORB = "absorb", _("Duplicate merged in")
    REJECT = "reject", _("Rejected")
    OVERDUE_RESPONSE = "overdue_response", _("Response overdue")
    OVERDUE_RESOLUTION = "overdue_resolution", _("Resolution overdue")
    OUTCOME = "outcome", _("Outcome of the master case")
    CARE_ESCALATE = "care_escalate", _("Escalated to the next person")
    CARE_CONTACT = "care_contact", _("Emergency contact told")


class WhistleStatus(models.TextChoices):
    OPEN = "open", _("Waiting for the department to report in")
    REPORTED_IN = "reported_in", _("Reported in, being handled")
    ANSWERED = "answered", _("Answered, waiting for the community")
    ACCEPTED = "accepted", _("Answer accepted")


OPEN_WHISTLE_STATUSES = (WhistleStatus.OPEN, WhistleStatus.REPORTED_IN, WhistleStatus.ANSWERED)
