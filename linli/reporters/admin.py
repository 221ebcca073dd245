from django.contrib import admin

from .models import Flag, PointsEntry, Reporter


class ReadOnlyAdmin(admin.ModelAdmin):
    """The services own every write of this app (the ledger is append-only), so the admin only reads."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
