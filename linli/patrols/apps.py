from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PatrolsConfig(AppConfig):
    name = "linli.patrols"
    verbose_name = _("Patrols and hazards")
