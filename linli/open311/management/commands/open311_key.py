"""`linli open311-key issue NAME [--contact TEXT]` · `revoke PREFIX` · `list`: Open311 API keys from the shell."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from linli.open311.models import ApiKey
from linli.open311.services import api_key_issue, api_key_revoke


class Command(BaseCommand):
    help = "Issue, revoke or list the API keys Open311 clients post service requests with."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        issue = actions.add_parser("issue", help="Issue a key and print it (once: only its hash is kept).")
        issue.add_argument("name", help="Who the key is for, e.g. the client's name.")
        issue.add_argument("--contact", default="", help="How to reach the client's operator.")
        revoke = actions.add_parser("revoke", help="Revoke the key with this prefix.")
        revoke.add_argument("prefix")
        actions.add_parser("list", help="List the keys by prefix.")

    def handle(self, *args, action, **options):
        if action == "issue":
            try:
                key, raw = api_key_issue(name=options["name"], contact=options["contact"])
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"Issued {key.prefix} to {key.name}. The key (shown only now):")
            self.stdout.write(raw)
        elif action == "revoke":
            key = ApiKey.objects.filter(prefix=options["prefix"]).first()
            if key is None:
                raise CommandError(f"No API key has the prefix {options['prefix']}.")
            if api_key_revoke(key=key):
                self.stdout.write(f"Revoked {key.prefix} ({key.name}).")
            else:
                self.stdout.write(f"{key.prefix} ({key.name}) was already revoked.")
        else:
            for key in ApiKey.objects.all():
                revoked, used = key.revoked_at, key.last_used_at
                state = f"revoked {timezone.localtime(revoked):%Y-%m-%d}" if revoked else "active"
                used = f"{timezone.localtime(used):%Y-%m-%d %H:%M}" if used else "never used"
                self.stdout.write(f"{key.prefix}  {state:<18} {used:<16}  {key.name}")
