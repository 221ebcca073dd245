from django.conf import settings


def linli(request):
    return {
        "MAP_TILE_URL": settings.LINLI_MAP_TILE_URL,
        "MAP_TILE_ATTRIBUTION": settings.LINLI_MAP_TILE_ATTRIBUTION,
    }
