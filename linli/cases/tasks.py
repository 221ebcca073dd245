"""Background work of the case loop, run by the database-backed worker (`linli db_worker`).

The deadline monitor is a chain: each sweep schedules the next one, so the timers live in the database and
survive restarts; `linli start_monitor` (run by `make demo`) makes sure one link is waiting."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from linli.accounts.services import disable_idle_accounts
from linli.activities.services import occurrences_extend
from linli.care.services import care_sweep
from linli.core import jobs
from linli.core.audit import audit, purge_audit, verify_chain
from linli.core.idempotency import purge_expired_records
from linli.deliberation.services import deliberation_sweep
from linli.notices.services import notices_sweep
from linli.partners.services import agreements_sweep
from linli.patrols.services import rounds_extend
from linli.residents import pending_imports
from linli.residents.services import data_requests_sweep

from . import services

logger = logging.getLogger(__name__)


@jobs.job(
    atomic=False
)  # each sweep commits its own steps; a failure is retried and, in the end, dead-lettered
def sweep_deadlines() -> dict:
    """Flag overdue cases and tell the next level up; safe to run any number of times."""
    try:
        counts = {"lost_jobs_requeued": jobs.requeue_lost_runs()}
        counts.update(services.sweep_deadlines())
        counts["idempotency_records_purged"] = purge_expired_records()
        counts["data_requests_overdue"] = data_requests_sweep()
        counts["import_sheets_purged"] = pending_imports.purge()
        counts["care_escalation_steps"] = care_sweep()
        counts["notices_dispatched"] = notices_sweep()
        counts["action_items_overdue"] = deliberation_sweep()
        counts.update(_daily_upkeep())
        counts["job_runs_purged"] = jobs.purge_finished_runs()
        return counts
    finally:
        ensure_monitor_scheduled(delay_seconds=settings.LINLI_SWEEP_SECONDS)


DAILY_KEYS = (
    "patrol_due_dates_written",
    "activity_occurrences_created",
    "activity_messages_sent",
    "partner_agreements_announced",
    "idle_accounts_disabled",
    "audit_rows_purged",
    "audit_chain_broken",
)


def _daily_upkeep() -> dict:
    """Once a day per worker process: patrol rounds' and activities' dates ahead, expiring partner agreements,
    idle accounts (AU-05), the audit log's retention (LG-05) and its hash chain (LG-04). Each step is idempotent,
    so a restart that repeats them changes nothing."""
    today = timezone.localdate()
    if cache.get("sweep.daily_upkeep_on") == today:
        return dict.fromkeys(DAILY_KEYS, 0)
    now = timezone.now()
    occurrences = occurrences_extend(today)
    chain = verify_chain()
    if not chain.ok:
        logger.error("audit chain broken at seq %s: %s", chain.broken_seq, chain.problem)
        audit("audit_chain_broken", outcome="failed", reason=chain.problem[:300], seq=chain.broken_seq)
    counts = {
        "patrol_due_dates_written": rounds_extend(today=today),
        "activity_occurrences_created": occurrences["created"],
        "activity_messages_sent": occurrences["messages_sent"],
        "partner_agreements_announced": agreements_sweep(today),
        "idle_accounts_disabled": len(disable_idle_accounts(now)),
        "audit_rows_purged": purge_audit(now),
        "audit_chain_broken": 0 if chain.ok else 1,
    }
    cache.set("sweep.daily_upkeep_on", today, timeout=2 * 86400)
    return counts


def ensure_monitor_scheduled(*, delay_seconds: int = 0) -> bool:
    """Enqueue the next sweep unless one is already waiting. Returns True if it enqueued one."""
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(task_path=sweep_deadlines.module_path, status="READY")
    if waiting.exists():
        return False
    sweep_deadlines.using(run_after=timezone.now() + timedelta(seconds=delay_seconds)).enqueue()
    return True
