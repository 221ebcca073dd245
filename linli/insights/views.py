"""The dashboard pages: the figures of any unit the viewer may see, their definitions, charts, map, drill-down."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linli.activities.selectors import activity_figures
from linli.cases.choices import AWAITING_RESPONSE, OPEN_STATUSES, Satisfaction, Status
from linli.cases.models import Case, Whistle
from linli.charity.selectors import charity_figures
from linli.core.errors import DomainError
from linli.org.models import Grid
from linli.volunteers.selectors import hours_total

from . import selectors
from .definitions import BY_KEY, COHORT, DEFINITIONS, DEFINITIONS_VERSION
from .params import parse_period, this_month

# The figure a number on the dashboard links to: the condition on the cases behind it (its numerator).
DRILL = {
    "received": ("received", None),
    "response_rate": ("responded_on_time", "received"),
    "on_time_response_rate": ("responded_on_time", "responded"),
    "resolution_rate": ("solved", "with_verdict"),
    "satisfaction_rate": ("satisfied", "rated"),
    "on_time_resolution_rate": ("resolved_on_time", "resolved"),
    "backlog": ("open", None),
    "overdue": ("overdue", None),
    "reopen_rate": ("reopened", "received"),
    "whistle_rate": ("whistled", "received"),
    "median_response_minutes": ("responded", None),
    "median_resolution_minutes": ("resolved", None),
}
FIGURE_LABELS = {
    "received": gettext_lazy("received"),
    "responded": gettext_lazy("responded to"),
    "responded_on_time": gettext_lazy("responded to by the deadline"),
    "with_verdict": gettext_lazy("with a verdict"),
    "solved": gettext_lazy("confirmed solved"),
    "rated": gettext_lazy("rated"),
    "satisfied": gettext_lazy("satisfied or basically satisfied"),
    "resolved": gettext_lazy("resolved"),
    "resolved_on_time": gettext_lazy("resolved by the deadline"),
    "open": gettext_lazy("open now"),
    "overdue": gettext_lazy("overdue now"),
    "reopened": gettext_lazy("reopened"),
    "whistled": gettext_lazy("with a whistle"),
}


def figure_q(figure: str, now):
    """The condition on a case of one drill-down figure (the rules of facts.fact_of, on the cases table)."""
    from django.db.models import Exists, F, OuterRef, Q

    conditions = {
        "received": Q(),
        "responded": Q(responded_at__isnull=False),
        "responded_on_time": Q(responded_at__isnull=False, responded_at__lte=F("response_due_at")),
        "with_verdict": Q(feedback_solved__isnull=False) | Q(verification_passed__isnull=False),
        "solved": Q(feedback_solved=True) | Q(feedback_solved__isnull=True, verification_passed=True),
        "rated": ~Q(satisfaction=""),
        "satisfied": Q(satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED]),
        "resolved": Q(resolved_at__isnull=False),
        "resolved_on_time": Q(resolved_at__isnull=False, resolved_at__lte=F("resolution_due_at")),
        "open": Q(status__in=OPEN_STATUSES),
        "overdue": Q(status__in=AWAITING_RESPONSE, response_due_at__lt=now)
        | Q(status__in=OPEN_STATUSES, resolution_due_at__lt=now),
        "reopened": Q(reopen_count__gt=0),
        "whistled": Q(Exists(Whistle.objects.filter(case_id=OuterRef("pk")))),
    }
    if figure not in conditions:
        raise Http404
    return conditions[figure]


CASE_UNIT_FIELD = {"g": "grid_id", "c": "community_id", "s": "street_id", "d": "street__district_id"}


def _drill_url(unit, start, end, figure) -> str:
    query = urlencode({"unit": unit.ref, "from": start.isoformat(), "to": end.isoformat(), "figure": figure})
    return f"{reverse('insights:cases')}?{query}"


def _presets(today):
    first = today.replace(day=1)
    last_month_end = first - timedelta(days=1)
    quarter_start = first.replace(month=(first.month - 1) // 3 * 3 + 1)
    year_ago = (first.replace(year=first.year - 1) + timedelta(days=32)).replace(day=1)
    return [
        (_("This month"), first, selectors.month_end(today)),
        (_("Last month"), last_month_end.replace(day=1), last_month_end),
        (_("This quarter"), quarter_start, selectors.month_end(today)),
        (_("Last 12 months"), year_ago, selectors.month_end(today)),
    ]


def _five_linkages(community_ids, start, end) -> list[tuple[str, object]]:
    """Volunteer hours and activities, donations in and out, for the unit's communities over the period."""
    ids = list(community_ids)
    if not ids:
        return []
    lo, hi = selectors.local_bounds(start, end)
    activities = activity_figures(ids, lo, hi)
    charity = charity_figures(ids, start, end)
    hours = hours_total(communities=ids, start=start, end=end)
    return [
        (_("Volunteer hours (confirmed)"), hours),
        (_("Activity sessions held"), activities["occurrences_held"]),
        (_("Residents who attended"), activities["resident_attendances"]),
        (_("Volunteer attendances confirmed"), activities["volunteer_confirmed"]),
        (_("Home visits done"), activities["home_visits_done"]),
        (_("Donations received"), charity["donations"]),
        (_("Value of donations (yuan)"), charity["value_in"]),
        (_("Hand-overs"), charity["handovers"]),
        (_("Households reached"), charity["households_reached"]),
    ]


def _community_ids(unit) -> list[int]:
    from linli.org.models import Community

    if unit.level in ("g", "c"):
        return [unit.community_id]
    if unit.level == "s":
        return list(Community.objects.filter(street_id=unit.pk).values_list("pk", flat=True))
    return list(Community.objects.filter(street__district_id=unit.pk).values_list("pk", flat=True))


MAP_GRID_LIMIT = 1500


def _map_grids(unit, start, end, figures, by_grid: dict | None = None) -> list[dict] | None:
    """The unit's grids with their boundaries and their figures, for the density map; None for a unit with more
    grids than a map can show (a district of a big city), whose figures per grid are then not computed at all."""
    if unit.level == "g":
        grids = Grid.objects.filter(pk=unit.pk)
    elif unit.level == "c":
        grids = Grid.objects.filter(community_id=unit.pk)
    elif unit.level == "s":
        grids = Grid.objects.filter(community__street_id=unit.pk)
    else:
        grids = Grid.objects.filter(community__street__district_id=unit.pk)
    rows = list(
        grids.exclude(geometry=None)
        .order_by("code")
        .values_list("pk", "name", "geometry")[: MAP_GRID_LIMIT + 1]
    )
    if len(rows) > MAP_GRID_LIMIT:
        return None
    if unit.level == "g":
        by_grid = {str(unit.pk): figures}
    elif by_grid is None:
        by_grid = {r["key"]: r for r in selectors.breakdown(unit, start, end, "grid")} if rows else {}
    out = []
    for pk, name, geometry in rows:
        fig = by_grid.get(str(pk), {})
        out.append(
            {
                "id": pk,
                "name": name,
                "geometry": geometry,
                "received": fig.get("received", 0),
                "response_rate": fig.get("response_rate"),
            }
        )
    return out


@login_required
def dashboard(request):
    """The figures of one unit and period, with definitions, trends, mix, map, departments and drill-down."""
    units = selectors.units_for_user(request.user)
    if not units:
        raise Http404
    error = None
    try:
        start, end = parse_period(request.GET)
    except DomainError as exc:
        error = exc
        start, end = this_month()
    unit = (
        selectors.get_unit_for_user(request.user, request.GET["unit"])
        if request.GET.get("unit")
        else units[0]
    )
    figures = selectors.unit_kpis(unit, start, end)
    low, high = selectors.whistle_band()
    cards = []
    for d in DEFINITIONS:
        value = figures[d.key]
        numerator, denominator = DRILL[d.key]
        counts = figures["counts"]
        cards.append(
            {
                "key": d.key,
                "label": d.label,
                "text": d.text,
                "formula": d.formula,
                "value": value,
                "is_rate": d.is_rate,
                "perfect": d.is_rate and value == 100.0,
                "warning": figures["whistle_rate_warning"] if d.key == "whistle_rate" else None,
                "url": _drill_url(unit, start, end, numerator),
                "numerator": counts.get(numerator, figures.get(numerator)) if denominator else None,
                "denominator": counts.get(denominator) if denominator else None,
                "denominator_url": _drill_url(unit, start, end, denominator) if denominator else None,
            }
        )
    by = "week" if (end - start).days <= 92 else "month"
    trend = selectors.trend(unit, start, end, by)
    categories = selectors.breakdown(unit, start, end, "category")
    channels = selectors.breakdown(unit, start, end, "channel")
    children_by = {"c": "grid", "s": "community", "d": "community"}.get(unit.level)
    children = selectors.breakdown(unit, start, end, children_by) if children_by else []
    grids = _map_grids(
        unit, start, end, figures, {r["key"]: r for r in children} if children_by == "grid" else None
    )
    charts = {
        "trend": {
            "labels": [r["period"] for r in trend],
            "received": [r["received"] for r in trend],
            "response_rate": [r["response_rate"] for r in trend],
            "resolution_rate": [r["resolution_rate"] for r in trend],
            "satisfaction_rate": [r["satisfaction_rate"] for r in trend],
            "names": {
                "received": _("Cases received"),
                "response_rate": _("Response rate"),
                "resolution_rate": _("Resolution rate"),
                "satisfaction_rate": _("Satisfaction rate"),
            },
        },
        "categories": [{"name": r["name"], "value": r["received"]} for r in categories],
        "channels": [{"name": r["name"], "value": r["received"]} for r in channels],
    }
    context = {
        "unit": unit,
        "units": units,
        "start": start,
        "end": end,
        "error": error,
        "presets": _presets(end if end < start + timedelta(days=400) else start),
        "cards": cards,
        "figures": figures,
        "band_text": (f"{low:g} %", f"{high:g} %"),
        "by": by,
        "trend": trend,
        "categories": categories[:10],
        "channels": channels,
        "children": children,
        "children_by": children_by,
        "departments": selectors.departments(unit, start, end),
        "linkages": _five_linkages(_community_ids(unit), start, end),
        "charts": charts,
        "grids": grids,
        "map_limit": MAP_GRID_LIMIT,
        "version": DEFINITIONS_VERSION,
        "cohort": COHORT,
        "department_definitions": [
            BY_KEY[k]
            for k in ("whistles", "median_report_in_minutes", "median_answer_minutes", "acceptance_rate")
        ],
    }
    return render(request, "insights/dashboard.html", context)


@login_required
def drill_down(request):
    """The cases behind one number of the dashboard, scoped to the viewer."""
    from django.utils import timezone

    try:
        start, end = parse_period(request.GET)
    except DomainError as exc:
        raise Http404 from exc
    unit = selectors.get_unit_for_user(request.user, request.GET.get("unit", ""))
    figure = request.GET.get("figure", "received")
    lo, hi = selectors.local_bounds(start, end)
    cases = (
        Case.objects.visible_to(request.user)
        .filter(received_at__gte=lo, received_at__lt=hi, **{CASE_UNIT_FIELD[unit.level]: unit.pk})
        .exclude(status=Status.MERGED)
        .filter(figure_q(figure, timezone.now()))
        .select_related("category", "grid", "community")
        .order_by("-received_at", "-id")
    )
    page = Paginator(cases, 50).get_page(request.GET.get("page"))
    context = {
        "unit": unit,
        "start": start,
        "end": end,
        "figure": figure,
        "figure_label": FIGURE_LABELS.get(figure, figure),
        "page": page,
        "back": f"{reverse('insights:dashboard')}?{urlencode({'unit': unit.ref, 'from': start, 'to': end})}",
        "query": urlencode({"unit": unit.ref, "from": start, "to": end, "figure": figure}),
    }
    return render(request, "insights/cases.html", context)
