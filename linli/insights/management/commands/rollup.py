"""`linli rollup rebuild`: recompute every case fact and roll-up of the insights from the cases table."""

import time

from django.core.management.base import BaseCommand

from linli.insights import facts


class Command(BaseCommand):
    help = (
        "Roll-ups of the insights dashboards. `rebuild` recomputes them all from the cases (one transaction)."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["rebuild"])
        parser.add_argument("--batch", type=int, default=5000)

    def handle(self, *args, action, batch, **options):
        started = time.perf_counter()
        result = facts.rebuild(batch=batch)
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"rebuilt: {result['cases']} cases, {result['whistles']} whistles, {result['rollups']} roll-up rows, "
            f"{result['histograms']} histogram rows in {seconds:.1f} s"
        )
