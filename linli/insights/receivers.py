"""Keep the roll-ups current as cases move: the receiver of cases.signals.case_changed."""

from linli.cases.choices import Action

from .facts import record_case


def follow_case(sender, case, action, event=None, **kwargs) -> None:
    """Apply the delta of the case's contribution (inside the transition's transaction, or its own after intake).

    A whistle's row is written after this signal, so the WHISTLE action itself says the case now has one."""
    record_case(case, whistled=True if action == Action.WHISTLE else None, created=action == Action.CREATE)
