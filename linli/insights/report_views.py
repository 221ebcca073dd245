"""Staff pages of the reports: Excel exports of the dashboard tables, PDF report requests and their downloads."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from linli.core.audit import audit
from linli.core.errors import DomainError
from linli.core.files import serve_stored_file

from . import exports, reports, selectors
from .params import parse_period
from .report_models import ReportKind, ReportStatus

PAGE_LIMIT = 100


def _unit_or_default(request):
    if request.GET.get("unit"):
        return selectors.get_unit_for_user(request.user, request.GET["unit"])
    units = selectors.units_for_user(request.user)
    if not units:
        raise Http404
    return units[0]


@login_required
def export_table(request, table: str):
    """/insights/export/<table>.xlsx?unit=&from=&to=: one dashboard table as a workbook (404 outside scope)."""
    build = exports.TABLES.get(table)
    if build is None:
        raise Http404
    unit = _unit_or_default(request)
    try:
        start, end = parse_period(request.GET)
    except DomainError as exc:
        return HttpResponse(str(exc.message), status=400, content_type="text/plain; charset=utf-8")
    content = build(unit, start, end)
    with transaction.atomic():
        audit(
            "export",
            request=request,
            object_type="insights.table",
            object_id=table,
            unit=unit.ref,
            start=start.isoformat(),
            end=end.isoformat(),
            format="xlsx",
        )
    response = HttpResponse(content, content_type=exports.XLSX)
    name = f"{table}-{unit.name}-{start.isoformat()}-{end.isoformat()}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _eligible_units(user):
    return [u for u in selectors.units_for_user(user) if u.level in ("c", "s", "d")]


@login_required
@require_http_methods(["GET", "POST"])
def report_list(request):
    """/insights/reports/: ask for a report, and the reports asked for with their status and download."""
    units = _eligible_units(request.user)
    if not units:
        raise Http404
    default_month = reports.last_full_month()
    values = {
        "kind": request.POST.get("kind", ReportKind.MONTHLY),
        "unit": request.POST.get("unit", request.GET.get("unit", "")),
        "month": request.POST.get("month", default_month.strftime("%Y-%m")),
    }
    error = None
    if request.method == "POST":
        try:
            month = reports.parse_month(values["month"])
            reports.request_report(
                actor=request.user,
                kind=values["kind"],
                unit_ref=values["unit"],
                month=month,
                language=get_language() or "zh-hans",
            )
        except DomainError as exc:
            error = exc
        except Http404:
            error = DomainError(_("Choose a unit within your responsibility."), field="unit")
        else:
            messages.success(request, _("The report is being made; it appears below when it is ready."))
            return redirect("insights_reports:reports")
    mine = list(reports.reports_for_user(request.user)[:PAGE_LIMIT])
    context = {
        "units": units,
        "kinds": ReportKind.choices,
        "values": values,
        "error": error,
        "reports": mine,
        "pending": any(r.status in (ReportStatus.QUEUED, ReportStatus.RUNNING) for r in mine),
        "exports": [
            ("figures", _("Figures")),
            ("trend", _("Trend")),
            ("categories", _("Category mix")),
            ("channels", _("Channel mix")),
            ("children", _("Per grid or community")),
            ("departments", _("Departments")),
        ],
    }
    return render(request, "insights/reports/list.html", context, status=400 if error else 200)


@login_required
def report_file(request, uuid):
    """/insights/reports/<uuid>/file/: the PDF, to the requester or anyone who may see the report's unit."""
    report = reports.get_report_for_user(request.user, uuid)
    if report.status != ReportStatus.DONE or not report.file:
        raise Http404
    with transaction.atomic():
        audit("export", request=request, obj=report, kind=report.kind, unit=report.unit_ref, format="pdf")
    return serve_stored_file(request, report)
