from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportersConfig(AppConfig):
    name = "linli.reporters"
    verbose_name = _("Part-time reporters")
