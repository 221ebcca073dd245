from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from linli.org.services import GridImportError, grids_import_file


class Command(BaseCommand):
    help = "Import grid boundaries from a GeoJSON FeatureCollection (properties: code, name, community)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the file and report, write nothing."
        )

    def handle(self, *args, **options):
        try:
            result = grids_import_file(path=options["file"], dry_run=options["dry_run"])
        except GridImportError as exc:
            raise CommandError(_("Nothing was imported:") + "\n  " + "\n  ".join(exc.problems)) from exc
        counts = {"c": len(result.created), "u": len(result.updated)}
        if options["dry_run"]:
            self.stdout.write(_("Dry run: %(c)d grids would be created and %(u)d updated.") % counts)
        else:
            self.stdout.write(_("Created %(c)d grids, updated %(u)d.") % counts)
