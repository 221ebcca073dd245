"""Care pages (mobile first, for field work): the secretary's board, terminals, calls, care orders and visits.

Every page needs a registry role (others get 404) and is never cached (they show personal data); what a viewer
sees of a person is decided by the selectors."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from linli.cases.models import Category
from linli.core.errors import DomainError
from linli.core.files import serve_stored_file
from linli.core.uploads import check_uploads
from linli.core.validators import mask_name, mask_phone
from linli.residents import services as resident_services
from linli.residents.selectors import get_resident_for_user, present_resident, today

from . import selectors, services
from .choices import OrderStatus
from .forms import CompleteForm, OrderForm, RateForm, ScheduleForm, TerminalForm, VisitRecordForm
from .models import CareProvider, TerminalProvider

PAGE_SIZE = 50


def care_page(view):
    """Signed in, holding a registry role (404 otherwise), never cached."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not selectors.may_use_care(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return login_required(never_cache(wrapped))


def _person(user, resident, on):
    return {"resident": resident, "view": present_resident(user, resident, on=on)}


def _error(request, exc: DomainError) -> None:
    messages.error(request, str(exc.message))


def _form_error(request, form) -> None:
    messages.error(request, _("The form was incomplete: %(e)s") % {"e": form.errors.as_text()})


# ---------------------------------------------------------------- the board


@care_page
def board(request):
    user = request.user
    on = today()
    data = selectors.board(user, on=on)
    calls = [
        {"call": c, "name": selectors.shown_name(user, c), "view": present_resident(user, c.resident, on=on)}
        for c in data["open_calls"]
    ]
    context = {
        **data,
        "calls": calls,
        "missed_rows": [_person(user, r, on) for r in data["missed"]],
        "quiet_rows": [_person(user, r, on) for r in data["quiet"]],
    }
    return render(request, "care/board.html", context)


# ---------------------------------------------------------------- terminals


@care_page
def terminals(request):
    user = request.user
    providers = list(TerminalProvider.objects.filter(is_active=True))
    form = TerminalForm(
        request.POST or None, providers=providers, initial={"resident": request.GET.get("resident")}
    )
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                resident = get_resident_for_user(user, data["resident"])
                provider = next(p for p in providers if str(p.pk) == data["provider"])
                services.terminal_register(
                    actor=user,
                    resident=resident,
                    provider=provider,
                    device_id=data["device_id"],
                    model=data["model"],
                    sim=data["sim"],
                )
            except DomainError as exc:
                _error(request, exc)
            else:
                messages.success(request, _("The terminal is registered."))
                return redirect("care:terminals")
        else:
            _form_error(request, form)
    page = Paginator(selectors.terminals_for(user), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "terminal": t,
            "name": selectors.shown_name(user, t),
            "sim": selectors.shown_phone(user, t, t.sim),
            "handler": selectors.is_handler_of(user, t),
        }
        for t in page
    ]
    context = {
        "page": page,
        "rows": rows,
        "form": form,
        "unknown": selectors.unknown_device_calls(user)[:20],
    }
    return render(request, "care/terminals.html", context)


@care_page
@require_POST
def terminal_deactivate(request, pk: int):
    terminal = selectors.get_terminal_for_user(request.user, pk)
    try:
        services.terminal_deactivate(actor=request.user, terminal=terminal)
    except DomainError as exc:
        _error(request, exc)
    return redirect("care:terminals")


# ---------------------------------------------------------------- calls


@care_page
def call_detail(request, pk: int):
    user = request.user
    call = selectors.get_call_for_user(user, pk)
    handler = selectors.is_handler_of(user, call)
    alerts = [
        {"alert": a, "name": a.name if handler else mask_name(a.name), "phone": mask_phone(a.phone)}
        for a in selectors.call_alerts(call)
    ]
    context = {
        "call": call,
        "name": selectors.shown_name(user, call),
        "alerts": alerts,
        "level": services.LEVEL_NAMES.get(call.level),
    }
    return render(request, "care/call.html", context)


# ---------------------------------------------------------------- orders


@care_page
def orders(request):
    user = request.user
    status = request.GET.get("status", "")
    if status not in OrderStatus.values:
        status = ""
    qs = selectors.orders_for(user, status=status, open_only=not status)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"order": o, "name": selectors.shown_name(user, o)} for o in page]
    context = {"page": page, "rows": rows, "status": status, "statuses": OrderStatus.choices}
    return render(request, "care/orders.html", context)


@care_page
def order_new(request):
    user = request.user
    form = OrderForm(request.POST or None, initial={"resident": request.GET.get("resident")})
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                resident = get_resident_for_user(user, data.pop("resident"))
                order = services.order_create(actor=user, resident=resident, **data)
            except DomainError as exc:
                _error(request, exc)
            else:
                messages.success(request, _("The care order is recorded."))
                return redirect("care:order", order.pk)
        else:
            _form_error(request, form)
    return render(request, "care/order_new.html", {"form": form})


def _order_context(request, order):
    user = request.user
    providers = list(selectors.providers_for(user, community_id=order.community_id))
    visits = list(selectors.order_visits(order)[:60])
    return {
        "order": order,
        "name": selectors.shown_name(user, order),
        "handler": selectors.is_handler_of(user, order),
        "visits": visits,
        "schedule_form": ScheduleForm(
            providers=providers,
            initial={"version": order.version, "service": order.service, "provider": order.provider_id},
        ),
        "complete_form": CompleteForm(initial={"version": order.version}),
        "rate_form": RateForm(initial={"rating": order.rating}),
        "providers": [(p, selectors.provider_phone(user, p)) for p in providers],
        "has_done": any(v.status == "done" for v in visits),
    }


@care_page
def order_detail(request, pk: int):
    order = selectors.get_order_for_user(request.user, pk)
    return render(request, "care/order.html", _order_context(request, order))


@care_page
@require_POST
def order_schedule(request, pk: int):
    user = request.user
    order = selectors.get_order_for_user(user, pk)
    providers = list(selectors.providers_for(user, community_id=order.community_id))
    form = ScheduleForm(request.POST, providers=providers)
    if not form.is_valid():
        _form_error(request, form)
        return redirect("care:order", pk)
    data = form.cleaned_data
    provider = CareProvider.objects.filter(pk=data["provider"]).first()
    scheduled_at = data.get("scheduled_at")
    if scheduled_at is not None and timezone.is_naive(scheduled_at):
        scheduled_at = timezone.make_aware(scheduled_at)
    try:
        services.order_schedule(
            actor=user,
            order=order,
            provider=provider,
            scheduled_at=scheduled_at,
            rule=form.chosen_rule(),
            starts_on=data.get("starts_on"),
            at_time=data.get("at_time"),
            ends_on=data.get("ends_on"),
            service=data.get("service") or "",
            version=data.get("version"),
        )
    except DomainError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("The order is scheduled."))
    return redirect("care:order", pk)


@care_page
@require_POST
def order_complete(request, pk: int):
    user = request.user
    order = selectors.get_order_for_user(user, pk)
    form = CompleteForm(request.POST)
    if not form.is_valid():
        _form_error(request, form)
        return redirect("care:order", pk)
    data = form.cleaned_data
    try:
        visit = order.visits.filter(pk=data["visit"]).first() if data.get("visit") else None
        services.order_complete(
            actor=user,
            order=order,
            note=data["note"],
            photos=check_uploads(request.FILES.getlist("photos")),
            visit=visit,
            version=data.get("version"),
        )
    except DomainError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("The service is recorded as done."))
    return redirect("care:order", pk)


@care_page
@require_POST
def order_rate(request, pk: int):
    order = selectors.get_order_for_user(request.user, pk)
    form = RateForm(request.POST)
    if not form.is_valid():
        _form_error(request, form)
        return redirect("care:order", pk)
    try:
        services.order_rate(
            actor=request.user,
            order=order,
            rating=form.cleaned_data["rating"],
            comment=form.cleaned_data["comment"],
        )
    except DomainError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("Thank you: the rating is recorded."))
    return redirect("care:order", pk)


@care_page
@require_POST
def order_cancel(request, pk: int):
    order = selectors.get_order_for_user(request.user, pk)
    try:
        services.order_cancel(actor=request.user, order=order)
    except DomainError as exc:
        _error(request, exc)
    return redirect("care:order", pk)


@care_page
def photo(request, uuid):
    return serve_stored_file(request, selectors.get_photo_for_user(request.user, uuid))


# ---------------------------------------------------------------- visits (探访)


@care_page
def visits(request):
    user = request.user
    on = today()
    lists = selectors.visit_lists(user, on=on)
    context = {
        "overdue": [_person(user, r, on) for r in lists["overdue"][: selectors.LIST_CAP]],
        "due": [_person(user, r, on) for r in lists["due"][: selectors.LIST_CAP]],
        "categories": Category.objects.filter(is_active=True).order_by("code"),
        "form": VisitRecordForm(),
        "on": on,
    }
    return render(request, "care/visits.html", context)


@care_page
@require_POST
def visit_record(request, pk: int):
    user = request.user
    resident = get_resident_for_user(user, pk)
    form = VisitRecordForm(request.POST)
    if not form.is_valid():
        _form_error(request, form)
        return redirect("care:visits")
    data = form.cleaned_data
    raise_case = None
    if data["case_title"].strip():
        category = Category.objects.filter(code=data["case_category"], is_active=True).first()
        if category is None:
            messages.error(request, _("Choose the category of the case to raise."))
            return redirect("care:visits")
        raise_case = {"title": data["case_title"], "category": category, "description": data["note"]}
    try:
        visit = resident_services.visit_record(
            actor=user, resident=resident, kind=data["kind"], note=data["note"], raise_case=raise_case
        )
    except DomainError as exc:
        _error(request, exc)
        return redirect("care:visits")
    if visit.case_id:
        messages.success(request, _("Visit recorded; case %(n)s raised.") % {"n": visit.case.number})
    else:
        messages.success(request, _("Visit recorded."))
    return redirect("care:visits")
