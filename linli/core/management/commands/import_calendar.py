"""`linli import_calendar FILE`: load the State Council's yearly holiday arrangement as CalendarDay rows."""

from collections import Counter
from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from linli.core.models import CalendarDay
from linli.core.workdays import import_arrangement, library_covers, parse_arrangement_file, statutory_holidays


class Command(BaseCommand):
    help = _(
        "Import the official holiday arrangement (holidays and 调休 make-up working days) from a CSV file "
        "with a date,is_workday,name header or a JSON list of {date, is_workday, name} objects."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help=_("CSV or JSON file with the arrangement"))
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("Check the file and show what would be imported without writing anything"),
        )

    def handle(self, *args, file: str, dry_run: bool = False, **options) -> None:
        try:
            rows = parse_arrangement_file(file)
        except OSError as error:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s") % {"file": file, "error": error}
            ) from None
        except ValueError as error:
            raise CommandError(
                _("Invalid calendar file %(file)s: %(error)s") % {"file": file, "error": error}
            ) from None
        if not rows:
            raise CommandError(_("%(file)s contains no days.") % {"file": file})

        holidays = Counter(day.year for day, is_workday, _name in rows if not is_workday)
        workdays = Counter(day.year for day, is_workday, _name in rows if is_workday)
        for year in sorted(holidays.keys() | workdays.keys()):
            self.stdout.write(
                _("%(year)d: %(holidays)d holidays, %(workdays)d working days")
                % {"year": year, "holidays": holidays[year], "workdays": workdays[year]}
            )
            missing = self._missing_statutory_holidays(year, rows)
            if missing:
                self.stdout.write(
                    self.style.WARNING(
                        _(
                            "%(year)d: not marked as holidays: %(dates)s; deadlines in %(year)d stay "
                            "estimated until the whole arrangement is entered."
                        )
                        % {"year": year, "dates": ", ".join(day.isoformat() for day in missing)}
                    )
                )

        if dry_run:
            self.stdout.write(
                _("Dry run: %(count)d days checked, nothing was written.") % {"count": len(rows)}
            )
            return
        try:
            count = import_arrangement(rows)
        except ValueError as error:
            raise CommandError(
                _("Invalid calendar file %(file)s: %(error)s") % {"file": file, "error": error}
            ) from None
        self.stdout.write(self.style.SUCCESS(_("Imported %(count)d days.") % {"count": count}))

    @staticmethod
    def _missing_statutory_holidays(year: int, rows: list[tuple[date, bool, str]]) -> list[date]:
        """Statutory holidays of a year the library does not cover that neither the file nor the DB marks off."""
        if library_covers(year):
            return []
        off = set(
            CalendarDay.objects.filter(date__year=year, is_workday=False).values_list("date", flat=True)
        )
        for day, is_workday, _name in rows:
            if day.year == year and is_workday:
                off.discard(day)
            elif day.year == year:
                off.add(day)
        return sorted(set(statutory_holidays(year)) - off)
