"""Partner organisations (共建单位, 两新组织, 爱心企业, 社会组织) linked to a community."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import PartnerKind


class Partner(models.Model):
    """An organisation that works with a community: it co-hosts activities, donates, pledges services."""

    community = models.ForeignKey(
        "org.Community", on_delete=models.PROTECT, related_name="partners", verbose_name=_("community")
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=PartnerKind.choices)
    address = models.CharField(_("address"), max_length=200, blank=True)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("partner organisation")
        verbose_name_plural = _("partner organisations")
        ordering = ["community", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="partner_unique_name_per_community")
        ]

    def __str__(self) -> str:
        return self.name
