from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PlaceKind(models.TextChoices):
    """What a checklist is carried out at."""

    BUILDING = "building", _("Building")
    SHOP = "shop", _("Shop")
    COMPOUND = "compound", _("Compound")


class ChecklistKind(models.TextChoices):
    FIRE_EQUIPMENT = "fire_equipment", _("Fire cabinets and extinguishers")
    EBIKE = "ebike", _("E-bike parking and charging")
    CORRIDOR = "corridor", _("Corridor clutter")
    SHOP_FIRE = "shop_fire", _("Shop fire safety")
    GAS = "gas", _("Gas appliances")
    OTHER = "other", pgettext_lazy("checklist kind", "Other")


class ShopKind(models.TextChoices):
    RESTAURANT = "restaurant", _("Restaurant")
    GROCERY = "grocery", _("Grocery")
    EBIKE_REPAIR = "ebike_repair", _("E-bike sales and repair")
    SERVICE = "service", _("Services (hair, laundry…)")
    OTHER = "other", pgettext_lazy("shop kind", "Other")


class ItemResult(models.TextChoices):
    OK = "ok", _("OK")
    HAZARD = "hazard", _("Hazard")
    NOT_APPLICABLE = "na", _("Not applicable")


class HazardStatus(models.TextChoices):
    FOUND = "found", _("Found")
    CASE_OPEN = "case_open", _("Case open")
    FIXED = "fixed", _("Fixed")


OPEN_HAZARD_STATUSES = (HazardStatus.FOUND, HazardStatus.CASE_OPEN)


class PhotoKind(models.TextChoices):
    FOUND = "found", _("As found")
    AFTER = "after", _("After the fix")
