"""Staff pages of the reporters app: the community's reporters, invitations, points and flags to review."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from linli.core.errors import DomainError, NotAllowed
from linli.core.validators import mask_phone

from . import selectors, services
from .forms import ActiveForm, ClearFlagForm, InviteForm, RedeemForm

PAGE_SIZE = 50


def staff_page(view):
    """Signed in as staff who may see reporters (404 otherwise), never cached: the pages show phone numbers."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not selectors.may_see_reporters(request.user):
            raise Http404
        try:
            return view(request, *args, **kwargs)
        except NotAllowed as exc:  # may see the reporter, may not manage them
            raise PermissionDenied(str(exc.message)) from None

    return login_required(never_cache(wrapped))


def _form_error(request, form) -> None:
    messages.error(request, _("The form was incomplete: %(e)s") % {"e": form.errors.as_text()})


@staff_page
def reporter_list(request):
    page = Paginator(selectors.reporter_rows(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(r, mask_phone(r.phone)) for r in page]
    return render(
        request,
        "reporters/staff_list.html",
        {
            "page": page,
            "rows": rows,
            "open_flags": selectors.flags_to_review(request.user).count(),
            "may_invite": InviteForm(user=request.user).fields["community"].queryset.exists(),
        },
    )


@staff_page
def reporter_invite(request):
    form = InviteForm(request.POST or None, user=request.user)
    if not form.fields["community"].queryset.exists():
        raise Http404
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            reporter = services.reporter_invite(actor=request.user, request=request, **data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            if reporter.invite_sent_at:
                messages.success(
                    request, _("%(name)s is invited; the SMS is on its way.") % {"name": reporter}
                )
            else:
                messages.warning(
                    request,
                    _("%(name)s is invited, but the SMS could not be sent. Try sending it again later.")
                    % {"name": reporter},
                )
            return redirect("reporters:staff_detail", pk=reporter.pk)
    return render(request, "reporters/staff_invite.html", {"form": form})


@staff_page
def reporter_detail(request, pk: int):
    reporter = selectors.get_reporter_for_user(request.user, pk)
    flags = reporter.flags.select_related("case", "cleared_by")
    return render(
        request,
        "reporters/staff_detail.html",
        {
            "reporter": reporter,
            "phone": mask_phone(reporter.phone),
            "tally": selectors.tally_of(reporter.user_id),
            "balance": selectors.balance_of(reporter),
            "ledger": selectors.ledger_of(reporter)[:100],
            "flags": [(f, selectors.describe_flag(f)) for f in flags],
            "reports": selectors.my_reports(reporter.user)[:20],
            "may_manage": selectors.may_manage(request.user, reporter.community_id),
            "redeem_form": RedeemForm(),
        },
    )


@staff_page
@require_POST
def reporter_redeem(request, pk: int):
    reporter = selectors.get_reporter_for_user(request.user, pk, write=True)
    form = RedeemForm(request.POST)
    if not form.is_valid():
        _form_error(request, form)
        return redirect("reporters:staff_detail", pk=pk)
    try:
        services.points_redeem(reporter=reporter, actor=request.user, request=request, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Points redeemed: %(n)d.") % {"n": form.cleaned_data["points"]})
    return redirect("reporters:staff_detail", pk=pk)


@staff_page
@require_POST
def reporter_set_active(request, pk: int):
    reporter = selectors.get_reporter_for_user(request.user, pk, write=True)
    form = ActiveForm(request.POST)
    if not form.is_valid():
        _form_error(request, form)
        return redirect("reporters:staff_detail", pk=pk)
    active = form.cleaned_data["active"]
    services.reporter_set_active(reporter=reporter, actor=request.user, active=active, request=request)
    messages.success(request, _("Reactivated.") if active else _("Deactivated: they can no longer sign in."))
    return redirect("reporters:staff_detail", pk=pk)


@staff_page
@require_POST
def reporter_resend_invite(request, pk: int):
    reporter = selectors.get_reporter_for_user(request.user, pk, write=True)
    try:
        sent = services.reporter_send_invite(reporter=reporter, actor=request.user, request=request)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        if sent:
            messages.success(request, _("The invitation SMS was sent again."))
        else:
            messages.error(request, _("The SMS could not be sent. Try again later."))
    return redirect("reporters:staff_detail", pk=pk)


@staff_page
def flag_list(request):
    flags = selectors.flags_to_review(request.user)[:200]
    return render(
        request,
        "reporters/staff_flags.html",
        {
            "flags": [(f, selectors.describe_flag(f)) for f in flags],
            "managed": {f.pk for f in flags if selectors.may_manage(request.user, f.reporter.community_id)},
        },
    )


@staff_page
@require_POST
def flag_clear(request, pk: int):
    flag = selectors.get_flag_for_user(request.user, pk)
    form = ClearFlagForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.flag_clear(flag=flag, actor=request.user, note=note, request=request)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Flag cleared."))
    if request.POST.get("next") == "detail":
        return redirect("reporters:staff_detail", pk=flag.reporter_id)
    return redirect("reporters:flags")
