"""`linli open311-key issue NAME [--contact TEXT]` · `revoke PREFIX` · `list`: Open311 API keys from the shell."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

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
            self.stdout.write(
                _("Issued %(prefix)s to %(name)s. The key (shown only now):")
                % {"prefix": key.prefix, "name": key.name}
            )
            self.stdout.write(raw)
        elif action == "revoke":
            key = ApiKey.objects.filter(prefix=options["prefix"]).first()
            if key is None:
                raise CommandError(_("No API key has the prefix %(prefix)s.") % {"prefix": options["prefix"]})
            if api_key_revoke(key=key):
                self.stdout.write(
                    _("Revoked %(prefix)s (%(name)s).") % {"prefix": key.prefix, "name": key.name}
                )
            else:
                self.stdout.write(
                    _("%(prefix)s (%(name)s) was already revoked.") % {"prefix": key.prefix, "name": key.name}
                )
        else:
            for key in ApiKey.objects.all():
                revoked, used = key.revoked_at, key.last_used_at
                state = (
                    _("revoked %(day)s") % {"day": f"{timezone.localtime(revoked):%Y-%m-%d}"}
                    if revoked
                    else _("active")
                )
                used = f"{timezone.localtime(used):%Y-%m-%d %H:%M}" if used else _("never used")
                self.stdout.write(f"{key.prefix}  {state:<18} {used:<16}  {key.name}")
