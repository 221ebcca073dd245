from django.db import models
from django.utils.translation import gettext_lazy as _


class PartnerKind(models.TextChoices):
    CO_BUILDING = "co_building", _("Co-building unit (共建单位)")
    TWO_NEW = "two_new", _("New economic or social organisation (两新组织)")
    CHARITY_COMPANY = "charity_company", _("Caring enterprise (爱心企业)")
    SOCIAL_ORG = "social_org", _("Social organisation (社会组织)")
    PROPERTY = "property", _("Property management (物业)")
    OTHER = "other", _("Other")


class ContactPublicity(models.TextChoices):
    """How much of a contact the partner's public service page shows."""

    HIDDEN = "hidden", _("Not shown publicly")
    PARTIAL = "partial", _("Shown publicly, name and phone masked")
    FULL = "full", _("Shown publicly in full (a service phone)")


class AgreementStatus(models.TextChoices):
    """Derived from the agreement's dates, never stored."""

    PENDING = "pending", _("Not yet in force")
    ACTIVE = "active", _("In force")
    EXPIRING = "expiring", _("Expiring soon")
    EXPIRED = "expired", _("Expired")


class Audience(models.TextChoices):
    """Who a pledged service item is for."""

    ALL = "all", _("All residents")
    ELDERLY = "elderly", _("Elderly residents")
    CHILDREN = "children", _("Children")
    IN_NEED = "in_need", _("People in need")
    TAG = "tag", _("A tag group")


class HowToAsk(models.TextChoices):
    PHONE = "phone", _("By phone")
    SHOP = "shop", _("Come to the shop")
    COMMUNITY = "community", _("Through the community")
