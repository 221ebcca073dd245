"""What the patrols app does when a case changes: hazards follow the cases they became."""

from linli.cases.choices import Action

from .services import hazards_follow_case

FOLLOWED_ACTIONS = frozenset({Action.CLOSE, Action.REOPEN, Action.REJECT, Action.MERGE})


def follow_case(sender, *, case, action, event, **kwargs) -> None:
    """Runs inside the transition's transaction, so the hazard changes commit or roll back with the case."""
    if action in FOLLOWED_ACTIONS:
        hazards_follow_case(case=case, action=action, event=event)
