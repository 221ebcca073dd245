"""Report requests: a PDF report asked for by a staff member, built by a background task, downloaded later."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportKind(models.TextChoices):
    MONTHLY = "monthly", _("Monthly community report")
    RANKING = "ranking", _("Street ranking")


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


def _report_path(instance, filename: str) -> str:
    return f"insights/reports/{instance.uuid.hex}.pdf"


class ReportRequest(models.Model):
    """One report of one org unit and month, and where its building stands."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=ReportKind.choices)
    # The unit as the insights selectors name it (community:ID, street:ID).
    unit_ref = models.CharField(_("unit"), max_length=40)
    unit_name = models.CharField(_("unit name"), max_length=100)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="report_requests",
        verbose_name=_("requested by"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.QUEUED
    )
    file = models.FileField(upload_to=_report_path, max_length=200, blank=True)
    content_type = models.CharField(max_length=60, default="application/pdf")
    original_name = models.CharField(max_length=120, blank=True)
    size = models.PositiveIntegerField(default=0)
    error = models.CharField(_("error"), max_length=300, blank=True)
    language = models.CharField(max_length=10, default="zh-hans")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("report request")
        verbose_name_plural = _("report requests")
        indexes = [models.Index(fields=["requested_by", "-created_at"], name="insights_report_by_user")]

    def __str__(self) -> str:
        return f"{self.kind} {self.unit_ref} {self.period_start}"
