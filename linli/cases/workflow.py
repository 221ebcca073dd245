"""The case state machine: which action may move a case from which state, and who may take it.

This module owns the transition table; services consult it and nothing else decides."""

from __future__ import annotations

from dataclasses import dataclass

from linli.accounts.choices import Role

from .choices import Action, Status

# Who, relative to a case, may act (see case_roles()).
MANAGERS = frozenset({Role.GRID_LEADER, Role.SECRETARY, Role.STREET_OFFICER, Role.ADMIN})
HANDLERS = MANAGERS | {Role.GRID_WORKER}
COMMENTERS = HANDLERS | {Role.DEPARTMENT}
# The reporter without an account, who proved it with the case's tracking code (actor None).
RESIDENT = "resident"

S = Status


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    roles: frozenset[str]
    # target state; None keeps the state (a note), a dict maps source → target
    target: str | dict[str, str] | None

    def target_from(self, source: str) -> str:
        if self.target is None:
            return source
        if isinstance(self.target, dict):
            return self.target.get(source, source)
        return self.target


TRANSITIONS: dict[str, Transition] = {
    Action.ASSIGN: Transition(
        frozenset({S.RECEIVED, S.ASSIGNED, S.IN_PROGRESS, S.ESCALATED}),
        MANAGERS,
        {S.RECEIVED: S.ASSIGNED, S.ASSIGNED: S.ASSIGNED, S.IN_PROGRESS: S.ASSIGNED, S.ESCALATED: S.ESCALATED},
    ),
    Action.RESPOND: Transition(frozenset({S.ASSIGNED}), HANDLERS, S.IN_PROGRESS),
    Action.NOTE: Transition(
        frozenset({S.RECEIVED, S.ASSIGNED, S.IN_PROGRESS, S.ESCALATED, S.RESOLVED}), COMMENTERS, None
    ),
    Action.WHISTLE: Transition(frozenset({S.ASSIGNED, S.IN_PROGRESS, S.ESCALATED}), HANDLERS, S.ESCALATED),
    # The last open whistle settled hands the case back to its owner (see whistle services).
    Action.WHISTLE_ACCEPT: Transition(frozenset({S.ESCALATED}), HANDLERS, None),
    Action.WHISTLE_REJECT: Transition(frozenset({S.ESCALATED}), HANDLERS, None),
    Action.RESOLVE: Transition(frozenset({S.IN_PROGRESS}), HANDLERS, S.RESOLVED),
    # A failed verification sends the case back to work.
    Action.VERIFY: Transition(frozenset({S.RESOLVED}), HANDLERS, None),
    Action.FEEDBACK: Transition(frozenset({S.RESOLVED}), HANDLERS | {Role.REPORTER, RESIDENT}, None),
    Action.REOPEN: Transition(frozenset({S.RESOLVED, S.CLOSED}), MANAGERS, S.IN_PROGRESS),
    Action.CLOSE: Transition(frozenset({S.RESOLVED}), MANAGERS, S.CLOSED),
    # 咨询直办: a consultation answered from the knowledge base is responded to, resolved and closed at once.
    Action.DIRECT_ANSWER: Transition(frozenset({S.RECEIVED, S.ASSIGNED, S.IN_PROGRESS}), HANDLERS, S.CLOSED),
    Action.MERGE: Transition(frozenset({S.RECEIVED, S.ASSIGNED, S.IN_PROGRESS}), HANDLERS, S.MERGED),
    Action.REJECT: Transition(frozenset({S.RECEIVED, S.ASSIGNED}), MANAGERS, S.REJECTED),
}

# Actions a caller may name in POST /cases/{id}/transition/.
API_ACTIONS = (
    Action.ASSIGN,
    Action.RESPOND,
    Action.NOTE,
    Action.RESOLVE,
    Action.VERIFY,
    Action.REOPEN,
    Action.CLOSE,
    Action.MERGE,
    Action.REJECT,
)


def case_roles(user, case) -> frozenset[str]:
    """The roles a user holds with respect to one case; no user is the reporter holding its tracking code."""
    if user is None:
        return frozenset({RESIDENT})
    scope = user.scope
    roles: set[str] = set()
    if scope.is_admin:
        roles.add(Role.ADMIN)
    if case.street_id and case.street_id in scope.street_ids:
        roles.add(Role.STREET_OFFICER)
    if case.community_id and case.community_id in scope.community_ids:
        roles.add(Role.SECRETARY)
    if case.grid_id and case.grid_id in scope.leader_grid_ids:
        roles.add(Role.GRID_LEADER)
    if (case.grid_id and case.grid_id in scope.worker_grid_ids) or (
        case.assignee_id and case.assignee_id == user.pk and Role.GRID_WORKER in scope.roles
    ):
        roles.add(Role.GRID_WORKER)
    if scope.department_ids and case.whistles.filter(department_id__in=scope.department_ids).exists():
        roles.add(Role.DEPARTMENT)
    if case.reported_by_id and case.reported_by_id == user.pk:
        roles.add(Role.REPORTER)
    return frozenset(roles)


def allowed_actions(user, case, roles: frozenset[str] | None = None) -> list[str]:
    """Actions the user may take on the case now (drives the buttons on the case page)."""
    roles = case_roles(user, case) if roles is None else roles
    return [action for action, t in TRANSITIONS.items() if case.status in t.sources and roles & t.roles]
