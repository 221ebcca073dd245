from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import checks  # noqa: F401  (registers the security system checks)
from .audit import audit, csv_lines, may_read_audit
from .models import AuditEntry, CalendarDay
from .workdays import import_arrangement, parse_arrangement_text


class ReadOnlyAdmin(admin.ModelAdmin):
    """For rows only the services write (one door for the timeline, the audit trail, append-only ledgers): the
    admin reads them and changes nothing."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ArrangementUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Arrangement file (CSV: date,is_workday,name — or JSON)"),
        help_text=gettext_lazy("One row per holiday or make-up working day of the State Council's notice."),
    )


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """Administrators enter next year's official arrangement here, day by day or as a file."""

    list_display = ["date", "is_workday", "name", "source"]
    list_filter = ["is_workday", "source"]
    date_hierarchy = "date"
    change_list_template = "admin/core/calendarday/change_list.html"

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="core_calendarday_import")
        ] + super().get_urls()

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ArrangementUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                if upload.size > 1024 * 1024:
                    raise ValueError(_("The file is larger than 1 MB."))
                text = upload.read().decode("utf-8-sig")
                suffix = "." + upload.name.rsplit(".", 1)[-1] if "." in upload.name else ""
                count = import_arrangement(parse_arrangement_text(text, suffix=suffix))
            except (ValueError, UnicodeDecodeError) as exc:
                form.add_error("file", str(exc))
            else:
                messages.success(request, _("Imported %(n)d days of the arrangement.") % {"n": count})
                return redirect("admin:core_calendarday_changelist")
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "title": _("Import a holiday arrangement"),
        }
        return render(request, "admin/core/calendarday/import.html", context)


class ActorFilter(admin.SimpleListFilter):
    title = gettext_lazy("actor")
    parameter_name = "actor_name"

    def lookups(self, request, model_admin):
        names = AuditEntry.objects.order_by("actor_name").values_list("actor_name", flat=True).distinct()
        return [(n, n) for n in names[:200] if n]

    def queryset(self, request, queryset):
        return queryset.filter(actor_name=self.value()) if self.value() else queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit log is read, never written, from the admin; only auditors (and superusers) read it, and an export
    of it is itself audited."""

    list_display = [
        "seq",
        "time",
        "actor_name",
        "roles",
        "event",
        "object_type",
        "object_id",
        "outcome",
        "ip",
    ]
    list_filter = ["event", "outcome", ActorFilter, ("at", admin.DateFieldListFilter)]
    search_fields = ["actor_name", "object_id", "request_id", "event"]
    date_hierarchy = "at"
    ordering = ["-seq"]
    readonly_fields = [
        "seq",
        "time",
        "actor_name",
        "roles",
        "ip",
        "request_id",
        "event",
        "object_type",
        "object_id",
        "outcome",
        "reason",
        "detail",
        "key_id",
        "prev_hash",
        "row_hash",
    ]
    fields = readonly_fields
    change_list_template = "admin/core/auditentry/change_list.html"
    show_full_result_count = False

    @admin.display(description=gettext_lazy("time"), ordering="at")
    def time(self, obj):
        return timezone.localtime(obj.at).isoformat(timespec="seconds")

    def get_urls(self):
        return [
            path("export/", self.admin_site.admin_view(self.export_view), name="core_auditentry_export")
        ] + super().get_urls()

    def export_view(self, request):
        """The entries the change list shows (same filters), as CSV."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        entries = self.get_changelist_instance(request).get_queryset(request).order_by("seq")
        rows = entries.count()
        filters = {k: v[:100] for k, v in request.GET.items()}
        audit("audit.export", request=request, object_type="core.auditentry", rows=rows, filters=filters)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        response = StreamingHttpResponse(csv_lines(entries), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="linli-audit-{stamp}.csv"'
        response["Cache-Control"] = "no-store"
        return response

    def has_module_permission(self, request):
        return may_read_audit(request.user)

    def has_view_permission(self, request, obj=None):
        return may_read_audit(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        return {}
