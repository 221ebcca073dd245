"""`linli disable-idle-accounts`: disable accounts unused for LINLI_IDLE_ACCOUNT_DAYS (SECURITY.md AU-05)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from linli.accounts.services import disable_idle_accounts


class Command(BaseCommand):
    help = (
        "Disable accounts unused for LINLI_IDLE_ACCOUNT_DAYS days (audited; their sessions and tokens end)."
    )

    def handle(self, *args, **options):
        names = disable_idle_accounts()
        for name in names:
            self.stdout.write(f"disabled {name}")
        self.stdout.write(
            f"{len(names)} accounts unused for {settings.LINLI_IDLE_ACCOUNT_DAYS} days disabled."
        )
