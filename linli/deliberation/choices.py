"""The words of deliberation: meeting types and their quorum rules, parties, sources, states."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class MeetingType(models.TextChoices):
    HALL = "hall", _("Residents' hall (居民议事厅)")
    EVENING_TALK = "evening_talk", _("Evening talk at the door (和平夜话)")
    JOINT = "joint", _("Four-party joint meeting (四方联席协调会)")
    RESIDENTS_COUNCIL = "residents_council", _("Residents' council (居民议事会)")
    PROPERTY_COMMITTEE = "property_committee", _("Property management committee (物管会)")
    PARTY_BRANCH = "party_branch", _("Party branch meeting (支部党员会)")
    RECEPTION_DAY = "reception_day", _("Secretary's reception day (有事说事)")


class Party(models.TextChoices):
    """Who an attendee or an invitee speaks for."""

    PARTY = "party", _("Community party committee")
    COMMITTEE = "committee", _("Residents' committee")
    RESIDENTS_REP = "residents_rep", _("Residents' representatives")
    PROPERTY = "property", _("Property company")
    OWNERS_COMMITTEE = "owners_committee", _("Owners' committee")
    PARTNER = "partner", _("Partner unit")
    DEPARTMENT = "department", pgettext_lazy("party", "Department")
    RESIDENT = "resident", _("Resident")


@dataclass(frozen=True)
class QuorumRule:
    min_attendees: int = 0
    min_residents_reps: int = 0
    required_parties: frozenset[str] = frozenset()
    needs_vote: bool = False


# 幸福1+3: the party committee leads the residents' committee, the residents' council and the property company.
QUORUM_RULES: dict[str, QuorumRule] = {
    MeetingType.HALL: QuorumRule(min_attendees=5, needs_vote=True),
    MeetingType.EVENING_TALK: QuorumRule(min_attendees=1),
    MeetingType.JOINT: QuorumRule(
        required_parties=frozenset({Party.PARTY, Party.COMMITTEE, Party.RESIDENTS_REP, Party.PROPERTY}),
        needs_vote=True,
    ),
    MeetingType.RESIDENTS_COUNCIL: QuorumRule(min_attendees=5, min_residents_reps=3, needs_vote=True),
    MeetingType.PROPERTY_COMMITTEE: QuorumRule(
        required_parties=frozenset({Party.COMMITTEE, Party.PROPERTY, Party.OWNERS_COMMITTEE}), needs_vote=True
    ),
    MeetingType.PARTY_BRANCH: QuorumRule(min_attendees=3, needs_vote=True),
    MeetingType.RECEPTION_DAY: QuorumRule(),
}


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    APPROVED = "approved", _("Minutes approved")


class AgendaSource(models.TextChoices):
    CASE = "case", _("From a case")
    PROPOSAL = "proposal", _("Residents' proposal")
    TYPED = "typed", _("Typed in")


class ProposalOrigin(models.TextChoices):
    PUBLIC = "public", _("Resident's H5 page")
    RECEPTION_DAY = "reception_day", _("Reception day")
    EVENING_TALK = "evening_talk", _("Evening talk")
    CASE = "case", _("Raised from a case")
    STAFF = "staff", _("Staff")


class ProposalStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting for a meeting")
    ON_AGENDA = "on_agenda", _("On the agenda")


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done, waiting for confirmation")
    CONFIRMED = "confirmed", _("Closed out (销号)")


class ActionEventKind(models.TextChoices):
    CREATE = "create", _("Created")
    DONE = "done", _("Reported done")
    CONFIRM = "confirm", _("Confirmed by the secretary")
    SEND_BACK = "send_back", _("Sent back")
    OVERDUE = "overdue", _("Overdue")


class MatterOutcome(models.TextChoices):
    CASE = "case", _("Became a case")
    PROPOSAL = "proposal", _("Proposal for the next meeting")
    ANSWERED = "answered", _("Answered on the spot")
