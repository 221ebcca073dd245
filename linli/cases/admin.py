from django.contrib import admin

from .models import Case, CaseEvent, Category, Whistle


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "parent",
        "response_minutes",
        "resolution_working_days",
        "requires_verification",
    ]
    list_filter = ["parent", "requires_verification", "is_active"]
    search_fields = ["code", "name"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Cases change only through the services (one door for the timeline), so the admin only reads them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ["number", "title", "status", "community", "grid", "assignee", "received_at"]
    list_filter = ["status", "urgency", "channel", "community"]
    search_fields = ["number", "title"]


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    list_display = ["case", "action", "actor", "created_at"]
    list_filter = ["action"]


@admin.register(Whistle)
class WhistleAdmin(ReadOnlyAdmin):
    list_display = ["case", "department", "status", "due_at"]
    list_filter = ["status", "department"]
