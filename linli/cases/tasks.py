"""Background work of the case loop, run by the database-backed worker (`linli db_worker`).

The deadline monitor is a chain: each sweep schedules the next one, so the timers live in the database and
survive restarts; `linli start_monitor` (run by `make demo`) makes sure one link is waiting."""

from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django_tasks import task

from linli.care.services import care_sweep
from linli.core.idempotency import purge_expired_records
from linli.deliberation.services import deliberation_sweep
from linli.notices.services import notices_sweep
from linli.patrols.services import rounds_extend
from linli.residents import pending_imports
from linli.residents.services import data_requests_sweep

from . import services


@task()
def sweep_deadlines() -> dict:
    """Flag overdue cases and tell the next level up; safe to run any number of times."""
    try:
        counts = services.sweep_deadlines()
        counts["idempotency_records_purged"] = purge_expired_records()
        counts["data_requests_overdue"] = data_requests_sweep()
        counts["import_sheets_purged"] = pending_imports.purge()
        counts["care_escalation_steps"] = care_sweep()
        counts["notices_dispatched"] = notices_sweep()
        counts["action_items_overdue"] = deliberation_sweep()
        counts["patrol_due_dates_written"] = _extend_rounds_daily()
        return counts
    finally:
        ensure_monitor_scheduled(delay_seconds=settings.LINLI_SWEEP_SECONDS)


def _extend_rounds_daily() -> int:
    """Patrol rounds' due dates, written once a day per worker process (idempotent, so a restart may repeat it)."""
    today = timezone.localdate()
    if cache.get("patrols.rounds_extended_on") == today:
        return 0
    written = rounds_extend(today=today)
    cache.set("patrols.rounds_extended_on", today, timeout=2 * 86400)
    return written


def ensure_monitor_scheduled(*, delay_seconds: int = 0) -> bool:
    """Enqueue the next sweep unless one is already waiting. Returns True if it enqueued one."""
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(task_path=sweep_deadlines.module_path, status="READY")
    if waiting.exists():
        return False
    sweep_deadlines.using(run_after=timezone.now() + timedelta(seconds=delay_seconds)).enqueue()
    return True
