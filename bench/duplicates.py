"""Duplicate search (重复件) latency against 100,000 open cases, against a brute-force scan in the same run.

Run: .venv/bin/python bench/duplicates.py [--db sqlite|postgres] [--cases N] [--communities N] [--searches N]

A fresh scratch database (a SQLite file by default, or PostgreSQL `linli_bench_dup`), `linli migrate`, then
--communities communities of 40 buildings each and --cases open cases bulk-created through the ORM, spread over
the last 365 days, at a building (or a point near one), with texts from the demo stories. Then --searches new
cases (cases of the set, picked at random) are searched:

* indexed:     linli.dispatch.duplicates.find_duplicates — the one query plus the scoring;
* brute_force: every open case of the community fetched and scored in Python with the same `rank`.

Both must return the same candidates. p50/p99 in ms; speedup = brute-force p99 ÷ indexed p99. Target: indexed
p99 under 50 ms. The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    bench_env,
    emit_json,
    log,
    migrate,
    percentile,
    rounded,
    run_python,
    scratch_db,
    scratch_postgres,
)

TARGET_P99_MS = 50.0
BUILDINGS_PER_COMMUNITY = 40


def _inside(cases: int, communities: int, searches: int, brute: int) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    import random
    from datetime import timedelta

    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from linli.cases.choices import OPEN_STATUSES
    from linli.cases.models import Case, Category
    from linli.demo import stories as S
    from linli.dispatch import duplicates
    from linli.org.models import Building, Community, Compound, District, Street

    rng = random.Random(5)
    started = time.monotonic()
    district = District.objects.create(code="120101", name="和平区")
    street = Street.objects.create(district=district, code="120101006", name="南营门街道")
    categories = {}
    for story in S.STORIES:
        top = story.category.split("-")[0]
        if top not in categories:
            categories[top] = Category.objects.create(code=top, name=top)
        if story.category not in categories:
            categories[story.category] = Category.objects.create(
                code=story.category, name=story.category, parent=categories[top]
            )
    places = []  # (community, building)
    for ci in range(communities):
        community = Community.objects.create(street=street, code=f"C{ci:03d}", name=f"社区{ci}")
        compound = Compound.objects.create(community=community, name=f"小区{ci}")
        for bi in range(BUILDINGS_PER_COMMUNITY):
            lat = 39.0 + ci * 0.02 + (bi // 8) * 0.0015
            lon = 117.1 + (bi % 8) * 0.0015
            building = Building.objects.create(compound=compound, name=f"{bi + 1}号楼", lat=lat, lon=lon)
            places.append((community, building))
    now = timezone.now()
    rows = []
    for i in range(cases):
        story = rng.choice(S.STORIES)
        community, building = rng.choice(places)
        title, description, _result = rng.choice(story.variants)
        ctx = {"c": f"小区{community.code}", "b": building.name, "u": "2门", "room": "2门301", "f": "3楼"}
        ctx.update(who=rng.choice(S.SURNAMES) + "女士", road="西康路", n="3")
        at_building = rng.random() < 0.7
        received = now - timedelta(minutes=rng.uniform(0, 365 * 24 * 60))
        rows.append(
            Case(
                number=f"B{i:07d}",
                title=title.format_map(ctx)[:120],
                description=description.format_map(ctx),
                category=categories[story.category],
                status=rng.choice(OPEN_STATUSES),
                street=street,
                community=community,
                building=building if at_building else None,
                lat=building.lat + (0 if at_building else rng.uniform(-0.0008, 0.0008)),
                lon=building.lon + (0 if at_building else rng.uniform(-0.0008, 0.0008)),
                received_at=received,
                response_due_at=received + timedelta(hours=2),
                resolution_due_at=received + timedelta(days=5),
            )
        )
    Case.objects.bulk_create(rows, batch_size=2000)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    built_s = time.monotonic() - started

    ids = list(Case.objects.values_list("pk", flat=True))
    picks = [Case.objects.select_related("category").get(pk=pk) for pk in rng.sample(ids, searches)]

    def brute_force(case):
        everything = Case.objects.filter(community_id=case.community_id, status__in=OPEN_STATUSES)
        return duplicates.rank(case, everything.select_related("category"), limit=5)

    indexed_ms, brute_ms, found, mismatches = [], [], 0, 0
    for case in picks[:5]:  # warm the caches and the query plan
        duplicates.find_duplicates(case)
    for n, case in enumerate(picks):
        t = time.perf_counter()
        fast = duplicates.find_duplicates(case)
        indexed_ms.append((time.perf_counter() - t) * 1000)
        found += len(fast)
        if n < brute:
            t = time.perf_counter()
            slow = brute_force(case)
            brute_ms.append((time.perf_counter() - t) * 1000)
            if [c.case.pk for c in fast] != [c.case.pk for c in slow]:
                mismatches += 1
    indexed_ms.sort()
    brute_ms.sort()
    rows_in_window = [len(list(duplicates.candidate_queryset(case))) for case in picks[:50]]
    return {
        "vendor": connection.vendor,
        "open_cases": Case.objects.filter(status__in=OPEN_STATUSES).count(),
        "communities": communities,
        "build_s": round(built_s, 1),
        "searches": len(indexed_ms),
        "indexed_p50_ms": percentile(indexed_ms, 50),
        "indexed_p99_ms": percentile(indexed_ms, 99),
        "brute_force_searches": len(brute_ms),
        "brute_force_p50_ms": percentile(brute_ms, 50),
        "brute_force_p99_ms": percentile(brute_ms, 99),
        "candidate_rows_mean": sum(rows_in_window) / len(rows_in_window),
        "candidates_per_search": found / len(indexed_ms),
        "mismatches": mismatches,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--communities", type=int, default=20)
    parser.add_argument("--searches", type=int, default=500)
    parser.add_argument("--brute", type=int, default=50, help="searches also run as a brute-force scan")
    args = parser.parse_args()

    db = scratch_postgres("linli_bench_dup") if args.db == "postgres" else scratch_db("sqlite")
    try:
        env = bench_env(db)
        migrate(env)
        argv = [
            __file__,
            "_inside",
            str(args.cases),
            str(args.communities),
            str(args.searches),
            str(args.brute),
        ]
        out = json.loads(run_python(argv, env, timeout=1800).strip().splitlines()[-1])
    finally:
        db.drop()
    log(
        f"{out['open_cases']} open cases in {out['communities']} communities on {out['vendor']} ({out['build_s']}s)"
    )
    log(
        f"indexed search:     p50 {out['indexed_p50_ms']:.1f} ms  p99 {out['indexed_p99_ms']:.1f} ms"
        f"  ({out['searches']} searches, {out['candidate_rows_mean']:.0f} candidate rows on average)"
    )
    log(
        f"brute-force scan:   p50 {out['brute_force_p50_ms']:.1f} ms  p99 {out['brute_force_p99_ms']:.1f} ms"
        f"  ({out['brute_force_searches']} searches, all open cases of the community; baseline)"
    )
    speedup = out["brute_force_p99_ms"] / out["indexed_p99_ms"] if out["indexed_p99_ms"] else float("nan")
    emit_json(
        {
            "bench": "duplicates",
            "db": out["vendor"],
            "open_cases": out["open_cases"],
            "indexed_p50_ms": rounded(out["indexed_p50_ms"]),
            "indexed_p99_ms": rounded(out["indexed_p99_ms"]),
            "brute_force_p50_ms": rounded(out["brute_force_p50_ms"]),
            "brute_force_p99_ms": rounded(out["brute_force_p99_ms"]),
            "speedup_p99": rounded(speedup, 1),
            "candidate_rows_mean": rounded(out["candidate_rows_mean"], 1),
            "candidates_per_search": rounded(out["candidates_per_search"]),
            "mismatches": out["mismatches"],
            "target_p99_ms": TARGET_P99_MS,
            "target_met": out["indexed_p99_ms"] < TARGET_P99_MS,
        }
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_inside":
        print(json.dumps(_inside(*(int(a) for a in sys.argv[2:6]))))
    else:
        main()
