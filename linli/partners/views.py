"""Partner pages: the staff's list, partner page, forms and printable shop-front sign, and the public service
list page that the sign's QR code opens (no sign-in, nothing personal but contacts marked public)."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from linli.cases.selectors import find_case_for_user, get_case_for_user
from linli.core.errors import DomainError
from linli.core.files import serve_stored_file
from linli.core.ratelimit import ALL, rate_limit
from linli.core.uploads import check_uploads
from linli.public.posters import qr_svg

from . import selectors, services
from .choices import AgreementStatus, PartnerKind
from .forms import (
    AgreementForm,
    CaseHelpForm,
    CaseHelpFromCaseForm,
    ContactForm,
    ItemForm,
    PartnerForm,
    UseForm,
)

PAGE_SIZE = 50


def staff_page(view):
    """Signed in, community-side staff (404 otherwise), never cached (contacts' phones are personal data)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not selectors.may_use_partners(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return login_required(never_cache(wrapped))


def _form_error(form, exc: DomainError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, str(exc.message))


def public_url(partner) -> str:
    return f"{settings.LINLI_PUBLIC_BASE_URL.rstrip('/')}{reverse('partners:public', args=[partner.code])}"


# ---------------------------------------------------------------- list and partner forms


@staff_page
def partner_list(request):
    user = request.user
    kind = request.GET.get("kind", "")
    if kind not in PartnerKind.values:
        kind = ""
    community = request.GET.get("community", "")
    community = int(community) if community.isdigit() else None
    on = selectors.today()
    partners = selectors.partners_for(user, kind=kind, community=community)
    page = Paginator(partners, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for p in page:
        badge = selectors.agreement_badge(p, on)
        rows.append(
            {"partner": p, "badge": badge, "badge_label": AgreementStatus(badge).label if badge else ""}
        )
    context = {
        "rows": rows,
        "page": page,
        "query": urlencode({k: v for k, v in (("kind", kind), ("community", community or "")) if v}),
        "kind": kind,
        "kinds": PartnerKind.choices,
        "may_add": selectors.manageable_communities(user).exists(),
        "communities": list(selectors.partner_communities(user)),
        "community": community,
    }
    return render(request, "partners/list.html", context)


@staff_page
def partner_new(request):
    user = request.user
    communities = list(selectors.manageable_communities(user))
    if not communities:
        raise Http404
    form = PartnerForm(request.POST or None, communities=communities)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("version", None)
        community = next(c for c in communities if str(c.pk) == data.pop("community"))
        try:
            partner = services.partner_create(actor=user, community=community, request=request, **data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The partner is recorded."))
            return redirect("partners:detail", partner.pk)
    return render(request, "partners/form.html", {"form": form, "partner": None})


@staff_page
def partner_edit(request, pk: int):
    user = request.user
    partner = selectors.get_partner_for_user(user, pk)
    if not selectors.can_manage(user, partner):
        raise Http404
    initial = {f: getattr(partner, f) for f in services.PARTNER_FIELDS} | {"version": partner.version}
    form = PartnerForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.partner_update(actor=user, partner=partner, version=version, request=request, **data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The partner is saved."))
            return redirect("partners:detail", partner.pk)
    return render(request, "partners/form.html", {"form": form, "partner": partner})


# ---------------------------------------------------------------- the partner page


def _detail(request, partner, status: int = 200, **forms):
    user = request.user
    on = selectors.today()
    manager = selectors.can_manage(user, partner)
    agreements = [
        {"agreement": a, "status": a.status_on(on), "label": a.status_label(on)}
        for a in selectors.agreements_of(partner)
    ]
    contacts = [
        {"contact": c, "phone": selectors.shown_contact_phone(user, c, partner)}
        for c in selectors.contacts_of(partner)
    ]
    items = [
        {"row": row, "uses": list(selectors.recent_uses(row.item, limit=5))}
        for row in selectors.deliveries(partner, on)
    ]
    context = {
        "partner": partner,
        "manager": manager,
        "contacts": contacts,
        "agreements": agreements,
        "items": items,
        "helps": list(selectors.case_helps_for(user, partner)[:100]),
        "activities": selectors.co_hosted_activities(user, partner),
        "donations": selectors.partner_donations(user, partner),
        "contact_form": forms.get("contact_form") or ContactForm(),
        "agreement_form": forms.get("agreement_form") or AgreementForm(),
        "item_form": forms.get("item_form") or ItemForm(),
        "use_form": forms.get("use_form")
        or UseForm(initial={"on": on}, items=[i["row"].item for i in items]),
        "help_form": forms.get("help_form") or CaseHelpForm(),
        "public_url": public_url(partner),
        "on": on,
    }
    return render(request, "partners/detail.html", context, status=status)


@staff_page
def partner_detail(request, pk: int):
    return _detail(request, selectors.get_partner_for_user(request.user, pk))


def _managed(request, pk: int):
    partner = selectors.get_partner_for_user(request.user, pk)
    if not selectors.can_manage(request.user, partner):
        raise Http404
    return partner


@staff_page
@require_POST
def contact_add(request, pk: int):
    partner = _managed(request, pk)
    form = ContactForm(request.POST)
    if form.is_valid():
        try:
            services.contact_add(actor=request.user, partner=partner, request=request, **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The contact is added."))
            return redirect("partners:detail", partner.pk)
    return _detail(request, partner, status=400, contact_form=form)


@staff_page
@require_POST
def contact_remove(request, pk: int, contact_pk: int):
    partner = _managed(request, pk)
    contact = selectors.contacts_of(partner).filter(pk=contact_pk).first()
    if contact is None:
        raise Http404
    services.contact_remove(actor=request.user, contact=contact, request=request)
    messages.success(request, _("The contact is removed."))
    return redirect("partners:detail", partner.pk)


@staff_page
@require_POST
def agreement_add(request, pk: int):
    partner = _managed(request, pk)
    form = AgreementForm(request.POST)
    if form.is_valid():
        try:
            files = check_uploads(request.FILES.getlist("attachments"), field="attachments")
            services.agreement_create(
                actor=request.user, partner=partner, attachments=files, request=request, **form.cleaned_data
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The agreement is recorded."))
            return redirect("partners:detail", partner.pk)
    return _detail(request, partner, status=400, agreement_form=form)


@staff_page
@require_POST
def agreement_attach(request, pk: int, agreement_pk: int):
    partner = _managed(request, pk)
    agreement = selectors.get_agreement_for_user(request.user, partner, agreement_pk)
    try:
        files = check_uploads(request.FILES.getlist("attachments"), field="attachments")
        services.agreement_attach(actor=request.user, agreement=agreement, attachments=files, request=request)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The file is attached."))
    return redirect("partners:detail", partner.pk)


@staff_page
def attachment(request, uuid):
    return serve_stored_file(request, selectors.get_attachment_for_user(request.user, uuid))


@staff_page
@require_POST
def item_add(request, pk: int):
    partner = _managed(request, pk)
    form = ItemForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("version", None)
        try:
            services.item_create(actor=request.user, partner=partner, **data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The service item is added."))
            return redirect("partners:detail", partner.pk)
    return _detail(request, partner, status=400, item_form=form)


@staff_page
def item_edit(request, pk: int, item_pk: int):
    partner = _managed(request, pk)
    item = selectors.get_item_for_user(request.user, partner, item_pk)
    initial = {f: getattr(item, f) for f in services.ITEM_FIELDS} | {
        "tag": item.tag_id or "",
        "version": item.version,
    }
    form = ItemForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.item_update(actor=request.user, item=item, version=version, **data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The service item is saved."))
            return redirect("partners:detail", partner.pk)
    return render(request, "partners/item_form.html", {"form": form, "partner": partner, "item": item})


@staff_page
@require_POST
def use_record(request, pk: int):
    partner = selectors.get_partner_for_user(request.user, pk)
    form = UseForm(request.POST, items=selectors.items_of(partner))
    if form.is_valid():
        data = dict(form.cleaned_data)
        item = selectors.get_item_for_user(request.user, partner, data.pop("item"))
        try:
            services.service_use_record(actor=request.user, item=item, **data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The delivery is recorded."))
            return redirect("partners:detail", partner.pk)
    return _detail(request, partner, status=400, use_form=form)


@staff_page
@require_POST
def case_help(request, pk: int):
    partner = selectors.get_partner_for_user(request.user, pk)
    form = CaseHelpForm(request.POST)
    if form.is_valid():
        case = find_case_for_user(request.user, form.cleaned_data["case"])
        if case is None:
            form.add_error("case", _("There is no such case in your area."))
        else:
            try:
                services.case_help_record(
                    actor=request.user, partner=partner, case=case, what=form.cleaned_data["what"]
                )
            except DomainError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, _("The partner's help is recorded."))
                return redirect("partners:detail", partner.pk)
    return _detail(request, partner, status=400, help_form=form)


# ---------------------------------------------------------------- the shop-front sign (服务标识)


@staff_page
def sign(request, pk: int):
    partner = selectors.get_partner_for_user(request.user, pk)
    size = "a5" if request.GET.get("size") == "a5" else "a4"
    url = public_url(partner)
    context = {
        "partner": partner,
        "items": list(selectors.offered_items(partner)),
        "url": url,
        "qr": qr_svg(url),
        "size": size,
    }
    return render(request, "partners/sign.html", context)


# ---------------------------------------------------------------- the public service list


@rate_limit("partner-public", "120/m", methods=ALL)
def public_page(request, code: str):
    partner = selectors.get_public_partner(code)
    context = {
        "partner": partner,
        "items": list(selectors.offered_items(partner)),
        "contacts": selectors.public_contacts(partner),
    }
    return render(request, "partners/public.html", context)


# ---------------------------------------------------------------- from the case page


@staff_page
def case_partners(request, case_pk: int):
    """The partners that helped with one case, and a form to add one (linked from the case page)."""
    user = request.user
    case = get_case_for_user(user, case_pk)
    partners = list(selectors.partners_for(user, active=True))
    form = CaseHelpFromCaseForm(request.POST or None, partners=partners)
    if request.method == "POST" and form.is_valid():
        partner = next(p for p in partners if str(p.pk) == form.cleaned_data["partner"])
        try:
            services.case_help_record(actor=user, partner=partner, case=case, what=form.cleaned_data["what"])
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The partner's help is recorded."))
            return redirect("partners:case_partners", case.pk)
    context = {"case": case, "helps": list(selectors.helps_for_case(user, case)), "form": form}
    return render(request, "partners/case_partners.html", context, status=400 if form.errors else 200)
