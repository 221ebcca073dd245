from django.db import models
from django.utils.translation import gettext_lazy as _


class PartnerKind(models.TextChoices):
    CO_BUILDING = "co_building", _("Co-building unit (共建单位)")
    TWO_NEW = "two_new", _("New economic or social organisation (两新组织)")
    CHARITY_COMPANY = "charity_company", _("Caring enterprise (爱心企业)")
    SOCIAL_ORG = "social_org", _("Social organisation (社会组织)")
    PROPERTY = "property", _("Property management (物业)")
    OTHER = "other", _("Other")
