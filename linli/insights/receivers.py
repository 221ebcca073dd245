"""Keep the roll-ups current as cases and whistles move: receivers of case_changed and of a whistle's save."""

from linli.cases.choices import Action

from .facts import record_case, record_whistle


def follow_case(sender, case, action, event=None, **kwargs) -> None:
    """Apply the delta of the case's contribution (inside the transition's transaction, or its own after intake).

    A whistle's row is written after this signal, so the WHISTLE action itself says the case now has one."""
    record_case(case, whistled=True if action == Action.WHISTLE else None, created=action == Action.CREATE)


def follow_whistle(sender, instance, **kwargs) -> None:
    """A whistle blown or stepped (report-in, answer, accept, reject): its department's record, in the same
    transaction."""
    record_whistle(instance)
