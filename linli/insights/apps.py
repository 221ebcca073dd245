from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "linli.insights"
    verbose_name = _("Insights")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from linli.cases.models import Whistle
        from linli.cases.signals import case_changed

        from .receivers import follow_case, follow_whistle

        case_changed.connect(follow_case, dispatch_uid="insights.follow_case")
        post_save.connect(follow_whistle, sender=Whistle, dispatch_uid="insights.follow_whistle")
