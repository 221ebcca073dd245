from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import Target


class DispatchModel(models.Model):
    """One trained version of a dispatch classifier; at most one per target is active."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    target = models.CharField(_("target"), max_length=20, choices=Target.choices)
    trained_at = models.DateTimeField(_("trained at"), auto_now_add=True)
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("trained by"),
    )
    source = models.CharField(_("source"), max_length=200)
    rows = models.PositiveIntegerField(_("rows"))
    classes = models.JSONField(_("classes"), default=list)
    cv_folds = models.PositiveSmallIntegerField(_("cross-validation folds"), null=True, blank=True)
    cv_accuracy = models.FloatField(_("cross-validated accuracy"), null=True, blank=True)
    cv_macro_f1 = models.FloatField(_("cross-validated macro-F1"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=False)
    # The fitted scikit-learn pipeline (joblib): written only by dispatch_model_store, read only by the loader.
    blob = models.BinaryField(_("fitted pipeline"))
    # HMAC-SM3 of the pipeline's SHA-256 under the key ring's index key (core.crypto): the blob is a pickle, and
    # only Linli, holding the key, can seal one that the loader will unpickle.
    seal = models.CharField(_("seal of the pipeline"), max_length=80)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("dispatch model")
        verbose_name_plural = _("dispatch models")
        constraints = [
            models.UniqueConstraint(
                fields=["target"], condition=models.Q(is_active=True), name="dispatch_one_active_per_target"
            )
        ]

    def __str__(self) -> str:
        return f"v{self.version} {self.target}"


class SuggestionOutcome(models.Model):
    """What a staff member chose after seeing a model's suggestions: accepted the top one or overrode it."""

    model = models.ForeignKey(
        DispatchModel, on_delete=models.CASCADE, related_name="outcomes", verbose_name=_("model")
    )
    text_hash = models.CharField(_("text hash"), max_length=64)
    suggested = models.CharField(_("suggested"), max_length=60)
    chosen = models.CharField(_("chosen"), max_length=60)
    accepted = models.BooleanField(_("accepted"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("user"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("suggestion outcome")
        verbose_name_plural = _("suggestion outcomes")

    def __str__(self) -> str:
        return f"{self.model} {self.suggested} → {self.chosen}"
