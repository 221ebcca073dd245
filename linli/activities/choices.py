from django.db import models
from django.utils.translation import gettext_lazy as _


class ActivityKind(models.TextChoices):
    CLINIC = "clinic", _("Free clinic (义诊)")
    HAIRCUT = "haircut", _("Haircuts (理发)")
    FIRE_DRILL = "fire_drill", _("Fire drill (消防演练)")
    SHARED_TABLE = "shared_table", _("Neighbours' table (邻里餐桌)")
    SQUARE_DANCE = "square_dance", _("Square dance (广场舞)")
    LECTURE = "lecture", _("Talk (讲座)")
    OPEN_AIR_FILM = "open_air_film", _("Open-air film (露天电影)")
    HOME_SERVICE = "home_service", _("Home service (上门服务)")
    OTHER = "other", _("Other")


class TargetGroup(models.TextChoices):
    ALL = "all", _("All residents")
    ELDERLY = "elderly", _("Elderly (60 and over)")
    CHILDREN = "children", _("Children (under 14)")
    TAG = "tag", _("A tag group")


class Preset(models.TextChoices):
    ONCE = "once", _("Once")
    MONTHLY_DAY = "monthly_day", _("Monthly on a day (每月N日)")
    WEEKLY = "weekly", _("Weekly on a weekday (每周X)")
    BIWEEKLY = "biweekly", _("Every second week on a weekday (每两周)")
    MONTHLY_NTH = "monthly_nth", _("The Nth weekday of the month (每月第N个周X)")


class Weekday(models.IntegerChoices):
    MO = 0, _("Monday")
    TU = 1, _("Tuesday")
    WE = 2, _("Wednesday")
    TH = 3, _("Thursday")
    FR = 4, _("Friday")
    SA = 5, _("Saturday")
    SU = 6, _("Sunday")


class OccurrenceStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    SKIPPED = "skipped", _("Skipped")


class SignupStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Signed up")
    WAITLISTED = "waitlisted", _("On the waiting list")
    CANCELLED = "cancelled", _("Cancelled")


class SignupSource(models.TextChoices):
    STAFF = "staff", _("By staff")
    PUBLIC = "public", _("On the H5 page")


class Attendance(models.TextChoices):
    UNKNOWN = "", _("Not taken")
    PRESENT = "present", _("Present")
    ABSENT = "absent", _("Absent")


class VolunteerSignupStatus(models.TextChoices):
    SIGNED_UP = "signed_up", _("Signed up")
    CANCELLED = "cancelled", _("Cancelled")


class CheckMethod(models.TextChoices):
    QR = "qr", _("QR code")
    CODE = "code", _("6-digit code")
    ORGANISER = "organiser", _("By the organiser")


class HomeVisitStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
