"""Charity pages: donations with receipts, stock and its ledger, distribution plans with the list for approval,
the phone hand-over screen with a signature pad, home deliveries; and the public summary of a community.

Staff pages need a community-side role (others get 404) and are never cached (households and signatures)."""

from __future__ import annotations

from datetime import date
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from linli.accounts.choices import Role
from linli.accounts.models import RoleAssignment, User
from linli.core.errors import DomainError
from linli.core.files import serve_stored_file
from linli.core.ratelimit import rate_limit
from linli.core.uploads import check_uploads
from linli.org.models import Community
from linli.partners.models import Partner

from . import selectors, services
from .choices import DeliveryStatus, PlanStatus, ProofKind
from .forms import AdjustForm, DeliveryForm, DonationForm, HandOverForm, PlanForm, ReasonForm, communities_of

PAGE_SIZE = 50


def charity_page(view):
    """Signed in, community-side staff (404 otherwise), never cached."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not selectors.may_use_charity(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return login_required(never_cache(wrapped))


def _error(request, exc: DomainError) -> None:
    messages.error(request, str(exc.message))


def _form_error(request, form) -> None:
    messages.error(request, _("The form was incomplete: %(e)s") % {"e": form.errors.as_text()})


def _page(request, qs):
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


# ---------------------------------------------------------------- overview and stock


@charity_page
def home(request):
    user = request.user
    plans = selectors.distributions_for(user).exclude(status=PlanStatus.CLOSED)[:20]
    context = {
        "stock": selectors.stock_for(user)[:100],
        "plans": plans,
        "deliveries": selectors.deliveries_for(user, status=DeliveryStatus.PLANNED)[:20],
        "donations": selectors.donations_for(user)[:10],
    }
    return render(request, "charity/home.html", context)


@charity_page
def stock_item(request, pk: int):
    user = request.user
    item = selectors.get_stock_item_for_user(user, pk)
    form = AdjustForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.stock_adjust(
                    actor=user,
                    stock_item=item,
                    delta=form.cleaned_data["delta"],
                    reason=form.cleaned_data["reason"],
                    request=request,
                )
            except DomainError as exc:
                _error(request, exc)
            else:
                messages.success(request, _("The adjustment is recorded."))
                return redirect("charity:stock_item", pk=item.pk)
        else:
            _form_error(request, form)
        item.refresh_from_db()
    context = {
        "item": item,
        "page": _page(request, selectors.ledger_for(user, stock_item=item)),
        "form": form,
        "may_adjust": services.is_secretary_of(user, item.community_id),
        "check": services.verify_ledger(item),
    }
    return render(request, "charity/stock_item.html", context)


# ---------------------------------------------------------------- donations


@charity_page
def donations(request):
    page = _page(request, selectors.donations_for(request.user))
    return render(request, "charity/donations.html", {"page": page})


@charity_page
def donation_new(request):
    user = request.user
    communities = communities_of(user)
    if not communities:
        raise Http404
    form = DonationForm(request.POST or None, request.FILES or None, communities=communities)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            community = next(c for c in communities if str(c.pk) == data["community"])
            try:
                partner = None
                if data["partner"]:
                    partner = Partner.objects.filter(pk=data["partner"], community=community).first()
                receipt = request.FILES.getlist("receipt")
                donation = services.donation_receive(
                    actor=user,
                    community=community,
                    donor_kind=data["donor_kind"],
                    partner=partner,
                    donor_name=data["donor_name"],
                    received_on=data["received_on"],
                    items=form.items(),
                    total_value=data["total_value"],
                    receipt_number=data["receipt_number"],
                    receipt=check_uploads(receipt, field="receipt")[0] if receipt else None,
                    note=data["note"],
                    request=request,
                )
            except DomainError as exc:
                _error(request, exc)
            else:
                messages.success(request, _("The donation is recorded and its items are in stock."))
                return redirect("charity:donation", pk=donation.pk)
        else:
            _form_error(request, form)
    return render(request, "charity/donation_new.html", {"form": form})


@charity_page
def donation_detail(request, pk: int):
    donation = selectors.get_donation_for_user(request.user, pk)
    return render(request, "charity/donation.html", {"donation": donation})


@charity_page
def stored_file(request, uuid):
    return serve_stored_file(request, selectors.get_file_for_user(request.user, uuid))


# ---------------------------------------------------------------- plans


@charity_page
def plans(request):
    status = request.GET.get("status", "")
    if status not in PlanStatus.values:
        status = ""
    page = _page(request, selectors.distributions_for(request.user, status=status))
    return render(
        request, "charity/plans.html", {"page": page, "status": status, "statuses": PlanStatus.choices}
    )


@charity_page
def plan_new(request):
    user = request.user
    communities = communities_of(user)
    if not communities:
        raise Http404
    stock = list(selectors.stock_for(user).filter(community__in=communities, quantity__gt=0))
    form = PlanForm(request.POST or None, stock=stock, communities=communities)
    if request.method == "POST":
        if form.is_valid():
            item = next(s for s in stock if str(s.pk) == form.cleaned_data["stock_item"])
            try:
                plan = services.distribution_create(
                    actor=user,
                    community=item.community,
                    name=form.cleaned_data["name"],
                    stock_item=item,
                    per_household=form.cleaned_data["per_household"],
                    rule=form.rule(),
                    note=form.cleaned_data["note"],
                    request=request,
                )
            except DomainError as exc:
                _error(request, exc)
            else:
                messages.success(
                    request, _("The plan is drafted: check the list and ask the secretary to approve it.")
                )
                return redirect("charity:plan", pk=plan.pk)
        else:
            _form_error(request, form)
    return render(request, "charity/plan_new.html", {"form": form, "has_stock": bool(stock)})


def _community_staff(community_id: int):
    """Who a home delivery may be assigned to: the community's secretaries and its grids' workers and leaders."""
    ids = RoleAssignment.objects.filter(
        Q(community_id=community_id) | Q(grid__community_id=community_id),
        role__in=[Role.GRID_WORKER, Role.GRID_LEADER, Role.SECRETARY],
    ).values("user_id")
    return User.objects.filter(pk__in=ids, is_active=True).order_by("display_name", "username")


@charity_page
def plan_detail(request, pk: int):
    user = request.user
    plan = selectors.get_distribution_for_user(user, pk)
    rows = selectors.recipient_rows(user, plan, include_removed=True)
    context = {
        "plan": plan,
        "rows": [r for r in rows if r["recipient"].removed_at is None],
        "removed": [r for r in rows if r["recipient"].removed_at is not None],
        "progress": selectors.plan_progress(plan),
        "may_manage": services.may_manage(user, plan.community_id),
        "is_secretary": services.is_secretary_of(user, plan.community_id),
        "delivery_form": DeliveryForm(staff=_community_staff(plan.community_id)),
        "addable": _addable(user, plan) if plan.status == PlanStatus.DRAFT else [],
    }
    return render(request, "charity/plan.html", context)


def _addable(user, plan):
    """Households of the community the viewer may see that are not on the list (for the add form)."""
    from linli.residents.models import Household

    on_list = plan.recipients.filter(removed_at__isnull=True).values("household_id")
    qs = (
        Household.objects.visible_to(user)
        .filter(community_id=plan.community_id)
        .exclude(pk__in=on_list)
        .select_related("building__compound", "unit")
        .prefetch_related("residents")[:300]
    )
    return [selectors.household_label(user, h) for h in qs]


@require_POST
@charity_page
def plan_action(request, pk: int, action: str):
    user = request.user
    plan = selectors.get_distribution_for_user(user, pk)
    try:
        if action in ("approve", "open", "close"):
            service = {
                "approve": services.distribution_approve,
                "open": services.distribution_open,
                "close": services.distribution_close,
            }[action]
            version = request.POST.get("version")
            service(actor=user, distribution=plan, version=int(version) if version else None, request=request)
            messages.success(request, _("Done."))
        elif action in ("add", "remove"):
            form = ReasonForm(request.POST)
            if not form.is_valid():
                _form_error(request, form)
                return redirect("charity:plan", pk=plan.pk)
            household = selectors.get_recipient_household(user, plan, form.cleaned_data["household"])
            service = services.recipient_add if action == "add" else services.recipient_remove
            service(
                actor=user,
                distribution=plan,
                household=household,
                reason=form.cleaned_data["reason"],
                request=request,
            )
            messages.success(request, _("The list is changed."))
        elif action == "deliver":
            form = DeliveryForm(request.POST, staff=_community_staff(plan.community_id))
            if not form.is_valid():
                _form_error(request, form)
                return redirect("charity:plan", pk=plan.pk)
            household = selectors.get_recipient_household(user, plan, form.cleaned_data["household"])
            assignee = None
            if form.cleaned_data["assignee"]:
                assignee = get_object_or_404(User, pk=form.cleaned_data["assignee"])
            services.delivery_plan(
                actor=user,
                distribution=plan,
                household=household,
                planned_on=form.cleaned_data["planned_on"],
                assignee=assignee,
                volunteer_name=form.cleaned_data["volunteer_name"],
                request=request,
            )
            messages.success(request, _("The home delivery is planned."))
        else:
            raise Http404
    except DomainError as exc:
        _error(request, exc)
    return redirect("charity:plan", pk=plan.pk)


# ---------------------------------------------------------------- the hand-over screen (phone)


@charity_page
def handover_list(request, pk: int):
    user = request.user
    plan = selectors.get_distribution_for_user(user, pk)
    rows = selectors.recipient_rows(user, plan)
    waiting = [r for r in rows if r["handover"] is None]
    done = [r for r in rows if r["handover"] is not None]
    context = {"plan": plan, "waiting": waiting, "done": done, "progress": selectors.plan_progress(plan)}
    return render(request, "charity/handover_list.html", context)


def _proof(request, form):
    data = form.cleaned_data
    if data["proof_kind"] == ProofKind.SIGNATURE:
        return services.signature_from_data_url(data["signature_data"]) if data["signature_data"] else None
    files = request.FILES.getlist("photo")
    return check_uploads(files[:1], field="photo")[0] if files else None


@charity_page
def handover(request, pk: int, household: int):
    user = request.user
    plan = selectors.get_distribution_for_user(user, pk)
    home = selectors.get_recipient_household(user, plan, household)
    label = selectors.household_label(user, home)
    initial = {"received_by": label["name"] if "*" not in label["name"] else ""}
    form = HandOverForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.handover_record(
                    actor=user,
                    distribution=plan,
                    household=home,
                    received_by=form.cleaned_data["received_by"],
                    proof_kind=form.cleaned_data["proof_kind"],
                    proof=_proof(request, form),
                    note=form.cleaned_data["note"],
                    request=request,
                )
            except DomainError as exc:
                _error(request, exc)
            else:
                messages.success(request, _("Handed over: %(a)s") % {"a": label["address"]})
                return redirect("charity:handovers", pk=plan.pk)
        else:
            _form_error(request, form)
    context = {"plan": plan, "label": label, "form": form, "action": request.path}
    return render(request, "charity/handover.html", context)


# ---------------------------------------------------------------- home deliveries


@charity_page
def deliveries(request):
    status = request.GET.get("status", DeliveryStatus.PLANNED)
    if status not in DeliveryStatus.values:
        status = DeliveryStatus.PLANNED
    user = request.user
    page = _page(request, selectors.deliveries_for(user, status=status))
    rows = [{"delivery": d, **selectors.household_label(user, d.household)} for d in page]
    context = {"page": page, "rows": rows, "status": status, "statuses": DeliveryStatus.choices}
    return render(request, "charity/deliveries.html", context)


@charity_page
def delivery_detail(request, pk: int):
    user = request.user
    delivery = selectors.get_delivery_for_user(user, pk)
    label = selectors.household_label(user, delivery.household)
    initial = {"received_by": label["name"] if "*" not in label["name"] else ""}
    form = HandOverForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.delivery_complete(
                    actor=user,
                    delivery=delivery,
                    received_by=form.cleaned_data["received_by"],
                    proof_kind=form.cleaned_data["proof_kind"],
                    proof=_proof(request, form),
                    note=form.cleaned_data["note"],
                    version=int(request.POST["version"])
                    if request.POST.get("version", "").isdigit()
                    else None,
                    request=request,
                )
            except DomainError as exc:
                _error(request, exc)
            else:
                messages.success(request, _("The delivery is recorded as handed over."))
                return redirect("charity:deliveries")
        else:
            _form_error(request, form)
    context = {"delivery": delivery, "plan": delivery.distribution, "label": label, "form": form}
    return render(request, "charity/delivery.html", context)


# ---------------------------------------------------------------- public


def _period(request) -> tuple[date, date]:
    today = timezone.localdate()
    start, end = date(today.year, 1, 1), today
    try:
        if request.GET.get("from"):
            start = date.fromisoformat(request.GET["from"])
        if request.GET.get("to"):
            end = date.fromisoformat(request.GET["to"])
    except ValueError:
        pass
    if end < start:
        start, end = end, start
    return start, end


@rate_limit("charity-public", "120/m", methods=None)
def public_summary(request, code: str):
    community = get_object_or_404(Community, code=code)
    start, end = _period(request)
    summary = selectors.public_summary(community, start, end)
    return render(request, "charity/public_summary.html", {"summary": summary, "community": community})
