"""What the reporters app does when a case changes: points follow the case (see services.points_settle_case)."""

from linli.cases.choices import Action

from .services import points_settle_case

# Accepted (first responded to) earns the points; merged or rejected takes them back.
SETTLING_ACTIONS = frozenset({Action.RESPOND, Action.MERGE, Action.REJECT})


def settle_points(sender, *, case, action, event, **kwargs) -> None:
    """Runs inside the transition's transaction, under the case's row lock."""
    if action in SETTLING_ACTIONS and case.reported_by_id:
        points_settle_case(case=case)
