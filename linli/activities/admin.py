from django.contrib import admin

from linli.core.admin import ReadOnlyAdmin

from .models import Activity, HomeVisit, Occurrence, ResidentSignup, VolunteerRole, VolunteerSignup


class RoleInline(admin.TabularInline):
    model = VolunteerRole
    extra = 0
    can_delete = False
    readonly_fields = ["name", "needed", "skill"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ["title", "community", "kind", "preset", "rrule", "is_active"]
    list_filter = ["kind", "community"]
    search_fields = ["title"]
    inlines = [RoleInline]


@admin.register(Occurrence)
class OccurrenceAdmin(ReadOnlyAdmin):
    list_display = ["activity", "starts_at", "status", "moved"]
    list_filter = ["status", "moved"]
    date_hierarchy = "starts_at"


@admin.register(ResidentSignup)
class ResidentSignupAdmin(ReadOnlyAdmin):
    list_display = ["occurrence", "source", "status", "attendance", "created_at"]
    exclude = ["phone", "phone_index", "name"]


@admin.register(VolunteerSignup)
class VolunteerSignupAdmin(ReadOnlyAdmin):
    list_display = ["occurrence", "volunteer", "role", "checked_in_at", "checked_out_at", "service_record"]


@admin.register(HomeVisit)
class HomeVisitAdmin(ReadOnlyAdmin):
    list_display = ["occurrence", "household", "volunteer", "planned_at", "status"]
