"""Reads of the volunteers app that take the viewer, hours totals, star levels and team statistics."""

from __future__ import annotations

from collections import OrderedDict
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.validators import mask_id_number, mask_phone

from .choices import RecordStatus
from .models import ServiceRecord, Team, TeamMembership, Volunteer

# 一星 … 五星: cumulative confirmed hours at which each star is reached.
STAR_THRESHOLDS = (Decimal(100), Decimal(300), Decimal(600), Decimal(1000), Decimal(1500))
ACTIVE_DAYS = 90
AGE_BANDS = ("under_35", "35_59", "60_plus")


def star_level(hours) -> int:
    """0 (no star yet) to 5: 一星 from 100 h, 二星 300, 三星 600, 四星 1000, 五星 1500 (cumulative, confirmed)."""
    hours = Decimal(str(hours or 0))
    return sum(1 for threshold in STAR_THRESHOLDS if hours >= threshold)


def star_label(level: int) -> str:
    if level <= 0:
        return _("No star yet")
    return "★" * level


def next_star_hours(hours) -> Decimal | None:
    """The hours at which the next star is reached, or None at five stars."""
    hours = Decimal(str(hours or 0))
    for threshold in STAR_THRESHOLDS:
        if hours < threshold:
            return threshold
    return None


def _as_datetime(value, *, end: bool = False) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    if end:  # a date as the end of a period includes that whole day
        value = value + timedelta(days=1)
    return timezone.make_aware(datetime.combine(value, time.min))


def hours_total(volunteer=None, team=None, community=None, start=None, end=None, communities=None) -> Decimal:
    """Confirmed hours (corrections included) of a volunteer, team, community or list of communities, served in
    [start, end).

    `start`/`end` may be datetimes or dates (a date `end` includes that day). A correction counts in the
    period of the service it corrects."""
    qs = ServiceRecord.objects.filter(status=RecordStatus.CONFIRMED)
    if volunteer is not None:
        qs = qs.filter(volunteer=volunteer)
    if team is not None:
        qs = qs.filter(team=team)
    if community is not None:
        qs = qs.filter(community=community)
    if communities is not None:
        qs = qs.filter(community__in=list(communities))
    start_dt = _as_datetime(start)
    end_dt = _as_datetime(end, end=True)
    if start_dt is not None:
        qs = qs.filter(started_at__gte=start_dt)
    if end_dt is not None:
        qs = qs.filter(started_at__lt=end_dt)
    total = qs.aggregate(total=Sum("hours"))["total"]
    return (total or Decimal("0")).quantize(Decimal("0.01"))


def hours_by_volunteer(volunteer_ids) -> dict[int, Decimal]:
    rows = (
        ServiceRecord.objects.filter(status=RecordStatus.CONFIRMED, volunteer_id__in=list(volunteer_ids))
        .values("volunteer_id")
        .annotate(total=Sum("hours"))
    )
    return {r["volunteer_id"]: r["total"] or Decimal("0") for r in rows}


# ---------------------------------------------------------------- scoping


def volunteers_for(user):
    return Volunteer.objects.visible_to(user).select_related("community")


def teams_for(user):
    return Team.objects.visible_to(user).select_related("community")


def records_for(user):
    return ServiceRecord.objects.visible_to(user).select_related("volunteer", "team", "community")


def get_volunteer_for_user(user, pk) -> Volunteer:
    try:
        return volunteers_for(user).get(pk=int(pk))
    except (Volunteer.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def get_team_for_user(user, pk) -> Team:
    try:
        return teams_for(user).get(pk=int(pk))
    except (Team.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def get_record_for_user(user, pk) -> ServiceRecord:
    try:
        return records_for(user).get(pk=int(pk))
    except (ServiceRecord.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def pending_drafts_for(user):
    """Drafts awaiting confirmation in the communities the user staffs (street officers read, do not confirm)."""
    scope = user.scope
    qs = ServiceRecord.objects.filter(status=RecordStatus.DRAFT)
    if not scope.is_admin:
        qs = qs.filter(community_id__in=scope.community_ids | scope.grid_community_ids)
    return qs.select_related("volunteer", "team", "community").order_by("started_at", "id")


def filter_records(qs, *, volunteer=None, team=None, start=None, end=None, status=None):
    if volunteer:
        qs = qs.filter(volunteer_id=volunteer)
    if team:
        qs = qs.filter(team_id=team)
    if start:
        qs = qs.filter(started_at__gte=_as_datetime(start))
    if end:
        qs = qs.filter(started_at__lt=_as_datetime(end, end=True))
    if status:
        qs = qs.filter(status=status)
    return qs


# ---------------------------------------------------------------- presenting


def present_volunteer(volunteer: Volunteer) -> dict:
    """What lists and pages show of a volunteer: ID number and phone always masked."""
    return {
        "id": volunteer.pk,
        "name": volunteer.name,
        "id_number_masked": mask_id_number(volunteer.id_number),
        "phone_masked": mask_phone(volunteer.phone),
    }


def current_members(team: Team):
    return (
        TeamMembership.objects.filter(team=team, left_on__isnull=True)
        .select_related("volunteer")
        .order_by("role", "volunteer__name")
    )


def volunteer_summary(volunteer: Volunteer) -> dict:
    total = hours_total(volunteer=volunteer)
    level = star_level(total)
    return {
        "hours": total,
        "star": level,
        "star_label": star_label(level),
        "next_star_hours": next_star_hours(total),
    }


# ---------------------------------------------------------------- team statistics


def _age_band(age: int | None) -> str | None:
    if age is None:
        return None
    if age < 35:
        return "under_35"
    if age < 60:
        return "35_59"
    return "60_plus"


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, 1)


def team_stats(team: Team, today: date | None = None) -> dict:
    """Age profile of current members ("银发多、黑发少"), members active in the last 90 days and confirmed
    hours per month for the last 12 months (oldest first, this month last)."""
    today = today or timezone.localdate()
    members = [m.volunteer for m in current_members(team)]
    ages = OrderedDict((band, 0) for band in AGE_BANDS)
    unknown = 0
    for volunteer in members:
        band = _age_band(volunteer.age_on(today))
        if band is None:
            unknown += 1
        else:
            ages[band] += 1
    since = _as_datetime(today - timedelta(days=ACTIVE_DAYS))
    active_ids = set(
        ServiceRecord.objects.filter(
            status=RecordStatus.CONFIRMED,
            team=team,
            corrects__isnull=True,
            volunteer_id__in=[v.pk for v in members],
            started_at__gte=since,
        ).values_list("volunteer_id", flat=True)
    )
    first_month = _add_months(_month_start(today), -11)
    months = []
    for i in range(12):
        start = _add_months(first_month, i)
        end = _add_months(first_month, i + 1)
        months.append(
            {"month": start.strftime("%Y-%m"), "start": start, "end": end, "hours": Decimal("0.00")}
        )
    rows = ServiceRecord.objects.filter(
        status=RecordStatus.CONFIRMED, team=team, started_at__gte=_as_datetime(first_month)
    ).values_list("started_at", "hours")
    by_month = {m["month"]: m for m in months}
    for started_at, hours in rows:
        key = timezone.localtime(started_at).strftime("%Y-%m")
        if key in by_month:
            by_month[key]["hours"] += hours
    total_members = len(members)
    return {
        "members": total_members,
        "ages": dict(ages),
        "ages_unknown": unknown,
        "silver_share": round(ages["60_plus"] / total_members, 2) if total_members else 0.0,
        "active_members": len(active_ids),
        "active_days": ACTIVE_DAYS,
        "hours_by_month": [{"month": m["month"], "hours": m["hours"]} for m in months],
        "hours_total": hours_total(team=team),
    }


def community_ids_for(user) -> set[int]:
    """The communities where the user may register volunteers and create teams."""
    from linli.org.models import Community

    scope = user.scope
    if scope.is_admin:
        return set(Community.objects.values_list("pk", flat=True))
    return set(scope.community_ids | scope.grid_community_ids)


def login_phone_indexes(phone: str) -> list[str]:
    """The blind indexes a sign-in looks the phone up by (kept in the session instead of the number)."""
    from linli.core.fields import index_candidates
    from linli.core.validators import normalize_phone

    return index_candidates("phone", phone, normalize_phone)


def member_counts(teams) -> dict[int, int]:
    """Current members per team."""
    from django.db.models import Count

    rows = (
        TeamMembership.objects.filter(team__in=list(teams), left_on__isnull=True)
        .values("team_id")
        .annotate(n=Count("id"))
    )
    return {row["team_id"]: row["n"] for row in rows}


def drafts_for_captain(volunteer: Volunteer):
    """Drafts of the teams the volunteer is a current captain of, other than their own records."""
    team_ids = TeamMembership.objects.filter(
        volunteer=volunteer, role="captain", left_on__isnull=True
    ).values_list("team_id", flat=True)
    return (
        ServiceRecord.objects.filter(status=RecordStatus.DRAFT, team_id__in=list(team_ids))
        .exclude(volunteer=volunteer)
        .select_related("volunteer", "team")
        .order_by("started_at", "id")
    )
