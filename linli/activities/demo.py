"""The activities of the loaded demo, in 西宁道社区: the haircut day on the 26th by 银发爱心义剪队 (with last month's
session held — residents attended, volunteers checked in and their hours confirmed), 每周五 楼宇服务日, a free clinic
with 爱尔眼科, a fire drill, and 上门理发 visits to people living alone who cannot come. Safe to run again."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from linli.accounts.choices import Role
from linli.accounts.models import RoleAssignment
from linli.org.models import Community
from linli.residents.models import Resident

from . import services
from .choices import ActivityKind, Attendance, CheckMethod, Preset, SignupSource, TargetGroup, Weekday
from .models import LOCAL_TZ, Activity, Occurrence, ResidentSignup, VolunteerSignup

COMMUNITY = "XND"
TEAM = "银发爱心义剪队"
PARTNER = "爱尔眼科"
TZ = ZoneInfo(LOCAL_TZ)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TZ)


def _next_weekday(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _last_26th(today: date) -> date:
    if today.day > 26:
        return today.replace(day=26)
    first = today.replace(day=1) - timedelta(days=1)
    return first.replace(day=26)


def _team(community, secretary):
    from linli.volunteers import services as volunteer_services
    from linli.volunteers.choices import TeamKind
    from linli.volunteers.models import Team

    team = Team.objects.filter(community=community, name=TEAM).first()
    if team is None:
        team = volunteer_services.team_create(
            actor=secretary, community=community, name=TEAM, kind=TeamKind.SERVICE, focus="义剪、上门理发"
        )
    return team


def _partner(community):
    from linli.partners.choices import PartnerKind
    from linli.partners.models import Partner

    partner, _created = Partner.objects.get_or_create(
        community=community, name=PARTNER, defaults={"kind": PartnerKind.CHARITY_COMPANY}
    )
    return partner


def _skill(code):
    from linli.volunteers.models import Skill

    return Skill.objects.filter(code=code).first()


def _activity(community, title, **kwargs) -> tuple[Activity, bool]:
    existing = Activity.objects.filter(community=community, title=title).first()
    if existing is not None:
        return existing, False
    return services.activity_create(community=community, title=title, **kwargs), True


def _elderly(community, n):
    cut = timezone.localdate() - timedelta(days=365 * 62)
    return list(
        Resident.objects.current()
        .filter(community=community, birth_date__lte=cut)
        .select_related("household")
        .order_by("pk")[:n]
    )


def _held_haircut_day(activity, secretary, today, counts) -> None:
    """Last month's 26th, already held: residents attended, the team's volunteers checked in and were confirmed."""
    from linli.volunteers.models import Volunteer

    day = _last_26th(today)
    start = _at(day, 9)
    occ = activity.occurrences.filter(original_start=start).first()
    if occ is not None:
        return
    occ = services._create_occurrence(activity, start)
    for resident in _elderly(activity.community, 8):
        ResidentSignup.objects.create(
            occurrence=occ,
            resident=resident,
            name=resident.name,
            source=SignupSource.STAFF,
            attendance=Attendance.PRESENT,
            attendance_by=secretary,
            attendance_at=start + timedelta(hours=2),
            created_by=secretary,
        )
        counts["activity_signups"] += 1
    members = Volunteer.objects.filter(
        memberships__team=activity.organiser, memberships__left_on__isnull=True, is_active=True
    ).distinct()[:4]
    barber = activity.roles.filter(name="理发师").first()
    for n, volunteer in enumerate(members):
        VolunteerSignup.objects.create(
            occurrence=occ,
            volunteer=volunteer,
            role=barber,
            checked_in_at=start - timedelta(minutes=15 - n),
            check_in_method=CheckMethod.QR,
            checked_out_at=occ.ends_at + timedelta(minutes=10)
            if n % 2 == 0
            else start + timedelta(minutes=100),
        )
        counts["volunteer_signups"] += 1
    if members:
        counts["activity_records"] += len(
            services.attendance_confirm(actor=secretary, occurrence=occ)["confirmed"]
        )


def build_demo() -> dict:
    counts = {
        "activities": 0,
        "occurrences": 0,
        "activity_signups": 0,
        "volunteer_signups": 0,
        "home_visits": 0,
    }
    counts["activity_records"] = 0
    community = Community.objects.filter(code=COMMUNITY).first()
    assignment = (
        RoleAssignment.objects.filter(role=Role.SECRETARY, community=community).select_related("user").first()
        if community
        else None
    )
    if assignment is None:
        return counts
    secretary = assignment.user
    before = Occurrence.objects.filter(activity__community=community).count()
    today = timezone.localdate(timezone=TZ)
    with transaction.atomic():
        team = _team(community, secretary)
        haircut, new = _activity(
            community,
            "银发爱心义剪",
            actor=secretary,
            kind=ActivityKind.HAIRCUT,
            organiser=team,
            place="社区老年活动中心",
            starts_at=_at(_last_26th(today), 9),
            duration_minutes=150,
            preset=Preset.MONTHLY_DAY,
            day=26,
            capacity=30,
            target_group=TargetGroup.ELDERLY,
            description="银发爱心义剪队每月26日在社区老年活动中心摆开摊位义剪，行动不便的老人可预约上门理发。",
            roles=[
                {"name": "理发师", "needed": 4, "skill": _skill("haircut")},
                {"name": "引导员", "needed": 1},
            ],
        )
        counts["activities"] += new
        if new:
            _held_haircut_day(haircut, secretary, today, counts)
        _, new = _activity(
            community,
            "楼宇服务日",
            actor=secretary,
            kind=ActivityKind.OTHER,
            place="商务楼宇一楼党群服务站",
            starts_at=_at(_next_weekday(today, Weekday.FR), 14),
            duration_minutes=180,
            preset=Preset.WEEKLY,
            weekday=Weekday.FR,
            description="每周五：公租房申请、人才绿卡申请、党组织关系转接、工会妇联、法律咨询、心理援助一站式办理。",
        )
        counts["activities"] += new
        clinic, new = _activity(
            community,
            "爱尔眼科义诊",
            actor=secretary,
            kind=ActivityKind.CLINIC,
            partners=[_partner(community)],
            place="社区党群服务中心",
            starts_at=_at(_next_weekday(today + timedelta(days=3), Weekday.SA), 9),
            duration_minutes=180,
            capacity=40,
            target_group=TargetGroup.ELDERLY,
            description="爱尔眼科医生为老人免费检查视力、眼压，讲解白内障防治。",
            roles=[{"name": "引导员", "needed": 2}, {"name": "登记员", "needed": 1}],
        )
        counts["activities"] += new
        if new:
            occ = clinic.occurrences.first()
            for resident in _elderly(community, 20)[8:14]:
                services.signup_for_resident(actor=secretary, occurrence=occ, resident=resident)
                counts["activity_signups"] += 1
            services.signup_public(occurrence=occ, name="刘阿姨", phone="13812260001")
            counts["activity_signups"] += 1
        _, new = _activity(
            community,
            "冬季消防演练",
            actor=secretary,
            kind=ActivityKind.FIRE_DRILL,
            place="吉利花园中心广场",
            starts_at=_at(today + timedelta(days=10), 10),
            duration_minutes=90,
            description="消防站指导居民使用灭火器、楼道疏散；讲解电动自行车飞线充电的危害。",
        )
        counts["activities"] += new
        home, new = _activity(
            community,
            "上门理发",
            actor=secretary,
            kind=ActivityKind.HOME_SERVICE,
            organiser=team,
            place="行动不便老人家中",
            starts_at=_at(_last_26th(today), 14),
            duration_minutes=180,
            preset=Preset.MONTHLY_DAY,
            day=26,
            is_public=False,
            description="义剪队为卧床、行动不便的老人上门理发。",
        )
        counts["activities"] += new
        if new:
            occ = home.occurrences.first()
            alone = (
                Resident.objects.current()
                .filter(community=community, tag_assignments__tag__code__in=["dujulaoren", "shineng"])
                .filter(tag_assignments__removed_at__isnull=True)
                .select_related("household")
                .distinct()
                .order_by("pk")[:4]
            )
            from linli.volunteers.models import Volunteer

            barber = (
                Volunteer.objects.filter(
                    memberships__team=team, memberships__left_on__isnull=True, is_active=True
                )
                .order_by("pk")
                .first()
            )
            if occ is not None and alone:
                visits = services.home_visits_generate(
                    actor=secretary, occurrence=occ, residents=list(alone), volunteer=barber
                )
                counts["home_visits"] += len(visits)
                if barber is not None and visits:
                    services.home_visit_done(visit=visits[0], volunteer=barber, note="已理发，老人很满意")
    counts["occurrences"] = Occurrence.objects.filter(activity__community=community).count() - before
    return counts


def delete_demo(communities) -> None:
    """Remove the activities of the demo's communities (before volunteers, partners and residents go): the
    service records written for their occurrences first, since those hold on to them."""
    from linli.volunteers.models import ServiceRecord

    with transaction.atomic():
        occurrences = Occurrence.objects.filter(activity__community__in=communities)
        VolunteerSignup.objects.filter(occurrence__in=occurrences).delete()
        records = ServiceRecord.objects.filter(occurrence__in=occurrences)
        ServiceRecord.objects.filter(corrects__in=records).delete()
        records.delete()
        Activity.objects.filter(community__in=communities).delete()
