"""Background jobs that survive failure (RE-04): retries with back-off, a dead-letter list, lost runs re-run.

`@job()` makes a django-tasks task of a function. Each run works inside one transaction, so a run that fails
(or whose worker dies) leaves no partial effect and the next run does the work once. A failure is recorded on a
`JobRun` (fail count, last error, time) and the job is queued again after 1, 2, 4, 8… minutes; after
LINLI_JOB_MAX_ATTEMPTS failures it is dead-lettered and the administrators are told. Handlers must be idempotent:
a job may run again after a crash, a retry or an administrator's "retry now"."""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import traceback
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from django_tasks import task as make_task
from django_tasks.base import Task

from .models import JobRun, Notification

logger = logging.getLogger(__name__)


def max_attempts() -> int:
    return max(1, int(getattr(settings, "LINLI_JOB_MAX_ATTEMPTS", 5)))


def backoff_seconds(failures: int) -> int:
    """Delay before the next try after `failures` failures: 1 min, 2, 4, 8, 16 min (base LINLI_JOB_BACKOFF_SECONDS)."""
    base = int(getattr(settings, "LINLI_JOB_BACKOFF_SECONDS", 60))
    return base * 2 ** max(0, failures - 1)


def lost_after_seconds() -> int:
    """A run still marked running after this long lost its worker (killed, machine restarted)."""
    return int(getattr(settings, "LINLI_JOB_LOST_AFTER_SECONDS", 1800))


def fingerprint(task_path: str, args, kwargs) -> str:
    payload = json.dumps([task_path, list(args), kwargs], sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def job(*, atomic: bool = True, **task_options) -> Callable[[Callable], Task]:
    """Decorator: a task whose failures are recorded, retried with back-off and finally dead-lettered.

    `atomic=False` is for jobs made of several independent steps that each commit on their own (the sweep)."""

    def decorate(fn: Callable) -> Task:
        holder: dict[str, Task] = {}

        @functools.wraps(fn)
        def runner(*args, **kwargs):
            try:
                if atomic:
                    with transaction.atomic():
                        result = fn(*args, **kwargs)
                else:
                    result = fn(*args, **kwargs)
            except Exception as exc:
                record_failure(holder["task"], args, kwargs, exc)
                raise
            record_success(holder["task"].module_path, args, kwargs)
            return result

        holder["task"] = make_task(**task_options)(runner)
        return holder["task"]

    return decorate


def enqueue_on_commit(task: Task, *args, run_after=None, **kwargs) -> None:
    """The outbox: queue the job once the current transaction commits (at once outside one)."""
    target = task.using(run_after=run_after) if run_after is not None else task
    transaction.on_commit(lambda: target.enqueue(*args, **kwargs))


def record_success(task_path: str, args, kwargs) -> None:
    """Close the open retry row of this job, if a failure left one (one indexed UPDATE otherwise)."""
    JobRun.objects.filter(
        fingerprint=fingerprint(task_path, args, kwargs), status=JobRun.Status.RETRYING
    ).update(status=JobRun.Status.SUCCEEDED, finished_at=timezone.now(), next_attempt_at=None)


def _error_text(exc: BaseException) -> str:
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return text[:2000]


def record_failure(task: Task, args, kwargs, exc: BaseException | str, *, requeue: bool = True) -> JobRun:
    """Count one failed attempt; queue the next try after the back-off, or dead-letter the job."""
    path = task.module_path
    key = fingerprint(path, args, kwargs)
    error = exc if isinstance(exc, str) else _error_text(exc)
    now = timezone.now()
    with transaction.atomic():
        run = (
            JobRun.objects.select_for_update().filter(fingerprint=key, status=JobRun.Status.RETRYING).first()
        )
        if run is None:
            try:
                with transaction.atomic():
                    run = JobRun.objects.create(
                        task_path=path, fingerprint=key, args=list(args), kwargs=dict(kwargs)
                    )
            except IntegrityError:  # another worker's failure of the same job opened it meanwhile
                run = JobRun.objects.select_for_update().get(fingerprint=key, status=JobRun.Status.RETRYING)
            run = JobRun.objects.select_for_update().get(pk=run.pk)
        run.fail_count += 1
        run.last_error = error
        run.last_attempt_at = now
        if run.fail_count >= max_attempts():
            run.status, run.dead_at, run.next_attempt_at = JobRun.Status.DEAD, now, None
            run.save()
            _tell_administrators(run)
            logger.error("job %s dead-lettered after %d failures: %s", path, run.fail_count, error)
            return run
        run.next_attempt_at = now + timedelta(seconds=backoff_seconds(run.fail_count))
        run.save()
        if requeue:
            _requeue(task, args, kwargs, run.next_attempt_at)
    logger.warning(
        "job %s failed (%d of %d), next try %s", path, run.fail_count, max_attempts(), run.next_attempt_at
    )
    return run


def _requeue(task: Task, args, kwargs, at) -> None:
    if not task.get_backend().supports_defer:
        return  # an immediate backend would run it again right now, inside this failure
    if _already_waiting(task, args, kwargs):
        return  # the sweep chain, say, has queued its next link: that run is the retry
    transaction.on_commit(lambda: task.using(run_after=at).enqueue(*args, **kwargs))


def _already_waiting(task: Task, args, kwargs) -> bool:
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if not isinstance(task.get_backend(), DatabaseBackend):
        return False
    want = json.loads(json.dumps({"args": list(args), "kwargs": dict(kwargs)}, default=str))
    waiting = DBTaskResult.objects.filter(task_path=task.module_path, status="READY").values_list(
        "args_kwargs", flat=True
    )
    return any(found == want for found in waiting[:50])


def _administrators():
    from linli.accounts.choices import Role
    from linli.accounts.models import User

    roles = [Role.ADMIN, getattr(Role, "SYSTEM_ADMIN", Role.ADMIN)]
    return User.objects.filter(is_active=True, roles__role__in=roles).distinct().order_by("pk")


def _tell_administrators(run: JobRun) -> None:
    try:
        url = reverse("admin:core_deadletter_change", args=[run.pk])
    except NoReverseMatch:
        url = ""
    with override(settings.LANGUAGE_CODE):
        message = _(
            "A background job failed %(count)d times and was put on the dead-letter list: %(task)s"
        ) % {
            "count": run.fail_count,
            "task": run.task_path,
        }
    Notification.objects.bulk_create(
        Notification(recipient=user, kind="job_dead_letter", message=message[:300], url=url)
        for user in _administrators()
    )


def retry_now(run: JobRun) -> JobRun:
    """An administrator's "retry now": the job is queued at once with a fresh set of attempts."""
    from django.utils.module_loading import import_string

    task = import_string(run.task_path)
    if not isinstance(task, Task):
        raise TypeError(f"{run.task_path} is not a task")
    with transaction.atomic():
        locked = JobRun.objects.select_for_update().get(pk=run.pk)
        if locked.status != JobRun.Status.DEAD:
            return locked
        if JobRun.objects.filter(fingerprint=locked.fingerprint, status=JobRun.Status.RETRYING).exists():
            return locked  # a newer failure of the same job is already being retried
        locked.status, locked.fail_count, locked.next_attempt_at = JobRun.Status.RETRYING, 0, timezone.now()
        locked.dead_at = None
        locked.save()
        transaction.on_commit(lambda: task.enqueue(*locked.args, **locked.kwargs))
    return locked


def requeue_lost_runs(now=None) -> int:
    """Runs whose worker died mid-way (still RUNNING long after they started) go back to the queue.

    Their transaction never committed, so running them again does the work once. Each counts as a failure, so
    a job that kills its worker every time ends on the dead-letter list instead of looping."""
    from django.utils.module_loading import import_string
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    cutoff = now - timedelta(seconds=lost_after_seconds())
    requeued = 0
    for row in DBTaskResult.objects.filter(status="RUNNING", started_at__lt=cutoff).order_by("started_at")[
        :100
    ]:
        args = row.args_kwargs.get("args", [])
        kwargs = row.args_kwargs.get("kwargs", {})
        try:
            task = import_string(row.task_path)
        except ImportError:
            task = None
        with transaction.atomic():
            claimed = DBTaskResult.objects.filter(pk=row.pk, status="RUNNING", started_at=row.started_at)
            if task is None or not isinstance(task, Task):
                claimed.update(status="FAILED", finished_at=now, traceback="task no longer exists")
                continue
            # in English like the exceptions recorded beside it: the operators' log
            run = record_failure(task, args, kwargs, "The worker stopped while running it.", requeue=False)
            if run.status == JobRun.Status.DEAD:
                claimed.update(status="FAILED", finished_at=now, traceback=run.last_error)
            elif claimed.update(status="READY", started_at=None, run_after=now):
                requeued += 1
    return requeued


def purge_finished_runs(days: int = 30) -> int:
    """Forget job runs that succeeded after retries more than `days` ago (dead letters stay until handled)."""
    cutoff = timezone.now() - timedelta(days=days)
    return JobRun.objects.filter(status=JobRun.Status.SUCCEEDED, finished_at__lt=cutoff).delete()[0]
