"""Staff pages of the case loop: thin views over the selectors and services."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.accounts.choices import Role
from linli.accounts.models import User
from linli.core.errors import DomainError
from linli.core.files import serve_stored_file
from linli.core.uploads import check_uploads
from linli.core.workdays import estimated_years
from linli.deliberation.selectors import case_deliberation, open_action_items
from linli.dispatch.services import suggestion_taken_or_not
from linli.knowledge.selectors import case_knowledge
from linli.org.models import Building
from linli.residents.models import Resident

from . import services
from .choices import OPEN_STATUSES, Action
from .forms import ActionForm, FeedbackForm, IntakeForm, WhistleForm
from .models import Attachment, Case
from .selectors import (
    case_timeline,
    find_case_for_user,
    get_case_for_user,
    get_whistle_for_user,
    kpis,
    reporter_contact,
)
from .selectors import (
    my_work as my_work_cases,
)
from .workflow import HANDLERS, allowed_actions, case_roles


def _month_start() -> datetime:
    now = timezone.localtime()
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _buildings_for(user):
    scope = user.scope
    qs = Building.objects.select_related("compound")
    if scope.is_admin:
        return qs
    q = Q(grid_id__in=scope.grid_ids) | Q(compound__community_id__in=scope.community_ids)
    q |= Q(compound__community__street_id__in=scope.street_ids)
    q |= Q(compound__community_id__in=scope.reporter_community_ids)
    q |= Q(compound__community_id__in=scope.grid_community_ids)
    return qs.filter(q)


@login_required
def my_work(request):
    scope = request.user.scope
    if scope.is_reporter_only:
        return redirect("reporters:home")
    cases = my_work_cases(request.user)
    page = Paginator(cases, 50).get_page(request.GET.get("page"))
    month_cases = Case.objects.visible_to(request.user).filter(received_at__gte=_month_start())
    return render(
        request,
        "cases/my_work.html",
        {
            "page": page,
            "kpi": kpis(month_cases),
            "now": timezone.now(),
            "can_take_in": scope.is_staff_member or Role.REPORTER in scope.roles,
            "estimated_years": estimated_years(timezone.localdate(), 60),
        },
    )


@login_required
def problem_list(request):
    """问题清单: everything open in the viewer's area, by grid, with owner and due date."""
    cases = (
        Case.objects.visible_to(request.user)
        .open()
        .with_related()
        .select_related("grid__community")  # the group headers name each grid's community
        .order_by("grid__code", "resolution_due_at")
    )
    groups: dict = {}
    for case in cases[:2000]:
        groups.setdefault(case.grid, []).append(case)
    return render(
        request,
        "cases/problem_list.html",
        {
            "groups": list(groups.items()),
            "now": timezone.now(),
            "action_items": open_action_items(request.user)[:2000],
            "today": timezone.localdate(),
        },
    )


@login_required
def intake(request):
    scope = request.user.scope
    if scope.is_reporter_only:  # their photo-first page checks the photos and counts their points
        return redirect("reporters:new")
    if not scope.is_staff_member:
        raise Http404
    buildings = _buildings_for(request.user)
    form = IntakeForm(request.POST or None, request.FILES or None, buildings=buildings)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["urgency"] = data["urgency"] or None
        data["resident"] = _resident_or_none(request.user, data["resident"])
        suggested, suggestion_model = data.pop("suggested"), data.pop("suggestion_model")
        try:
            photos = check_uploads(data.pop("photos"))
            case = services.case_create(actor=request.user, attachments=photos, **data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            if suggested and suggestion_model:
                suggestion_taken_or_not(
                    version=suggestion_model,
                    text=f"{case.title} {case.description}",
                    suggested=suggested,
                    chosen=case.category.code,
                    user=request.user,
                )
            messages.success(request, _("Case %(n)s received.") % {"n": case.number})
            return redirect("cases:detail", pk=case.pk)
    community_id = scope.default_community_id()
    return render(request, "cases/intake.html", {"form": form, "community_id": community_id})


def _resident_or_none(user, pk):
    return Resident.objects.visible_to(user).filter(pk=pk).first() if pk else None


@login_required
def case_detail(request, pk: int):
    case = get_case_for_user(request.user, pk)
    if request.user.scope.is_reporter_only:  # their own page shows what the public may see, no staff notes
        return redirect("reporters:report", pk=case.pk)
    roles = case_roles(request.user, case)
    actions = allowed_actions(request.user, case, roles)
    reporter_name, reporter_phone = reporter_contact(request.user, case)
    assignees = []
    if Action.ASSIGN in actions:
        assignees = User.objects.filter(
            Q(roles__grid__community_id=case.community_id) | Q(roles__community_id=case.community_id),
            is_active=True,
        ).distinct()
    return render(
        request,
        "cases/detail.html",
        {
            "case": case,
            # the link to the resident's record, for those who may open it
            "resident_linked": bool(case.resident_id)
            and Resident.objects.visible_to(request.user).filter(pk=case.resident_id).exists(),
            "timeline": case_timeline(case),
            "whistles": case.whistles.select_related("department"),
            "actions": actions,
            "assignees": assignees,
            "whistle_form": WhistleForm(initial={"version": case.version})
            if Action.WHISTLE in actions
            else None,
            "feedback_form": FeedbackForm(initial={"version": case.version})
            if Action.FEEDBACK in actions
            else None,
            "reporter_name": reporter_name,
            "reporter_phone": reporter_phone,
            "department_ids": request.user.scope.department_ids,
            "can_settle_whistles": bool(roles & HANDLERS),
            "is_open": case.status in OPEN_STATUSES,
            "now": timezone.now(),
            "deliberation": case_deliberation(request.user, case),
            "knowledge": case_knowledge(request.user, case, actions),
        },
    )


def _fail(request, exc: DomainError, pk: int):
    messages.error(request, str(exc.message))
    return redirect("cases:detail", pk=pk)


@login_required
@require_POST
def case_act(request, pk: int):
    case = get_case_for_user(request.user, pk)
    form = ActionForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("The form was incomplete: %(e)s") % {"e": form.errors.as_text()})
        return redirect("cases:detail", pk=pk)
    data = dict(form.cleaned_data)
    try:
        photos = check_uploads(data.pop("photos"))
        into_ref = data.pop("into")
        into = find_case_for_user(request.user, into_ref) if data["action"] == Action.MERGE else None
        services.case_apply(case=case, actor=request.user, into=into, attachments=photos, **data)
    except DomainError as exc:
        return _fail(request, exc, pk)
    messages.success(request, _("Done: %(a)s") % {"a": Action(data["action"]).label})
    return redirect("cases:detail", pk=pk)


@login_required
@require_POST
def case_whistle(request, pk: int):
    case = get_case_for_user(request.user, pk)
    form = WhistleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form was incomplete: %(e)s") % {"e": form.errors.as_text()})
        return redirect("cases:detail", pk=pk)
    try:
        services.whistle_blow(case=case, actor=request.user, **form.cleaned_data)
    except DomainError as exc:
        return _fail(request, exc, pk)
    messages.success(request, _("Whistle blown to %(d)s.") % {"d": form.cleaned_data["department"].name})
    return redirect("cases:detail", pk=pk)


@login_required
@require_POST
def case_feedback(request, pk: int):
    case = get_case_for_user(request.user, pk)
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form was incomplete: %(e)s") % {"e": form.errors.as_text()})
        return redirect("cases:detail", pk=pk)
    try:
        services.case_record_feedback(case=case, actor=request.user, **form.cleaned_data)
    except DomainError as exc:
        return _fail(request, exc, pk)
    messages.success(request, _("Feedback recorded."))
    return redirect("cases:detail", pk=pk)


_WHISTLE_STEPS = {
    "report-in": lambda w, u, text: services.whistle_report_in(whistle=w, actor=u, note=text),
    "answer": lambda w, u, text: services.whistle_answer(whistle=w, actor=u, answer=text),
    "accept": lambda w, u, text: services.whistle_accept(whistle=w, actor=u, note=text),
    "reject": lambda w, u, text: services.whistle_reject(whistle=w, actor=u, note=text),
}


@login_required
@require_POST
def whistle_step(request, pk: int, step: str):
    whistle = get_whistle_for_user(request.user, pk)
    if step not in _WHISTLE_STEPS:
        raise Http404
    try:
        _WHISTLE_STEPS[step](whistle, request.user, request.POST.get("text", "")[:5000])
    except DomainError as exc:
        return _fail(request, exc, whistle.case_id)
    messages.success(request, _("Whistle updated."))
    return redirect("cases:detail", pk=whistle.case_id)


@login_required
def attachment(request, uuid):
    """Files are served only to those who may see their case, as downloads that never run in the page."""
    try:
        att = Attachment.objects.get(uuid=uuid)
    except (Attachment.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    get_case_for_user(request.user, att.case_id)
    return serve_stored_file(request, att)


@login_required
def notifications(request):
    items = request.user.notifications.all()[:100]
    unread = [n.pk for n in items if n.read_at is None]
    page = render(request, "cases/notifications.html", {"items": items})
    request.user.notifications.filter(pk__in=unread).update(read_at=timezone.now())
    return page
