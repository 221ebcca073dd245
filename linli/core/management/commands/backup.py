"""`linli backup [--output DIR]`: one archive of the database, its manifest and the sealed key rings (RE-06)."""

from django.core.management.base import BaseCommand, CommandError

from linli.core.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the database (SQLite online backup or pg_dump -Fc) with a manifest and the sealed key rings."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", help="Directory for the archive (default LINLI_BACKUP_DIR).")
        parser.add_argument(
            "--without-keys",
            action="store_true",
            help="Leave the key rings out (they must then be backed up apart, or the data is unreadable).",
        )

    def handle(self, *args, output=None, without_keys=False, **options):
        try:
            result = backup(output, with_keys=not without_keys)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        tables = result.manifest["tables"]
        rows = sum(t["rows"] for t in tables.values())
        self.stdout.write(f"{result.path}")
        self.stdout.write(f"sha256 {result.sha256}")
        self.stdout.write(
            f"{len(tables)} tables, {rows} rows, {len(result.manifest['migrations'])} migrations"
        )
        if without_keys:
            self.stderr.write("warning: no key rings in this archive; encrypted columns need them to be read")
