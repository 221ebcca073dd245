from django.contrib import admin

from linli.cases.admin import ReadOnlyAdmin

from .models import DataSubjectRequest, ExportRequest, Tag


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    """The managed list of tags and their security labels: which roles may see a sensitive one."""

    list_display = ["code", "name", "target", "sensitivity", "visible_roles", "has_grade", "visit_every_days"]
    list_filter = ["target", "sensitivity"]
    readonly_fields = ["derived"]


@admin.register(DataSubjectRequest)
class DataSubjectRequestAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "status", "community", "received_at", "due_date", "closed_at"]
    list_filter = ["kind", "status"]
    fields = ["kind", "status", "community", "received_at", "due_date", "closed_at", "outcome"]


@admin.register(ExportRequest)
class ExportRequestAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "requested_by",
        "community",
        "rows",
        "unmasked",
        "status",
        "decided_by",
        "created_at",
    ]
    list_filter = ["status", "unmasked"]
