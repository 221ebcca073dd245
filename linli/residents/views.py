"""Registry pages: thin views that parse, fetch through the accessors and call one service.

Every page needs a registry role (others get 404) and is sent with ``Cache-Control: no-store``: they show
personal data. What a viewer sees of a person is decided by the selectors (``present_resident``,
``household_address``, ``emergency_contacts_seen_by``), never here or in the templates.
"""

from __future__ import annotations

import json
from functools import partial, wraps
from urllib.parse import quote, urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from linli.accounts.choices import Role
from linli.accounts.models import User
from linli.cases.models import Category
from linli.core.errors import DomainError, NotAllowed
from linli.org.models import Community
from linli.org.selectors import buildings_for, communities_for, grids_for

from . import pending_imports, selectors, services
from .choices import HANDLER_ROLES, URGENT_TAGS, RequestKind, RequestStatus, TagTarget
from .forms import (
    CarePlanForm,
    CommunityChoiceForm,
    DataRequestCloseForm,
    DataRequestForm,
    EmergencyContactForm,
    ExportForm,
    ImportUploadForm,
    ListFilterForm,
    LookupForm,
    ResidentCreateForm,
    ResidentEditForm,
    RevealForm,
    TagAddForm,
    TagRemoveForm,
    VisitForm,
)
from .importer import import_template as import_template_bytes
from .importer import registry_import
from .models import ExportRequest, Tag

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_SIZE = 50
NAME_FILTER_KEY = "residents_name_filter"  # the name filter lives in the session, never in a URL
IMPORT_KEY = "residents_import"
IMPORT_PROBLEMS_SHOWN = 500
TEMPLATE_NAME = "居民信息导入模板.xlsx"


def registry_page(view):
    """Signed in, holding a registry role (404 otherwise), and never cached by the browser or a proxy."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not selectors.may_use_registry(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return login_required(never_cache(wrapped))


def _form_error(request, form) -> None:
    messages.error(request, _("The form was incomplete: %(e)s") % {"e": form.errors.as_text()})


def _attachment(content: bytes, *, content_type: str, filename: str, fallback: str = "") -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    ascii_name = fallback or filename
    disposition = f'attachment; filename="{ascii_name}"'
    if fallback:
        disposition += f"; filename*=UTF-8''{quote(filename)}"
    response["Content-Disposition"] = disposition
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# ----------------------------------------------------------------------------- what the viewer may choose from


def _import_communities(user):
    scope = user.scope
    qs = Community.objects.order_by("name")
    return qs if scope.is_admin else qs.filter(pk__in=scope.community_ids)


def _may_import(user) -> bool:
    return bool(user.scope.community_ids) or user.scope.is_admin


def _tags_offered(user) -> list[Tag]:
    """Tags the viewer may see somewhere: a sensitive tag none of whose roles the viewer holds is not offered."""
    roles = user.scope.roles
    return [t for t in Tag.objects.all() if t.visible_for(roles)]


def _filter_form(user, data, form_class=ListFilterForm):
    return form_class(data, grids=grids_for(user), buildings=buildings_for(user), tags=_tags_offered(user))


_NO_FILTERS = {"grid": None, "building": None, "tag": None, "name": "", "include_moved_out": False}


def _list_query(filters: dict, *, page=None) -> str:
    """The list's URL query: the filters that are not personal data (the name stays in the session)."""
    query = {k: filters[k] for k in ("grid", "building", "tag") if filters.get(k)}
    if filters.get("include_moved_out"):
        query["include_moved_out"] = "on"
    if filters.get("name"):
        query["named"] = "1"
    if page:
        query["page"] = page
    return urlencode(query)


def _list_url(filters: dict) -> str:
    query = _list_query(filters)
    return reverse("residents:list") + (f"?{query}" if query else "")


# ----------------------------------------------------------------------------- 1. the list and its exports


@registry_page
def resident_list(request):
    user = request.user
    if request.method == "POST":
        form = _filter_form(user, request.POST)
        if form.is_valid():
            filters = form.filters()
            request.session[NAME_FILTER_KEY] = filters["name"]
            return redirect(_list_url(filters))
    else:
        data = request.GET.copy()
        data.pop("name", None)
        data["name"] = request.session.get(NAME_FILTER_KEY, "") if data.get("named") else ""
        form = _filter_form(user, data)
    filters = form.filters() if form.is_valid() else dict(_NO_FILTERS)
    residents = selectors.resident_list(user, **filters)
    page = Paginator(residents, PAGE_SIZE).get_page(request.GET.get("page"))
    today = selectors.today()
    rows = [
        (selectors.present_resident(user, r, on=today), selectors.household_address(user, r.household))
        for r in page
    ]
    export_form = _filter_form(user, None, ExportForm)
    return render(
        request,
        "residents/list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "filters": filters,
            "query": _list_query(filters),
            "export_form": export_form,
            "may_unmask": bool(user.scope.roles & HANDLER_ROLES),
            "may_import": _may_import(user),
        },
    )


@registry_page
@require_POST
def export(request):
    user = request.user
    form = _filter_form(user, request.POST, ExportForm)
    if not form.is_valid():
        _form_error(request, form)
        return redirect("residents:list")
    filters = form.filters()
    request.session[NAME_FILTER_KEY] = filters["name"]
    try:
        content = services.registry_export(
            actor=user,
            residents=selectors.resident_list(user, **filters),
            filters=filters,
            unmasked=form.cleaned_data["unmasked"],
            reason=form.cleaned_data["reason"],
            request=request,
        )
    except NotAllowed as exc:
        if exc.code == "export_needs_approval":
            messages.warning(
                request,
                _("%(message)s Request no. %(n)s is on the exports page.")
                % {"message": exc.message, "n": exc.extra.get("export_request")},
            )
        else:
            messages.error(request, str(exc.message))
        return redirect(_list_url(filters))
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect(_list_url(filters))
    return _attachment(content, content_type=XLSX, filename=f"residents-{timezone.localdate():%Y%m%d}.xlsx")


def _exports_seen_by(user):
    scope = user.scope
    q = Q(requested_by=user) | Q(community_id__in=scope.community_ids)
    if scope.street_ids:
        q |= Q(community__street_id__in=scope.street_ids)
    return ExportRequest.objects.filter(q).select_related("requested_by", "decided_by", "community")


@registry_page
def exports(request):
    user = request.user
    page = Paginator(_exports_seen_by(user), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "item": e,
            "may_decide": e.status == ExportRequest.Status.PENDING and services.may_decide_export(user, e),
            "may_download": e.requested_by_id == user.pk and e.status == ExportRequest.Status.APPROVED,
        }
        for e in page
    ]
    return render(request, "residents/exports.html", {"page": page, "rows": rows})


def _get_export(user, pk) -> ExportRequest:
    try:
        return _exports_seen_by(user).get(pk=int(pk))
    except (ExportRequest.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


@registry_page
@require_POST
def export_decide(request, pk: int):
    export_request = _get_export(request.user, pk)
    approve = request.POST.get("approve") == "1"
    try:
        services.export_decide(actor=request.user, export=export_request, approve=approve, request=request)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Export approved.") if approve else _("Export refused."))
    return redirect("residents:exports")


@registry_page
@require_POST
def export_download(request, pk: int):
    """The requester downloads an approved export once: the request is claimed (approved → used) first."""
    user = request.user
    export_request = _get_export(user, pk)
    if export_request.requested_by_id != user.pk:
        raise Http404
    try:
        content = services.export_download(actor=user, export=export_request, request=request)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("residents:exports")
    return _attachment(
        content,
        content_type=XLSX,
        filename=f"residents-{timezone.localdate():%Y%m%d}-{export_request.pk}.xlsx",
    )


# ----------------------------------------------------------------------------- 2. the resident page


def _addable_tags(user, household, target: str):
    """Tags the viewer may set here: of this target, not derived, and visible to the roles they hold here."""
    roles = selectors.roles_here(user, household)
    addable = [t.pk for t in Tag.objects.filter(derived=False, target=target) if t.visible_for(roles)]
    return Tag.objects.filter(pk__in=addable)


def _care_workers(household):
    q = Q(roles__role=Role.SECRETARY, roles__community_id=household.community_id)
    if household.grid_id:
        q |= Q(roles__role=Role.GRID_WORKER, roles__grid_id=household.grid_id)
    return User.objects.filter(q, is_active=True).distinct().order_by("display_name", "username")


def _case_categories():
    return (
        Category.objects.filter(is_active=True, children__isnull=True)
        .select_related("parent")
        .order_by("parent__name", "name")
    )


@registry_page
def resident_detail(request, pk: int):
    user = request.user
    resident = selectors.get_resident_for_user(user, pk)
    view = selectors.present_resident(user, resident)
    household = resident.household
    history = selectors.tag_history(user, resident)
    live_own = [a for a in history if a.removed_at is None and a.resident_id == resident.pk]
    live_house = [a for a in history if a.removed_at is None and a.household_id]
    context = {
        "view": view,
        "resident": resident,
        "household": household,
        "address": selectors.household_address(user, household),
        "live_own": live_own,
        "live_house": live_house,
        "history": history,
        "contacts": selectors.emergency_contacts_seen_by(user, resident),
        "visits": resident.visits.select_related("visitor", "case")[:20],
        "cases": selectors.resident_cases(user, resident).select_related("category")[:50],
        "requests": resident.data_requests.order_by("-received_at")[:20],
        "overdue": bool(resident.next_visit_due and resident.next_visit_due < selectors.today()),
    }
    if view.handler:
        context.update(
            edit_form=ResidentEditForm(
                initial={
                    "version": resident.version,
                    "name": resident.name,
                    "gender": resident.gender,
                    "birth_date": resident.birth_date,
                    "relationship": resident.relationship,
                    "moved_in": resident.moved_in,
                    "moved_out": resident.moved_out,
                    "notes": resident.notes,
                }
            ),
            tag_form=TagAddForm(tags=_addable_tags(user, resident.household, TagTarget.RESIDENT)),
            contact_form=EmergencyContactForm(),
            care_form=CarePlanForm(
                workers=_care_workers(household),
                initial={
                    "visit_every_days": resident.visit_every_days,
                    "care_worker": resident.care_worker_id,
                },
            ),
            visit_form=VisitForm(categories=_case_categories()),
            request_form=DataRequestForm(),
        )
    return render(request, "residents/resident.html", context)


def _back_to(resident):
    return redirect("residents:detail", pk=resident.pk)


def _act(request, form, act, *, done, back):
    """Check the form, call one service with its data, say how it went, and go back where the person was."""
    if not form.is_valid():
        _form_error(request, form)
        return back
    try:
        act(**form.cleaned_data)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, done(form.cleaned_data) if callable(done) else done)
    return back


def _tag_set(data) -> str:
    return _("Tag %(tag)s set.") % {"tag": data["tag"].name}


@registry_page
@require_POST
def resident_edit(request, pk: int):
    resident = selectors.get_resident_for_user(request.user, pk)
    form = ResidentEditForm(request.POST)
    if not form.is_valid():
        _form_error(request, form)
        return _back_to(resident)
    changes = form.changes(resident)
    if not changes:
        messages.info(request, _("Nothing was changed."))
        return _back_to(resident)
    try:
        services.resident_update(
            actor=request.user,
            resident=resident,
            version=form.cleaned_data["version"],
            request=request,
            **changes,
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Details saved."))
    return _back_to(resident)


@registry_page
@require_POST
def resident_tag_add(request, pk: int):
    resident = selectors.get_resident_for_user(request.user, pk)
    form = TagAddForm(request.POST, tags=_addable_tags(request.user, resident.household, TagTarget.RESIDENT))
    act = partial(services.tag_add, actor=request.user, resident=resident, request=request)
    return _act(request, form, act, done=_tag_set, back=_back_to(resident))


def _remove_tag(request, assignments, back):
    """Remove one of the live assignments the viewer may see (anything else is 404)."""
    form = TagRemoveForm(request.POST)
    if not form.is_valid():
        raise Http404
    assignment = next((a for a in assignments if a.pk == form.cleaned_data["assignment"]), None)
    if assignment is None:
        raise Http404
    try:
        services.tag_remove(actor=request.user, assignment=assignment, request=request)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Tag %(tag)s removed.") % {"tag": assignment.tag.name})
    return back


@registry_page
@require_POST
def resident_tag_remove(request, pk: int):
    resident = selectors.get_resident_for_user(request.user, pk)
    live = [
        a
        for a in selectors.tag_history(request.user, resident)
        if a.removed_at is None and a.resident_id == resident.pk
    ]
    return _remove_tag(request, live, _back_to(resident))


@registry_page
@require_POST
def resident_contact_add(request, pk: int):
    resident = selectors.get_resident_for_user(request.user, pk)
    act = partial(services.emergency_contact_add, actor=request.user, resident=resident)
    return _act(
        request,
        EmergencyContactForm(request.POST),
        act,
        done=_("Emergency contact added."),
        back=_back_to(resident),
    )


@registry_page
@require_POST
def resident_care(request, pk: int):
    resident = selectors.get_resident_for_user(request.user, pk)
    form = CarePlanForm(request.POST, workers=_care_workers(resident.household))
    act = partial(services.care_plan_set, actor=request.user, resident=resident)
    return _act(request, form, act, done=_("Care plan saved."), back=_back_to(resident))


@registry_page
@require_POST
def resident_visit(request, pk: int):
    resident = selectors.get_resident_for_user(request.user, pk)
    form = VisitForm(request.POST, categories=_case_categories())
    back = redirect("residents:visits") if request.POST.get("back") == "visits" else _back_to(resident)
    if not form.is_valid():
        _form_error(request, form)
        return back
    try:
        visit = services.visit_record(
            actor=request.user,
            resident=resident,
            kind=form.cleaned_data["kind"],
            note=form.cleaned_data["note"],
            raise_case=form.raise_case_values(),
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return back
    if visit.case_id:
        messages.success(request, _("Visit recorded and case %(n)s raised.") % {"n": visit.case.number})
    else:
        messages.success(request, _("Visit recorded."))
    return back


@registry_page
@require_POST
def resident_request_add(request, pk: int):
    resident = selectors.get_resident_for_user(request.user, pk)
    form = DataRequestForm(request.POST)
    if not form.is_valid():
        _form_error(request, form)
        return _back_to(resident)
    try:
        dsr = services.data_request_create(
            actor=request.user, resident=resident, request=request, **form.cleaned_data
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return _back_to(resident)
    messages.success(request, _("Request recorded; it is due on %(d)s.") % {"d": f"{dsr.due_date:%Y-%m-%d}"})
    return redirect("residents:request", pk=dsr.pk)


def _reveal(request, subject):
    """One protected value in full, as a fragment for the reveal dialog; errors come back as fragments too."""
    form = RevealForm(request.POST)
    if not form.is_valid():
        return render(request, "residents/_reveal.html", {"error": _("Choose what to show.")}, status=400)
    try:
        value = services.field_reveal(
            actor=request.user,
            subject=subject,
            field=form.cleaned_data["field"],
            reason=form.cleaned_data["reason"],
            request=request,
        )
    except DomainError as exc:
        return render(request, "residents/_reveal.html", {"error": exc.message}, status=exc.status)
    return render(request, "residents/_reveal.html", {"value": value, "field": form.cleaned_data["field"]})


@registry_page
@require_POST
def resident_reveal(request, pk: int):
    return _reveal(request, selectors.get_resident_for_user(request.user, pk))


# ----------------------------------------------------------------------------- 3. the household page


@registry_page
def household_detail(request, pk: int):
    user = request.user
    household = selectors.get_household_for_user(user, pk)
    handler = selectors.is_handler_here(user, household)
    roles = selectors.roles_here(user, household)
    live = list(selectors.live_assignments().filter(household=household).select_related("added_by"))
    today = selectors.today()
    members = [
        selectors.present_resident(user, r, on=today)
        for r in selectors.with_live_tags(household.residents.filter(anonymised_at__isnull=True))
    ]
    context = {
        "household": household,
        "address": selectors.household_address(user, household),
        "handler": handler,
        "tags": selectors.tags_seen_by(roles, live, on_household=True),
        "live": [a for a in live if a.tag.visible_for(roles)],
        "members": members,
    }
    if handler:
        context.update(
            member_form=ResidentCreateForm(),
            tag_form=TagAddForm(tags=_addable_tags(user, household, TagTarget.HOUSEHOLD)),
        )
    return render(request, "residents/household.html", context)


@registry_page
@require_POST
def household_member_add(request, pk: int):
    household = selectors.get_household_for_user(request.user, pk)
    form = ResidentCreateForm(request.POST)
    if not form.is_valid():
        _form_error(request, form)
        return redirect("residents:household", pk=household.pk)
    try:
        resident = services.resident_create(
            actor=request.user, household=household, request=request, **form.values()
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("residents:household", pk=household.pk)
    messages.success(request, _("%(name)s added to the household.") % {"name": resident.name})
    return redirect("residents:detail", pk=resident.pk)


@registry_page
@require_POST
def household_tag_add(request, pk: int):
    household = selectors.get_household_for_user(request.user, pk)
    form = TagAddForm(request.POST, tags=_addable_tags(request.user, household, TagTarget.HOUSEHOLD))
    act = partial(services.tag_add, actor=request.user, household=household, request=request)
    return _act(request, form, act, done=_tag_set, back=redirect("residents:household", pk=household.pk))


@registry_page
@require_POST
def household_tag_remove(request, pk: int):
    household = selectors.get_household_for_user(request.user, pk)
    roles = selectors.roles_here(request.user, household)
    live = [a for a in selectors.live_assignments().filter(household=household) if a.tag.visible_for(roles)]
    return _remove_tag(request, live, redirect("residents:household", pk=household.pk))


@registry_page
@require_POST
def household_reveal(request, pk: int):
    return _reveal(request, selectors.get_household_for_user(request.user, pk))


# ----------------------------------------------------------------------------- 4. visits due


@registry_page
def visits_due(request):
    user = request.user
    today = selectors.today()
    page = Paginator(selectors.visits_due(user, on=today), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "view": selectors.present_resident(user, r, on=today),
            "resident": r,
            "overdue": bool(r.next_visit_due and r.next_visit_due < today),
        }
        for r in page
    ]
    return render(request, "residents/visits.html", {"page": page, "rows": rows, "today": today})


# ----------------------------------------------------------------------------- 5. data-subject requests


@registry_page
def data_requests(request):
    user = request.user
    today = selectors.today()
    page = Paginator(selectors.data_requests_for(user), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "item": dsr,
            "name": selectors.present_resident(user, dsr.resident, on=today).name,
            "days_left": selectors.due_in_days(dsr, on=today),
        }
        for dsr in page
    ]
    return render(request, "residents/requests.html", {"page": page, "rows": rows})


@registry_page
def data_request_detail(request, pk: int):
    user = request.user
    dsr = selectors.get_data_request_for_user(user, pk)
    handler = selectors.is_handler_here(user, dsr.resident.household)
    context = {
        "dsr": dsr,
        "view": selectors.present_resident(user, dsr.resident),
        "days_left": selectors.due_in_days(dsr),
        "handler": handler,
        "is_open": dsr.status == RequestStatus.OPEN,
        "is_correct": dsr.kind == RequestKind.CORRECT,
        "is_delete": dsr.kind == RequestKind.DELETE,
    }
    if handler and dsr.status == RequestStatus.OPEN:
        context["close_form"] = DataRequestCloseForm(kind=dsr.kind)
    return render(request, "residents/request.html", context)


@registry_page
@require_POST
def data_request_download(request, pk: int):
    dsr = selectors.get_data_request_for_user(request.user, pk)
    try:
        data = services.data_request_export(actor=request.user, dsr=dsr, request=request)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("residents:request", pk=dsr.pk)
    content = json.dumps(data, ensure_ascii=False, indent=2).encode()
    return _attachment(
        content, content_type="application/json; charset=utf-8", filename=f"data-request-{dsr.pk}.json"
    )


@registry_page
@require_POST
def data_request_close(request, pk: int):
    dsr = selectors.get_data_request_for_user(request.user, pk)
    form = DataRequestCloseForm(request.POST, kind=dsr.kind)
    if not form.is_valid():
        _form_error(request, form)
        return redirect("residents:request", pk=dsr.pk)
    refuse = form.cleaned_data["refuse"]
    try:
        services.data_request_close(
            actor=request.user,
            dsr=dsr,
            outcome=form.cleaned_data["outcome"],
            refuse=refuse,
            corrections=None if refuse else form.corrections(),
            request=request,
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Request refused.") if refuse else _("Request closed."))
    return redirect("residents:request", pk=dsr.pk)


# ----------------------------------------------------------------------------- 6. the import wizard


def _import_forget(request) -> None:
    pending = request.session.pop(IMPORT_KEY, None)
    if isinstance(pending, dict):
        pending_imports.forget(pending.get("token"))


def _run_import(request, community, sheet, *, commit: bool):
    return registry_import(
        actor=request.user, community=community, file=sheet, commit=commit, request=request
    )


def _import_page(request, form, report=None, pending=None):
    problems = list(report.problems) if report is not None else []
    return render(
        request,
        "residents/import.html",
        {
            "form": form,
            "report": report,
            "pending": pending,
            "problems": problems[:IMPORT_PROBLEMS_SHOWN],
            "more_problems": max(0, len(problems) - IMPORT_PROBLEMS_SHOWN),
        },
    )


@registry_page
def import_wizard(request):
    user = request.user
    if not _may_import(user):
        raise Http404
    communities = _import_communities(user)
    if request.method != "POST":
        return _import_page(
            request, ImportUploadForm(communities=communities), pending=request.session.get(IMPORT_KEY)
        )
    step = request.POST.get("step")
    if step == "cancel":
        _import_forget(request)
        messages.info(request, _("The uploaded file was discarded."))
        return redirect("residents:import")
    if step == "commit":
        pending = request.session.get(IMPORT_KEY)
        sheet = pending_imports.open_kept(pending.get("token")) if isinstance(pending, dict) else None
        community = communities.filter(pk=pending.get("community")).first() if sheet else None
        if sheet is None or community is None:
            _import_forget(request)
            messages.error(request, _("Upload the file again: the checked copy is gone."))
            return redirect("residents:import")
        try:
            report = _run_import(request, community, sheet, commit=True)
        except DomainError as exc:
            messages.error(request, str(exc.message))
            return redirect("residents:import")
        _import_forget(request)
        if report.committed:
            messages.success(
                request, _("The registry was updated from %(name)s.") % {"name": pending.get("name")}
            )
        return _import_page(request, ImportUploadForm(communities=communities), report=report)
    # step 1: upload and dry run
    form = ImportUploadForm(request.POST, request.FILES, communities=communities)
    if not form.is_valid():
        return _import_page(request, form)
    _import_forget(request)
    token = pending_imports.keep(form.cleaned_data["file"])
    community = form.cleaned_data["community"]
    try:
        report = _run_import(request, community, pending_imports.open_kept(token), commit=False)
    except DomainError as exc:
        pending_imports.forget(token)
        form.add_error("file", str(exc.message))
        return _import_page(request, form)
    name = form.cleaned_data["file"].name.replace("\\", "/").rsplit("/", 1)[-1][:100]
    pending = {"token": token, "community": community.pk, "community_name": community.name, "name": name}
    request.session[IMPORT_KEY] = pending
    return _import_page(request, ImportUploadForm(communities=communities), report=report, pending=pending)


@registry_page
def import_template(request):
    if not _may_import(request.user):
        raise Http404
    return _attachment(
        import_template_bytes(),
        content_type=XLSX,
        filename=TEMPLATE_NAME,
        fallback="residents-import-template.xlsx",
    )


# ----------------------------------------------------------------------------- 7. the community profile


@registry_page
def community(request):
    communities = communities_for(request.user)
    form = CommunityChoiceForm(request.GET or None, communities=communities)
    chosen = None
    if form.is_valid() and form.cleaned_data["community"]:
        chosen = form.cleaned_data["community"]
    elif request.GET.get("community"):
        raise Http404
    if chosen is None:
        first_two = list(communities[:2])
        if len(first_two) == 1:
            chosen = first_two[0]
    profile = selectors.community_profile(chosen) if chosen else None
    return render(
        request,
        "residents/community.html",
        {"form": form, "profile": profile, "choose": chosen is None or communities.count() > 1},
    )


# ----------------------------------------------------------------------------- 8. intake's lookup by phone


@registry_page
@require_POST
def lookup(request):
    """Residents in the viewer's scope with this phone, for the intake form (the phone comes in the POST body)."""
    user = request.user
    form = LookupForm({"phone": request.POST.get("phone") or request.POST.get("reporter_phone", "")})
    phone = form.cleaned_data["phone"] if form.is_valid() else ""
    today = selectors.today()
    matches = []
    for resident in selectors.residents_by_phone(user, phone)[:10] if phone else ():
        view = selectors.present_resident(user, resident, on=today)
        urgent = selectors.needs_urgent_care(resident)
        why = ""
        if urgent:
            names = [t.name for t in view.tags if t.code in URGENT_TAGS]
            why = (
                _("%(tags)s: calls from this resident are urgent.") % {"tags": "、".join(names)}
                if names
                else _("This resident needs urgent care: calls from them are urgent.")
            )
        matches.append(
            {"view": view, "address": selectors.household_address(user, resident.household), "why": why}
        )
    return render(request, "residents/_lookup.html", {"matches": matches, "searched": bool(phone)})
