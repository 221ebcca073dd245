"""Shared plumbing: the working-day calendar overrides, in-app notifications and idempotency records."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    """An administrator-entered day of China's official arrangement (holiday or 调休 make-up working day)."""

    class Source(models.TextChoices):
        ADMIN = "admin", _("Entered by an administrator")
        IMPORT = "import", _("Imported arrangement")

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=50, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.ADMIN)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self) -> str:
        kind = _("working day") if self.is_workday else _("holiday")
        return f"{self.date} {kind} {self.name}".strip()


class Notification(models.Model):
    """An in-app message to one user (overdue warnings, whistles, outcomes)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=40)
    message = models.CharField(_("message"), max_length=300)
    url = models.CharField(_("link"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.message


class IdempotencyRecord(models.Model):
    """The first answer to a POST carrying an Idempotency-Key, replayed for retries of the same request."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=60)
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "scope", "key"], name="idempotency_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"


class AuditEntry(models.Model):
    """One audited act (SECURITY.md LG-01/02): a reveal or export of personal data, an import, a denial.

    Rows are only ever inserted. The detail never holds a full ID number or phone (LG-03)."""

    class Outcome(models.TextChoices):
        OK = "ok", _("Succeeded")
        DENIED = "denied", _("Denied")
        FAILED = "failed", _("Failed")

    at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_name = models.CharField(_("actor"), max_length=150, blank=True)
    roles = models.CharField(_("roles"), max_length=200, blank=True)
    ip = models.GenericIPAddressField(_("client IP"), null=True, blank=True)
    request_id = models.CharField(_("request ID"), max_length=64, blank=True)
    event = models.CharField(_("event"), max_length=60, db_index=True)
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.CharField(_("object"), max_length=64, blank=True, db_index=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.OK)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    # The hash chain (LG-04): gap-free sequence, the previous row's HMAC, this row's HMAC and the key that made it.
    seq = models.BigIntegerField(_("sequence"), unique=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    row_hash = models.CharField(_("row hash"), max_length=64)
    key_id = models.CharField(_("signing key"), max_length=20)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.event} {self.object_type}:{self.object_id}"


class AuditChain(models.Model):
    """The head of the audit hash chain (one row): what the last row is, and where a purge left the chain."""

    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    # The last purged row: verification starts after it.
    checkpoint_seq = models.BigIntegerField(default=0)
    checkpoint_hash = models.CharField(max_length=64, default="0" * 64)
    # HMAC over the four figures above, so the head cannot be moved back to hide rows cut from the end.
    key_id = models.CharField(max_length=20, blank=True)
    mac = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain head")

    def __str__(self) -> str:
        return f"audit chain #{self.last_seq}"


class JobRun(models.Model):
    """A background job that failed at least once (RE-04): its attempts, last error and what happens next.

    Jobs that succeed on the first try leave no row; one that keeps failing ends on the dead-letter list."""

    class Status(models.TextChoices):
        RETRYING = "retrying", _("Waiting to be tried again")
        DEAD = "dead", _("Dead-lettered")
        SUCCEEDED = "succeeded", _("Succeeded after retries")

    task_path = models.CharField(_("task"), max_length=200)
    fingerprint = models.CharField(_("fingerprint"), max_length=64, db_index=True)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    kwargs = models.JSONField(_("keyword arguments"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RETRYING)
    fail_count = models.PositiveIntegerField(_("failures"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    dead_at = models.DateTimeField(_("dead-lettered at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-last_attempt_at", "-id"]
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        constraints = [
            # One open (retrying) row per task and arguments: a second failure adds to it.
            models.UniqueConstraint(
                fields=["fingerprint"],
                condition=models.Q(status="retrying"),
                name="jobrun_one_open_per_fingerprint",
            )
        ]

    def __str__(self) -> str:
        return f"{self.task_path} ({self.get_status_display()}, {self.fail_count})"


class DeadLetterManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(status=JobRun.Status.DEAD)


class DeadLetter(JobRun):
    """The dead-letter list: jobs that failed every attempt, for an administrator to look at and retry."""

    objects = DeadLetterManager()

    class Meta:
        proxy = True
        ordering = ["-dead_at", "-id"]
        verbose_name = _("dead-lettered job")
        verbose_name_plural = _("dead-lettered jobs")
