from django.contrib import admin

from linli.core.admin import ReadOnlyAdmin

from .models import CareCall, CareOrder, CareProvider, Terminal, TerminalProvider


@admin.register(TerminalProvider)
class TerminalProviderAdmin(admin.ModelAdmin):
    """The secret is set by services.terminal_provider_create and never shown again."""

    list_display = ["code", "name", "is_active", "created_at"]
    fields = ["code", "name", "is_active"]

    def has_add_permission(self, request):
        return False


@admin.register(CareProvider)
class CareProviderAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "community", "is_active"]
    list_filter = ["kind", "is_active"]
    exclude = ["phone"]


@admin.register(Terminal)
class TerminalAdmin(ReadOnlyAdmin):
    list_display = ["device_id", "provider", "model", "community", "is_active", "last_event_at"]
    exclude = ["sim"]


@admin.register(CareCall)
class CareCallAdmin(ReadOnlyAdmin):
    list_display = ["call_id", "provider", "event", "status", "device_id", "received_at"]
    list_filter = ["event", "status"]


@admin.register(CareOrder)
class CareOrderAdmin(ReadOnlyAdmin):
    list_display = ["pk", "service", "status", "community", "created_at"]
    list_filter = ["service", "status"]
