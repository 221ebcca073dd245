from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HotspotsConfig(AppConfig):
    name = "linli.hotspots"
    verbose_name = _("Hot spots")
