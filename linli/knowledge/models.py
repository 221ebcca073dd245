from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AnswerQuerySet(models.QuerySet):
    def current(self) -> "AnswerQuerySet":
        """Active answers still valid today."""
        today = timezone.localdate()
        return self.filter(is_active=True).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))

    def visible_to(self, user) -> "AnswerQuerySet":
        """Answers for everywhere plus those of the communities the viewer works in."""
        from linli.org.selectors import communities_for

        if user.scope.is_admin:
            return self.all()
        return self.filter(Q(community__isnull=True) | Q(community__in=communities_for(user).values("pk")))


class Answer(models.Model):
    """A standing answer to a policy question (咨询), given at once instead of opening work on a case."""

    question = models.CharField(_("question"), max_length=200)
    answer = models.TextField(_("answer"))
    keywords = models.CharField(
        _("keywords"), max_length=300, blank=True, help_text=_("Separated by spaces.")
    )
    category = models.ForeignKey(
        "cases.Category",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="answers",
        verbose_name=_("category"),
    )
    community = models.ForeignKey(
        "org.Community",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="answers",
        verbose_name=_("community"),
        help_text=_("Empty: the answer holds everywhere."),
    )
    source = models.CharField(_("source"), max_length=200, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    times_used = models.PositiveIntegerField(_("times used"), default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = AnswerQuerySet.as_manager()

    class Meta:
        ordering = ["question"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")

    def __str__(self) -> str:
        return self.question

    @property
    def is_current(self) -> bool:
        return self.is_active and (self.valid_until is None or self.valid_until >= timezone.localdate())
