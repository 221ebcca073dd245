"""The contents of the reports (社区月报, 社区排名): every figure from the insights selectors, nothing recomputed."""

from __future__ import annotations

from datetime import date, timedelta
from importlib import import_module

from django.core.files.base import ContentFile
from django.db import transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from linli.cases.choices import Status
from linli.cases.models import Case
from linli.core import jobs
from linli.core.audit import audit
from linli.core.errors import InvalidInput
from linli.org.models import Community

from . import selectors
from .definitions import BY_KEY, DEFINITIONS_VERSION
from .selectors import OrgUnit, month_end, month_floor

THREE_RATES = ("response_rate", "resolution_rate", "satisfaction_rate")
REPORT_FIGURES = (
    "received",
    "response_rate",
    "on_time_response_rate",
    "resolution_rate",
    "satisfaction_rate",
    "on_time_resolution_rate",
    "backlog",
    "overdue",
    "median_response_minutes",
    "median_resolution_minutes",
    "reopen_rate",
    "whistle_rate",
)
OVERDUE_LIMIT = 50
TOP_PROBLEMS = 5


def months_back(month: date, n: int) -> list[date]:
    """The n months ending with `month` (first days), oldest first."""
    out, m = [], month_floor(month)
    for _i in range(n):
        out.append(m)
        m = month_floor(m - timedelta(days=1))
    return out[::-1]


def last_full_month(today: date | None = None) -> date:
    today = today or timezone.localdate()
    return month_floor(month_floor(today) - timedelta(days=1))


def monthly_trend(unit: OrgUnit, month: date, n: int = 12) -> list[dict]:
    """The figures per month over the n months ending with `month`, a row for every month (empty ones too)."""
    months = months_back(month, n)
    rows = {r["period"]: r for r in selectors.trend(unit, months[0], month_end(month), "month")}
    empty = selectors.figures_from_sums({name: 0 for name in selectors.COUNTS})
    return [{**empty, **rows.get(m.isoformat(), {}), "period": m.isoformat()} for m in months]


def figure_rows(figures: dict, keys=REPORT_FIGURES) -> list[dict]:
    """(label, value, is_rate, perfect, definition) per figure, in the active language."""
    out = []
    for key in keys:
        d = BY_KEY[key]
        value = figures.get(key)
        out.append(
            {
                "key": key,
                "label": str(d.label),
                "text": str(d.text),
                "value": value,
                "is_rate": d.is_rate,
                "perfect": bool(d.is_rate and value == 100.0),
            }
        )
    return out


def overdue_cases(
    unit: OrgUnit, start: date, end: date, *, now=None, limit: int = OVERDUE_LIMIT
) -> list[dict]:
    """The cohort's cases overdue now, without personal data: number, category, grid, dates (no text, no names)."""
    from .views import CASE_UNIT_FIELD, figure_q

    now = now or timezone.now()
    lo, hi = selectors.local_bounds(start, end)
    rows = (
        Case.objects.filter(received_at__gte=lo, received_at__lt=hi, **{CASE_UNIT_FIELD[unit.level]: unit.pk})
        .exclude(status=Status.MERGED)
        .filter(figure_q("overdue", now))
        .order_by("resolution_due_at", "id")
        .values_list("number", "category__name", "grid__name", "received_at", "resolution_due_at", "status")
    )[:limit]
    out = []
    for number, category, grid, received_at, due, status in rows:
        out.append(
            {
                "number": number or "",
                "category": category,
                "grid": grid or "",
                "received": timezone.localtime(received_at).date(),
                "due": timezone.localtime(due).date(),
                "days_late": max(0, (now - due).days),
                "status": str(Status(status).label),
            }
        )
    return out


def _optional(module: str, name: str):
    try:
        return getattr(import_module(module), name)
    except (ImportError, AttributeError):
        return None


def linkage_figures(community: Community, start: date, end: date) -> list[tuple[str, object]]:
    """Volunteer hours and donations of the community, from the apps that keep them (when installed)."""
    rows: list[tuple[str, object]] = []
    hours_total = _optional("linli.volunteers.selectors", "hours_total")
    if hours_total is not None:
        rows.append((_("Volunteer hours"), hours_total(community=community, start=start, end=end)))
    activity_figures = _optional("linli.activities.selectors", "activity_figures")
    if activity_figures is not None:
        lo, hi = selectors.local_bounds(start, end)
        found = activity_figures([community.pk], lo, hi)
        rows.append((_("Activities held"), found.get("occurrences_held", 0)))
        rows.append((_("Resident attendances"), found.get("resident_attendances", 0)))
    public_summary = _optional("linli.charity.selectors", "public_summary")
    if public_summary is not None:
        found = public_summary(community, start, end)
        rows.append((_("Donations received"), found.get("donations", 0)))
        rows.append((_("Value of donations (yuan)"), found.get("value_in", 0)))
        rows.append((_("Hand-overs to households"), found.get("handovers", 0)))
        rows.append((_("Households reached"), found.get("households_reached", 0)))
    return rows


def monthly_report(unit: OrgUnit, month: date, *, now=None) -> dict:
    """Everything the 社区月报 of a community (or grid) shows for one month."""
    start, end = month_floor(month), month_end(month)
    figures = selectors.unit_kpis(unit, start, end, now=now)
    categories = selectors.breakdown(unit, start, end, "category")
    community = Community.objects.get(pk=unit.community_id)
    return {
        "unit": unit,
        "community": community,
        "start": start,
        "end": end,
        "version": DEFINITIONS_VERSION,
        "figures": figures,
        "rows": figure_rows(figures),
        "trend": monthly_trend(unit, start),
        "categories": categories,
        "top_problems": categories[:TOP_PROBLEMS],
        "departments": selectors.departments(unit, start, end),
        "overdue": overdue_cases(unit, start, end, now=now),
        "linkages": linkage_figures(community, start, end),
    }


def _rank(rows: list[dict], key: str) -> dict[str, int]:
    """Competition ranks (1, 2, 2, 4) of the rows by one rate, highest first; rows without the rate rank last."""
    ordered = sorted(rows, key=lambda r: -(r[key] if r[key] is not None else -1))
    ranks, last_value, last_rank = {}, object(), 0
    for i, r in enumerate(ordered, start=1):
        if r[key] != last_value:
            last_value, last_rank = r[key], i
        ranks[r["key"]] = last_rank
    return ranks


def street_ranking(unit: OrgUnit, start: date, end: date) -> dict:
    """The communities of a street (or district) ranked by the three rates (each rank, then the mean rank)."""
    rows = [r for r in selectors.breakdown(unit, start, end, "community") if r["key"] != "0"]
    ranks = {key: _rank(rows, key) for key in THREE_RATES}
    ranked = []
    for r in rows:
        own = {key: ranks[key][r["key"]] for key in THREE_RATES}
        ranked.append(
            {
                **r,
                "ranks": own,
                "mean_rank": round(sum(own.values()) / len(own), 2),
                "perfect": [key for key in THREE_RATES if r[key] == 100.0],
            }
        )
    ranked.sort(key=lambda r: (r["mean_rank"], -r["received"], r["name"]))
    for place, r in enumerate(ranked, start=1):
        r["place"] = place
    return {
        "unit": unit,
        "start": start,
        "end": end,
        "version": DEFINITIONS_VERSION,
        "rows": ranked,
        "labels": {key: str(BY_KEY[key].label) for key in THREE_RATES},
        "texts": {key: str(BY_KEY[key].text) for key in THREE_RATES},
    }


# ---------------------------------------------------------------- report requests (writes)

KIND_LEVELS = {"monthly": ("c",), "ranking": ("s", "d")}


def parse_month(value: str, *, field: str = "month") -> date:
    value = (value or "").strip()
    try:
        year, month = value.split("-")
        if len(year) != 4 or len(month) != 2:
            raise ValueError
        return date(int(year), int(month), 1)
    except ValueError as exc:
        raise InvalidInput(_("Months are written YYYY-MM."), field=field) from exc


def request_report(*, actor, kind: str, unit_ref: str, month: date, language: str = "zh-hans"):
    """Queue a report of a unit the actor may see, for one month that has begun; the task builds its file."""
    from .report_models import ReportKind, ReportRequest
    from .tasks_reports import build_report

    if kind not in ReportKind.values:
        raise InvalidInput(_("Choose the kind of report."), field="kind")
    unit = selectors.get_unit_for_user(actor, unit_ref)
    if unit.level not in KIND_LEVELS[kind]:
        message = (
            _("A monthly community report is made for a community.")
            if kind == "monthly"
            else _("A street ranking is made for a street or a district.")
        )
        raise InvalidInput(message, field="unit")
    month = month_floor(month)
    if month > timezone.localdate():
        raise InvalidInput(_("That month has not begun yet."), field="month")
    with transaction.atomic():
        report = ReportRequest.objects.create(
            kind=kind,
            unit_ref=unit.ref,
            unit_name=unit.name[:100],
            period_start=month,
            period_end=month_end(month),
            requested_by=actor,
            language=language if language in ("en", "zh-hans") else "zh-hans",
        )
        audit("report_requested", actor=actor, obj=report, kind=kind, unit=unit.ref, month=month.isoformat())
        report_id = report.pk
        jobs.enqueue_on_commit(build_report, report_id)
    return report


def build_report_file(*, report_id: int) -> str:
    """Build the PDF of a queued report (idempotent: a finished report is left as it is). Returns its status."""
    from .pdf import monthly_pdf, ranking_pdf
    from .report_models import ReportRequest, ReportStatus

    with transaction.atomic():
        report = ReportRequest.objects.select_for_update().filter(pk=report_id).first()
        if report is None or report.status == ReportStatus.DONE:
            return report.status if report else "missing"
        report.status, report.started_at, report.error = ReportStatus.RUNNING, timezone.now(), ""
        report.save(update_fields=["status", "started_at", "error"])
    try:
        with translation.override(report.language):
            unit = selectors.get_unit_for_user(report.requested_by, report.unit_ref)
            if report.kind == "monthly":
                content = monthly_pdf(monthly_report(unit, report.period_start))
            else:
                content = ranking_pdf(street_ranking(unit, report.period_start, report.period_end))
            name = f"{'社区月报' if report.kind == 'monthly' else '社区排名'}-{unit.name}-{report.period_start:%Y-%m}.pdf"
    except Http404:
        # The requester may no longer see the unit (a role withdrawn) or it is gone: nothing to retry.
        _fail(report_id, str(_("The unit is no longer within your responsibility.")))
        return ReportStatus.FAILED
    except Exception as exc:
        _fail(report_id, f"{type(exc).__name__}: {exc}")
        raise  # the job is retried with back-off, then dead-lettered
    with transaction.atomic():
        report = ReportRequest.objects.select_for_update().get(pk=report_id)
        report.file.save(f"{report.uuid.hex}.pdf", ContentFile(content), save=False)
        report.original_name = name[:120]
        report.size = len(content)
        report.status, report.finished_at = ReportStatus.DONE, timezone.now()
        report.save(update_fields=["file", "original_name", "size", "status", "finished_at"])
    return ReportStatus.DONE


def _fail(report_id: int, error: str) -> None:
    from .report_models import ReportRequest, ReportStatus

    ReportRequest.objects.filter(pk=report_id).update(
        status=ReportStatus.FAILED, error=error[:300], finished_at=timezone.now()
    )


def may_download(user, report) -> bool:
    """The requester, or anyone who may see the report's unit (the same scope)."""
    if report.requested_by_id == user.pk:
        return True
    try:
        selectors.get_unit_for_user(user, report.unit_ref)
    except Http404:
        return False
    return True


def reports_for_user(user):
    """The reports a user asked for, newest first."""
    from .report_models import ReportRequest

    return ReportRequest.objects.filter(requested_by=user).order_by("-created_at", "-id")


def get_report_for_user(user, uuid):
    """One report the user may download or see; Http404 otherwise."""
    from .report_models import ReportRequest

    report = ReportRequest.objects.filter(uuid=uuid).select_related("requested_by").first()
    if report is None or not may_download(user, report):
        raise Http404
    return report
