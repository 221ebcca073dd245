from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit log is read, never written, from the admin."""

    list_display = ["at", "actor_name", "roles", "event", "object_type", "object_id", "outcome", "ip"]
    list_filter = ["event", "outcome"]
    search_fields = ["actor_name", "object_id", "request_id"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
