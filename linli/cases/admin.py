from django.contrib import admin

from linli.core.admin import ReadOnlyAdmin

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
