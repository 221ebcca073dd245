"""Reads of the activities app that take the viewer, and the figures other apps (partners, insights) show."""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone

from linli.org.models import Community, Street

from .choices import OccurrenceStatus, SignupStatus, VolunteerSignupStatus
from .models import LOCAL_TZ, Activity, ActivityPhoto, HomeVisit, Occurrence, ResidentSignup, VolunteerSignup

PUBLIC_DAYS_AHEAD = 60


def community_q(user, community: str, *, street: str) -> Q | None:
    """Rows of the communities a user works in, as a filter on the given columns; None means everything."""
    scope = user.scope
    if scope.is_admin:
        return None
    q = Q(pk__in=[])
    if scope.street_ids:
        q |= Q(**{f"{street}__in": scope.street_ids})
    ids = scope.community_ids | scope.grid_community_ids
    if ids:
        q |= Q(**{f"{community}__in": ids})
    return q


def may_use_activities(user) -> bool:
    scope = user.scope
    return bool(scope.is_admin or scope.street_ids or scope.community_ids or scope.grid_ids)


def may_manage(user, community_id: int) -> bool:
    """Community staff run its activities: the secretary, the grid workers and leaders there, administrators."""
    scope = user.scope
    return scope.is_admin or community_id in scope.community_ids or community_id in scope.grid_community_ids


def communities_for(user):
    scope = user.scope
    qs = Community.objects.select_related("street").order_by("street__name", "name")
    if scope.is_admin:
        return qs
    return qs.filter(
        Q(pk__in=scope.community_ids | scope.grid_community_ids) | Q(street_id__in=scope.street_ids)
    )


def streets_for(user):
    scope = user.scope
    qs = Street.objects.order_by("name")
    return qs if scope.is_admin else qs.filter(pk__in=scope.street_ids)


def _get(qs, pk):
    try:
        return qs.get(pk=int(pk))
    except (qs.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def activities_for(user, *, community=None, kind: str = "", start=None, end=None):
    qs = Activity.objects.visible_to(user).select_related("community", "organiser")
    if community:
        qs = qs.filter(community_id=community)
    if kind:
        qs = qs.filter(kind=kind)
    if start or end:
        occ = Occurrence.objects.filter(status=OccurrenceStatus.SCHEDULED)
        if start:
            occ = occ.filter(starts_at__gte=start)
        if end:
            occ = occ.filter(starts_at__lt=end)
        qs = qs.filter(pk__in=occ.values("activity_id"))
    return qs.order_by("-created_at", "-id")


def get_activity_for_user(user, pk) -> Activity:
    return _get(Activity.objects.visible_to(user).select_related("community", "organiser", "target_tag"), pk)


def occurrences_for(user, *, community=None, street=None, start=None, end=None):
    qs = Occurrence.objects.visible_to(user).select_related("activity__community", "activity__organiser")
    if community:
        qs = qs.filter(activity__community_id=community)
    if street:
        qs = qs.filter(activity__community__street_id=street)
    if start:
        qs = qs.filter(starts_at__gte=start)
    if end:
        qs = qs.filter(starts_at__lt=end)
    return qs.order_by("starts_at", "id")


def get_occurrence_for_user(user, pk) -> Occurrence:
    return _get(
        Occurrence.objects.visible_to(user).select_related("activity__community", "activity__organiser"), pk
    )


def with_counts(qs):
    return qs.annotate(
        confirmed=Count("signups", filter=Q(signups__status=SignupStatus.CONFIRMED), distinct=True),
        waiting=Count("signups", filter=Q(signups__status=SignupStatus.WAITLISTED), distinct=True),
        volunteers=Count(
            "volunteer_signups",
            filter=Q(volunteer_signups__status=VolunteerSignupStatus.SIGNED_UP),
            distinct=True,
        ),
    )


def resident_signups(occurrence: Occurrence):
    return occurrence.signups.select_related("resident__household").order_by("status", "created_at", "id")


def volunteer_signups(occurrence: Occurrence):
    return occurrence.volunteer_signups.select_related("volunteer", "role", "service_record").order_by(
        "created_at", "id"
    )


def home_visits_for(user, occurrence: Occurrence):
    """The occurrence's home visits the viewer may see (registry scoping)."""
    return (
        HomeVisit.objects.visible_to(user)
        .filter(occurrence=occurrence)
        .select_related("household__building__compound", "resident", "volunteer")
    )


def get_home_visit_for_user(user, pk) -> HomeVisit:
    return _get(HomeVisit.objects.visible_to(user).select_related("occurrence__activity", "household"), pk)


def get_photo_for_user(user, uuid) -> ActivityPhoto:
    try:
        return ActivityPhoto.objects.get(
            uuid=uuid, occurrence__in=Occurrence.objects.visible_to(user).values("pk")
        )
    except (ActivityPhoto.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


# ---------------------------------------------------------------- months and calendars


def local_today() -> date:
    return timezone.localdate(timezone=ZoneInfo(LOCAL_TZ))


def parse_month(value: str | None) -> date:
    """The first day of a YYYY-MM month; this month when missing or malformed."""
    try:
        year, month = (int(x) for x in (value or "").split("-"))
        return date(year, month, 1)
    except ValueError:
        return local_today().replace(day=1)


def month_bounds(first: date) -> tuple[datetime, datetime]:
    tz = ZoneInfo(LOCAL_TZ)
    days = calendar.monthrange(first.year, first.month)[1]
    start = datetime.combine(first, time(), tzinfo=tz)
    return start, start + timedelta(days=days)


def month_weeks(first: date, occurrences) -> list[list[dict]]:
    """The month as weeks (Monday first) of days, each with its occurrences in local time."""
    tz = ZoneInfo(LOCAL_TZ)
    by_day: dict[date, list] = {}
    for occ in occurrences:
        by_day.setdefault(occ.starts_at.astimezone(tz).date(), []).append(occ)
    weeks = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month):
        weeks.append(
            [{"day": d, "in_month": d.month == first.month, "items": by_day.get(d, [])} for d in week]
        )
    return weeks


def shift_month(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


# ---------------------------------------------------------------- public


def public_occurrences(community: Community, *, now: datetime | None = None):
    """Upcoming occurrences of the community's public activities (the H5 page and the .ics feed)."""
    now = now or timezone.now()
    return with_counts(
        Occurrence.objects.filter(
            activity__community=community,
            activity__is_public=True,
            activity__is_active=True,
            status=OccurrenceStatus.SCHEDULED,
            ends_at__gt=now,
            starts_at__lt=now + timedelta(days=PUBLIC_DAYS_AHEAD),
        ).select_related("activity")
    ).order_by("starts_at", "id")


def feed_occurrences(community: Community, *, now: datetime | None = None):
    """What the .ics feed carries: public occurrences from 30 days back to the horizon, skipped ones included
    (as cancelled) so calendars that already have them drop them."""
    now = now or timezone.now()
    return (
        Occurrence.objects.filter(
            activity__community=community,
            activity__is_public=True,
            starts_at__gte=now - timedelta(days=30),
        )
        .select_related("activity")
        .order_by("starts_at", "id")
    )


# ---------------------------------------------------------------- for volunteers (their phone pages)


def open_for_volunteer(volunteer, *, now: datetime | None = None):
    """Upcoming occurrences a volunteer may sign up for: their community's activities."""
    now = now or timezone.now()
    teams = volunteer.memberships.filter(left_on__isnull=True).values("team_id")
    return (
        Occurrence.objects.filter(
            status=OccurrenceStatus.SCHEDULED, activity__is_active=True, ends_at__gt=now
        )
        .filter(Q(activity__community_id=volunteer.community_id) | Q(activity__organiser_id__in=teams))
        .filter(starts_at__lt=now + timedelta(days=PUBLIC_DAYS_AHEAD))
        .select_related("activity")
        .order_by("starts_at", "id")
    )


def signups_of(volunteer):
    return (
        VolunteerSignup.objects.filter(volunteer=volunteer)
        .select_related("occurrence__activity", "role")
        .order_by("-occurrence__starts_at")
    )


def home_visits_of(volunteer):
    return (
        HomeVisit.objects.filter(volunteer=volunteer)
        .select_related("occurrence__activity", "household__building__compound", "resident")
        .order_by("planned_at", "id")
    )


# ---------------------------------------------------------------- for the partner and insights pages


def activities_for_partner(partner):
    """The activities a partner organisation co-hosts, newest first, with their occurrence counts."""
    held = Q(occurrences__status=OccurrenceStatus.SCHEDULED, occurrences__starts_at__lt=timezone.now())
    return (
        Activity.objects.filter(partners=partner)
        .select_related("community", "organiser")
        .annotate(held=Count("occurrences", filter=held, distinct=True))
        .order_by("-created_at", "-id")
    )


def activity_figures(community_ids, start: datetime, end: datetime) -> dict:
    """For the communities in [start, end): occurrences held (scheduled, started), resident attendances (marked
    present), volunteer sign-ups (not cancelled), confirmed volunteer attendances, and home visits done."""
    occ = Occurrence.objects.filter(
        activity__community_id__in=list(community_ids),
        status=OccurrenceStatus.SCHEDULED,
        starts_at__gte=start,
        starts_at__lt=min(end, timezone.now()),  # held: it has begun
    )
    ids = occ.values("pk")
    return {
        "occurrences_held": occ.count(),
        "resident_signups": ResidentSignup.objects.filter(
            occurrence__in=ids, status=SignupStatus.CONFIRMED
        ).count(),
        "resident_attendances": ResidentSignup.objects.filter(
            occurrence__in=ids, attendance="present"
        ).count(),
        "volunteer_signups": VolunteerSignup.objects.filter(
            occurrence__in=ids, status=VolunteerSignupStatus.SIGNED_UP
        ).count(),
        "volunteer_confirmed": VolunteerSignup.objects.filter(
            occurrence__in=ids, service_record__isnull=False
        ).count(),
        "home_visits_done": HomeVisit.objects.filter(occurrence__in=ids, status="done").count(),
    }
