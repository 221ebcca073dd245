from django.contrib import admin

from linli.core.admin import ReadOnlyAdmin

from .models import Flag, PointsEntry, Reporter


@admin.register(Reporter)
class ReporterAdmin(ReadOnlyAdmin):
    list_display = [
        "name",
        "community",
        "occupation",
        "employer",
        "is_active",
        "invited_at",
        "first_login_at",
    ]
    list_filter = ["community", "occupation", "is_active"]
    exclude = ["phone", "phone_index"]


@admin.register(PointsEntry)
class PointsEntryAdmin(ReadOnlyAdmin):
    list_display = ["reporter", "kind", "points", "case", "note", "created_at"]
    list_filter = ["kind"]


@admin.register(Flag)
class FlagAdmin(ReadOnlyAdmin):
    list_display = ["reporter", "kind", "case", "detail", "created_at", "cleared_at"]
    list_filter = ["kind"]
