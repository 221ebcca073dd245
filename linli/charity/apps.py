from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CharityConfig(AppConfig):
    name = "linli.charity"
    verbose_name = _("Donations and distributions")
