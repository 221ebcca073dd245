"""The public side of the insights: a page per community with aggregate figures, and the open-data downloads.

No sign-in. Counts only, never a case text, a name, a phone or an address; counts from 1 to 4 show as "<5" and
a rate over fewer than 5 cases is not shown."""

from __future__ import annotations

from django.core.cache import cache
from django.http import Http404, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import get_language

from linli.core.errors import DomainError
from linli.core.ratelimit import ALL, rate_limit
from linli.org.models import Community

from . import opendata, reports, selectors
from .definitions import BY_KEY, DEFINITIONS_VERSION
from .selectors import OrgUnit, month_end

CACHE_SECONDS = 300
# The denominator of each public rate: below SMALL cases, the rate is withheld.
RATE_BASES = {"response_rate": "received", "resolution_rate": "with_verdict", "satisfaction_rate": "rated"}


def _public_figures(figures: dict) -> dict:
    counts = figures["counts"]
    out = {
        "received": opendata.suppress(counts["received"]),
        "resolved": opendata.suppress(counts["resolved"]),
    }
    for key, base in RATE_BASES.items():
        shown = counts[base] >= opendata.SMALL and figures[key] is not None
        out[key] = figures[key] if shown else None
        out[key + "_perfect"] = shown and figures[key] == 100.0
    return out


def _optional_links(community: Community) -> dict:
    links = {}
    try:
        links["activities"] = reverse("activities:public_list", args=[community.code])
    except NoReverseMatch:
        pass
    return links


def _charity(community: Community, start, end) -> dict | None:
    try:
        from linli.charity.selectors import public_summary
    except ImportError:
        return None
    found = public_summary(community, start, end)
    return {
        "donations": opendata.suppress(found.get("donations", 0)),
        "value_in": found.get("value_in"),
        "handovers": opendata.suppress(found.get("handovers", 0)),
        "households_reached": opendata.suppress(found.get("households_reached", 0)),
    }


def community_context(community: Community, today) -> dict:
    """What the public page shows (only aggregates, suppressed): built at most once per 5 minutes and language."""
    unit = OrgUnit("c", community.pk, community.name, community.pk, community.street_id or 0, 0)
    month = reports.last_full_month(today)
    month_figures = selectors.unit_kpis(unit, month, month_end(month))
    year_start = today.replace(month=1, day=1)
    year_figures = selectors.unit_kpis(unit, year_start, today)
    trend = []
    for row in reports.monthly_trend(unit, month):
        small = row["received"] < opendata.SMALL
        trend.append(
            {
                "period": row["period"][:7],
                "received": opendata.suppress(row["received"]),
                **{key: (None if small else row[key]) for key in RATE_BASES},
            }
        )
    first = reports.months_back(month, 12)[0]
    categories = [
        {"name": r["name"], "received": opendata.suppress(r["received"])}
        for r in selectors.breakdown(unit, first, month_end(month), "category")
    ]
    charity_start = month
    return {
        "community": {"code": community.code, "name": community.name},
        "month": month,
        "year_start": year_start,
        "today": today,
        "last_month": _public_figures(month_figures),
        "year": _public_figures(year_figures),
        "trend": trend,
        "trend_from": first,
        "categories": categories,
        "charity": _charity(community, charity_start, month_end(month)),
        "links": _optional_links(community),
        "version": DEFINITIONS_VERSION,
        "definitions": [
            {"label": str(BY_KEY[k].label), "text": str(BY_KEY[k].text)} for k in ("received", *RATE_BASES)
        ],
        "labels": {k: str(BY_KEY[k].label) for k in RATE_BASES},
    }


@rate_limit("insights-public", "120/m", methods=ALL)
def community_page(request, code: str):
    """/insights/c/<code>/: how the community is doing, for its residents."""
    community = get_object_or_404(Community, code=code)
    today = timezone.localdate()
    key = f"insights.public.{community.pk}.{today.isoformat()}.{get_language()}"
    context = cache.get(key)
    if context is None:
        context = community_context(community, today)
        cache.set(key, context, CACHE_SECONDS)
    return render(request, "insights/public/community.html", context)


def _open_data(request, fmt: str):
    try:
        months = opendata.parse_months(request.GET)
    except DomainError as exc:
        return JsonResponse({"code": exc.code, "message": str(exc.message), "field": exc.field}, status=400)
    code = (request.GET.get("community") or "").strip()[:20]
    if code and not Community.objects.filter(code=code).exists():
        raise Http404
    if fmt == "csv":
        response = StreamingHttpResponse(
            opendata.csv_chunks(months, community_code=code), content_type="text/csv; charset=utf-8"
        )
    else:
        response = StreamingHttpResponse(
            opendata.json_chunks(months, community_code=code), content_type="application/json; charset=utf-8"
        )
    name = f"linli-cases-{months[0]:%Y-%m}-{months[-1]:%Y-%m}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@rate_limit("insights-open-data", "30/h", methods=ALL)
def open_data_csv(request):
    """/insights/open-data/cases.csv"""
    return _open_data(request, "csv")


@rate_limit("insights-open-data", "30/h", methods=ALL)
def open_data_json(request):
    """/insights/open-data/cases.json"""
    return _open_data(request, "json")


def open_data_page(request):
    """/insights/open-data/: what the downloads hold, column by column."""
    return render(
        request,
        "insights/public/open_data.html",
        {
            "columns": [(n, str(d)) for n, d in opendata.COLUMNS],
            "version": DEFINITIONS_VERSION,
            "default_months": opendata.parse_months({}),
        },
    )
