"""What the public pages read: plain-language categories, places to pick, and a case as its reporter may see it.

Nothing here is scoped to a user (nobody signs in): what a resident sees of a case is decided by holding its
tracking code, and even then it is the public view — states and dates, the answer given, no staff names, no
notes written for colleagues, nothing from the registry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from linli.cases.choices import Action, Status
from linli.cases.models import Case, Category
from linli.core.validators import mask_personal_text
from linli.org.models import Building, Compound

PLACE_RESULTS = 12

# What a resident reads for each step of the timeline; steps not listed are internal and not shown.
PUBLIC_STEPS = {
    Action.CREATE: _("Your report was received"),
    Action.ASSIGN: _("Passed to the grid worker responsible for the place"),
    Action.RESPOND: _("The grid worker has taken it up"),
    Action.WHISTLE: _("Referred to the city department responsible (吹哨)"),
    Action.WHISTLE_REPORT_IN: _("The department has reported in"),
    Action.WHISTLE_ANSWER: _("The department has answered"),
    Action.RESOLVE: _("Marked as solved"),
    Action.VERIFY: _("Checked on site"),
    Action.FEEDBACK: _("Your rating was recorded"),
    Action.REOPEN: _("Being worked on again"),
    Action.CLOSE: _("Closed"),
    Action.MERGE: _("Handled together with an earlier report of the same problem"),
    Action.REJECT: _("Not taken up"),
    Action.OUTCOME: _("The earlier report it was merged into has moved on"),
}
# Steps whose note is written for the reporter: the answer, and why a report was not taken up.
PUBLIC_NOTES = {Action.RESOLVE, Action.REJECT}

PUBLIC_STATUS = {
    Status.RECEIVED: _("Received"),
    Status.ASSIGNED: _("Received"),
    Status.IN_PROGRESS: _("Being handled"),
    Status.ESCALATED: _("Being handled with a city department"),
    Status.RESOLVED: _("Solved — please tell us if it is"),
    Status.CLOSED: _("Closed"),
    Status.MERGED: _("Merged with an earlier report"),
    Status.REJECTED: _("Not taken up"),
}


@dataclass(frozen=True)
class PublicStep:
    at: datetime
    label: str
    note: str


def category_groups() -> list[tuple[Category, list[Category]]]:
    """Active categories as the report page offers them: each top-level kind with its specific problems."""
    active = list(Category.objects.filter(is_active=True).order_by("code"))
    children: dict[int, list[Category]] = {}
    for cat in active:
        if cat.parent_id is not None:
            children.setdefault(cat.parent_id, []).append(cat)
    return [(cat, children.get(cat.pk, [])) for cat in active if cat.parent_id is None]


def find_places(query: str) -> list[Building | Compound]:
    """Buildings and compounds whose name matches what the resident typed ("吉利花园 1号楼", "吉利1")."""
    words = query.split()
    if not words or len(query) > 60:
        return []
    if len(words) == 1:
        head, rest = words[0], ""
    else:
        head, rest = words[0], "".join(words[1:])
    buildings = Building.objects.select_related("compound__community")
    if rest:
        buildings = buildings.filter(compound__name__icontains=head, name__icontains=rest)
    else:
        buildings = buildings.filter(Q(compound__name__icontains=head) | Q(name__icontains=head))
    compounds = list(
        Compound.objects.select_related("community")
        .filter(name__icontains=head)
        .order_by("name")[:PLACE_RESULTS]
    )
    found: list[Building | Compound] = list(compounds)
    found += list(buildings.order_by("compound__name", "name")[: PLACE_RESULTS - len(found)])
    return found[:PLACE_RESULTS]


def building_for_report(pk) -> Building | None:
    try:
        return Building.objects.select_related("compound__community__street", "grid__community").get(
            pk=int(pk)
        )
    except (Building.DoesNotExist, TypeError, ValueError):
        return None


def compound_for_report(pk) -> Compound | None:
    try:
        return Compound.objects.select_related("community__street").get(pk=int(pk))
    except (Compound.DoesNotExist, TypeError, ValueError):
        return None


def case_by_tracking_code(code: str) -> Case | None:
    code = (code or "").strip().upper().replace("-", "").replace(" ", "")
    if not code or len(code) > 12:
        return None
    return Case.objects.select_related("category", "community", "master").filter(tracking_code=code).first()


def public_timeline(case: Case) -> list[PublicStep]:
    """The case's timeline as its reporter sees it: the public steps, with only the notes meant for them."""
    steps = []
    for event in case.events.order_by("created_at", "id"):
        label = PUBLIC_STEPS.get(event.action)
        if label is None:
            continue
        note = mask_personal_text(event.note) if event.action in PUBLIC_NOTES else ""
        steps.append(PublicStep(at=event.created_at, label=str(label), note=note))
    return steps


def public_status(case: Case) -> str:
    if case.status == Status.RESOLVED and not may_rate(case):
        return str(_("Solved — thank you for your answer"))
    return str(PUBLIC_STATUS.get(case.status, case.get_status_display()))


def may_rate(case: Case) -> bool:
    """回访 is asked once the case is resolved, and again after each new resolution (a reopened case)."""
    if case.status != Status.RESOLVED:
        return False
    return case.feedback_at is None or (case.resolved_at is not None and case.feedback_at < case.resolved_at)
