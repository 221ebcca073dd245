"""Reads of deliberation, always through the viewer's scope; the public page reads only what is public."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.choices import Role
from linli.core.validators import mask_personal_text

from .choices import ActionStatus, MeetingStatus, ProposalStatus
from .models import ActionItem, AgendaItem, Decision, Meeting, Proposal
from .permissions import may_contribute


def get_meeting_for_user(user, pk) -> Meeting:
    """The meeting if the user may see it; 404 otherwise."""
    try:
        return Meeting.objects.visible_to(user).select_related("community", "convenor").get(pk=int(pk))
    except (Meeting.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def get_action_item_for_user(user, pk) -> ActionItem:
    """The action item if the user may see it (its community's people, its owner, their department); else 404."""
    try:
        return ActionItem.objects.visible_to(user).with_related().get(pk=int(pk))
    except (ActionItem.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def get_agenda_item_for_user(user, meeting: Meeting, pk) -> AgendaItem:
    try:
        return meeting.agenda_items.select_related("meeting__community").get(pk=int(pk))
    except (AgendaItem.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def get_proposal_for_user(user, pk) -> Proposal:
    try:
        return Proposal.objects.visible_to(user).select_related("case").get(pk=int(pk))
    except (Proposal.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def _decisions_prefetch(items=None) -> Prefetch:
    actions = ActionItem.objects.select_related("owner", "owner_department")
    return Prefetch(
        "decisions", queryset=Decision.objects.prefetch_related(Prefetch("action_items", queryset=actions))
    )


def meeting_minutes(meeting: Meeting):
    """The meeting's agenda items with their cases, photos, decisions and action items, in order."""
    return meeting.agenda_items.prefetch_related(
        "cases", "photos", "corrections", _decisions_prefetch()
    ).select_related("proposal")


def meetings_for(user):
    return Meeting.objects.visible_to(user).select_related("community", "convenor")


def waiting_proposals(user, community_id=None):
    qs = Proposal.objects.visible_to(user).filter(status=ProposalStatus.WAITING).select_related("case")
    if community_id is not None:
        qs = qs.filter(community_id=community_id)
    return qs


def open_action_items(user):
    """The viewer's open action items (问题清单), the nearest deadline first."""
    return ActionItem.objects.visible_to(user).open().with_related().order_by("deadline", "id")


def case_deliberation(user, case) -> dict:
    """What a case led to: the agenda items that took it up, their decisions and action items, and whether the
    viewer may raise it at the next meeting."""
    items = list(
        AgendaItem.objects.filter(cases=case)
        .select_related("meeting")
        .prefetch_related(_decisions_prefetch())
        .order_by("meeting__starts_at", "id")
    )
    waiting = Proposal.objects.filter(case=case, status=ProposalStatus.WAITING).exists()
    on_planned = any(i.meeting.status == MeetingStatus.PLANNED for i in items)
    may_raise = (
        case.community is not None
        and user.scope.is_staff_member
        and may_contribute(user, case.community)
        and not waiting
        and not on_planned
    )
    return {"agenda_items": items, "proposal_waiting": waiting, "may_raise": may_raise}


_ROLE_UNITS = {
    Role.SECRETARY: lambda: _("Residents' committee"),
    Role.ADMIN: lambda: _("Residents' committee"),
    Role.GRID_WORKER: lambda: _("Grid worker"),
    Role.GRID_LEADER: lambda: _("Grid leader"),
    Role.STREET_OFFICER: lambda: _("Street office"),
}


def public_owner(item: ActionItem) -> str:
    """How the public page names an owner: their department, or their role; never the person."""
    if item.owner_department_id:
        return item.owner_department.name
    label = _ROLE_UNITS.get(item.owner_role)
    return label() if label else _("Community")


def public_decisions(community) -> list[dict]:
    """The community's approved meetings: what was decided, each action item's state and deadline. No names, no
    phones, no notes that might hold them: only titles, decisions and dates, with any phone, ID number or e-mail
    staff typed into them masked."""
    today = timezone.localdate()
    meetings = (
        Meeting.objects.filter(community=community, status=MeetingStatus.APPROVED)
        .prefetch_related(
            Prefetch(
                "agenda_items",
                queryset=AgendaItem.objects.prefetch_related(_decisions_prefetch()).order_by("order", "id"),
            )
        )
        .order_by("-starts_at")[:50]
    )
    out = []
    for meeting in meetings:
        rows = []
        for item in meeting.agenda_items.all():
            for decision in item.decisions.all():
                actions = [
                    {
                        "title": mask_personal_text(a.title),
                        "owner": public_owner(a),
                        "deadline": a.deadline,
                        "status": a.status,
                        "status_label": a.get_status_display(),
                        "overdue": a.status == ActionStatus.OPEN and a.deadline < today,
                        "closed_on": a.confirmed_at,
                    }
                    for a in decision.action_items.all()
                ]
                rows.append(
                    {
                        "topic": mask_personal_text(item.title),
                        "decision": decision,
                        "decision_text": mask_personal_text(decision.text),
                        "actions": actions,
                    }
                )
        out.append({"meeting": meeting, "rows": rows})
    return out
