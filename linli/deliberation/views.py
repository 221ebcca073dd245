"""Staff pages of deliberation and the residents' public pages: thin views over the selectors and services."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.forms import formset_factory
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from linli.accounts.choices import Role
from linli.accounts.models import User
from linli.cases.models import Case
from linli.cases.selectors import get_case_for_user
from linli.core.errors import DomainError
from linli.core.files import serve_stored_file
from linli.core.images import clean_photos
from linli.core.ratelimit import rate_limit
from linli.core.uploads import check_uploads
from linli.org.models import Community
from linli.org.selectors import communities_for
from linli.public.posters import qr_svg

from . import selectors, services
from .choices import ActionStatus, MatterOutcome, MeetingType, Party, ProposalOrigin
from .forms import (
    ActionRowForm,
    AgendaItemForm,
    AttendanceForm,
    CorrectionForm,
    DecisionForm,
    DiscussionForm,
    DoneForm,
    MeetingForm,
    ProposalForm,
    QuickEntryForm,
    ReviewForm,
    SignInForm,
)
from .models import AgendaItem, EvidencePhoto, Meeting
from .permissions import may_approve, may_confirm, may_contribute, may_manage, may_report_done

ACTION_ROWS = 3
ActionRows = formset_factory(ActionRowForm, extra=ACTION_ROWS, max_num=ACTION_ROWS)


def _staff_only(request) -> None:
    if not request.user.scope.is_staff_member:
        raise Http404


def _owners(community):
    """Who may own an action item: the community's staff and the departments' contacts."""
    return (
        User.objects.filter(
            Q(roles__community=community)
            | Q(roles__grid__community=community)
            | Q(roles__role=Role.DEPARTMENT),
            is_active=True,
        )
        .distinct()
        .order_by("display_name", "username")
    )


def _fail(request, exc: DomainError, url: str):
    messages.error(request, str(exc.message))
    return redirect(url)


# ---------------------------------------------------------------- meetings


@login_required
def meeting_list(request):
    _staff_only(request)
    meetings = selectors.meetings_for(request.user)[:200]
    return render(
        request,
        "deliberation/meeting_list.html",
        {
            "meetings": meetings,
            "proposals": selectors.waiting_proposals(request.user)[:200],
            "may_call": any(may_manage(request.user, c) for c in communities_for(request.user)[:5]),
            "now": timezone.now(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_new(request):
    _staff_only(request)
    communities = [c for c in communities_for(request.user) if may_manage(request.user, c)]
    if not communities:
        raise Http404
    form = MeetingForm(request.POST or None)
    community = communities[0]
    if request.method == "POST":
        chosen = request.POST.get("community")
        community = next((c for c in communities if str(c.pk) == chosen), communities[0])
        if form.is_valid():
            try:
                meeting = services.meeting_create(
                    actor=request.user, community=community, **form.cleaned_data
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
            else:
                return redirect("deliberation:detail", pk=meeting.pk)
    return render(
        request,
        "deliberation/meeting_new.html",
        {"form": form, "communities": communities, "community": community},
    )


@login_required
def meeting_detail(request, pk: int):
    meeting = selectors.get_meeting_for_user(request.user, pk)
    attendances = list(meeting.attendances.all())
    community = meeting.community
    manage = may_manage(request.user, community)
    return render(
        request,
        "deliberation/meeting_detail.html",
        {
            "meeting": meeting,
            "items": selectors.meeting_minutes(meeting),
            "attendances": attendances,
            "invited": [Party(p).label for p in meeting.invited if p in Party.values],
            "quorum": services.meeting_quorum(meeting, attendances),
            "corrections": meeting.corrections.select_related("created_by", "agenda_item"),
            "proposals": selectors.waiting_proposals(request.user, community.pk)
            if not meeting.is_approved
            else [],
            "may_contribute": may_contribute(request.user, community) and not meeting.is_approved,
            "may_manage": manage and not meeting.is_approved,
            "may_approve": may_approve(request.user, meeting) and not meeting.is_approved,
            "may_correct": meeting.is_approved and (manage or may_approve(request.user, meeting)),
            "attendance_form": AttendanceForm(),
            "agenda_form": AgendaItemForm(),
            "decision_form": DecisionForm(),
            "action_rows": ActionRows(form_kwargs={"owners": _owners(community)}) if manage else None,
            "correction_form": CorrectionForm(),
            "is_reception": meeting.type in (MeetingType.RECEPTION_DAY, MeetingType.EVENING_TALK),
        },
    )


@login_required
def meeting_qr(request, pk: int):
    """The sign-in poster: its QR code opens the meeting's sign-in page on the attendee's phone."""
    meeting = selectors.get_meeting_for_user(request.user, pk)
    url = settings.LINLI_PUBLIC_BASE_URL.rstrip("/") + reverse(
        "deliberation:sign_in", args=[meeting.sign_in_token]
    )
    return render(
        request, "deliberation/meeting_qr.html", {"meeting": meeting, "url": url, "qr": qr_svg(url)}
    )


@login_required
@require_POST
def meeting_attend(request, pk: int):
    meeting = selectors.get_meeting_for_user(request.user, pk)
    form = AttendanceForm(request.POST)
    url = reverse("deliberation:detail", args=[pk]) + "#attendance"
    if not form.is_valid():
        messages.error(request, _("The form was incomplete: %(e)s") % {"e": form.errors.as_text()})
        return redirect(url)
    try:
        services.attendance_add(meeting=meeting, actor=request.user, **form.cleaned_data)
    except DomainError as exc:
        return _fail(request, exc, url)
    return redirect(url)


@require_http_methods(["GET", "POST"])
@rate_limit("meeting-sign-in", "30/m")
def sign_in(request, token: str):
    """签到 by QR code: name and whom one speaks for, no account."""
    meeting = get_object_or_404(Meeting.objects.select_related("community"), sign_in_token=token)
    form = SignInForm(request.POST or None)
    done = False
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data.pop("website"):
            return HttpResponseBadRequest()
        try:
            services.attendance_add(meeting=meeting, by_qr=True, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            done = True
    return render(
        request,
        "deliberation/public_sign_in.html",
        {"meeting": meeting, "form": form, "done": done, "closed": meeting.is_approved},
        status=400 if request.method == "POST" and not done else 200,
    )


@login_required
@require_POST
def agenda_add(request, pk: int):
    meeting = selectors.get_meeting_for_user(request.user, pk)
    url = reverse("deliberation:detail", args=[pk])
    form = AgendaItemForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("The form was incomplete: %(e)s") % {"e": form.errors.as_text()})
        return redirect(url)
    data = form.cleaned_data
    refs = [r.strip() for r in data["cases"].replace("，", ",").split(",") if r.strip()]
    cases = list(Case.objects.visible_to(request.user).filter(number__in=refs))
    if len(cases) != len(set(refs)):
        messages.error(request, _("A case number was not found in your area."))
        return redirect(url)
    try:
        photos = clean_photos(check_uploads(data["photos"]))
        services.agenda_item_add(
            meeting=meeting,
            actor=request.user,
            title=data["title"],
            description=data["description"],
            figures=data["figures"],
            cases=cases,
            source="case" if cases else "typed",
            photos=[p.upload for p in photos],
        )
    except DomainError as exc:
        return _fail(request, exc, url)
    return redirect(url)


@login_required
@require_POST
def agenda_from_proposal(request, pk: int, proposal_pk: int):
    meeting = selectors.get_meeting_for_user(request.user, pk)
    proposal = selectors.get_proposal_for_user(request.user, proposal_pk)
    try:
        services.agenda_item_from_proposal(meeting=meeting, actor=request.user, proposal=proposal)
    except DomainError as exc:
        return _fail(request, exc, reverse("deliberation:detail", args=[pk]))
    return redirect("deliberation:detail", pk=pk)


@login_required
@require_POST
def agenda_edit(request, pk: int, item_pk: int):
    meeting = selectors.get_meeting_for_user(request.user, pk)
    item = selectors.get_agenda_item_for_user(request.user, meeting, item_pk)
    url = reverse("deliberation:detail", args=[pk]) + f"#item-{item.pk}"
    form = DiscussionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form was incomplete: %(e)s") % {"e": form.errors.as_text()})
        return redirect(url)
    try:
        services.agenda_item_update(item=item, actor=request.user, **form.cleaned_data)
    except DomainError as exc:
        return _fail(request, exc, url)
    return redirect(url)


@login_required
@require_POST
def decide(request, pk: int, item_pk: int):
    meeting = selectors.get_meeting_for_user(request.user, pk)
    item = selectors.get_agenda_item_for_user(request.user, meeting, item_pk)
    url = reverse("deliberation:detail", args=[pk]) + f"#item-{item.pk}"
    form = DecisionForm(request.POST)
    rows = ActionRows(request.POST, form_kwargs={"owners": _owners(meeting.community)})
    if not (form.is_valid() and rows.is_valid()):
        errors = form.errors.as_text() + " ".join(e.as_text() for e in rows.errors if e)
        messages.error(request, _("The form was incomplete: %(e)s") % {"e": errors})
        return redirect(url)
    actions = [
        {
            "title": r["title"],
            "owner": r["owner"],
            "department": r["department"],
            "deadline": r["deadline"],
            "done_definition": r["done_definition"],
        }
        for r in rows.cleaned_data
        if r.get("title")
    ]
    try:
        services.decision_record(item=item, actor=request.user, action_items=actions, **form.cleaned_data)
    except DomainError as exc:
        return _fail(request, exc, url)
    messages.success(request, _("Decision recorded with %(n)d action items.") % {"n": len(actions)})
    return redirect(url)


@login_required
@require_POST
def approve(request, pk: int):
    meeting = selectors.get_meeting_for_user(request.user, pk)
    try:
        services.minutes_approve(meeting=meeting, actor=request.user, request=request)
    except DomainError as exc:
        return _fail(request, exc, reverse("deliberation:detail", args=[pk]))
    messages.success(request, _("The minutes are approved and fixed."))
    return redirect("deliberation:detail", pk=pk)


@login_required
@require_POST
def correct(request, pk: int):
    meeting = selectors.get_meeting_for_user(request.user, pk)
    form = CorrectionForm(request.POST)
    url = reverse("deliberation:detail", args=[pk]) + "#corrections"
    if not form.is_valid():
        messages.error(request, _("Write the correction."))
        return redirect(url)
    item = None
    if request.POST.get("agenda_item"):
        item = selectors.get_agenda_item_for_user(request.user, meeting, request.POST["agenda_item"])
    try:
        services.minutes_correct(
            meeting=meeting, actor=request.user, text=form.cleaned_data["text"], agenda_item=item
        )
    except DomainError as exc:
        return _fail(request, exc, url)
    return redirect(url)


# ---------------------------------------------------------------- reception day / evening talk


@login_required
@require_http_methods(["GET", "POST"])
def quick_entry(request, pk: int):
    """One row per resident's matter; one of three buttons decides what it becomes, then the next row."""
    meeting = selectors.get_meeting_for_user(request.user, pk)
    if not may_contribute(request.user, meeting.community):
        raise Http404
    form = QuickEntryForm(request.POST or None)
    if request.method == "POST":
        outcome = request.POST.get("outcome", "")
        if form.is_valid():
            try:
                services.reception_matter_record(
                    meeting=meeting, actor=request.user, outcome=outcome, **form.cleaned_data
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
            else:
                return redirect(reverse("deliberation:quick", args=[pk]) + "#next")
    matters = meeting.matters.select_related("case", "proposal")[:200]
    return render(
        request,
        "deliberation/quick_entry.html",
        {"meeting": meeting, "form": form, "matters": matters, "outcomes": MatterOutcome},
        status=400 if form.errors else 200,
    )


# ---------------------------------------------------------------- action items


@login_required
def action_item_detail(request, pk: int):
    item = selectors.get_action_item_for_user(request.user, pk)
    return render(
        request,
        "deliberation/action_item.html",
        {
            "item": item,
            "events": item.events.select_related("actor"),
            "photos": item.photos.all(),
            "cases": Case.objects.visible_to(request.user).filter(agenda_items__decisions=item.decision_id),
            "may_done": item.status == ActionStatus.OPEN and may_report_done(request.user, item),
            "may_review": item.status == ActionStatus.DONE and may_confirm(request.user, item),
            "done_form": DoneForm(initial={"version": item.version}),
            "review_form": ReviewForm(initial={"version": item.version}),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_POST
def action_item_step(request, pk: int, step: str):
    item = selectors.get_action_item_for_user(request.user, pk)
    url = reverse("deliberation:action_item", args=[pk])
    try:
        if step == "done":
            form = DoneForm(request.POST, request.FILES)
            if not form.is_valid():
                messages.error(request, _("The form was incomplete: %(e)s") % {"e": form.errors.as_text()})
                return redirect(url)
            photos = clean_photos(check_uploads(form.cleaned_data["photos"]))
            services.action_item_done(
                item=item,
                actor=request.user,
                note=form.cleaned_data["note"],
                version=form.cleaned_data["version"],
                photos=[p.upload for p in photos],
            )
        elif step in ("confirm", "send-back"):
            form = ReviewForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("The form was incomplete: %(e)s") % {"e": form.errors.as_text()})
                return redirect(url)
            call = services.action_item_confirm if step == "confirm" else services.action_item_send_back
            call(item=item, actor=request.user, request=request, **form.cleaned_data)
        else:
            raise Http404
    except DomainError as exc:
        return _fail(request, exc, url)
    return redirect(url)


@login_required
@require_POST
def case_raise(request, case_pk: int):
    """“Raise at the next meeting” from the case page."""
    case = get_case_for_user(request.user, case_pk)
    url = reverse("cases:detail", args=[case.pk])
    try:
        raised = services.case_raise_to_meeting(case=case, actor=request.user)
    except DomainError as exc:
        return _fail(request, exc, url)
    if isinstance(raised, AgendaItem):
        messages.success(request, _("On the agenda of %(m)s.") % {"m": raised.meeting.title})
    else:
        messages.success(request, _("No meeting is planned yet: kept as a proposal for the next one."))
    return redirect(url)


@login_required
def photo(request, uuid):
    """Evidence photos are served only to those who may see their meeting or action item."""
    try:
        stored = EvidencePhoto.objects.select_related("agenda_item").get(uuid=uuid)
    except (EvidencePhoto.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    if stored.agenda_item_id:
        selectors.get_meeting_for_user(request.user, stored.agenda_item.meeting_id)
    else:
        selectors.get_action_item_for_user(request.user, stored.action_item_id)
    return serve_stored_file(request, stored)


# ---------------------------------------------------------------- the residents' pages


def _community(code: str) -> Community:
    return get_object_or_404(Community, code=code)


def public_decisions(request, code: str):
    """众人的事情由众人商量: what the community decided and how each action item stands. No personal data."""
    community = _community(code)
    return render(
        request,
        "deliberation/public_decisions.html",
        {
            "community": community,
            "meetings": selectors.public_decisions(community),
            "today": timezone.localdate(),
        },
    )


@require_http_methods(["GET", "POST"])
@rate_limit("meeting-proposal", "5/m")
@rate_limit("meeting-proposal-day", "20/d")
def public_propose(request, code: str):
    """A resident's proposal for the next residents' meeting, without signing in."""
    community = _community(code)
    form = ProposalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["website"]:
            return HttpResponseBadRequest()
        try:
            services.proposal_record(
                community=community,
                actor=None,
                text=data["text"],
                origin=ProposalOrigin.PUBLIC,
                name=data["name"],
                phone=data["phone"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            return redirect(reverse("deliberation:public_propose", args=[code]) + "?sent=1")
    return render(
        request,
        "deliberation/public_propose.html",
        {"community": community, "form": form, "sent": request.GET.get("sent") == "1"},
    )
