"""What the care app does when a case changes: a response to a care call's case stops its escalation chain."""

from linli.cases.choices import Action, Channel

from . import services

# Taking the case up, or ending it without a response (a duplicate, not ours): nobody more needs telling.
STOPS_THE_CHAIN = frozenset({Action.RESPOND, Action.REJECT, Action.MERGE})


def stop_escalation(sender, *, case, action, event, **kwargs) -> None:
    # Every case write in the system passes here: only care-call cases reach the database.
    if case.channel != Channel.CARE_CALL or action not in STOPS_THE_CHAIN:
        return
    services.call_stop(case=case, at=event.created_at, by_id=event.actor_id)
