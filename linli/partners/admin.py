from django.contrib import admin

from .models import Agreement, Partner, PartnerCaseHelp, ServiceItem, ServiceUse


class ReadOnlyAdmin(admin.ModelAdmin):
    """Written only through the services (one door: version checks and audit entries), so the admin only reads."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Partner)
class PartnerAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "community", "is_active", "updated_at"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]


@admin.register(Agreement)
class AgreementAdmin(ReadOnlyAdmin):
    list_display = ["title", "partner", "signed_on", "valid_from", "valid_until", "expiry_notified_at"]


@admin.register(ServiceItem)
class ServiceItemAdmin(ReadOnlyAdmin):
    list_display = ["title", "partner", "audience", "how_to_ask", "monthly_cap", "is_active"]


@admin.register(ServiceUse)
class ServiceUseAdmin(ReadOnlyAdmin):
    list_display = ["item", "on", "households"]


@admin.register(PartnerCaseHelp)
class PartnerCaseHelpAdmin(ReadOnlyAdmin):
    list_display = ["partner", "case", "recorded_at"]
