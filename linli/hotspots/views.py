"""Staff pages of hot spots: the list with evidence, one hot spot with its actions, and the monthly 每月一题."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.cases.choices import OPEN_STATUSES
from linli.cases.models import Case
from linli.core.errors import DomainError
from linli.deliberation.choices import ProposalOrigin
from linli.deliberation.services import proposal_record
from linli.org.models import Community, Street
from linli.org.selectors import communities_for

from . import detect
from .detect import TZ
from .monthly import monthly_problems


def _staff_only(request) -> None:
    if not request.user.scope.is_staff_member:
        raise Http404


def _get_hot_spot(request, kind: str, key: str) -> detect.HotSpot:
    _staff_only(request)
    spot = detect.find_hot_spot(request.user, kind, key)
    if spot is None:
        raise Http404
    return spot


@login_required
def hot_spot_list(request):
    """The viewer's hot spots, largest first, each with its count, window, trend and latest cases."""
    _staff_only(request)
    spots = detect.hot_spots(request.user)
    for spot in spots:
        spot.chart = detect.bars(spot.series, width=120, height=28)
    streets = Street.objects.filter(pk__in=communities_for(request.user).values("street_id")).order_by("name")
    return render(request, "hotspots/list.html", {"spots": spots, "streets": streets})


@login_required
def hot_spot_detail(request, kind: str, key: str):
    spot = _get_hot_spot(request, kind, key)
    open_cases = [c for c in spot.cases if c["status"] in OPEN_STATUSES]
    return render(
        request,
        "hotspots/detail.html",
        {
            "spot": spot,
            "chart": detect.bars(spot.series),
            "weeks": detect.week_labels(),
            "whistle_case": open_cases[0] if open_cases else None,
            "summary": spot.summary(),
            # the map's markers, read by app.js from the page (json_script keeps them out of the HTML's way)
            "points": [
                [c["lat"], c["lon"]] for c in spot.cases if c["lat"] is not None and c["lon"] is not None
            ],
        },
    )


@login_required
@require_POST
def hot_spot_propose(request, kind: str, key: str):
    """Turn the hot spot into a proposal waiting for the community's next meeting."""
    spot = _get_hot_spot(request, kind, key)
    community = get_object_or_404(Community, pk=spot.community_id)
    latest = spot.cases[0]["id"] if spot.cases else None
    try:
        proposal_record(
            community=community,
            actor=request.user,
            text=spot.summary(),
            origin=ProposalOrigin.STAFF,
            case=Case.objects.filter(pk=latest).first() if latest else None,
        )
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("The hot spot waits as a proposal for the next meeting of %(c)s.") % {"c": community.name},
        )
    return redirect("hotspots:detail", kind=kind, key=key)


def _month(value: str | None) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{4})-(\d{2})", value or "")
    if match and 1 <= int(match[2]) <= 12 and 2000 <= int(match[1]) <= 2100:
        return int(match[1]), int(match[2])
    local = timezone.localtime(timezone.now(), TZ)
    return local.year, local.month


@login_required
def monthly(request, street_id: int):
    """每月一题: the street's top recurring problems of a month (?month=YYYY-MM, default this month)."""
    _staff_only(request)
    scope = request.user.scope
    if not (
        scope.is_admin
        or street_id in scope.street_ids
        or communities_for(request.user).filter(street_id=street_id).exists()
    ):
        raise Http404
    street = get_object_or_404(Street, pk=street_id)
    year, month = _month(request.GET.get("month"))
    problems = monthly_problems(request.user, street_id=street.pk, year=year, month=month)
    for p in problems:
        p.chart = detect.bars(p.series, width=90, height=24)
    prev, nxt = detect.shift_month(year, month, -1), detect.shift_month(year, month, 1)
    return render(
        request,
        "hotspots/monthly.html",
        {
            "street": street,
            "month": f"{year}-{month:02d}",
            "prev_month": f"{prev[0]}-{prev[1]:02d}",
            "next_month": f"{nxt[0]}-{nxt[1]:02d}",
            "problems": problems,
        },
    )
