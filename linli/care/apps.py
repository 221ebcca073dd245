from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "linli.care"
    verbose_name = _("Care for the elderly")

    def ready(self) -> None:
        from linli.cases.signals import case_changed

        from .receivers import stop_escalation

        case_changed.connect(stop_escalation, dispatch_uid="care.stop_escalation")
