"""Reads of cases, always through the viewer's scope."""

from __future__ import annotations

from django.db.models import Case as CaseWhen
from django.db.models import Count, F, Q, When
from django.http import Http404
from django.utils import timezone

from linli.core.validators import mask_name, mask_phone

from .choices import AWAITING_RESPONSE, OPEN_STATUSES, Satisfaction
from .models import Case, CaseEvent, Whistle, overdue_q


def get_case_for_user(user, pk) -> Case:
    """The case if the user may see it; 404 otherwise (outsiders learn nothing, not even that it exists)."""
    try:
        return Case.objects.visible_to(user).with_related().get(pk=int(pk))
    except (Case.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def find_case_for_user(user, ref) -> Case | None:
    """A case the user may see, by its number or its id; None if there is none."""
    ref = str(ref or "").strip()
    if not ref:
        return None
    by_id = Q(pk=int(ref)) if ref.isdigit() and len(ref) <= 18 else Q(pk__in=[])
    return Case.objects.visible_to(user).filter(Q(number=ref) | by_id).first()


def get_whistle_for_user(user, pk) -> Whistle:
    """A whistle on a case the user may see; 404 otherwise."""
    try:
        return Whistle.objects.select_related("case", "department").get(
            pk=int(pk), case__in=Case.objects.visible_to(user).values("pk")
        )
    except (Whistle.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def case_timeline(case: Case):
    return CaseEvent.objects.filter(case=case).select_related("actor").prefetch_related("attachments")


def my_work(user):
    """Open cases the user handles, most urgent first (overdue, then the nearest deadline)."""
    scope = user.scope
    qs = Case.objects.visible_to(user).open().with_related()
    if scope.is_department_only:
        return qs
    if scope.worker_grid_ids and not (
        scope.community_ids or scope.street_ids or scope.leader_grid_ids or scope.is_admin
    ):
        qs = qs.filter(Q(assignee=user) | Q(grid_id__in=scope.worker_grid_ids))
    # The next promise to keep: the response deadline until someone responds, then the resolution deadline.
    next_due = CaseWhen(
        When(status__in=AWAITING_RESPONSE, then=F("response_due_at")),
        default=F("resolution_due_at"),
    )
    return qs.annotate(next_due_at=next_due).order_by("next_due_at", "id")


def kpis(cases) -> dict:
    """The three rates of 接诉即办 over a queryset of cases (DESIGN.md §3 definitions).

    response rate = responded within the response deadline / received;
    resolution rate = confirmed solved / cases with a verdict (resident feedback or verification);
    satisfaction rate = (满意 + 基本满意) / rated."""
    agg = cases.aggregate(
        received=Count("id"),
        responded_on_time=Count(
            "id", filter=Q(responded_at__isnull=False, responded_at__lte=F("response_due_at"))
        ),
        with_verdict=Count(
            "id", filter=Q(feedback_solved__isnull=False) | Q(verification_passed__isnull=False)
        ),
        solved=Count(
            "id",
            filter=Q(feedback_solved=True) | Q(feedback_solved__isnull=True, verification_passed=True),
        ),
        rated=Count("id", filter=~Q(satisfaction="")),
        satisfied=Count(
            "id", filter=Q(satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED])
        ),
        open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
        overdue=Count("id", filter=overdue_q(timezone.now())),
    )

    def rate(num, den):
        return round(100.0 * num / den, 1) if den else None

    return {
        **agg,
        "response_rate": rate(agg["responded_on_time"], agg["received"]),
        "resolution_rate": rate(agg["solved"], agg["with_verdict"]),
        "satisfaction_rate": rate(agg["satisfied"], agg["rated"]),
    }


def may_see_reporter_contact(user, case: Case) -> bool:
    """Only those who call the resident back see the full phone number (AC-03); everyone else sees a mask."""
    scope = user.scope
    return bool(
        (case.grid_id and case.grid_id in scope.grid_ids)
        or (case.community_id and case.community_id in scope.community_ids)
        or (case.assignee_id and case.assignee_id == user.pk)
    )


def reporter_contact(user, case: Case) -> tuple[str, str]:
    """The reporter's name and phone as this viewer may see them: in full, or masked (刘**, 138****5678)."""
    if may_see_reporter_contact(user, case):
        return case.reporter_name, case.reporter_phone
    return mask_name(case.reporter_name), mask_phone(case.reporter_phone)
