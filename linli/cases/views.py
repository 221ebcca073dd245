"""Staff pages of the case loop: thin views over the selectors and services."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.accounts.choices import Role
from linli.accounts.models import User
from linli.core.errors import DomainError, InvalidInput
from linli.core.uploads import check_uploads
from linli.core.workdays import estimated_years
from linli.org.models import Building

from . import services
from .choices import OPEN_STATUSES, Action
from .forms import ActionForm, FeedbackForm, IntakeForm, WhistleForm
from .models import Attachment, Case
from .selectors import (
    case_timeline,
    get_case_for_user,
    get_whistle_for_user,
    kpis,
    may_see_reporter_contact,
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
    q |= Q(compound__community_id__in={scope.grid_community[g] for g in scope.grid_ids})
    return qs.filter(q)


@login_required
def my_work(request):
    scope = request.user.scope
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
        .order_by("grid__code", "resolution_due_at")
    )
    groups: dict = {}
    for case in cases[:2000]:
        groups.setdefault(case.grid, []).append(case)
    return render(request, "cases/problem_list.html", {"groups": list(groups.items()), "now": timezone.now()})


@login_required
def intake(request):
    scope = request.user.scope
    if not (scope.is_staff_member or Role.REPORTER in scope.roles):
        raise Http404
    buildings = _buildings_for(request.user)
    form = IntakeForm(request.POST or None, request.FILES or None, buildings=buildings)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            photos = check_uploads(data.pop("photos"))
            case = services.case_create(actor=request.user, attachments=photos, **data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            messages.success(request, _("Case %(n)s received.") % {"n": case.number})
            return redirect("cases:detail", pk=case.pk)
    community_id = scope.default_community_id()
    return render(request, "cases/intake.html", {"form": form, "community_id": community_id})


@login_required
def case_detail(request, pk: int):
    case = get_case_for_user(request.user, pk)
    roles = case_roles(request.user, case)
    actions = allowed_actions(request.user, case)
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
            "full_contact": may_see_reporter_contact(request.user, case),
            "department_ids": request.user.scope.department_ids,
            "can_settle_whistles": bool(roles & HANDLERS),
            "is_open": case.status in OPEN_STATUSES,
            "now": timezone.now(),
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
    d = form.cleaned_data
    user, action, version = request.user, d["action"], d["version"]
    try:
        photos = check_uploads(d["photos"])
        if action == Action.ASSIGN:
            if d["assignee"] is None:
                raise InvalidInput(_("Choose who takes the case."), field="assignee")
            services.case_assign(
                case=case, actor=user, assignee=d["assignee"], note=d["note"], version=version
            )
        elif action == Action.RESPOND:
            services.case_respond(case=case, actor=user, note=d["note"], version=version, attachments=photos)
        elif action == Action.NOTE:
            services.case_add_note(case=case, actor=user, note=d["note"], version=version, attachments=photos)
        elif action == Action.RESOLVE:
            services.case_resolve(
                case=case, actor=user, result=d["result"] or "", version=version, attachments=photos
            )
        elif action == Action.VERIFY:
            if d["passed"] is None:
                raise InvalidInput(_("Say whether the verification passed."), field="passed")
            services.case_verify(
                case=case, actor=user, passed=d["passed"], note=d["note"], version=version, attachments=photos
            )
        elif action == Action.REOPEN:
            services.case_reopen(case=case, actor=user, note=d["note"], version=version)
        elif action == Action.CLOSE:
            services.case_close(case=case, actor=user, note=d["note"], version=version)
        elif action == Action.REJECT:
            services.case_reject(case=case, actor=user, reason=d["reason"] or "", version=version)
        elif action == Action.MERGE:
            into_ref = (d["into"] or "").strip()
            into = (
                Case.objects.visible_to(user)
                .filter(Q(number=into_ref) | Q(pk=int(into_ref) if into_ref.isdigit() else 0))
                .first()
            )
            if into is None:
                raise InvalidInput(_("No case with this number in your area."), field="into")
            services.case_merge(case=case, actor=user, into=into, note=d["note"], version=version)
        else:
            raise InvalidInput(_("Unknown action."), field="action")
    except DomainError as exc:
        return _fail(request, exc, pk)
    messages.success(request, _("Done: %(a)s") % {"a": Action(action).label})
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
    inline = att.is_image and request.GET.get("inline") == "1"
    response = FileResponse(
        att.file.open("rb"),
        content_type=att.content_type,
        as_attachment=not inline,
        filename=att.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def notifications(request):
    items = request.user.notifications.all()[:100]
    unread = [n.pk for n in items if n.read_at is None]
    page = render(request, "cases/notifications.html", {"items": items})
    request.user.notifications.filter(pk__in=unread).update(read_at=timezone.now())
    return page
