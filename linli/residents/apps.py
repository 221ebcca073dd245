from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResidentsConfig(AppConfig):
    name = "linli.residents"
    verbose_name = _("Resident registry")

    def ready(self) -> None:
        from . import signals  # noqa: F401
