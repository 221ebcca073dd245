from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from linli.cases.services import sweep_deadlines


class Command(BaseCommand):
    help = "Flag overdue cases now (the same sweep the background monitor runs)."

    def handle(self, *args, **options):
        counts = sweep_deadlines()
        self.stdout.write(
            _("Overdue responses flagged: %(r)d; overdue resolutions flagged: %(s)d")
            % {"r": counts["response"], "s": counts["resolution"]}
        )
