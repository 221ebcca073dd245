"""Background work of the notices app, run by the database-backed worker (`linli db_worker`).

One job per notice: it dispatches the notice when it is due, sends the deliveries that are due, and books its own
next run while failed deliveries wait to be tried again. ``services.notices_sweep`` picks up whatever the queue
loses."""

from datetime import datetime

from linli.core.jobs import job


@job(atomic=False)  # deliveries are claimed and settled one by one, in their own transactions
def run_notice(notice_id: int) -> dict:
    """Send what is due of one notice; safe to run any number of times, and by several workers at once."""
    from .services import notice_run

    return notice_run(notice_id=notice_id)


def enqueue_notice_run(notice_id: int, *, at: datetime | None = None) -> None:
    """Queue a run of the notice's job, at ``at`` or as soon as a worker is free."""
    (run_notice.using(run_after=at) if at is not None else run_notice).enqueue(notice_id)
