from django.contrib import admin

from linli.core.admin import ReadOnlyAdmin

from .models import CaseFact, Histogram, ReportRequest, Rollup

# The roll-ups are written only by linli.insights.facts (as cases move, or `linli rollup rebuild`); report
# requests only by linli.insights.reports.


@admin.register(CaseFact)
class CaseFactAdmin(ReadOnlyAdmin):
    list_display = ("case_id", "day", "grid_id", "community_id", "category_id", "channel", "received", "open")
    list_filter = ("day",)


@admin.register(Rollup)
class RollupAdmin(ReadOnlyAdmin):
    list_display = ("level", "unit_id", "grain", "period", "dim", "key", "received", "open")
    list_filter = ("level", "grain", "dim")


@admin.register(Histogram)
class HistogramAdmin(ReadOnlyAdmin):
    list_display = ("level", "unit_id", "grain", "period", "kind", "bucket", "n")
    list_filter = ("level", "grain", "kind")


@admin.register(ReportRequest)
class ReportRequestAdmin(ReadOnlyAdmin):
    list_display = ("kind", "unit_name", "period_start", "status", "requested_by", "created_at")
    list_filter = ("kind", "status")
