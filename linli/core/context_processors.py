from django.conf import settings


class _VisibleResidents:
    """``{% if pk in REGISTRY_RESIDENTS %}``: whether the viewer may see that resident (one query, on demand)."""

    def __init__(self, user):
        self.user = user

    def __contains__(self, pk) -> bool:
        from linli.residents.models import Resident

        return bool(pk) and Resident.objects.visible_to(self.user).filter(pk=pk).exists()


def linli(request):
    from linli.residents.selectors import may_use_registry

    user = getattr(request, "user", None)
    registry = bool(user is not None and user.is_authenticated and may_use_registry(user))
    return {
        "MAP_TILE_URL": settings.LINLI_MAP_TILE_URL,
        "MAP_TILE_ATTRIBUTION": settings.LINLI_MAP_TILE_ATTRIBUTION,
        # The registry's pages (nav link, intake lookup) are for registry roles only.
        "REGISTRY": registry,
        "REGISTRY_RESIDENTS": _VisibleResidents(user) if registry else (),
    }
