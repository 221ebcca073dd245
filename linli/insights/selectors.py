"""Reads of the insights: org units within the viewer's scope and the figures of a unit over a period."""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Aggregate, Case, Count, F, FloatField, IntegerField, Q, Sum, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.cases.models import Category
from linli.org.models import Community, Department, District, Grid, Street

from .definitions import DEFINITIONS_VERSION
from .facts import DAY_DIM_LEVELS, DAY_HISTOGRAM_LEVELS, DAY_LEVELS, LOCAL, UNIT_COLUMN
from .models import COUNTS, CaseFact, Histogram, Rollup, WhistleFact

LEVEL_NAMES = {"grid": "g", "community": "c", "street": "s", "district": "d"}
LEVEL_WORDS = {v: k for k, v in LEVEL_NAMES.items()}
DEFAULT_WHISTLE_BAND = (2.0, 20.0)


@dataclass(frozen=True)
class OrgUnit:
    level: str  # g, c, s, d
    pk: int
    name: str
    community_id: int = 0
    street_id: int = 0
    district_id: int = 0

    @property
    def ref(self) -> str:
        return f"{LEVEL_WORDS[self.level]}:{self.pk}"

    @property
    def column(self) -> str:
        return UNIT_COLUMN[self.level]


def parse_unit(value: str) -> tuple[str, int]:
    """`grid:ID`, `community:ID`, `street:ID`, `district:ID`, or a bare id (a community); Http404 if malformed."""
    value = (value or "").strip()
    word, _sep, ident = value.rpartition(":")
    word = word or "community"
    if word not in LEVEL_NAMES or not ident.isdigit() or len(ident) > 12:
        raise Http404
    return LEVEL_NAMES[word], int(ident)


def _load_unit(level: str, pk: int) -> OrgUnit | None:
    if level == "g":
        row = (
            Grid.objects.filter(pk=pk)
            .values_list("name", "community_id", "community__street_id", "community__street__district_id")
            .first()
        )
        return OrgUnit("g", pk, row[0], row[1], row[2] or 0, row[3] or 0) if row else None
    if level == "c":
        row = Community.objects.filter(pk=pk).values_list("name", "street_id", "street__district_id").first()
        return OrgUnit("c", pk, row[0], pk, row[1] or 0, row[2] or 0) if row else None
    if level == "s":
        row = Street.objects.filter(pk=pk).values_list("name", "district_id").first()
        return OrgUnit("s", pk, row[0], 0, pk, row[1] or 0) if row else None
    row = District.objects.filter(pk=pk).values_list("name", flat=True).first()
    return OrgUnit("d", pk, row, 0, 0, pk) if row else None


def may_see_unit(user, unit: OrgUnit) -> bool:
    """A viewer may ask for a unit that lies wholly inside their scope (so every case behind it is theirs to see)."""
    scope = user.scope
    if scope.is_admin:
        return True
    if unit.level == "g" and unit.pk in scope.grid_ids:
        return True
    if unit.level in ("g", "c") and unit.community_id in scope.community_ids:
        return True
    return unit.level in ("g", "c", "s") and unit.street_id in scope.street_ids


def get_unit_for_user(user, value: str) -> OrgUnit:
    """The org unit named by `value` if the viewer may see it; Http404 otherwise (outsiders learn nothing)."""
    level, pk = parse_unit(value)
    unit = _load_unit(level, pk)
    if unit is None or not may_see_unit(user, unit):
        raise Http404
    return unit


def units_for_user(user) -> list[OrgUnit]:
    """The units a viewer may pick, widest first (a district for administrators, then streets, communities, grids)."""
    scope = user.scope
    units: list[OrgUnit] = []
    if scope.is_admin:
        units += [OrgUnit("d", pk, name, 0, 0, pk) for pk, name in District.objects.values_list("pk", "name")]
        streets = Street.objects.all()
        communities = Community.objects.all()
        grids = Grid.objects.none()
    else:
        streets = Street.objects.filter(pk__in=scope.street_ids)
        communities = Community.objects.filter(
            Q(pk__in=scope.community_ids) | Q(street_id__in=scope.street_ids)
        )
        grids = Grid.objects.filter(pk__in=scope.grid_ids)
    units += [OrgUnit("s", s.pk, s.name, 0, s.pk, s.district_id or 0) for s in streets.order_by("code")]
    units += [
        OrgUnit("c", pk, name, pk, st or 0, d or 0)
        for pk, name, st, d in communities.order_by("code").values_list(
            "pk", "name", "street_id", "street__district_id"
        )
    ]
    units += [
        OrgUnit("g", pk, name, c, st or 0, d or 0)
        for pk, name, c, st, d in grids.order_by("code").values_list(
            "pk", "name", "community_id", "community__street_id", "community__street__district_id"
        )
    ]
    return units


# ---------------------------------------------------------------- periods


def month_floor(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def split_period(start: date, end: date) -> tuple[list[date], list[tuple[date, date]]]:
    """The months wholly inside [start, end] and the day ranges left at its edges."""
    months, edges = [], []
    m = month_floor(start)
    while m <= end:
        last = month_end(m)
        lo, hi = max(m, start), min(last, end)
        if lo == m and hi == last:
            months.append(m)
        else:
            edges.append((lo, hi))
        m = last + timedelta(days=1)
    return months, edges


def local_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, end+1 00:00) in local time, as aware datetimes."""
    return (
        datetime.combine(start, time.min, tzinfo=LOCAL),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=LOCAL),
    )


def _merged(edges) -> list[tuple[date, date]]:
    """Day ranges with adjacent ones joined (the two edges of a period with no whole month are one range)."""
    out: list[tuple[date, date]] = []
    for lo, hi in sorted(edges):
        if out and lo <= out[-1][1] + timedelta(days=1):
            out[-1] = (out[-1][0], max(hi, out[-1][1]))
        else:
            out.append((lo, hi))
    return out


def _edge_q(edges) -> Q:
    q = Q(pk__in=[])
    for lo, hi in _merged(edges):
        q |= Q(day__range=(lo, hi))
    return q


# ---------------------------------------------------------------- sums


def _empty() -> dict:
    return {name: 0 for name in COUNTS}


def _add(acc: dict, row: dict) -> dict:
    for name in COUNTS:
        acc[name] += row.get(name) or 0
    return acc


SUMS = {name: Sum(name) for name in COUNTS}


def _facts(unit: OrgUnit):
    return CaseFact.objects.filter(**{unit.column: unit.pk})


def unit_sums(unit: OrgUnit, start: date, end: date) -> dict:
    """The summed counts of a unit's cohort: month roll-ups, then day roll-ups or facts for partial months."""
    if unit.level == "g":
        return _add(_empty(), _facts(unit).filter(day__range=(start, end)).aggregate(**SUMS))
    months, edges = split_period(start, end)
    base = Rollup.objects.filter(level=unit.level, unit_id=unit.pk, dim="")
    acc = _empty()
    if unit.level in ("s", "d"):
        q = Q(grain="m", period__in=months) if months else Q(pk__in=[])
        for lo, hi in edges:
            q |= Q(grain="d", period__range=(lo, hi))
        return _add(acc, base.filter(q).aggregate(**SUMS))
    if months:
        _add(acc, base.filter(grain="m", period__in=months).aggregate(**SUMS))
    if edges:
        _add(acc, _facts(unit).filter(_edge_q(edges)).aggregate(**SUMS))
    return acc


def overdue_count(unit: OrgUnit, start: date, end: date, now: datetime) -> int:
    """Open cases of the cohort past a deadline now (cases.models.overdue_q, on the facts' open rows)."""
    late = Q(awaiting=1, response_due_at__lt=now) | Q(resolution_due_at__lt=now)
    return _facts(unit).filter(open=1, day__range=(start, end)).filter(late).count()


def _median_from_facts(unit: OrgUnit, start: date, end: date, column: str, n: int) -> float | None:
    """The exact median of a duration column over the unit's facts: the middle one or two values, by OFFSET."""
    if not n:
        return None
    lo, hi = (n - 1) // 2, n // 2
    values = list(
        _facts(unit)
        .filter(day__range=(start, end), **{f"{column}__isnull": False})
        .order_by(column)
        .values_list(column, flat=True)[lo : hi + 1]
    )
    return (values[0] + values[-1]) / 2


def _ranks(n: int) -> list[int]:
    return sorted({(n - 1) // 2, n // 2}) if n else []


def _locate(counts: dict[int, int], ranks: list[int]) -> dict[int, tuple[int, int]]:
    """For each rank, the bucket holding it and how many values come before that bucket."""
    out, seen = {}, 0
    for bucket in sorted(counts):
        for r in ranks:
            if r not in out and seen <= r < seen + counts[bucket]:
                out[r] = (bucket, seen)
        seen += counts[bucket]
    return out


DURATION_COLUMNS = {"r": "respond_minutes", "x": "resolve_minutes"}


def _days(ranges) -> list[date]:
    return [lo + timedelta(days=i) for lo, hi in ranges for i in range((hi - lo).days + 1)]


def _medians_from_histograms(unit: OrgUnit, start: date, end: date, counts: dict[str, int]) -> dict:
    """Exact medians of both durations: the hour histograms find the hour of the middle ranks, the minute
    histograms of just those hours give the values.  Whole months come from the month histograms, the days of
    partial months from the day histograms where the level keeps them (a district's), else from the facts."""
    months, edges = split_period(start, end)
    ranks = {p: _ranks(n) for p, n in counts.items()}
    unit_hist = Histogram.objects.filter(level=unit.level, unit_id=unit.pk)
    # (grain, periods) of the histograms read; each query names one grain, so it is a scan of the unique key.
    grains = [("m", months)] if months else []
    edge_facts = []
    if unit.level in DAY_HISTOGRAM_LEVELS:
        grains += [("d", _days(edges))] if edges else []
    else:  # one query per range of edge days, each a scan of the (unit, day) index alone (an OR of ranges is not)
        edge_facts = [_facts(unit).filter(day__range=r) for r in _merged(edges)]
    hours: dict[str, dict[int, int]] = {p: defaultdict(int) for p in counts}
    for grain, periods in grains:
        rows = (
            unit_hist.filter(kind__in=[p + "h" for p in counts], grain=grain, period__in=periods)
            .values("kind", "bucket")
            .annotate(t=Sum("n"))
        )
        for kind, bucket, total in rows.values_list("kind", "bucket", "t"):
            hours[kind[0]][bucket] += total
    for facts in edge_facts:  # both durations' hours in one pass over the edge days
        rows = (
            facts.annotate(rb=F("respond_minutes") / 60, xb=F("resolve_minutes") / 60)
            .values("rb", "xb")
            .annotate(c=Count("*"))
        )
        for rb, xb, c in rows.values_list("rb", "xb", "c"):
            for p, bucket in (("r", rb), ("x", xb)):
                if bucket is not None and p in hours:
                    hours[p][bucket] += c
    located = {p: _locate(hours[p], ranks[p]) for p in counts}
    wanted = {(p, hour) for p in counts for hour, _before in located[p].values()}
    minutes: dict[tuple[str, int], dict[int, int]] = {key: defaultdict(int) for key in wanted}
    in_wanted = Q(pk__in=[])
    for p, hour in wanted:
        in_wanted |= Q(kind=p + "m", bucket__range=(hour * 60, hour * 60 + 59))
    for grain, periods in grains if wanted else ():
        rows = unit_hist.filter(in_wanted, grain=grain, period__in=periods).values("kind", "bucket")
        for kind, bucket, total in rows.annotate(t=Sum("n")).values_list("kind", "bucket", "t"):
            minutes[(kind[0], bucket // 60)][bucket] += total
    # And the minutes of just the wanted hours, in one more pass: each duration's minute if it lies in a wanted
    # hour, else NULL, counted per pair — a few thousand groups at most, however many facts.
    picks = {}
    for p, column in DURATION_COLUMNS.items():
        hours_wanted = sorted(h for pp, h in wanted if pp == p)
        if hours_wanted:
            in_hours = [
                When(**{f"{column}__range": (h * 60, h * 60 + 59)}, then=F(column)) for h in hours_wanted
            ]
            picks[f"{p}_minute"] = Case(*in_hours, default=None, output_field=IntegerField())
    for facts in edge_facts if picks else ():
        rows = facts.annotate(**picks).values(*picks).annotate(c=Count("*"))
        for row in rows:
            for name in picks:
                value = row[name]
                if value is not None:
                    minutes[(name[0], value // 60)][value] += row["c"]
    out = {}
    for p in counts:
        if not ranks[p]:
            out[p] = None
            continue
        values = []
        for r in ranks[p]:
            hour, before = located[p][r]
            fine = minutes[(p, hour)]
            acc = before
            for minute in sorted(fine):
                if acc <= r < acc + fine[minute]:
                    values.append(minute)
                    break
                acc += fine[minute]
        out[p] = (values[0] + values[-1]) / 2
    return out


def medians(unit: OrgUnit, start: date, end: date, counts: dict[str, int]) -> dict:
    """Exact medians of the response and resolution minutes ({"r": …, "x": …})."""
    if unit.level in ("s", "d"):
        return _medians_from_histograms(unit, start, end, counts)
    return {p: _median_from_facts(unit, start, end, DURATION_COLUMNS[p], n) for p, n in counts.items()}


def rate(num: int, den: int) -> float | None:
    return round(100.0 * num / den, 1) if den else None


def whistle_band() -> tuple[float, float]:
    return tuple(getattr(settings, "INSIGHTS_WHISTLE_RATE_BAND", DEFAULT_WHISTLE_BAND))


def figures_from_sums(s: dict) -> dict:
    """The rates of a set of summed counts (the API's and the dashboard's one formula)."""
    return {
        "received": s["received"],
        "response_rate": rate(s["responded_on_time"], s["received"]),
        "on_time_response_rate": rate(s["responded_on_time"], s["responded"]),
        "resolution_rate": rate(s["solved"], s["with_verdict"]),
        "satisfaction_rate": rate(s["satisfied"], s["rated"]),
        "on_time_resolution_rate": rate(s["resolved_on_time"], s["resolved"]),
        "backlog": s["open"],
        "reopen_rate": rate(s["reopened"], s["received"]),
        "whistle_rate": rate(s["whistled"], s["received"]),
    }


def unit_kpis(unit: OrgUnit, start: date, end: date, *, now: datetime | None = None) -> dict:
    """Every figure of a unit's cohort received in [start, end] (local dates): what the API and dashboard show."""
    now = now or timezone.now()
    if unit.level == "g":  # one pass over the grid's facts
        late = Q(open=1) & (Q(awaiting=1, response_due_at__lt=now) | Q(resolution_due_at__lt=now))
        # Aliases apart from the field names: a filter on `open` must read the column, not the sum.
        row = (
            _facts(unit)
            .filter(day__range=(start, end))
            .aggregate(**{f"sum_{n}": Sum(n) for n in COUNTS}, overdue=Count("pk", filter=late))
        )
        sums = _add(_empty(), {n: row[f"sum_{n}"] for n in COUNTS})
        overdue = row["overdue"]
    else:
        sums, overdue = unit_sums(unit, start, end), overdue_count(unit, start, end, now)
    out = figures_from_sums(sums)
    out["overdue"] = overdue
    found = medians(unit, start, end, {"r": sums["responded"], "x": sums["resolved"]})
    out["median_response_minutes"] = found["r"]
    out["median_resolution_minutes"] = found["x"]
    low, high = whistle_band()
    wr = out["whistle_rate"]
    out["whistle_rate_warning"] = (
        None if wr is None else ("low" if wr < low else "high" if wr > high else None)
    )
    out["counts"] = sums
    out["definitions_version"] = DEFINITIONS_VERSION
    return out


# ---------------------------------------------------------------- trend and breakdown


def week_floor(day: date) -> date:
    return day - timedelta(days=day.weekday())


def trend(unit: OrgUnit, start: date, end: date, by: str) -> list[dict]:
    """Figures per week (from Monday) or per month of the cohort, oldest first."""
    buckets: dict[date, dict] = defaultdict(_empty)
    bucket_of = month_floor if by == "month" else week_floor
    months, edges = split_period(start, end)
    if by == "month" and unit.level != "g":
        if months:
            rows = Rollup.objects.filter(
                level=unit.level, unit_id=unit.pk, dim="", grain="m", period__in=months
            )
            for row in rows.values("period", *COUNTS):
                _add(buckets[row["period"]], row)
        day_ranges = edges
    elif by == "month":
        rows = Rollup.objects.filter(level="g", unit_id=unit.pk, dim="", grain="m", period__in=months)
        for row in rows.values("period", *COUNTS):
            _add(buckets[row["period"]], row)
        day_ranges = edges
    else:
        day_ranges = [(start, end)]
    if day_ranges:
        if unit.level in ("s", "d"):
            q = Q(pk__in=[])
            for lo, hi in day_ranges:
                q |= Q(period__range=(lo, hi))
            rows = Rollup.objects.filter(Q(level=unit.level, unit_id=unit.pk, dim="", grain="d") & q)
            for row in rows.values("period", *COUNTS):
                _add(buckets[bucket_of(row["period"])], row)
        else:
            rows = _facts(unit).filter(_edge_q(day_ranges)).values("day").annotate(**SUMS)
            for row in rows:
                _add(buckets[bucket_of(row["day"])], row)
    return [{"period": p.isoformat(), **figures_from_sums(buckets[p])} for p in sorted(buckets)]


def _period_q(months: list[date], day_ranges) -> Q:
    """Roll-up rows of the whole months and of the days of the ranges."""
    q = Q(grain="m", period__in=months) if months else Q(pk__in=[])
    for lo, hi in _merged(day_ranges):
        q |= Q(grain="d", period__range=(lo, hi))
    return q


def breakdown(unit: OrgUnit, start: date, end: date, by: str) -> list[dict]:
    """Figures per category, channel, grid or community of a unit's cohort, the largest first.

    Whole months come from month roll-ups; the days of partial months from day roll-ups where the level keeps them
    (a street's or district's mix and communities), else from the facts (a community's, and grids)."""
    months, edges = split_period(start, end)
    groups: dict[str, dict] = defaultdict(_empty)
    if by in ("category", "channel"):
        dim = "ca" if by == "category" else "ch"
        fact_key = "category_id" if by == "category" else "channel"
        rollups = Rollup.objects.filter(level=unit.level, unit_id=unit.pk, dim=dim)
        group_key = "key"
        if unit.level == "g":
            day_ranges, rollups = [(start, end)], None
        elif unit.level in DAY_DIM_LEVELS:
            day_ranges, rollups = [], rollups.filter(_period_q(months, edges))
        else:
            day_ranges, rollups = edges, rollups.filter(grain="m", period__in=months) if months else None
    elif by in ("grid", "community"):
        child = "g" if by == "grid" else "c"
        fact_key = UNIT_COLUMN[child]
        if unit.level == "g" or (unit.level == "c" and child == "c"):
            raise Http404
        rollups = Rollup.objects.filter(level=child, dim="", **{unit.column: unit.pk})
        group_key = "unit_id"
        if child in DAY_LEVELS:
            day_ranges, rollups = [], rollups.filter(_period_q(months, edges))
        else:
            day_ranges, rollups = edges, rollups.filter(grain="m", period__in=months) if months else None
    else:
        raise Http404
    for row in rollups.values(group_key).annotate(**SUMS) if rollups is not None else ():
        _add(groups[str(row[group_key])], row)
    if day_ranges:
        for row in _facts(unit).filter(_edge_q(day_ranges)).values(fact_key).annotate(**SUMS):
            _add(groups[str(row[fact_key])], row)
    if by in ("grid", "community"):
        # Cases located only to a community (or a street) belong to no grid (community): their own row.
        rest = unit_sums(unit, start, end)
        for sums in [v for k, v in groups.items() if k != "0"]:
            for name in COUNTS:
                rest[name] -= sums[name]
        groups["0"] = rest
    names = _names(by, groups.keys())
    names["0"] = str(_("(no grid)") if by == "grid" else _("(no community)"))
    out = [
        {"key": key, "name": names.get(key, key), **figures_from_sums(sums)}
        for key, sums in groups.items()
        if sums["received"] or any(sums.values())
    ]
    return sorted(out, key=lambda r: (-r["received"], r["name"]))


def _names(by: str, keys) -> dict[str, str]:
    ids = [int(k) for k in keys if k.isdigit()]
    if by == "category":
        return {str(pk): name for pk, name in Category.objects.filter(pk__in=ids).values_list("pk", "name")}
    if by == "grid":
        return {str(pk): name for pk, name in Grid.objects.filter(pk__in=ids).values_list("pk", "name")}
    if by == "community":
        return {str(pk): name for pk, name in Community.objects.filter(pk__in=ids).values_list("pk", "name")}
    from linli.cases.choices import Channel

    return {k: str(Channel(k).label) for k in keys if k in Channel.values}


# ---------------------------------------------------------------- departments


def _exact_median(values: list[int]) -> float | None:
    if not values:
        return None
    values = sorted(values)
    n = len(values)
    return (values[(n - 1) // 2] + values[n // 2]) / 2


class Median(Aggregate):
    """PostgreSQL's percentile_cont(0.5): the mean of the middle two values, as _exact_median."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def _department_rows(facts) -> list[dict]:
    """Per department: whistles, how many reported in and answered, exact medians of both, accepted, rejections —
    aggregated in PostgreSQL; elsewhere from the rows (a district's few on one machine)."""
    counts = {
        "whistles": Count("*"),
        "reported_in": Count("report_in_minutes"),
        "answered": Count("answer_minutes"),
        "accepted": Sum("accepted"),
        "rejected": Sum("rejections"),
    }
    if connection.vendor == "postgresql":
        return list(
            facts.values("department_id").annotate(
                **counts,
                median_report_in_minutes=Median("report_in_minutes"),
                median_answer_minutes=Median("answer_minutes"),
            )
        )
    acc: dict[int, dict] = {}
    for dept, report_in, answer, accepted, rejections in facts.values_list(
        "department_id", "report_in_minutes", "answer_minutes", "accepted", "rejections"
    ):
        d = acc.setdefault(
            dept,
            {
                "department_id": dept,
                "whistles": 0,
                "report_in": [],
                "answer": [],
                "accepted": 0,
                "rejected": 0,
            },
        )
        d["whistles"] += 1
        if report_in is not None:
            d["report_in"].append(report_in)
        if answer is not None:
            d["answer"].append(answer)
        d["accepted"] += accepted
        d["rejected"] += rejections
    return [
        {
            **d,
            "reported_in": len(d["report_in"]),
            "answered": len(d["answer"]),
            "median_report_in_minutes": _exact_median(d.pop("report_in")),
            "median_answer_minutes": _exact_median(d.pop("answer")),
        }
        for d in acc.values()
    ]


def departments(unit: OrgUnit, start: date, end: date) -> list[dict]:
    """Each department's record on the whistles blown in the period on the unit's cases (双考核), from the
    whistle facts (one row per whistle, read from a (unit, created) index that includes the record)."""
    lo, hi = local_bounds(start, end)
    facts = WhistleFact.objects.filter(created_at__gte=lo, created_at__lt=hi, **{unit.column: unit.pk})
    rows = _department_rows(facts)
    names = dict(
        Department.objects.filter(pk__in=[r["department_id"] for r in rows]).values_list("pk", "name")
    )
    out = [
        {
            "department": r["department_id"],
            "name": names.get(r["department_id"], ""),
            "whistles": r["whistles"],
            "reported_in": r["reported_in"],
            "answered": r["answered"],
            "median_report_in_minutes": r["median_report_in_minutes"],
            "median_answer_minutes": r["median_answer_minutes"],
            "accepted": r["accepted"],
            "rejected": r["rejected"],
            "acceptance_rate": rate(r["accepted"], r["accepted"] + r["rejected"]),
        }
        for r in rows
    ]
    return sorted(out, key=lambda r: (-r["whistles"], r["name"]))
