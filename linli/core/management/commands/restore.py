"""`linli restore ARCHIVE [--into DATABASE_URL] [--check]`: restore a backup, or drill one (RE-06)."""

from django.core.management.base import BaseCommand, CommandError

from linli.core.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a backup archive into a new database (--into), or with --check into a scratch database that is "
        "dropped afterwards; row counts and checksums are compared with the manifest, exit 1 on any difference."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument("--into", help="DATABASE_URL of an empty database (or a new SQLite file).")
        parser.add_argument(
            "--check", action="store_true", help="Restore into a scratch database and compare."
        )
        parser.add_argument("--keys-out", help="Directory to write the restored key rings to (mode 0600).")

    def handle(self, *args, archive, into=None, check=False, keys_out=None, **options):
        try:
            report = restore(archive, into=into, check=check, keys_out=keys_out)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"restored into {report.target}: {report.tables} tables, {report.rows} rows match")
        if report.keys is None:
            self.stdout.write("key rings: not opened (no LINLI_BACKUP_PASSPHRASE, or none in the archive)")
        else:
            self.stdout.write("key rings: opened")
        for line in report.differences:
            self.stderr.write(f"DIFFERENT {line}")
        if not report.ok:
            raise CommandError(f"{len(report.differences)} differences from the manifest")
        self.stdout.write("restore check OK" if check else "restore OK")
