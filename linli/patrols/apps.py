from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PatrolsConfig(AppConfig):
    name = "linli.patrols"
    verbose_name = _("Patrols and hazards")

    def ready(self) -> None:
        from linli.cases.signals import case_changed

        from .receivers import follow_case

        case_changed.connect(follow_case, dispatch_uid="patrols.follow_case")
