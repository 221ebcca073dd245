"""Staff pages of notices: thin views over the selectors and services.

Composing is two steps on one page: "Preview" shows the text as it will go out and how many recipients each
channel reaches; only then is there a "Send" button, and it sends only what was previewed (a digest of the
form travels with it)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from linli.cases.selectors import get_case_for_user
from linli.core.errors import DomainError

from . import services
from .audience import Place, count_by_channel, may_send_notices, recipients
from .choices import DeliveryChannel, DeliveryStatus, NoticeStatus
from .forms import VALUE_PREFIX, ComposeForm
from .models import NoticeTemplate
from .selectors import (
    active_templates,
    deliveries_of,
    delivery_counts,
    get_notice_for_user,
    may_cancel_notice,
    may_manage_notice,
    notice_list,
)

PAGE_SIZE = 50
DELIVERIES_PAGE_SIZE = 100
# Where a service's error field shows on the compose form.
FORM_FIELDS = {"place_id": "audience", "place_kind": "audience", "values": None}


@login_required
def notices(request):
    status = request.GET.get("status", "")
    status = status if status in NoticeStatus.values else ""
    page = Paginator(notice_list(request.user, status=status), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notices/list.html",
        {
            "page": page,
            "status": status,
            "statuses": NoticeStatus.choices,
            "can_send": may_send_notices(request.user),
        },
    )


def _case_initial(case, template: NoticeTemplate | None) -> dict:
    """A notice from a case: to the case's building, else its grid; the place and reason from the case."""
    initial = {"case": case.pk}
    if case.building_id:
        initial["audience"] = f"building:{case.building_id}"
        place = f"{case.building.compound.name}{case.building.name}"
    elif case.grid_id:
        initial["audience"] = f"grid:{case.grid_id}"
        place = case.address or case.grid.name
    else:
        place = case.address
    initial[VALUE_PREFIX + "place"] = place
    initial[VALUE_PREFIX + "reason"] = case.title
    return initial


@login_required
def compose(request):
    user = request.user
    if not may_send_notices(user):
        raise Http404
    params = request.POST if request.method == "POST" else request.GET
    case = get_case_for_user(user, params["case"]) if params.get("case") else None
    template = active_templates().filter(code=params.get("template", "")).first()
    if request.method == "POST":
        form = ComposeForm(request.POST, user=user)
    else:
        initial = {"template": template.code if template else "", "channels": [DeliveryChannel.IN_APP]}
        if template is not None:
            initial.update(title=template.title, body=template.body)
        if case is not None:
            initial.update(_case_initial(case, template))
        form = ComposeForm(initial=initial, user=user)
    preview = None
    if request.method == "POST" and form.is_valid():
        preview = _preview(form, user)
        if request.POST.get("action") == "send":
            if form.cleaned_data["preview_digest"] != preview["digest"]:
                messages.warning(
                    request, _("The notice changed since its preview: check it again, then send.")
                )
            else:
                try:
                    notice = services.notice_create(
                        actor=user,
                        title=form.final_title,
                        body=form.final_body,
                        place=form.chosen_place,
                        tag=form.chosen_tag,
                        channels=form.cleaned_data["channels"],
                        send_at=form.chosen_send_at,
                        template=template,
                        case=case,
                        request=request,
                    )
                except DomainError as exc:
                    field = FORM_FIELDS.get(exc.field, exc.field)
                    form.add_error(field if field in form.fields else None, str(exc.message))
                    preview = None
                else:
                    if notice.status == NoticeStatus.SCHEDULED:
                        messages.success(request, _("Notice scheduled."))
                    else:
                        messages.success(
                            request, _("Notice sent to %(n)s recipients.") % {"n": notice.recipient_count}
                        )
                    return redirect("notices:detail", pk=notice.pk)
        if preview is not None:
            data = form.data.copy()
            data["preview_digest"] = preview["digest"]
            form.data = data
    return render(
        request,
        "notices/compose.html",
        {
            "form": form,
            "templates": active_templates(),
            "template": template,
            "case": case,
            "preview": preview,
        },
    )


def _preview(form: ComposeForm, user) -> dict:
    place: Place | None = form.chosen_place
    found = recipients(place=place, tag=form.chosen_tag, channels=form.cleaned_data["channels"], sender=user)
    counts = count_by_channel(found, form.cleaned_data["channels"])
    return {
        "title": form.final_title,
        "body": form.final_body,
        "place": place,
        "tag": form.chosen_tag,
        "counts": [(DeliveryChannel(c).label, n) for c, n in counts.items()],
        "total": len(found),
        "send_at": form.chosen_send_at,
        "digest": form.digest(),
    }


@login_required
@never_cache
def detail(request, pk: int):
    notice = get_notice_for_user(request.user, pk)
    manage = may_manage_notice(request.user, notice)
    context = {
        "notice": notice,
        "manage": manage,
        "can_cancel": may_cancel_notice(request.user, notice),
        "channel_labels": [DeliveryChannel(c).label for c in notice.channels if c in DeliveryChannel.values],
    }
    if manage:
        channel, status = request.GET.get("channel", ""), request.GET.get("status", "")
        counts = delivery_counts(notice)
        context.update(
            counts=[
                (DeliveryChannel(c).label, [by_status[s] for s in DeliveryStatus.values])
                for c, by_status in counts.items()
            ],
            statuses=DeliveryStatus.choices,
            channels=[(c, DeliveryChannel(c).label) for c in counts],
            channel=channel,
            status=status,
            deliveries=Paginator(
                deliveries_of(notice, channel=channel, status=status), DELIVERIES_PAGE_SIZE
            ).get_page(request.GET.get("page")),
        )
    return render(request, "notices/detail.html", context)


@login_required
@require_POST
def cancel(request, pk: int):
    notice = get_notice_for_user(request.user, pk)
    try:
        services.notice_cancel(notice=notice, actor=request.user, request=request)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Notice cancelled: it will not be sent."))
    return redirect("notices:detail", pk=notice.pk)
