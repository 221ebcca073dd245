"""Community activities (活动) and their dated occurrences."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Activity(models.Model):
    """An activity a community runs once or by a recurrence rule: a free clinic, the haircut day on the 26th."""

    community = models.ForeignKey(
        "org.Community", on_delete=models.PROTECT, related_name="activities", verbose_name=_("community")
    )
    title = models.CharField(_("title"), max_length=100)
    organiser = models.ForeignKey(
        "volunteers.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("organiser team"),
    )
    partners = models.ManyToManyField(
        "partners.Partner", blank=True, related_name="activities", verbose_name=_("partner organisations")
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")

    def __str__(self) -> str:
        return self.title


class Occurrence(models.Model):
    """One dated session of an activity; a skipped or moved one keeps its original start."""

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="occurrences", verbose_name=_("activity")
    )
    original_start = models.DateTimeField(_("scheduled start"))
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))

    class Meta:
        verbose_name = _("occurrence")
        verbose_name_plural = _("occurrences")
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "original_start"], name="occurrence_once_per_start")
        ]
