"""Administrators' view of failing background jobs (RE-04): every retried job, and the dead-letter list."""

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import jobs
from .models import DeadLetter, JobRun

FIELDS = [
    "task_path",
    "status",
    "fail_count",
    "last_error",
    "last_attempt_at",
    "next_attempt_at",
    "dead_at",
    "finished_at",
    "args",
    "kwargs",
    "created_at",
]


class _JobRunAdmin(admin.ModelAdmin):
    list_display = ["task_path", "status", "fail_count", "last_attempt_at", "next_attempt_at", "short_error"]
    list_filter = ["status", "task_path"]
    search_fields = ["task_path", "last_error"]
    readonly_fields = FIELDS
    fields = FIELDS
    actions = ["retry_now"]

    @admin.display(description=gettext_lazy("last error"))
    def short_error(self, obj):
        return (obj.last_error or "")[:120]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # the services own the rows: "retry now" is the one thing an administrator does here

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=gettext_lazy("Retry now"), permissions=["view"])
    def retry_now(self, request, queryset):
        done = failed = 0
        for run in queryset.filter(status=JobRun.Status.DEAD):
            try:
                jobs.retry_now(run)
            except (ImportError, TypeError) as exc:
                failed += 1
                self.message_user(request, f"{run.task_path}: {exc}", level=messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(
                request, _("%(n)d jobs were queued again.") % {"n": done}, level=messages.SUCCESS
            )
        if not done and not failed:
            self.message_user(request, _("Only dead-lettered jobs can be retried."), level=messages.WARNING)


@admin.register(JobRun)
class JobRunAdmin(_JobRunAdmin):
    """Every job that failed at least once."""


@admin.register(DeadLetter)
class DeadLetterAdmin(_JobRunAdmin):
    """Jobs that failed every attempt."""

    list_display = ["task_path", "fail_count", "dead_at", "short_error"]
    list_filter = ["task_path"]
