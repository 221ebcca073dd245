from django.contrib import admin

from linli.core.admin import ReadOnlyAdmin

from .models import Certificate, ServiceRecord, Skill, Team, TeamMembership, Volunteer


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]


@admin.register(Volunteer)
class VolunteerAdmin(ReadOnlyAdmin):
    """Registration, with its ID check and audit, is the service's: the admin only lists (PI excluded)."""

    list_display = ["name", "community", "kind", "work_unit", "registered_at", "is_active"]
    list_filter = ["community", "kind", "is_active"]
    exclude = ["id_number", "id_index", "phone", "phone_index"]


@admin.register(Team)
class TeamAdmin(ReadOnlyAdmin):
    list_display = ["name", "community", "kind", "colour", "focus", "is_active"]
    list_filter = ["community", "kind"]


@admin.register(TeamMembership)
class TeamMembershipAdmin(ReadOnlyAdmin):
    list_display = ["team", "volunteer", "role", "joined_on", "left_on"]
    list_filter = ["role"]


@admin.register(ServiceRecord)
class ServiceRecordAdmin(ReadOnlyAdmin):
    list_display = ["volunteer", "community", "team", "content", "started_at", "hours", "status", "corrects"]
    list_filter = ["status", "community"]


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ["number", "volunteer", "community", "period_start", "period_end", "hours", "issued_at"]
