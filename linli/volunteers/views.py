"""Volunteer pages: the staff's teams, volunteers and service records, and the volunteer's own phone pages.

Staff pages need a community, grid or street scope (others get 404) and are never cached (they show
personal data, masked); objects are fetched through the selectors' get_<thing>_for_user."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from linli.core.errors import DomainError
from linli.core.ratelimit import by_ip, rate_limit
from linli.core.validators import mask_id_number, mask_phone, normalize_phone
from linli.org.models import Community

from . import auth, selectors, services
from .api import may_use_volunteers
from .choices import RecordStatus
from .forms import (
    CodeForm,
    CorrectionForm,
    MemberForm,
    PeriodForm,
    PhoneForm,
    RecordForm,
    RevealForm,
    TeamEditForm,
    TeamForm,
    VolunteerEditForm,
    VolunteerForm,
)

PAGE_SIZE = 50
PENDING_LOGIN = "volunteers.login"


def staff_page(view):
    """Signed in with a community, grid or street scope (404 otherwise), never cached."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not may_use_volunteers(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return login_required(never_cache(wrapped))


def _domain_error(form, exc: DomainError) -> None:
    """Show a service's refusal on its field, or above the form when the field is not a visible one."""
    field = exc.field if exc.field in form.fields and not form.fields[exc.field].widget.is_hidden else None
    form.add_error(field, str(exc.message))


def _communities(user):
    return Community.objects.filter(pk__in=selectors.community_ids_for(user)).order_by("name")


def _pdf(content: bytes, number: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{number}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    add_never_cache_headers(response)
    return response


# ---------------------------------------------------------------- volunteers


@staff_page
def volunteer_list(request):
    qs = selectors.volunteers_for(request.user).prefetch_related("skills")
    q = (request.GET.get("q") or "").strip()[:50]
    if q:
        qs = qs.filter(name__contains=q)
    team = request.GET.get("team") or ""
    if team.isdigit():
        qs = qs.filter(memberships__team_id=int(team), memberships__left_on__isnull=True)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    totals = selectors.hours_by_volunteer(v.pk for v in page)
    rows = [
        {
            "volunteer": v,
            "id_masked": mask_id_number(v.id_number),
            "phone_masked": mask_phone(v.phone),
            "hours": totals.get(v.pk, 0),
            "star": selectors.star_label(selectors.star_level(totals.get(v.pk, 0))),
        }
        for v in page
    ]
    query = f"q={q}" if q else ""
    return render(
        request,
        "volunteers/volunteer_list.html",
        {"rows": rows, "page": page, "q": q, "query": query, "teams": selectors.teams_for(request.user)},
    )


@staff_page
def volunteer_new(request):
    communities = _communities(request.user)
    form = VolunteerForm(request.POST or None, communities=communities)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            volunteer = services.volunteer_register(
                actor=request.user,
                community=communities.get(pk=data["community"]),
                name=data["name"],
                id_number=data["id_number"],
                phone=data["phone"],
                kind=data["kind"],
                work_unit=data["work_unit"],
                skills=data["skills"],
                request=request,
            )
        except DomainError as exc:
            _domain_error(form, exc)
        else:
            messages.success(request, _("%(name)s is registered as a volunteer.") % {"name": volunteer.name})
            return redirect("volunteers:volunteer", pk=volunteer.pk)
    return render(request, "volunteers/volunteer_new.html", {"form": form})


@staff_page
def volunteer_detail(request, pk: int):
    volunteer = selectors.get_volunteer_for_user(request.user, pk)
    may_edit = services.is_community_staff(request.user, volunteer.community_id)
    revealed = None
    reveal_form = RevealForm(request.POST if request.POST.get("action") == "reveal" else None)
    edit_form = VolunteerEditForm(
        request.POST if request.POST.get("action") == "edit" else None,
        initial={
            "version": volunteer.version,
            "name": volunteer.name,
            "kind": volunteer.kind,
            "work_unit": volunteer.work_unit,
            "skills": list(volunteer.skills.values_list("code", flat=True)),
            "is_active": volunteer.is_active,
        },
    )
    if request.method == "POST":
        if not may_edit:
            raise Http404
        action = request.POST.get("action")
        if action == "reveal" and reveal_form.is_valid():
            try:
                value = services.volunteer_reveal(
                    actor=request.user,
                    volunteer=volunteer,
                    field=reveal_form.cleaned_data["field"],
                    reason=reveal_form.cleaned_data["reason"],
                    request=request,
                )
            except DomainError as exc:
                _domain_error(reveal_form, exc)
            else:
                revealed = {"field": reveal_form.cleaned_data["field"], "value": value}
        elif action == "edit" and edit_form.is_valid():
            data = dict(edit_form.cleaned_data)
            version = data.pop("version")
            if not data.get("phone"):
                data.pop("phone", None)
            try:
                services.volunteer_update(
                    actor=request.user, volunteer=volunteer, version=version, request=request, **data
                )
            except DomainError as exc:
                _domain_error(edit_form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("volunteers:volunteer", pk=volunteer.pk)
    records = selectors.records_for(request.user).filter(volunteer=volunteer)
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    memberships = volunteer.memberships.select_related("team").order_by("-joined_on")
    return render(
        request,
        "volunteers/volunteer_detail.html",
        {
            "volunteer": volunteer,
            "id_masked": mask_id_number(volunteer.id_number),
            "phone_masked": mask_phone(volunteer.phone),
            "summary": selectors.volunteer_summary(volunteer),
            "page": page,
            "memberships": memberships,
            "may_edit": may_edit,
            "reveal_form": reveal_form,
            "edit_form": edit_form,
            "revealed": revealed,
            "period_form": PeriodForm(),
        },
    )


@staff_page
def volunteer_certificate(request, pk: int):
    volunteer = selectors.get_volunteer_for_user(request.user, pk)
    form = PeriodForm(request.GET or None)
    start = end = None
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    try:
        cert, content = services.certificate_issue(
            volunteer=volunteer, actor=request.user, start=start, end=end, request=request
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("volunteers:volunteer", pk=volunteer.pk)
    return _pdf(content, cert.number)


# ---------------------------------------------------------------- teams


@staff_page
def team_list(request):
    teams = list(selectors.teams_for(request.user))
    totals = {}
    for team in teams:
        totals[team.pk] = selectors.hours_total(team=team)
    counts = selectors.member_counts(teams)
    rows = [{"team": t, "hours": totals[t.pk], "members": counts.get(t.pk, 0)} for t in teams]
    return render(request, "volunteers/team_list.html", {"rows": rows})


@staff_page
def team_new(request):
    communities = _communities(request.user)
    form = TeamForm(request.POST or None, communities=communities)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        community = communities.get(pk=data.pop("community"))
        try:
            team = services.team_create(actor=request.user, community=community, request=request, **data)
        except DomainError as exc:
            _domain_error(form, exc)
        else:
            return redirect("volunteers:team", pk=team.pk)
    return render(request, "volunteers/team_new.html", {"form": form})


@staff_page
def team_detail(request, pk: int):
    team = selectors.get_team_for_user(request.user, pk)
    may_edit = services.is_community_staff(request.user, team.community_id)
    action = request.POST.get("action") if request.method == "POST" else None
    candidates = selectors.volunteers_for(request.user).filter(community_id=team.community_id, is_active=True)
    member_form = MemberForm(request.POST if action == "add" else None, volunteers=candidates)
    edit_form = TeamEditForm(
        request.POST if action == "edit" else None,
        initial={
            "version": team.version,
            "name": team.name,
            "kind": team.kind,
            "colour": team.colour or "#888888",
            "focus": team.focus,
            "description": team.description,
            "is_active": team.is_active,
        },
    )
    if request.method == "POST":
        if not may_edit:
            raise Http404
        try:
            if action == "add" and member_form.is_valid():
                volunteer = selectors.get_volunteer_for_user(
                    request.user, member_form.cleaned_data["volunteer"]
                )
                services.team_member_add(
                    actor=request.user,
                    team=team,
                    volunteer=volunteer,
                    role=member_form.cleaned_data["role"],
                    request=request,
                )
                return redirect("volunteers:team", pk=team.pk)
            if action == "remove":
                volunteer = selectors.get_volunteer_for_user(request.user, request.POST.get("volunteer"))
                services.team_member_remove(
                    actor=request.user, team=team, volunteer=volunteer, request=request
                )
                return redirect("volunteers:team", pk=team.pk)
            if action == "edit" and edit_form.is_valid():
                data = dict(edit_form.cleaned_data)
                version = data.pop("version")
                services.team_update(actor=request.user, team=team, version=version, request=request, **data)
                messages.success(request, _("Saved."))
                return redirect("volunteers:team", pk=team.pk)
        except DomainError as exc:
            _domain_error(edit_form if action == "edit" else member_form, exc)
    stats = selectors.team_stats(team)
    peak = max([m["hours"] for m in stats["hours_by_month"]] + [1])
    months = [{**m, "pct": int(m["hours"] * 100 / peak)} for m in stats["hours_by_month"]]
    total_members = stats["members"] or 1
    ages = [
        {"label": label, "count": stats["ages"][band], "pct": int(stats["ages"][band] * 100 / total_members)}
        for band, label in (
            ("under_35", _("Under 35")),
            ("35_59", _("35 to 59")),
            ("60_plus", _("60 and over")),
        )
    ]
    return render(
        request,
        "volunteers/team_detail.html",
        {
            "team": team,
            "members": selectors.current_members(team),
            "stats": stats,
            "months": months,
            "ages": ages,
            "may_edit": may_edit,
            "member_form": member_form,
            "edit_form": edit_form,
        },
    )


# ---------------------------------------------------------------- service records


@staff_page
def record_new(request):
    volunteers = selectors.volunteers_for(request.user).filter(
        is_active=True, community_id__in=selectors.community_ids_for(request.user)
    )
    teams = selectors.teams_for(request.user).filter(
        community_id__in=selectors.community_ids_for(request.user)
    )
    initial = {}
    if (request.GET.get("volunteer") or "").isdigit():
        initial["volunteer"] = int(request.GET["volunteer"])
    form = RecordForm(request.POST or None, volunteers=volunteers, teams=teams, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            volunteer = selectors.get_volunteer_for_user(request.user, data.pop("volunteer"))
            team_id = data.pop("team")
            team = selectors.get_team_for_user(request.user, team_id) if team_id else None
            record = services.service_record_create(
                volunteer=volunteer, team=team, actor=request.user, request=request, **data
            )
        except DomainError as exc:
            _domain_error(form, exc)
        else:
            if record.status == RecordStatus.CONFIRMED:
                messages.success(request, _("The service is recorded and confirmed."))
            else:
                messages.success(request, _("The service is recorded as a draft for the organiser."))
            return redirect("volunteers:volunteer", pk=volunteer.pk)
    return render(request, "volunteers/record_new.html", {"form": form})


@staff_page
def drafts(request):
    qs = selectors.pending_drafts_for(request.user)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "volunteers/drafts.html", {"page": page})


@staff_page
@require_POST
def record_confirm(request, pk: int):
    record = selectors.get_record_for_user(request.user, pk)
    try:
        if request.POST.get("action") == "discard":
            services.service_record_discard(record=record, actor=request.user, request=request)
            messages.success(request, _("The draft is discarded."))
        else:
            services.service_record_confirm(record=record, actor=request.user, request=request)
            messages.success(request, _("Confirmed."))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect(auth.safe_next(request, default="/volunteers/records/drafts/"))


@staff_page
def record_correct(request, pk: int):
    record = selectors.get_record_for_user(request.user, pk)
    form = CorrectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.service_record_correct(
                record=record,
                actor=request.user,
                hours_delta=form.cleaned_data["hours_delta"],
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except DomainError as exc:
            _domain_error(form, exc)
        else:
            messages.success(request, _("The correction is recorded."))
            return redirect("volunteers:volunteer", pk=record.volunteer_id)
    corrections = record.corrections.all()
    return render(
        request,
        "volunteers/record_correct.html",
        {"record": record, "form": form, "corrections": corrections},
    )


# ---------------------------------------------------------------- the volunteer's phone pages


def _posted_phone(group, request) -> str:
    return normalize_phone(request.POST.get("phone", ""))[:20] or by_ip(group, request)


def _pending_phone(group, request) -> str:
    pending = request.session.get(PENDING_LOGIN) or {}
    return (pending.get("indexes") or [""])[0] or by_ip(group, request)


@never_cache
@rate_limit("volunteer-code-ip", "20/h")
@rate_limit("volunteer-code-phone-day", "10/d", key=_posted_phone)
@rate_limit("volunteer-code-phone", "1/m", key=_posted_phone)
def me_login(request):
    """Ask for the phone; a code goes out if it is an active volunteer's. The answer is the same either way."""
    next_url = auth.safe_next(request, default="")
    if auth.current_volunteer(request) is not None:
        return redirect(next_url or "volunteers:me")
    form = PhoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        phone = normalize_phone(form.cleaned_data["phone"])
        services.login_code_send(phone=phone, request=request)
        request.session[PENDING_LOGIN] = {
            "indexes": selectors.login_phone_indexes(phone),
            "hint": mask_phone(phone),
            "next": next_url,
        }
        return redirect("volunteers:me_login_code")
    return render(request, "volunteers/me_login.html", {"form": form, "next": next_url})


@never_cache
@rate_limit("volunteer-check-ip", "30/h")
@rate_limit("volunteer-check-phone", "10/h", key=_pending_phone)
def me_login_code(request):
    """Enter the code from the SMS; the right one signs the volunteer in (with a new session key)."""
    pending = request.session.get(PENDING_LOGIN)
    if not pending:
        return redirect("volunteers:me_login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        volunteer = services.login_code_check(
            phone_indexes=pending["indexes"],
            code=form.cleaned_data["code"],
            phone_hint=pending["hint"],
            request=request,
        )
        if volunteer is not None:
            next_url = pending.get("next") or ""
            request.session.pop(PENDING_LOGIN, None)
            auth.sign_in(request, volunteer)
            return redirect(next_url or "volunteers:me")
        form.add_error("code", _("This code is wrong or no longer valid. You can ask for a new one."))
    return render(request, "volunteers/me_login_code.html", {"form": form, "hint": pending["hint"]})


@never_cache
@require_POST
def me_logout(request):
    auth.sign_out(request)
    return redirect("volunteers:me_login")


@auth.volunteer_required
def me_home(request):
    volunteer = request.volunteer
    records = (
        volunteer.service_records.filter(status=RecordStatus.CONFIRMED)
        .select_related("team", "community")
        .order_by("-started_at", "-id")
    )
    drafts_count = volunteer.service_records.filter(status=RecordStatus.DRAFT).count()
    page = Paginator(records, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "volunteers/me_home.html",
        {
            "volunteer": volunteer,
            "summary": selectors.volunteer_summary(volunteer),
            "page": page,
            "drafts_count": drafts_count,
            "to_confirm": selectors.drafts_for_captain(volunteer).count(),
            "teams": volunteer.memberships.filter(left_on__isnull=True).select_related("team"),
            "period_form": PeriodForm(),
        },
    )


@auth.volunteer_required
def me_confirm(request):
    """A team captain confirms the drafts of their team's members on the phone (令67号: the organiser confirms)."""
    volunteer = request.volunteer
    if request.method == "POST":
        record = selectors.drafts_for_captain(volunteer).filter(pk=request.POST.get("record") or 0).first()
        if record is None:
            raise Http404
        try:
            services.service_record_confirm(record=record, actor=volunteer, request=request)
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("Confirmed."))
        return redirect("volunteers:me_confirm")
    drafts = selectors.drafts_for_captain(volunteer)[:100]
    return render(request, "volunteers/me_confirm.html", {"volunteer": volunteer, "drafts": drafts})


@auth.volunteer_required
def me_certificate(request):
    volunteer = request.volunteer
    form = PeriodForm(request.GET or None)
    start = end = None
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    try:
        cert, content = services.certificate_issue(
            volunteer=volunteer, actor=volunteer, start=start, end=end, request=request
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("volunteers:me")
    return _pdf(content, cert.number)
