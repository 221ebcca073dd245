from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicConfig(AppConfig):
    name = "linli.public"
    verbose_name = _("Resident pages")
