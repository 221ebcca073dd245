"""Who may do what in deliberation, relative to a community, a meeting or an action item."""

from __future__ import annotations

from linli.accounts.choices import Role


def may_manage(user, community) -> bool:
    """Hold meetings, record decisions, confirm action items: the community's secretary, its street, admin."""
    scope = user.scope
    return bool(
        scope.is_admin or community.pk in scope.community_ids or community.street_id in scope.street_ids
    )


def may_contribute(user, community) -> bool:
    """Add agenda items, sign attendees in, record reception matters: also the community's grid staff."""
    return may_manage(user, community) or community.pk in user.scope.grid_community_ids


def may_approve(user, meeting) -> bool:
    """The convenor approves the minutes (an administrator may stand in)."""
    return meeting.convenor_id == user.pk or user.scope.is_admin


def may_report_done(user, item) -> bool:
    """The owner closes their item; so may anyone of the owning department, and the community's managers."""
    scope = user.scope
    return bool(
        item.owner_id == user.pk
        or (item.owner_department_id and item.owner_department_id in scope.department_ids)
        or may_manage(user, item.community)
    )


def may_confirm(user, item) -> bool:
    """销号 is confirmed by the community's secretary (or an administrator)."""
    scope = user.scope
    return scope.is_admin or item.community_id in scope.community_ids


def role_in_community(user, community) -> str:
    """The role a user holds for a community, most responsible first; "" if none."""
    scope = user.scope
    if community.pk in scope.community_ids:
        return Role.SECRETARY
    if scope.department_ids:
        return Role.DEPARTMENT
    if community.pk in {scope.grid_community[g] for g in scope.leader_grid_ids}:
        return Role.GRID_LEADER
    if community.pk in scope.grid_community_ids:
        return Role.GRID_WORKER
    if community.street_id in scope.street_ids:
        return Role.STREET_OFFICER
    if scope.is_admin:
        return Role.ADMIN
    return ""
