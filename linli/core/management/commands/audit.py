"""`linli audit verify | purge | rotate-key`: the audit log's hash chain, retention and signing keys (LG-04/05)."""

from django.core.management.base import BaseCommand, CommandError

from linli.core.audit import purge_audit, retention_days, signer, verify_chain


class Command(BaseCommand):
    help = "Verify the audit log's HMAC-SM3 chain, purge rows past the retention, or add a new signing key."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="Walk the chain; exit 1 at the first broken row.")
        verify.add_argument("--chunk-size", type=int, default=2000)
        sub.add_parser("purge", help="Delete the rows older than LINLI_AUDIT_RETENTION_DAYS (at least 180).")
        sub.add_parser("rotate-key", help="Add a new active signing key; old keys stay to verify old rows.")

    def handle(self, *args, action, **options):
        if action == "verify":
            result = verify_chain(chunk_size=options["chunk_size"])
            span = f" (seq {result.first_seq}..{result.last_seq})" if result.checked else ""
            self.stdout.write(f"rows checked: {result.checked}{span}")
            if not result.ok:
                where = f" at seq {result.broken_seq}" if result.broken_seq is not None else ""
                raise CommandError(f"audit chain broken{where}: {result.problem}")
            self.stdout.write("audit chain OK")
        elif action == "purge":
            count = purge_audit()
            self.stdout.write(f"purged {count} audit rows older than {retention_days()} days")
        else:
            rotate = getattr(signer(), "rotate", None)
            if rotate is None:
                raise CommandError("The configured audit signer rotates its keys itself.")
            self.stdout.write(f"new audit signing key: {rotate()}")
