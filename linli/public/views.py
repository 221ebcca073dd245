"""The resident's pages (H5, no sign-in): report a problem, track it by its code, rate the answer; and the
QR posters staff print for compounds and buildings.

Every public POST is rate limited per client (RL-01); what a resident typed is kept on the form whenever a
step fails, and the case is written in one transaction with its photos or not at all."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linli.cases import services as case_services
from linli.cases.choices import Channel
from linli.cases.models import Category
from linli.core.audit import audit
from linli.core.errors import DomainError
from linli.core.images import clean_photos
from linli.core.ratelimit import by_ip, by_post, check_rate, rate_limit, too_many
from linli.core.uploads import check_uploads
from linli.dispatch import selectors as dispatch_selectors
from linli.org.models import Building, Compound
from linli.org.selectors import buildings_for, communities_for

from . import posters
from .forms import RateForm, ReportForm, TrackForm
from .selectors import (
    building_for_report,
    case_by_tracking_code,
    category_groups,
    compound_for_report,
    find_places,
    may_rate,
    public_status,
    public_timeline,
)

logger = logging.getLogger(__name__)
TITLE_CHARS = 40
SUGGEST_MIN_CONFIDENCE = 0.3


def _title(description: str) -> str:
    """A case title from the resident's own words: their first sentence, shortened."""
    first = description.strip().splitlines()[0]
    for stop in "。！？!?；;":
        first = first.split(stop)[0]
    return first[:TITLE_CHARS].strip() or description.strip()[:TITLE_CHARS]


@require_http_methods(["GET", "POST"])
@rate_limit("public-report", settings.LINLI_PUBLIC_REPORT_RATE)
@rate_limit("public-report-phone", settings.LINLI_PUBLIC_REPORT_PHONE_RATE, key=by_post("reporter_phone"))
def report(request):
    """随手拍: the one page a resident needs to report a problem."""
    source = request.POST if request.method == "POST" else request.GET
    building = building_for_report(source.get("building") or request.GET.get("b"))
    compound = None if building else compound_for_report(source.get("compound") or request.GET.get("c"))
    if request.method == "POST":
        form = ReportForm(request.POST, request.FILES)
        if form.is_valid():
            if form.cleaned_data["website"]:
                return HttpResponseBadRequest()
            case = _take_in(request, form, building, compound)
            if case is not None:
                audit("public_report", request=request, obj=case, channel=Channel.RESIDENT_WEB)
                return redirect(reverse("public:track", args=[case.tracking_code]) + "?new=1")
    else:
        form = ReportForm(
            initial={"building": building.pk if building else None, "compound": compound and compound.pk}
        )
    query = request.GET.get("q", "").strip()
    if query:  # the place search (a plain GET form: it works without JavaScript)
        wait = check_rate(request, "public-places", "300/h", methods=None)
        if wait is not None:
            return too_many(request, wait)
    return render(
        request,
        "public/report.html",
        {
            "form": form,
            "groups": category_groups(),
            "building": building,
            "compound": compound,
            "compound_buildings": compound.buildings.order_by("name") if compound is not None else [],
            "query": query,
            "places": find_places(query) if query else [],
        },
    )


def _take_in(request, form: ReportForm, building: Building | None, compound: Compound | None):
    """The case from a valid form, or None with the problem added to the form."""
    data = form.cleaned_data
    try:
        photos = clean_photos(check_uploads(request.FILES.getlist("photos")))
        lat, lon = data.get("lat"), data.get("lon")
        if lat is None and building is None and compound is None:
            located = next((p for p in photos if p.lat is not None), None)
            if located is not None:  # the photo knows where it was taken
                lat, lon = located.lat, located.lon
        if lat is None and building is None and compound is not None and compound.lat is not None:
            lat, lon = compound.lat, compound.lon
        return case_services.case_create_public(
            channel=Channel.RESIDENT_WEB,
            title=_title(data["description"]),
            category=data["category"],
            description=data["description"],
            lat=lat,
            lon=lon,
            address=data["address"] or (str(compound) if compound and not building else ""),
            building=building,
            community=compound.community if compound is not None else None,
            reporter_name=data["reporter_name"],
            reporter_phone=data["reporter_phone"],
            attachments=[p.upload for p in photos],
        )
    except DomainError as exc:
        field = exc.field if exc.field in form.fields else None
        form.add_error(field, str(exc.message))
        return None
    except OSError:  # the photo store failed: the case rolled back with it, the form keeps what was typed
        logger.exception("public report: storing the photos failed")
        form.add_error("photos", _("Your photos could not be stored just now. Please send again."))
        return None


@require_GET
@rate_limit("public-suggest", "120/m", methods=None)
def suggest(request):
    """While a resident describes the problem: the categories the dispatch model thinks it is (JSON for the page's
    script), when it is fairly sure; nothing without an active model."""
    answer = dispatch_selectors.suggest(request.GET.get("text", "")[:2000])
    sure = [s for s in answer["suggestions"] if s["confidence"] >= SUGGEST_MIN_CONFIDENCE][:2]
    pks = dict(
        Category.objects.filter(code__in=[s["code"] for s in sure], is_active=True).values_list("code", "pk")
    )
    return JsonResponse(
        {"suggestions": [{"id": pks[s["code"]], "name": s["name"]} for s in sure if s["code"] in pks]}
    )


@require_http_methods(["GET", "POST"])
def track_lookup(request):
    """Enter a tracking code."""
    form = TrackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"].strip().upper().replace("-", "").replace(" ", "")
        return redirect("public:track", code=code)
    return render(request, "public/track_lookup.html", {"form": form})


@require_GET
@rate_limit("public-track", "600/h", methods=None)
def track(request, code: str):
    """查询: the state of one report, its public timeline and the expected date; the rating form when due."""
    case = case_by_tracking_code(code)
    if case is None:
        return _unknown_code(request)
    return render(
        request, "public/track.html", _track_context(case, RateForm(), new=request.GET.get("new") == "1")
    )


@require_POST
@rate_limit("public-rate", "20/h")
def rate(request, code: str):
    """回访 by the reporter: solved or not, and how satisfied."""
    case = case_by_tracking_code(code)
    if case is None:
        return _unknown_code(request)
    form = RateForm(request.POST)
    if not may_rate(case):
        form.add_error(None, _("This report cannot be rated now."))
    elif form.is_valid():
        try:
            case_services.case_record_feedback(
                case=case,
                actor=None,
                solved=form.cleaned_data["solved"],
                satisfaction=form.cleaned_data["satisfaction"],
                comment=form.cleaned_data["comment"],
                version=case.version,
            )
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            return redirect(reverse("public:track", args=[case.tracking_code]) + "?rated=1")
    return render(request, "public/track.html", _track_context(case, form), status=400)


def _unknown_code(request):
    """No report has this code. Guessing codes is slow: misses have a limit far below the page's own."""
    wait = check_rate(request, "public-track-miss", "30/h", key=by_ip, methods=None)
    if wait is not None:
        return too_many(request, wait)
    raise Http404(_("No report has this tracking code."))


def _track_context(case, form, *, new: bool = False) -> dict:
    return {
        "case": case,
        "status": public_status(case),
        "steps": public_timeline(case),
        "may_rate": may_rate(case),
        "form": form,
        "new": new,
        "link": settings.LINLI_PUBLIC_BASE_URL.rstrip("/")
        + reverse("public:track", args=[case.tracking_code]),
    }


# ------------------------------------------------------------------ QR posters (staff)


@login_required
def poster_list(request):
    """The compounds and buildings the staff member may print a poster for."""
    communities = communities_for(request.user)
    compounds = (
        Compound.objects.filter(community__in=communities).select_related("community").order_by("name")
    )
    buildings = buildings_for(request.user).select_related("compound__community")
    return render(request, "public/posters.html", {"compounds": compounds, "buildings": buildings})


@login_required
def poster(request, kind: str, pk: int):
    """An A4 poster (服务标识) whose QR code opens the report page with the place filled in."""
    if kind == "building":
        place = buildings_for(request.user).select_related("compound__community").filter(pk=pk).first()
        community = place.compound.community if place else None
        query = f"b={pk}"
    elif kind == "compound":
        place = Compound.objects.filter(community__in=communities_for(request.user), pk=pk).first()
        community = place.community if place else None
        query = f"c={pk}"
    else:
        raise Http404
    if place is None:
        raise Http404
    url = f"{settings.LINLI_PUBLIC_BASE_URL.rstrip('/')}{reverse('public:report')}?{query}"
    return render(
        request,
        "public/poster.html",
        {"place": place, "community": community, "url": url, "qr": posters.qr_svg(url)},
    )
