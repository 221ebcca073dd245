"""The parts of the org tree a staff member works in: what their pickers offer and their profiles may show."""

from __future__ import annotations

from django.db.models import Q

from .models import Building, Community, Grid


def communities_for(user):
    """Communities the user works in: as secretary, through their grids, or under their street."""
    scope = user.scope
    qs = Community.objects.order_by("name")
    if scope.is_admin:
        return qs
    return qs.filter(
        Q(pk__in=scope.community_ids) | Q(pk__in=scope.grid_community_ids) | Q(street_id__in=scope.street_ids)
    )


def grids_for(user):
    """Grids the user works in: their own, their community's, their street's."""
    scope = user.scope
    qs = Grid.objects.select_related("community").order_by("community__name", "code")
    if scope.is_admin:
        return qs
    return qs.filter(
        Q(pk__in=scope.grid_ids)
        | Q(community_id__in=scope.community_ids)
        | Q(community__street_id__in=scope.street_ids)
    )


def buildings_for(user):
    """Buildings in the grids, communities and street the user works in."""
    scope = user.scope
    qs = Building.objects.select_related("compound").order_by("compound__name", "name")
    if scope.is_admin:
        return qs
    return qs.filter(
        Q(grid_id__in=scope.grid_ids)
        | Q(compound__community_id__in=scope.community_ids)
        | Q(compound__community__street_id__in=scope.street_ids)
    )
