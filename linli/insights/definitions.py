"""Every figure of the insights dashboards: its versioned definition (zh-Hans and English) and its formula.

Change a definition only together with DEFINITIONS_VERSION, so a published number can be traced to its rule."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

DEFINITIONS_VERSION = "2026.1"

COHORT = _(
    "Cohort: the cases received in the period, by local date in Asia/Shanghai (from and to both included), in "
    "the unit; cases merged into another case are left out (they count once, in their master case). Backlog and "
    "overdue are of that cohort, as of now. Durations are in whole minutes (rounded down); a median of an even "
    "count is the mean of the two middle values, and it is exact."
)


@dataclass(frozen=True)
class Definition:
    key: str
    label: object
    text: object
    formula: str
    is_rate: bool = False


DEFINITIONS: tuple[Definition, ...] = (
    Definition("received", _("Cases received"), _("Cases received in the period."), "count(cohort)"),
    Definition(
        "response_rate",
        _("Response rate"),
        _("Cases responded to by their response deadline, out of the cases received."),
        "count(responded_at <= response_due_at) / received",
        True,
    ),
    Definition(
        "on_time_response_rate",
        _("On-time response"),
        _("Of the cases responded to, the share responded to by the response deadline."),
        "count(responded_at <= response_due_at) / count(responded_at is set)",
        True,
    ),
    Definition(
        "resolution_rate",
        _("Resolution rate"),
        _(
            "Cases the resident (or, without a resident's verdict, the verification) confirms solved, out of the "
            "cases with such a verdict."
        ),
        "count(feedback_solved or (feedback_solved is null and verification_passed)) / count(with a verdict)",
        True,
    ),
    Definition(
        "satisfaction_rate",
        _("Satisfaction rate"),
        _("Satisfied and basically satisfied ratings, out of the cases rated."),
        "count(satisfaction in (satisfied, basically_satisfied)) / count(rated)",
        True,
    ),
    Definition(
        "on_time_resolution_rate",
        _("On-time resolution"),
        _("Of the cases resolved (resolved_at set), the share resolved by the resolution deadline."),
        "count(resolved_at <= resolution_due_at) / count(resolved_at is set)",
        True,
    ),
    Definition(
        "backlog",
        _("Backlog"),
        _("Cases of the cohort still open now (received, assigned, in progress, escalated)."),
        "count(status open)",
    ),
    Definition(
        "overdue",
        _("Overdue"),
        _(
            "Open cases of the cohort past a deadline now: the response deadline while nobody has responded, the "
            "resolution deadline always."
        ),
        "count(open and (awaiting response and now > response_due_at or now > resolution_due_at))",
    ),
    Definition(
        "median_response_minutes",
        _("Median time to respond"),
        _("Median of the whole minutes from receipt to the first response, over the cases responded to."),
        "median(floor((responded_at - received_at) / 1 min))",
    ),
    Definition(
        "median_resolution_minutes",
        _("Median time to resolve"),
        _("Median of the whole minutes from receipt to resolution, over the cases resolved."),
        "median(floor((resolved_at - received_at) / 1 min))",
    ),
    Definition(
        "reopen_rate",
        _("Reopen rate"),
        _("Cases reopened at least once, out of the cases received."),
        "count(reopen_count > 0) / received",
        True,
    ),
    Definition(
        "whistle_rate",
        _("Whistle rate"),
        _(
            "Cases with at least one whistle to a department, out of the cases received. Both too low (problems "
            "kept inside the community) and too high (the community passing its work on) are warnings."
        ),
        "count(≥ 1 whistle) / received",
        True,
    ),
)

DEPARTMENT_DEFINITIONS: tuple[Definition, ...] = (
    Definition(
        "whistles",
        _("Whistles"),
        _("Whistles blown to the department in the period (by local date)."),
        "count(whistles)",
    ),
    Definition(
        "median_report_in_minutes",
        _("Median report-in time"),
        _("Median whole minutes from the whistle to the department reporting in, over those reported in."),
        "median(floor((reported_in_at - created_at) / 1 min))",
    ),
    Definition(
        "median_answer_minutes",
        _("Median answer time"),
        _("Median whole minutes from the whistle to the department's answer, over those answered."),
        "median(floor((answered_at - created_at) / 1 min))",
    ),
    Definition(
        "acceptance_rate",
        _("Community's rating"),
        _(
            "The community's verdict on the answers (reverse evaluation): answers accepted, out of all verdicts "
            "given (each rejected answer counts as one verdict, the accepted one as another)."
        ),
        "count(accepted) / (count(accepted) + sum(rejections))",
        True,
    ),
)

BY_KEY = {d.key: d for d in DEFINITIONS + DEPARTMENT_DEFINITIONS}


def definitions_payload() -> dict:
    """The definitions as the API returns them (in the active language)."""
    return {
        "version": DEFINITIONS_VERSION,
        "cohort": str(COHORT),
        "figures": [
            {
                "key": d.key,
                "label": str(d.label),
                "text": str(d.text),
                "formula": d.formula,
                "is_rate": d.is_rate,
            }
            for d in DEFINITIONS + DEPARTMENT_DEFINITIONS
        ],
    }
