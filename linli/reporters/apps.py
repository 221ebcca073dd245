from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportersConfig(AppConfig):
    name = "linli.reporters"
    verbose_name = _("Part-time reporters")

    def ready(self) -> None:
        from linli.cases.signals import case_changed

        from .receivers import settle_points

        case_changed.connect(settle_points, dispatch_uid="reporters.settle_points")
