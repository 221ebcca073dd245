"""每月一题: a street's top recurring problems of a month, with their counts, change and the places they hit."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth

from linli.cases.models import Category

from .detect import TZ, counted_cases, month_range, month_start, shift_month

TOP = 10
PLACES = 3
TREND_MONTHS = 6


@dataclass
class Problem:
    """One category's line on the monthly page."""

    category_id: int
    category: str
    count: int
    last_month: int
    last_year: int
    places: list[dict] = field(default_factory=list)
    series: list[int] = field(default_factory=list)

    @property
    def vs_last_month(self) -> int:
        return self.count - self.last_month

    @property
    def vs_last_year(self) -> int:
        return self.count - self.last_year


def monthly_problems(user, *, street_id: int, year: int, month: int) -> list[Problem]:
    """The street's top 10 categories of the month among the viewer's cases: four aggregated queries."""
    start, end = month_range(year, month)
    prev = month_range(*shift_month(year, month, -1))
    last_year = month_range(year - 1, month)
    cases = counted_cases(user).filter(street_id=street_id)
    rows = list(
        cases.filter(
            Q(received_at__gte=prev[0], received_at__lt=end)
            | Q(received_at__gte=last_year[0], received_at__lt=last_year[1])
        )
        .values("category_id")
        .annotate(
            n=Count("id", filter=Q(received_at__gte=start, received_at__lt=end)),
            prev_n=Count("id", filter=Q(received_at__gte=prev[0], received_at__lt=prev[1])),
            year_n=Count("id", filter=Q(received_at__gte=last_year[0], received_at__lt=last_year[1])),
        )
        .filter(n__gt=0)
        .order_by("-n", "category_id")[:TOP]
    )
    if not rows:
        return []
    ids = [r["category_id"] for r in rows]
    names = dict(Category.objects.filter(pk__in=ids).values_list("id", "name"))
    problems = {
        r["category_id"]: Problem(
            r["category_id"], names.get(r["category_id"], ""), r["n"], r["prev_n"], r["year_n"]
        )
        for r in rows
    }
    places = (
        cases.filter(category_id__in=ids, received_at__gte=start, received_at__lt=end)
        .values("category_id", "building__compound__name", "building__name", "grid__name")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    for r in places:
        problem = problems[r["category_id"]]
        if len(problem.places) < PLACES:
            name = " ".join(filter(None, [r["building__compound__name"], r["building__name"]])) or (
                r["grid__name"] or "—"
            )
            problem.places.append({"name": name, "count": r["n"]})
    months = [shift_month(year, month, -k) for k in range(TREND_MONTHS - 1, -1, -1)]
    index = {m: i for i, m in enumerate(months)}
    trend: dict[int, list[int]] = defaultdict(lambda: [0] * TREND_MONTHS)
    for r in (
        cases.filter(category_id__in=ids, received_at__gte=month_start(*months[0]), received_at__lt=end)
        .annotate(m=TruncMonth("received_at", tzinfo=TZ))
        .values("category_id", "m")
        .annotate(n=Count("id"))
    ):
        local = r["m"]
        trend[r["category_id"]][index[(local.year, local.month)]] += r["n"]
    for pk, problem in problems.items():
        problem.series = trend[pk]
    return list(problems.values())
