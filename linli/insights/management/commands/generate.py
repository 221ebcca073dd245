"""`linli generate --cases N`: synthetic history for benchmarks only (refuses a database with cases unless --yes)."""

from django.core.management.base import BaseCommand, CommandError

from linli.core.errors import Conflict
from linli.insights.generate import generate


class Command(BaseCommand):
    help = (
        "Generate synthetic cases, whistles and an org tree for benchmarks, then build the roll-ups in bulk."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, required=True)
        parser.add_argument("--grids", type=int, default=10_000)
        parser.add_argument("--years", type=float, default=3.0)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--yes", action="store_true", help="add synthetic cases even if cases exist")

    def handle(self, *args, cases, grids, years, seed, yes, **options):
        if cases < 1 or grids < 1 or years <= 0:
            raise CommandError("--cases, --grids and --years must be positive.")
        try:
            result = generate(
                cases=cases, grids=grids, years=years, seed=seed, yes=yes, log=self.stdout.write
            )
        except Conflict as exc:
            raise CommandError(str(exc.message)) from exc
        if options["verbosity"] >= 2:
            for name, seconds in sorted(result["jobs"].items(), key=lambda job: -job[1]):
                self.stdout.write(f"  {seconds:8.2f} s  {name}")
        self.stdout.write(
            f"generated {result['cases']:,} cases and {result['whistles']:,} whistles in {result['grids']:,} grids: "
            f"cases {result['cases_s']} s ({result['cases_per_s']:,} rows/s); then on two connections "
            f"{result['finish_s']} s: facts {result['facts_s']} s, roll-up passes {result['passes_s']} s, indexes "
            f"{result['indexes_s']} s ({result['busy_s']} s of work); total {result['total_s']} s "
            f"({result['rows_per_s']:,} rows/s)"
        )
