from django.conf import settings


def linli(request):
    from linli.residents.selectors import may_use_registry

    user = getattr(request, "user", None)
    registry = bool(user is not None and user.is_authenticated and may_use_registry(user))
    return {
        "MAP_TILE_URL": settings.LINLI_MAP_TILE_URL,
        "MAP_TILE_ATTRIBUTION": settings.LINLI_MAP_TILE_ATTRIBUTION,
        # The registry's pages (nav link, intake lookup) are for registry roles only.
        "REGISTRY": registry,
        # Part-time reporters have pages of their own: the nav does not offer them the staff pages.
        "STAFF": bool(user is not None and user.is_authenticated and not user.scope.is_reporter_only),
    }
