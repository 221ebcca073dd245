from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from linli.cases.tasks import ensure_monitor_scheduled


class Command(BaseCommand):
    help = "Make sure the deadline monitor has its next sweep waiting for the worker."

    def handle(self, *args, **options):
        if ensure_monitor_scheduled():
            self.stdout.write(_("Deadline monitor scheduled."))
        else:
            self.stdout.write(_("Deadline monitor already scheduled."))
