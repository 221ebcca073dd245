from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationConfig(AppConfig):
    name = "linli.org"
    label = "org"
    verbose_name = _("Organisation")
