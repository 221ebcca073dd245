"""Every change in deliberation: one function per act, one transaction, its entry and its notifications.

Views, the API, the demo and tests call these; nothing else saves a meeting, its minutes or an action item."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.choices import Role
from linli.accounts.models import RoleAssignment, User
from linli.cases import services as case_services
from linli.cases.choices import Channel, Status
from linli.cases.models import Case, Category
from linli.core.audit import audit
from linli.core.errors import Conflict, InvalidInput, NotAllowed
from linli.core.images import clean_photo
from linli.core.models import Notification
from linli.core.uploads import CheckedUpload
from linli.org.models import Community, Department

from .choices import (
    QUORUM_RULES,
    ActionEventKind,
    ActionStatus,
    AgendaSource,
    MatterOutcome,
    MeetingStatus,
    MeetingType,
    Party,
    ProposalOrigin,
    ProposalStatus,
)
from .models import (
    ActionItem,
    ActionItemEvent,
    AgendaItem,
    Attendance,
    Decision,
    EvidencePhoto,
    Meeting,
    MinutesCorrection,
    Proposal,
    ReceptionMatter,
)
from .permissions import (
    may_approve,
    may_confirm,
    may_contribute,
    may_manage,
    may_report_done,
    role_in_community,
)

# Meetings a case or a proposal can be raised at: not the reception day or the evening talk, where matters come in.
DELIBERATING_TYPES = tuple(t for t in MeetingType.values if t not in (MeetingType.RECEPTION_DAY,))
REMIND_DAYS_BEFORE = 1


def _now() -> datetime:
    return timezone.now()


def _notify(user_ids: Iterable[int | None], *, kind: str, message: str, url: str) -> None:
    recipients = {uid for uid in user_ids if uid}
    Notification.objects.bulk_create(
        [Notification(recipient_id=uid, kind=kind, message=message[:300], url=url) for uid in recipients]
    )


def _secretaries(community_id: int) -> list[int]:
    return list(
        RoleAssignment.objects.filter(role=Role.SECRETARY, community_id=community_id).values_list(
            "user_id", flat=True
        )
    )


def _item_url(item: ActionItem) -> str:
    return reverse("deliberation:action_item", args=[item.pk])


def _check_open(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.APPROVED:
        raise Conflict(
            _("The minutes of this meeting are approved; add a correction instead."),
            code="minutes_approved",
            field="meeting",
        )


def _save_photos(uploads: Iterable[CheckedUpload], actor, **owner) -> None:
    """Store checked photos re-encoded without their metadata (FU-03), under random names (FU-02)."""
    for up in uploads:
        if not up.cleaned:
            up = clean_photo(up).upload
        photo = EvidencePhoto(
            stored_name=f"{uuid.uuid4().hex}.{up.stored_extension}",
            original_name=up.name,
            content_type=up.content_type,
            size=up.size,
            uploaded_by=actor,
            **owner,
        )
        photo.file.save(photo.stored_name, up.file, save=False)
        photo.save()


def _required(value: str, field: str, message) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(message, field=field)
    return value


# ---------------------------------------------------------------- meetings and attendance


def meeting_create(
    *,
    actor: User,
    community: Community,
    type: str,
    title: str,
    starts_at: datetime,
    place: str = "",
    invited: Sequence[str] = (),
    convenor: User | None = None,
) -> Meeting:
    """Call a meeting: its type (and so its quorum rule), date, place, convenor and the parties invited."""
    if not may_manage(actor, community):
        raise NotAllowed(_("Only the community's secretary or street may call a meeting."), field="community")
    if type not in MeetingType.values:
        raise InvalidInput(_("Unknown meeting type."), field="type")
    bad = [p for p in invited if p not in Party.values]
    if bad:
        raise InvalidInput(_("Unknown party: %(p)s") % {"p": ", ".join(bad)}, field="invited")
    return Meeting.objects.create(
        community=community,
        type=type,
        title=_required(title, "title", _("Give the meeting a title.")),
        starts_at=starts_at,
        place=place.strip(),
        invited=list(dict.fromkeys(invited)),
        convenor=convenor or actor,
        created_by=actor,
    )


def attendance_add(
    *,
    meeting: Meeting,
    name: str,
    party: str,
    organisation: str = "",
    by_qr: bool = False,
    actor: User | None = None,
    user: User | None = None,
) -> Attendance:
    """签到: an attendee signs in by the QR code (no account, actor None), or staff tick them."""
    if not by_qr and (actor is None or not may_contribute(actor, meeting.community)):
        raise NotAllowed(_("You may not record attendance for this meeting."))
    _check_open(meeting)
    if party not in Party.values:
        raise InvalidInput(_("Choose whom you speak for."), field="party")
    name = _required(name, "name", _("Write your name."))[:50]
    existing = meeting.attendances.filter(name=name, party=party).first()
    if existing is not None:  # signing in twice (a rescanned QR code) counts once
        return existing
    return Attendance.objects.create(
        meeting=meeting,
        name=name,
        party=party,
        organisation=organisation.strip()[:80],
        by_qr=by_qr,
        user=user,
        signed_in_at=_now(),
    )


def meeting_quorum(meeting: Meeting, attendances: Sequence[Attendance] | None = None) -> dict[str, Any]:
    """Whether the meeting's type's quorum rule is met by who attended, and what is missing."""
    rule = QUORUM_RULES[meeting.type]
    people = list(meeting.attendances.all()) if attendances is None else list(attendances)
    present = {a.party for a in people}
    reps = sum(1 for a in people if a.party == Party.RESIDENTS_REP)
    missing = sorted(rule.required_parties - present)
    met = len(people) >= rule.min_attendees and reps >= rule.min_residents_reps and not missing
    return {
        "met": met,
        "attendees": len(people),
        "residents_reps": reps,
        "min_attendees": rule.min_attendees,
        "min_residents_reps": rule.min_residents_reps,
        "missing_parties": missing,
        "missing_labels": [Party(p).label for p in missing],
        "needs_vote": rule.needs_vote,
    }


# ---------------------------------------------------------------- agenda


def agenda_item_add(
    *,
    meeting: Meeting,
    actor: User,
    title: str,
    description: str = "",
    source: str = AgendaSource.TYPED,
    cases: Sequence[Case] = (),
    proposal: Proposal | None = None,
    figures: str = "",
    photos: Iterable[CheckedUpload] = (),
) -> AgendaItem:
    """议题: a topic for the meeting, typed in, from cases (its evidence) or from a residents' proposal."""
    if not may_contribute(actor, meeting.community):
        raise NotAllowed(_("You may not add to this meeting's agenda."))
    _check_open(meeting)
    outside = [c for c in cases if c.community_id != meeting.community_id]
    if outside:
        raise InvalidInput(_("A linked case belongs to another community."), field="cases")
    if proposal is not None and proposal.community_id != meeting.community_id:
        raise InvalidInput(_("The proposal belongs to another community."), field="proposal")
    with transaction.atomic():
        last = meeting.agenda_items.order_by("-order").values_list("order", flat=True).first() or 0
        item = AgendaItem.objects.create(
            meeting=meeting,
            order=last + 1,
            title=_required(title, "title", _("Give the agenda item a title."))[:120],
            description=description.strip(),
            source=source,
            proposal=proposal,
            figures=figures.strip(),
            created_by=actor,
        )
        linked = list(cases)
        if proposal is not None:
            Proposal.objects.filter(pk=proposal.pk).update(status=ProposalStatus.ON_AGENDA)
            if proposal.case_id:
                linked.append(proposal.case)
        if linked:
            item.cases.add(*linked)
        _save_photos(photos, actor, agenda_item=item)
    return item


def agenda_item_from_proposal(*, meeting: Meeting, actor: User, proposal: Proposal) -> AgendaItem:
    """One click: a waiting proposal becomes an agenda item of the meeting."""
    if proposal.status != ProposalStatus.WAITING:
        raise Conflict(_("This proposal is already on an agenda."), field="proposal", code="on_agenda")
    return agenda_item_add(
        meeting=meeting,
        actor=actor,
        title=proposal.text.strip().splitlines()[0][:120],
        description=proposal.text,
        source=AgendaSource.CASE if proposal.case_id else AgendaSource.PROPOSAL,
        proposal=proposal,
    )


def agenda_item_update(
    *,
    item: AgendaItem,
    actor: User,
    version: int,
    title: str | None = None,
    description: str | None = None,
    figures: str | None = None,
    discussion: str | None = None,
) -> AgendaItem:
    """Edit an agenda item or write its discussion notes; two people at once get a 409, not a lost write."""
    if not may_contribute(actor, item.meeting.community):
        raise NotAllowed(_("You may not edit this meeting's agenda."))
    _check_open(item.meeting)
    fields = {
        k: v.strip()
        for k, v in {
            "title": title,
            "description": description,
            "figures": figures,
            "discussion": discussion,
        }.items()
        if v is not None
    }
    if "title" in fields and not fields["title"]:
        raise InvalidInput(_("Give the agenda item a title."), field="title")
    with transaction.atomic():
        changed = AgendaItem.objects.filter(pk=item.pk, version=version).update(
            version=F("version") + 1, **fields
        )
        if changed != 1:
            raise Conflict(
                _("This agenda item was changed by someone else. Reload it and try again."),
                field="version",
                code="stale_version",
            )
    item.refresh_from_db()
    return item


def case_raise_to_meeting(*, case: Case, actor: User) -> AgendaItem | Proposal:
    """“Raise at the next meeting”: onto the agenda of the community's next planned meeting, or, when none is
    planned yet, a proposal waiting for one."""
    community = case.community
    if community is None or not may_contribute(actor, community):
        raise NotAllowed(_("You may not raise this case at a meeting."))
    if AgendaItem.objects.filter(cases=case, meeting__status=MeetingStatus.PLANNED).exists():
        raise Conflict(_("This case is already on a meeting's agenda."), code="already_raised")
    meeting = (
        Meeting.objects.filter(
            community=community,
            status=MeetingStatus.PLANNED,
            type__in=DELIBERATING_TYPES,
            starts_at__gte=_now(),
        )
        .order_by("starts_at", "id")
        .first()
    )
    if meeting is not None:
        return agenda_item_add(
            meeting=meeting,
            actor=actor,
            title=case.title,
            description=case.description,
            source=AgendaSource.CASE,
            cases=[case],
        )
    return proposal_record(
        community=community,
        actor=actor,
        text=f"{case.number} {case.title}\n{case.description}".strip(),
        origin=ProposalOrigin.CASE,
        case=case,
    )


# ---------------------------------------------------------------- proposals


def proposal_record(
    *,
    community: Community,
    actor: User | None,
    text: str,
    origin: str,
    meeting_type: str = MeetingType.HALL,
    name: str = "",
    phone: str = "",
    case: Case | None = None,
) -> Proposal:
    """A proposal for the next meeting of a type: from the H5 page (no actor), a reception day, or staff."""
    if actor is not None and not may_contribute(actor, community):
        raise NotAllowed(_("You may not record proposals for this community."))
    if meeting_type not in MeetingType.values:
        raise InvalidInput(_("Unknown meeting type."), field="meeting_type")
    return Proposal.objects.create(
        community=community,
        text=_required(text, "text", _("Write what you propose."))[:2000],
        origin=origin,
        meeting_type=meeting_type,
        proposer_name=name.strip()[:50],
        proposer_phone=phone.strip(),
        case=case,
        created_by=actor,
    )


# ---------------------------------------------------------------- decisions and action items


def decision_record(
    *,
    item: AgendaItem,
    actor: User,
    text: str,
    votes_for: int | None = None,
    votes_against: int | None = None,
    votes_abstain: int | None = None,
    action_items: Sequence[dict] = (),
) -> Decision:
    """决议: what was decided, with the vote count where the meeting's type needs one, and its action items
    (each a dict of title, owner, deadline, done_definition and optionally department)."""
    meeting = item.meeting
    if not may_manage(actor, meeting.community):
        raise NotAllowed(_("Only the community's secretary or street may record decisions."))
    _check_open(meeting)
    votes = (votes_for, votes_against, votes_abstain)
    if QUORUM_RULES[meeting.type].needs_vote and votes_for is None:
        raise InvalidInput(_("This kind of meeting decides by vote: give the votes for."), field="votes_for")
    if any(v is not None and v < 0 for v in votes):
        raise InvalidInput(_("Votes cannot be negative."), field="votes_for")
    with transaction.atomic():
        decision = Decision.objects.create(
            agenda_item=item,
            meeting=meeting,
            text=_required(text, "text", _("Write what was decided.")),
            votes_for=votes_for,
            votes_against=votes_against if votes_for is not None else None,
            votes_abstain=votes_abstain if votes_for is not None else None,
            created_by=actor,
        )
        for spec in action_items:
            action_item_add(decision=decision, actor=actor, **spec)
    return decision


def action_item_add(
    *,
    decision: Decision,
    actor: User,
    title: str,
    owner: User,
    deadline: date,
    done_definition: str,
    department: Department | None = None,
) -> ActionItem:
    """待办: one thing the decision asks of an owner (a person, or a department's contact) by a deadline."""
    meeting = decision.meeting
    if not may_manage(actor, meeting.community):
        raise NotAllowed(_("Only the community's secretary or street may give action items."))
    _check_open(meeting)
    if not owner.is_active:
        raise InvalidInput(_("This person cannot take action items."), field="owner")
    if (
        department is not None
        and department.pk not in owner.scope.department_ids
        and not owner.scope.is_admin
    ):
        raise InvalidInput(_("The owner is not a contact of this department."), field="owner")
    role = Role.DEPARTMENT if department is not None else role_in_community(owner, meeting.community)
    if not role:
        raise InvalidInput(_("The owner does not work for this community."), field="owner")
    with transaction.atomic():
        item = ActionItem.objects.create(
            decision=decision,
            community=meeting.community,
            title=_required(title, "title", _("Say what must be done."))[:200],
            done_definition=_required(done_definition, "done_definition", _("Say what “done” means.")),
            owner=owner,
            owner_department=department,
            owner_role=role,
            deadline=deadline,
        )
        _entry(item, ActionEventKind.CREATE, actor)
    _notify(
        [owner.pk],
        kind="action_item",
        message=_("New action item for you: %(t)s (due %(d)s)") % {"t": item.title, "d": deadline},
        url=_item_url(item),
    )
    return item


def _entry(item: ActionItem, kind: str, actor, note: str = "") -> ActionItemEvent:
    return ActionItemEvent.objects.create(
        action_item=item, kind=kind, actor=actor, note=note, created_at=_now()
    )


def _locked(item: ActionItem, version: int | None) -> ActionItem:
    locked = ActionItem.objects.select_for_update().select_related("community", "decision").get(pk=item.pk)
    if version is not None and locked.version != version:
        raise Conflict(
            _("This action item was changed by someone else. Reload it and try again."),
            field="version",
            code="stale_version",
        )
    return locked


def _write(item: ActionItem, **fields) -> ActionItem:
    ActionItem.objects.filter(pk=item.pk).update(version=F("version") + 1, **fields)
    item.refresh_from_db()
    return item


# ---------------------------------------------------------------- minutes


def minutes_approve(*, meeting: Meeting, actor: User, request=None) -> Meeting:
    """The convenor approves the minutes: from now on they are fixed, and corrections are new entries."""
    if not may_approve(actor, meeting):
        raise NotAllowed(_("Only the convenor approves the minutes."))
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        _check_open(locked)
        if not locked.agenda_items.exists():
            raise Conflict(_("The minutes have no agenda item yet."), code="empty_minutes")
        locked.status = MeetingStatus.APPROVED
        locked.approved_at = _now()
        locked.approved_by = actor
        locked.save()
        audit("minutes_approve", actor=actor, request=request, obj=locked, meeting_type=locked.type)
    return locked


def minutes_correct(
    *, meeting: Meeting, actor: User, text: str, agenda_item: AgendaItem | None = None
) -> MinutesCorrection:
    """更正: approved minutes are fixed; a correction is appended beside them."""
    if not may_manage(actor, meeting.community) and not may_approve(actor, meeting):
        raise NotAllowed(_("You may not correct these minutes."))
    if meeting.status != MeetingStatus.APPROVED:
        raise Conflict(_("The minutes are not approved yet: edit them instead."), code="not_approved")
    if agenda_item is not None and agenda_item.meeting_id != meeting.pk:
        raise InvalidInput(_("This agenda item is not of this meeting."), field="agenda_item")
    return MinutesCorrection.objects.create(
        meeting=meeting,
        agenda_item=agenda_item,
        text=_required(text, "text", _("Write the correction.")),
        created_by=actor,
        created_at=_now(),
    )


# ---------------------------------------------------------------- the life of an action item


def action_item_done(
    *,
    item: ActionItem,
    actor: User,
    note: str,
    version: int | None = None,
    photos: Iterable[CheckedUpload] = (),
) -> ActionItem:
    """The owner reports the item done, with what was done and photos; the secretary is asked to confirm."""
    if not may_report_done(actor, item):
        raise NotAllowed(_("Only the owner reports this action item done."))
    note = _required(note, "note", _("Say what was done."))
    with transaction.atomic():
        locked = _locked(item, version)
        if locked.status != ActionStatus.OPEN:
            raise Conflict(
                _("Only an open action item can be reported done."), field="action", code="not_open"
            )
        _save_photos(photos, actor, action_item=locked)
        item = _write(locked, status=ActionStatus.DONE, done_note=note, done_at=_now(), done_by_id=actor.pk)
        _entry(item, ActionEventKind.DONE, actor, note)
        _notify(
            _secretaries(item.community_id),
            kind="action_item_done",
            message=_("Action item done, please confirm: %(t)s") % {"t": item.title},
            url=_item_url(item),
        )
    return item


def action_item_confirm(
    *, item: ActionItem, actor: User, note: str = "", version: int | None = None, request=None
) -> ActionItem:
    """销号: the secretary confirms the item done. The cases its agenda item took up close when the last action
    item of every decision on them is confirmed (see _close_cases)."""
    if not may_confirm(actor, item):
        raise NotAllowed(_("Only the community's secretary confirms action items."))
    with transaction.atomic():
        locked = _locked(item, version)
        if locked.status != ActionStatus.DONE:
            raise Conflict(_("Only an item reported done can be confirmed."), field="action", code="not_done")
        item = _write(locked, status=ActionStatus.CONFIRMED, confirmed_at=_now(), confirmed_by_id=actor.pk)
        _entry(item, ActionEventKind.CONFIRM, actor, note)
        audit("action_item_confirm", actor=actor, request=request, obj=item)
        _close_cases(item, actor)
        _notify(
            [item.owner_id],
            kind="action_item_confirmed",
            message=_("Your action item was closed out: %(t)s") % {"t": item.title},
            url=_item_url(item),
        )
    return item


def action_item_send_back(
    *, item: ActionItem, actor: User, note: str, version: int | None = None, request=None
) -> ActionItem:
    """The secretary sends an item reported done back to its owner, saying what is missing."""
    if not may_confirm(actor, item):
        raise NotAllowed(_("Only the community's secretary sends action items back."))
    note = _required(note, "note", _("Say what is still missing."))
    with transaction.atomic():
        locked = _locked(item, version)
        if locked.status != ActionStatus.DONE:
            raise Conflict(_("Only an item reported done can be sent back."), field="action", code="not_done")
        item = _write(
            locked,
            status=ActionStatus.OPEN,
            done_at=None,
            sent_back_count=F("sent_back_count") + 1,
        )
        _entry(item, ActionEventKind.SEND_BACK, actor, note)
        audit("action_item_send_back", actor=actor, request=request, obj=item, reason=note)
        _notify(
            [item.owner_id],
            kind="action_item_sent_back",
            message=_("Action item sent back: %(t)s — %(n)s") % {"t": item.title, "n": note},
            url=_item_url(item),
        )
    return item


def _close_cases(item: ActionItem, actor: User) -> list[Case]:
    """Resolve and close, in the confirming secretary's name, each case whose action items are all confirmed.

    A case nobody took up yet is first assigned to (when only received) and responded by the secretary, as the
    meeting took it up; an escalated case waits for its whistles to be settled; a closed, merged or rejected case
    stays as it is; a case its category wants verified, or its resident called not solved, stays resolved."""
    closed = []
    for case in Case.objects.filter(agenda_items__decisions__action_items=item).distinct():
        items = ActionItem.objects.filter(decision__agenda_item__cases=case).distinct()
        if items.exclude(status=ActionStatus.CONFIRMED).exists():
            continue
        result = "；".join(
            f"{i.decision.text} — {i.title}：{i.done_note}" for i in items.select_related("decision")
        )[:5000]
        if case.status == Status.RECEIVED:
            case = case_services.case_assign(case=case, actor=actor, assignee=actor)
        if case.status == Status.ASSIGNED:
            case = case_services.case_respond(case=case, actor=actor, note=_("Taken up at a meeting."))
        if case.status == Status.IN_PROGRESS:
            case = case_services.case_resolve(case=case, actor=actor, result=result)
        if case.status == Status.RESOLVED:
            try:
                case = case_services.case_close(
                    case=case,
                    actor=actor,
                    note=_("Every action item of the meeting's decision is closed out."),
                )
            except Conflict:
                continue
            closed.append(case)
    return closed


# ---------------------------------------------------------------- reception day and evening talk


def reception_matter_record(
    *,
    meeting: Meeting,
    actor: User,
    text: str,
    outcome: str,
    name: str = "",
    phone: str = "",
    category: Category | None = None,
    answer: str = "",
    meeting_type: str = MeetingType.HALL,
) -> ReceptionMatter:
    """One resident's matter at a reception day or evening talk: a case, a proposal, or answered there."""
    if not may_contribute(actor, meeting.community):
        raise NotAllowed(_("You may not record matters for this meeting."))
    text = _required(text, "text", _("Write the resident's matter."))[:500]
    if outcome not in MatterOutcome.values:
        raise InvalidInput(_("Choose what becomes of the matter."), field="outcome")
    fields: dict[str, Any] = {}
    with transaction.atomic():
        if outcome == MatterOutcome.CASE:
            if category is None:
                raise InvalidInput(_("Choose the kind of problem for the case."), field="category")
            channel = Channel.WALK_IN if meeting.type == MeetingType.RECEPTION_DAY else Channel.MEETING
            fields["case"] = case_services.case_create(
                actor=actor,
                title=text[:120],
                description=text,
                category=category,
                channel=channel,
                community=meeting.community,
                reporter_name=name,
                reporter_phone=phone,
            )
        elif outcome == MatterOutcome.PROPOSAL:
            origin = (
                ProposalOrigin.RECEPTION_DAY
                if meeting.type == MeetingType.RECEPTION_DAY
                else ProposalOrigin.EVENING_TALK
            )
            fields["proposal"] = proposal_record(
                community=meeting.community,
                actor=actor,
                text=text,
                origin=origin,
                meeting_type=meeting_type,
                name=name,
                phone=phone,
            )
        else:
            fields["answer"] = _required(answer, "answer", _("Write the answer given."))
        return ReceptionMatter.objects.create(
            meeting=meeting,
            text=text,
            name=name.strip()[:50],
            phone=phone.strip(),
            outcome=outcome,
            created_by=actor,
            **fields,
        )


# ---------------------------------------------------------------- the sweep


def deliberation_sweep(now: datetime | None = None) -> int:
    """Mark open action items past their deadline overdue, once, telling the owner and the secretary; remind
    owners once the day before a deadline. Returns how many items it marked overdue. Safe to run twice."""
    now = now or _now()
    today = timezone.localdate(now)
    marked = 0
    overdue = ActionItem.objects.filter(
        status=ActionStatus.OPEN, deadline__lt=today, overdue_at__isnull=True
    ).select_related("community")
    for item in overdue:
        with transaction.atomic():
            if not ActionItem.objects.filter(pk=item.pk, overdue_at__isnull=True).update(overdue_at=now):
                continue  # another sweeper marked it first
            marked += 1
            _entry(item, ActionEventKind.OVERDUE, None)
            _notify(
                [item.owner_id, *_secretaries(item.community_id)],
                kind="action_item_overdue",
                message=_("Action item overdue (due %(d)s): %(t)s") % {"d": item.deadline, "t": item.title},
                url=_item_url(item),
            )
    due_soon = ActionItem.objects.filter(
        status=ActionStatus.OPEN,
        deadline__gte=today,
        deadline__lte=today + timedelta(days=REMIND_DAYS_BEFORE),
        reminded_at__isnull=True,
    )
    for item in due_soon:
        if ActionItem.objects.filter(pk=item.pk, reminded_at__isnull=True).update(reminded_at=now):
            _notify(
                [item.owner_id],
                kind="action_item_reminder",
                message=_("Action item due %(d)s: %(t)s") % {"d": item.deadline, "t": item.title},
                url=_item_url(item),
            )
    return marked
