"""Households carry their building's grid, community and street (for one-filter scoping): keep them in step
when an administrator moves a building to another grid or a compound to another community."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from linli.org.models import Building, Compound

from .models import Household, Resident


@receiver(post_save, sender=Building, dispatch_uid="residents.building_moved")
def building_moved(sender, instance: Building, created: bool, raw: bool = False, **kwargs) -> None:
    if created or raw:
        return
    community = instance.compound.community
    Household.objects.filter(building=instance).exclude(
        grid_id=instance.grid_id, community_id=community.pk, street_id=community.street_id
    ).update(grid_id=instance.grid_id, community_id=community.pk, street_id=community.street_id)
    Resident.objects.filter(household__building=instance).exclude(community_id=community.pk).update(
        community_id=community.pk
    )


@receiver(post_save, sender=Compound, dispatch_uid="residents.compound_moved")
def compound_moved(sender, instance: Compound, created: bool, raw: bool = False, **kwargs) -> None:
    if created or raw:
        return
    for building in instance.buildings.select_related("compound__community"):
        building_moved(Building, building, created=False)
