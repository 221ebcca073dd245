"""Case facts and the roll-ups kept from them: per case as it moves (deltas), or in bulk from the facts table."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction

from linli.cases.choices import AWAITING_RESPONSE, OPEN_STATUSES, Satisfaction, Status, WhistleStatus
from linli.core.cache import ProcessCache

from .models import COUNTS, CaseFact, Histogram, Rollup, ShortCodeField, WhistleFact

code = ShortCodeField.encode  # the roll-ups' codes as their columns hold them, for the SQL written here

LOCAL = ZoneInfo(settings.TIME_ZONE)

# (level, fact column naming the unit) for the month roll-ups, and which of them also get category/channel rows
# and day rows.  Grids get month totals only: per category and per day a grid is read from its facts.  Day rows
# serve the partial months of a street's or district's figures, of their category/channel mix and (a community's
# day totals) of their communities table.
UNIT_COLUMN = {"g": "grid_id", "c": "community_id", "s": "street_id", "d": "district_id"}
MONTH_TOTAL_LEVELS = ("g", "c", "s", "d")
MONTH_DIM_LEVELS = ("c", "s", "d")
DAY_LEVELS = ("c", "s", "d")
DAY_DIM_LEVELS = ("s", "d")
HISTOGRAM_LEVELS = ("s", "d")
# A district's partial months would otherwise be read from its facts: hundreds of thousands a month in a big city.
DAY_HISTOGRAM_LEVELS = ("d",)
PARENTS = {
    "g": ("community_id", "street_id", "district_id"),
    "c": ("community_id", "street_id", "district_id"),
    "s": ("street_id", "district_id"),
    "d": ("district_id",),
}
FACT_FIELDS = [f.attname for f in CaseFact._meta.concrete_fields]
# What fact_of reads of a case (values() names), so the rebuild reads no more than it needs.
CASE_FIELDS = (
    "id",
    "grid_id",
    "community_id",
    "street_id",
    "street__district_id",
    "category_id",
    "channel",
    "status",
    "received_at",
    "responded_at",
    "resolved_at",
    "response_due_at",
    "resolution_due_at",
    "feedback_solved",
    "verification_passed",
    "satisfaction",
    "reopen_count",
)


def local_day(moment: datetime) -> date:
    return moment.astimezone(LOCAL).date()


def _minutes(start: datetime, end: datetime | None) -> int | None:
    if end is None:
        return None
    return max(0, int((end - start).total_seconds() // 60))


def fact_of(row: dict, *, whistled: bool) -> dict:
    """The contribution of one case (a dict of CASE_FIELDS) to every figure: the one place the rules live."""
    day = local_day(row["received_at"])
    counted = row["status"] != Status.MERGED
    responded_at, resolved_at = row["responded_at"], row["resolved_at"]
    fb, vp, sat = row["feedback_solved"], row["verification_passed"], row["satisfaction"] or ""
    fact = {
        "case_id": row["id"],
        "grid_id": row["grid_id"] or 0,
        "community_id": row["community_id"] or 0,
        "street_id": row["street_id"] or 0,
        "district_id": row["street__district_id"] or 0,
        "category_id": row["category_id"],
        "channel": row["channel"],
        "day": day,
        "month": day.replace(day=1),
        "response_due_at": row["response_due_at"],
        "resolution_due_at": row["resolution_due_at"],
        "respond_minutes": None,
        "resolve_minutes": None,
        "awaiting": 0,
    }
    for name in COUNTS:
        fact[name] = 0
    if not counted:
        return fact
    fact.update(
        received=1,
        responded=int(responded_at is not None),
        responded_on_time=int(responded_at is not None and responded_at <= row["response_due_at"]),
        with_verdict=int(fb is not None or vp is not None),
        solved=int(fb is True or (fb is None and vp is True)),
        rated=int(sat != ""),
        satisfied=int(sat in (Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED)),
        resolved=int(resolved_at is not None),
        resolved_on_time=int(resolved_at is not None and resolved_at <= row["resolution_due_at"]),
        open=int(row["status"] in OPEN_STATUSES),
        awaiting=int(row["status"] in AWAITING_RESPONSE),
        reopened=int((row["reopen_count"] or 0) > 0),
        whistled=int(whistled),
        respond_minutes=_minutes(row["received_at"], responded_at),
        resolve_minutes=_minutes(row["received_at"], resolved_at),
    )
    return fact


def fact_of_case(case, *, whistled: bool) -> dict:
    """fact_of for a Case instance (as a service wrote it)."""
    row = {name: getattr(case, name) for name in CASE_FIELDS if "__" not in name and name != "id"}
    row["id"] = case.pk
    # not case.street: the locator hands out streets with deferred fields, and reading one costs a query
    row["street__district_id"] = _district_of(case.street_id)
    return fact_of(row, whistled=whistled)


_districts: ProcessCache[int, int] = ProcessCache("insights.street_district", ttl=300, watch=["org.Street"])


def _district_of(street_id: int | None) -> int | None:
    """The street's district, from the process cache (every intake asks; streets almost never move)."""
    if not street_id:
        return None
    from linli.org.models import Street

    return _districts.get(
        street_id, lambda pk: Street.objects.filter(pk=pk).values_list("district_id", flat=True).first()
    )


# ---------------------------------------------------------------- whistles

KEYS = ("grid_id", "community_id", "street_id", "district_id")
# What whistle_fact_of reads of a whistle (values() names, the case's keys through the case).
WHISTLE_FIELDS = (
    "id",
    "case_id",
    "department_id",
    "created_at",
    "reported_in_at",
    "answered_at",
    "status",
    "rejections",
    "case__grid_id",
    "case__community_id",
    "case__street_id",
    "case__street__district_id",
)


def whistle_fact_of(row: dict) -> dict:
    """The record of one whistle (a dict of WHISTLE_FIELDS): minutes to report in and to answer, accepted or not."""
    return {
        "whistle_id": row["id"],
        "case_id": row["case_id"],
        "department_id": row["department_id"],
        "grid_id": row["case__grid_id"] or 0,
        "community_id": row["case__community_id"] or 0,
        "street_id": row["case__street_id"] or 0,
        "district_id": row["case__street__district_id"] or 0,
        "created_at": row["created_at"],
        "report_in_minutes": _minutes(row["created_at"], row["reported_in_at"]),
        "answer_minutes": _minutes(row["created_at"], row["answered_at"]),
        "accepted": int(row["status"] == WhistleStatus.ACCEPTED),
        "rejections": row["rejections"] or 0,
    }


def record_whistle(whistle) -> None:
    """Bring a whistle's fact up to date with the whistle as written (the post_save receiver)."""
    from linli.cases.models import Whistle

    row = Whistle.objects.filter(pk=whistle.pk).values(*WHISTLE_FIELDS).first()
    if row is None:
        return
    fact = whistle_fact_of(row)
    WhistleFact.objects.update_or_create(whistle_id=fact.pop("whistle_id"), defaults=fact)


def whistle_facts_from_whistles(batch: int = 5000):
    from linli.cases.models import Whistle

    for row in Whistle.objects.order_by().values(*WHISTLE_FIELDS).iterator(chunk_size=batch):
        yield WhistleFact(**whistle_fact_of(row))


def build_whistle_facts(batch: int = 5000) -> int:
    """Every whistle's fact, into the emptied table; returns how many."""
    total, buffer = 0, []
    for fact in whistle_facts_from_whistles(batch):
        buffer.append(fact)
        if len(buffer) >= batch:
            WhistleFact.objects.bulk_create(buffer)
            total, buffer = total + len(buffer), []
    WhistleFact.objects.bulk_create(buffer)
    return total + len(buffer)


# ---------------------------------------------------------------- deltas


def _rollup_keys(fact: dict):
    """Every roll-up row a fact is counted in: ((level, unit, grain, period, dim, key), parents)."""
    for level in MONTH_TOTAL_LEVELS:
        unit = fact[UNIT_COLUMN[level]]
        if not unit:
            continue
        parents = tuple(
            fact[p] if p in PARENTS[level] else 0 for p in ("community_id", "street_id", "district_id")
        )
        yield (level, unit, "m", fact["month"], "", ""), parents
        if level in MONTH_DIM_LEVELS:
            yield (level, unit, "m", fact["month"], "ca", str(fact["category_id"])), parents
            yield (level, unit, "m", fact["month"], "ch", fact["channel"]), parents
        if level in DAY_LEVELS:
            yield (level, unit, "d", fact["day"], "", ""), parents
        if level in DAY_DIM_LEVELS:
            yield (level, unit, "d", fact["day"], "ca", str(fact["category_id"])), parents
            yield (level, unit, "d", fact["day"], "ch", fact["channel"]), parents


def _histogram_keys(fact: dict):
    """Every histogram row a fact is counted in: (level, unit, kind, grain, period, bucket)."""
    for level in HISTOGRAM_LEVELS:
        unit = fact[UNIT_COLUMN[level]]
        if not unit:
            continue
        grains = [("m", fact["month"])] + ([("d", fact["day"])] if level in DAY_HISTOGRAM_LEVELS else [])
        for prefix, column in (("r", "respond_minutes"), ("x", "resolve_minutes")):
            minutes = fact[column]
            if minutes is None:
                continue
            for grain, period in grains:
                yield (level, unit, prefix + "h", grain, period, minutes // 60)
                yield (level, unit, prefix + "m", grain, period, minutes)


def apply_change(old: dict | None, new: dict | None) -> None:
    """Move the roll-ups from a case's old contribution to its new one (either may be None). Call in a transaction."""
    rollups: dict[tuple, list] = {}
    parents_of: dict[tuple, tuple] = {}
    for fact, sign in ((old, -1), (new, 1)):
        if fact is None:
            continue
        vector = [sign * fact[name] for name in COUNTS]
        for key, parents in _rollup_keys(fact):
            acc = rollups.setdefault(key, [0] * len(COUNTS))
            for i, v in enumerate(vector):
                acc[i] += v
            parents_of[key] = parents
    hist: dict[tuple, int] = defaultdict(int)
    for fact, sign in ((old, -1), (new, 1)):
        if fact is not None:
            for key in _histogram_keys(fact):
                hist[key] += sign
    rollup_rows = [(key, parents_of[key], vec) for key, vec in sorted(rollups.items()) if any(vec)]
    hist_rows = [(key, n) for key, n in sorted(hist.items()) if n]
    if rollup_rows:
        _upsert_rollups(rollup_rows)
    if hist_rows:
        _upsert_histograms(hist_rows)


def _upsert_rollups(rows) -> None:
    """One INSERT … ON CONFLICT DO UPDATE adding the deltas: concurrent moves never lose a count (rows sorted, so
    two transactions lock them in the same order)."""
    table = Rollup._meta.db_table
    columns = [
        "level",
        "unit_id",
        "grain",
        "period",
        "dim",
        "key",
        "community_id",
        "street_id",
        "district_id",
        *COUNTS,
    ]
    per_row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    params: list = []
    for (level, unit, grain, period, dim, key), parents, vector in rows:
        params += [
            code(level),
            unit,
            code(grain),
            connection.ops.adapt_datefield_value(period),
            code(dim),
            key,
            *parents,
            *vector,
        ]
    qn = connection.ops.quote_name
    updates = ", ".join(f"{qn(c)} = {table}.{qn(c)} + excluded.{qn(c)}" for c in COUNTS)
    sql = (
        f"INSERT INTO {table} ({', '.join(qn(c) for c in columns)}) VALUES {', '.join([per_row] * len(rows))} "
        f"ON CONFLICT (level, unit_id, grain, dim, period, {qn('key')}) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _upsert_histograms(rows) -> None:
    table = Histogram._meta.db_table
    params: list = []
    for (level, unit, kind, grain, period, bucket), n in rows:
        params += [
            code(level),
            unit,
            code(kind),
            code(grain),
            connection.ops.adapt_datefield_value(period),
            bucket,
            n,
        ]
    values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(rows))
    sql = (
        f"INSERT INTO {table} (level, unit_id, kind, grain, period, bucket, n) VALUES {values} "
        f"ON CONFLICT (level, unit_id, kind, grain, period, bucket) DO UPDATE SET n = {table}.n + excluded.n"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def store_fact(fact: dict, *, exists: bool) -> None:
    values = {k: v for k, v in fact.items() if k != "case_id"}
    if exists:
        CaseFact.objects.filter(case_id=fact["case_id"]).update(**values)
    else:
        CaseFact.objects.create(**fact)


def record_case(case, *, whistled: bool | None = None, created: bool = False) -> None:
    """Bring a case's fact and the roll-ups up to date with the case as written (the case_changed receiver).

    A case just created has no fact and no whistle yet: nothing to read, only the rows to add."""
    from linli.cases.models import Whistle

    # no savepoint: a failure here fails the caller's whole transaction, which is what keeps the figures exact
    with transaction.atomic(savepoint=False):
        if created:
            old_row, whistled = None, False
        else:
            old_row = (
                CaseFact.objects.select_for_update().filter(case_id=case.pk).values(*FACT_FIELDS).first()
            )
        if whistled is None:
            whistled = (
                bool(old_row and old_row["whistled"]) or Whistle.objects.filter(case_id=case.pk).exists()
            )
        new = fact_of_case(case, whistled=whistled)
        if old_row is not None and all(old_row[k] == new[k] for k in FACT_FIELDS):
            return
        apply_change(old_row, new)
        store_fact(new, exists=old_row is not None)
        if old_row is not None and any(
            old_row[k] != new[k] for k in KEYS
        ):  # moved: its whistles move with it
            WhistleFact.objects.filter(case_id=case.pk).update(**{k: new[k] for k in KEYS})


# ---------------------------------------------------------------- bulk


def facts_from_cases(batch: int = 5000):
    """Facts of every case, computed from the cases table (for the rebuild)."""
    from linli.cases.models import Case, Whistle

    whistled = set(Whistle.objects.values_list("case_id", flat=True).distinct())
    rows = Case.objects.order_by().values(*CASE_FIELDS).iterator(chunk_size=batch)
    for row in rows:
        yield fact_of(row, whistled=row["id"] in whistled)


PASS_ORDER = (
    "histograms_x",
    "rollups_month",
    "histograms_x_day",
    "rollups_grid",
    "rollups_day_dims",
    "histograms_r",
    "histograms_r_day",
    "rollups_day",
)


def rollup_passes() -> list[tuple[str, list[str]]]:
    """The statements that fill the (emptied) roll-ups from the facts table, as named passes over it.

    Each pass groups the facts once at the finest grain its roll-ups need (community × month × category ×
    channel; grid × month; community × day; street × day × category × channel; street × month × minutes, for
    each duration) into a temporary table far
    smaller than the facts, sums every roll-up or histogram row of the pass from it and drops it (district × day
    × minutes for the districts' day histograms).  A pass writes
    only its own rows and reads only the facts, so passes may run in any order or at once, on connections of
    their own (the generator does)."""
    rt, ht, ft = Rollup._meta.db_table, Histogram._meta.db_table, CaseFact._meta.db_table
    qn = connection.ops.quote_name
    sums = ", ".join(f"SUM({c}) AS {c}" for c in COUNTS)
    cols = (
        f"level, unit_id, grain, period, dim, {qn('key')}, community_id, street_id, district_id, "
        + ", ".join(COUNTS)
    )

    def parents(level):
        return ", ".join(
            f"MAX({p})" if p in PARENTS[level] else "0" for p in ("community_id", "street_id", "district_id")
        )

    def rollups(source, level, grain, period, dim="", key="''", extra=""):
        unit = UNIT_COLUMN[level]
        return (
            f"INSERT INTO {rt} ({cols}) SELECT {code(level)}, {unit}, {code(grain)}, {period}, {code(dim)}, {key}, "
            f"{parents(level)}, {sums} FROM {source} WHERE {unit} <> 0 GROUP BY {unit}, {period}{extra}"
        )

    def histograms(source, level, prefix, grain, period, minutes, n):
        """The hour and the minute rows of one duration, level and grain."""
        unit = UNIT_COLUMN[level]
        return [
            f"INSERT INTO {ht} (level, unit_id, kind, grain, period, bucket, n) SELECT {code(level)}, {unit}, "
            f"{code(prefix + suffix)}, {code(grain)}, {period}, {bucket}, {n} FROM {source} WHERE {unit} <> 0 "
            f"GROUP BY {unit}, {period}, {bucket}"
            for suffix, bucket in (("h", f"{minutes} / 60"), ("m", minutes))
        ]

    by_month, by_day, by_minutes = "insights_tmp_month", "insights_tmp_day", "insights_tmp_minutes"
    by_day_dims, by_day_minutes = "insights_tmp_day_dims", "insights_tmp_day_minutes"
    month = [
        f"CREATE TEMPORARY TABLE {by_month} AS SELECT community_id, street_id, district_id, month, category_id, "
        f"channel, {sums} FROM {ft} GROUP BY community_id, street_id, district_id, month, category_id, channel"
    ]
    for level in MONTH_DIM_LEVELS:
        month += [
            rollups(by_month, level, "m", "month"),
            rollups(by_month, level, "m", "month", "ca", "CAST(category_id AS TEXT)", ", category_id"),
            rollups(by_month, level, "m", "month", "ch", "channel", ", channel"),
        ]
    month.append(f"DROP TABLE {by_month}")
    day = [
        f"CREATE TEMPORARY TABLE {by_day} AS SELECT community_id, street_id, district_id, day, {sums} FROM {ft} "
        "GROUP BY community_id, street_id, district_id, day",
        *(rollups(by_day, level, "d", "day") for level in DAY_LEVELS),
        f"DROP TABLE {by_day}",
    ]
    day_dims = [
        f"CREATE TEMPORARY TABLE {by_day_dims} AS SELECT street_id, district_id, day, category_id, channel, {sums} "
        f"FROM {ft} GROUP BY street_id, district_id, day, category_id, channel"
    ]
    for level in DAY_DIM_LEVELS:
        day_dims += [
            rollups(by_day_dims, level, "d", "day", "ca", "CAST(category_id AS TEXT)", ", category_id"),
            rollups(by_day_dims, level, "d", "day", "ch", "channel", ", channel"),
        ]
    day_dims.append(f"DROP TABLE {by_day_dims}")
    passes = [
        ("rollups_month", month),
        ("rollups_grid", [rollups(ft, "g", "m", "month")]),
        ("rollups_day", day),
        ("rollups_day_dims", day_dims),
    ]
    for prefix, column in (("x", "resolve_minutes"), ("r", "respond_minutes")):
        statements = [
            f"CREATE TEMPORARY TABLE {by_minutes} AS SELECT street_id, district_id, month, {column} AS minutes, "
            f"COUNT(*) AS n FROM {ft} WHERE {column} IS NOT NULL GROUP BY street_id, district_id, month, {column}"
        ]
        for level in HISTOGRAM_LEVELS:
            statements += histograms(by_minutes, level, prefix, "m", "month", "minutes", "SUM(n)")
        statements.append(f"DROP TABLE {by_minutes}")
        passes.append((f"histograms_{prefix}", statements))
        day_statements = []
        for level in DAY_HISTOGRAM_LEVELS:
            unit = UNIT_COLUMN[level]
            day_statements += [
                f"CREATE TEMPORARY TABLE {by_day_minutes} AS SELECT {unit}, day, {column} AS minutes, COUNT(*) AS n "
                f"FROM {ft} WHERE {unit} <> 0 AND {column} IS NOT NULL GROUP BY {unit}, day, {column}",
                *histograms(by_day_minutes, level, prefix, "d", "day", "minutes", "SUM(n)"),
                f"DROP TABLE {by_day_minutes}",
            ]
        passes.append((f"histograms_{prefix}_day", day_statements))
    # The largest first, for the generator's two connections.
    return sorted(passes, key=lambda p: PASS_ORDER.index(p[0]))


def build_rollups_from_facts() -> None:
    """Fill the (emptied) roll-ups from the facts table, one pass after the other on this connection."""
    with connection.cursor() as cursor:
        for _name, statements in rollup_passes():
            for sql in statements:
                cursor.execute(sql)


def rebuild(batch: int = 5000) -> dict:
    """Recompute every case fact, roll-up and whistle fact from the cases and whistles, in one transaction."""
    with transaction.atomic():
        Histogram.objects.all().delete()
        Rollup.objects.all().delete()
        CaseFact.objects.all().delete()
        WhistleFact.objects.all().delete()
        buffer, total = [], 0
        for fact in facts_from_cases(batch):
            buffer.append(CaseFact(**fact))
            if len(buffer) >= batch:
                CaseFact.objects.bulk_create(buffer)
                total += len(buffer)
                buffer = []
        CaseFact.objects.bulk_create(buffer)
        total += len(buffer)
        build_rollups_from_facts()
        whistles = build_whistle_facts(batch)
    return {
        "cases": total,
        "whistles": whistles,
        "rollups": Rollup.objects.count(),
        "histograms": Histogram.objects.count(),
    }
