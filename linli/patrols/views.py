"""Staff pages of the patrols: my rounds, the checklist on the phone, the result with its hazards, campaigns."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core.errors import DomainError
from linli.core.files import serve_stored_file
from linli.core.images import clean_photos
from linli.core.uploads import check_uploads

from . import selectors, services
from .choices import OPEN_HAZARD_STATUSES, HazardStatus, ItemResult
from .forms import HazardCaseForm, HazardFixForm, InspectionForm
from .models import Campaign, ChecklistTemplate, Hazard, Inspection, InspectionPhoto


def _staff_only(request) -> None:
    if not request.user.scope.is_staff_member:
        raise Http404


@login_required
def today(request):
    """My rounds due today (and those still open from the last days), and what I inspected lately."""
    _staff_only(request)
    recent = Inspection.objects.filter(inspector=request.user).with_related()[:10]
    return render(
        request,
        "patrols/today.html",
        {"due": selectors.rounds_due(request.user), "recent": recent, "today": timezone.localdate()},
    )


@login_required
def new_inspection(request):
    """An inspection off the rounds: choose the checklist, then the place."""
    _staff_only(request)
    templates = list(selectors.active_templates())
    template = next((t for t in templates if str(t.pk) == request.GET.get("template")), None)
    places = []
    if template is not None:
        places = selectors.places_for(request.user, template.place_kind)[:500]
    return render(
        request,
        "patrols/new.html",
        {
            "templates": templates,
            "template": template,
            "places": places,
            "kind": template and template.place_kind,
        },
    )


@login_required
def inspect(request, kind: str, pk: int, template_id: int):
    """The checklist on the phone: tick every item, add photos and notes; the browser adds the location."""
    _staff_only(request)
    place = selectors.get_place_for_user(request.user, kind, pk)
    try:
        template = selectors.active_templates().get(pk=template_id, place_kind=kind)
    except ChecklistTemplate.DoesNotExist as exc:
        raise Http404 from exc
    initial = {"started_at": timezone.now(), "occurrence": request.GET.get("occurrence")}
    form = InspectionForm(request.POST or None, request.FILES or None, template=template, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            occurrence = None
            if data["occurrence"]:
                occurrence = selectors.get_occurrence_for_user(request.user, data["occurrence"])
            photos = {}
            for item in form.items:
                field = f"photo_{item.pk}"
                if data[field]:
                    photos[item.pk] = clean_photos(check_uploads(data[field], field=field), field=field)
            ticks = [
                services.ItemTick(item.pk, data[f"result_{item.pk}"], data[f"note_{item.pk}"])
                for item in form.items
            ]
            inspection = services.inspection_record(
                actor=request.user,
                template=template,
                place=place,
                ticks=ticks,
                photos=photos,
                lat=data["lat"],
                lon=data["lon"],
                note=data["note"],
                occurrence=occurrence,
                started_at=data["started_at"],
            )
        except Http404:
            form.add_error(None, _("This round's due date is not yours."))
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            messages.success(request, _("Inspection recorded."))
            return redirect("patrols:inspection", pk=inspection.pk)
    return render(
        request,
        "patrols/inspect.html",
        {"form": form, "place": place, "template": template, "result_choices": ItemResult.choices},
    )


@login_required
def inspection_detail(request, pk: int):
    inspection = selectors.get_inspection_for_user(request.user, pk)
    results = list(selectors.inspection_results(inspection))
    hazards = [r.hazard for r in results if hasattr(r, "hazard")]
    return render(
        request,
        "patrols/inspection.html",
        {
            "inspection": inspection,
            "results": results,
            "open_hazards": [h for h in hazards if h.status == HazardStatus.FOUND],
            "case_form": HazardCaseForm(),
            "fix_form": HazardFixForm(),
            "may_act": request.user.scope.is_staff_member,
        },
    )


@login_required
@require_POST
def inspection_cases(request, pk: int):
    """All hazards of the inspection still without a case become cases, in one step."""
    inspection = selectors.get_inspection_for_user(request.user, pk)
    try:
        cases = services.inspection_open_cases(inspection=inspection, actor=request.user, request=request)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request, _("Cases taken in: %(numbers)s") % {"numbers": "、".join(c.number for c in cases)}
        )
    return redirect("patrols:inspection", pk=inspection.pk)


@login_required
@require_POST
def hazard_case(request, pk: int):
    hazard = selectors.get_hazard_for_user(request.user, pk)
    form = HazardCaseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form was incomplete: %(e)s") % {"e": form.errors.as_text()})
        return redirect("patrols:inspection", pk=hazard.inspection_id)
    try:
        case = services.hazard_open_case(
            hazard=hazard, actor=request.user, category=form.cleaned_data["category"], request=request
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Case %(n)s received.") % {"n": case.number})
    return redirect("patrols:inspection", pk=hazard.inspection_id)


@login_required
@require_POST
def hazard_fix(request, pk: int):
    hazard = selectors.get_hazard_for_user(request.user, pk)
    form = HazardFixForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("The form was incomplete: %(e)s") % {"e": form.errors.as_text()})
        return redirect("patrols:inspection", pk=hazard.inspection_id)
    try:
        photos = clean_photos(check_uploads(form.cleaned_data["photos"]))
        services.hazard_fix(hazard=hazard, actor=request.user, note=form.cleaned_data["note"], photos=photos)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Marked as fixed on the spot."))
    return redirect("patrols:inspection", pk=hazard.inspection_id)


@login_required
def checklists(request):
    _staff_only(request)
    return render(request, "patrols/checklists.html", {"templates": selectors.active_templates()})


@login_required
def campaigns(request):
    _staff_only(request)
    items = Campaign.objects.visible_to(request.user).select_related("community")
    return render(request, "patrols/campaigns.html", {"campaigns": items})


@login_required
def campaign_detail(request, pk: int):
    campaign = selectors.get_campaign_for_user(request.user, pk)
    rows, total = selectors.campaign_figures(campaign)
    hazards = (
        Hazard.objects.filter(
            inspection__in=selectors.campaign_inspections(campaign), status__in=OPEN_HAZARD_STATUSES
        )
        .visible_to(request.user)
        .select_related(
            "inspection__building__compound", "inspection__shop__compound", "inspection__compound", "case"
        )
        .order_by("found_at")[:200]
    )
    return render(
        request,
        "patrols/campaign.html",
        {"campaign": campaign, "rows": rows, "total": total, "open_hazards": hazards},
    )


@login_required
def photo(request, uuid):
    """Photos are served only to those who may see their inspection, as files that never run in the page."""
    try:
        stored = InspectionPhoto.objects.get(uuid=uuid)
    except (InspectionPhoto.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    selectors.get_inspection_for_user(request.user, stored.inspection_id)
    return serve_stored_file(request, stored)
