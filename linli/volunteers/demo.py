"""The volunteers of the loaded demo: the seed teams in their communities, volunteers (residents of the registry
where the community has them, 在职党员 reporting in, outsiders), and a year of confirmed service records giving
every star level, all written through the services (registration checks, audit, 令67号 records).

东风路南社区 (石家庄, page 004) is not one of the demo's places; its teams go to the first of FALLBACK that exists
until it is."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from linli.accounts.choices import Role
from linli.accounts.models import RoleAssignment, User
from linli.core.validators import id_check_char
from linli.org.models import Community

from . import services
from .choices import MemberRole, TeamKind, VolunteerKind
from .models import Certificate, LoginCode, ServiceRecord, Team, TeamMembership, Volunteer

FALLBACK = ("燕宇社区", "湘潭道社区", "西宁道社区")
SEED = 67  # 民政部令第67号
QUARTER = Decimal("0.25")


@dataclass(frozen=True)
class TeamSpec:
    community: str
    name: str
    kind: str
    colour: str
    focus: str
    members: int
    ages: tuple[int, int]  # age range of its volunteers
    skills: tuple[str, ...] = ()
    content: tuple[str, ...] = ("志愿服务",)
    description: str = ""


TEAMS = (
    TeamSpec(
        "西宁道社区",
        "红管家服务队",
        TeamKind.PARTY,
        "#c92a2a",
        "党员进小区、管家事",
        9,
        (45, 78),
        ("repair",),
        ("日常巡视楼道隐患", "消防柜玻璃排查", "和平夜话收集意见", "老旧小区代管服务"),
        "以社区党员为骨干，党员-在职党员-楼门长-网格员-网格长组成。",
    ),
    TeamSpec(
        "西宁道社区",
        "橙色文化健身志愿小分队",
        TeamKind.COLOUR,
        "#f08c00",
        "文化健身",
        5,
        (28, 66),
        ("arts",),
        ("广场舞教学", "社区文艺演出排练"),
    ),
    TeamSpec(
        "西宁道社区",
        "黄色邻里互助志愿小分队",
        TeamKind.COLOUR,
        "#fcc419",
        "邻里互助",
        5,
        (30, 72),
        ("nursing",),
        ("独居老人探访", "代购生活用品"),
    ),
    TeamSpec(
        "西宁道社区",
        "绿色文明风尚志愿小分队",
        TeamKind.COLOUR,
        "#2f9e44",
        "文明风尚",
        4,
        (22, 60),
        (),
        ("垃圾分类引导", "文明养犬宣传"),
    ),
    TeamSpec(
        "西宁道社区",
        "青色守护青少年志愿小分队",
        TeamKind.COLOUR,
        "#0c8599",
        "守护青少年",
        4,
        (23, 45),
        ("education", "counselling"),
        ("四点半课堂辅导", "暑期安全教育"),
    ),
    TeamSpec(
        "西宁道社区",
        "蓝色医疗健康志愿小分队",
        TeamKind.COLOUR,
        "#1c7ed6",
        "医疗健康",
        4,
        (30, 58),
        ("medical",),
        ("义诊量血压", "健康讲座"),
    ),
    TeamSpec(
        "西宁道社区",
        "紫色巾帼志愿小分队",
        TeamKind.COLOUR,
        "#7048e8",
        "巾帼服务",
        4,
        (35, 68),
        ("legal",),
        ("家庭矛盾调解", "妇女权益宣传"),
    ),
    TeamSpec(
        "东风路南社区",
        "银发爱心义剪队",
        TeamKind.SERVICE,
        "#868e96",
        "每月26日义剪、上门理发",
        8,
        (60, 78),
        ("haircut",),
        ("每月26日义剪", "上门理发", "技能学习小组教剪发"),
        "成立于2018年8月，每月26日在社区老年活动中心摆摊义剪，为行动不便的老人上门理发。",
    ),
    TeamSpec(
        "东风路南社区",
        "夕阳维修队",
        TeamKind.SERVICE,
        "#e8590c",
        "免费维修家电",
        5,
        (58, 75),
        ("appliance-repair", "repair"),
        ("维修家电", "旧灶维修和燃气安全检测", "维修广场健身器材"),
    ),
    TeamSpec(
        "东风路南社区",
        "党员教育服务队",
        TeamKind.PARTY,
        "#a61e4d",
        "党员教育",
        3,
        (40, 70),
        (),
        ("党课宣讲",),
    ),
    TeamSpec(
        "东风路南社区",
        "治安巡防服务队",
        TeamKind.PARTY,
        "#364fc7",
        "治安巡防",
        3,
        (45, 70),
        (),
        ("夜间治安巡逻",),
    ),
    TeamSpec(
        "东风路南社区",
        "绿色环保服务队",
        TeamKind.PARTY,
        "#37b24d",
        "绿色环保",
        3,
        (35, 68),
        (),
        ("楼道清理",),
    ),
    TeamSpec(
        "东风路南社区",
        "爱心互助服务队",
        TeamKind.PARTY,
        "#f76707",
        "爱心互助",
        3,
        (40, 72),
        ("nursing",),
        ("困难家庭帮扶",),
    ),
    TeamSpec(
        "东风路南社区",
        "关爱未成年服务队",
        TeamKind.PARTY,
        "#1098ad",
        "关爱未成年",
        3,
        (28, 60),
        ("education",),
        ("假期托管",),
    ),
    TeamSpec(
        "东风路南社区",
        "敬老爱老服务队",
        TeamKind.PARTY,
        "#d6336c",
        "敬老爱老",
        3,
        (45, 75),
        (),
        ("高龄老人慰问",),
    ),
    TeamSpec(
        "东风路南社区",
        "安全文明服务队",
        TeamKind.PARTY,
        "#495057",
        "安全文明",
        3,
        (40, 70),
        (),
        ("电动车充电安全宣传",),
    ),
    TeamSpec(
        "燕宇社区",
        "邻里互助志愿服务队",
        TeamKind.SERVICE,
        "#fab005",
        "邻里互助",
        6,
        (26, 74),
        ("nursing",),
        ("邻里餐桌帮厨", "每月理发", "消防演练引导"),
    ),
    TeamSpec(
        "湘潭道社区",
        "健康监测志愿服务队",
        TeamKind.SERVICE,
        "#1971c2",
        "健康监测",
        3,
        (30, 60),
        ("medical",),
        ("健康监测",),
    ),
    TeamSpec(
        "湘潭道社区",
        "法律咨询志愿服务队",
        TeamKind.SERVICE,
        "#5f3dc4",
        "法律咨询",
        3,
        (32, 62),
        ("legal",),
        ("法律咨询",),
    ),
)

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
)
GIVEN_OLD = (
    "秀英",
    "桂兰",
    "淑珍",
    "凤英",
    "玉兰",
    "建国",
    "建华",
    "国庆",
    "德山",
    "振华",
    "爱民",
    "秀兰",
    "文华",
    "桂芝",
    "宝山",
    "志刚",
    "淑华",
    "玉珍",
)
GIVEN_YOUNG = ("子涵", "欣怡", "浩然", "一鸣", "思远", "雨桐", "俊杰", "佳琪", "宇航", "梓萱", "博文", "晓彤")
WORK_UNITS = (
    "和平区税务局",
    "南营门街道办事处",
    "天津医科大学总医院",
    "邮政储蓄银行石油新村营业所",
    "国网天津城南供电公司",
    "桥西区人民法院",
    "石家庄市第四中学",
)
REGIONS = {"和平区": "120101", "红桥区": "120106", "河西区": "120103", "河北区": "120105", "河东区": "120102"}
# Cumulative confirmed hours the demo's volunteers reach, in turn: every star level shows.
HOUR_TARGETS = (1560, 1050, 640, 320, 180, 120, 105, 60, 40, 24, 12, 8)


def _staff(community: Community) -> User | None:
    for role in (Role.SECRETARY, Role.GRID_LEADER, Role.GRID_WORKER):
        q = RoleAssignment.objects.filter(role=role).select_related("user").order_by("id")
        q = q.filter(community=community) if role == Role.SECRETARY else q.filter(grid__community=community)
        assignment = q.first()
        if assignment is not None:
            return assignment.user
    return None


def _community(name: str) -> Community | None:
    found = Community.objects.filter(name=name).first()
    if found is not None or name != "东风路南社区":
        return found
    for fallback in FALLBACK:
        found = Community.objects.filter(name=fallback).first()
        if found is not None:
            return found
    return None


class _People:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.n = 0
        self.names: set[str] = set()

    def phone(self) -> str:
        while True:
            self.n += 1
            phone = f"1355{self.n:07d}"
            if not Volunteer.objects.by_phone(phone).exists():
                return phone

    def name(self, old: bool) -> str:
        for _ in range(200):
            name = self.rng.choice(SURNAMES) + self.rng.choice(GIVEN_OLD if old else GIVEN_YOUNG)
            if name not in self.names:
                self.names.add(name)
                return name
        return name

    def id_number(self, region: str, age: int, female: bool) -> str:
        """A valid ID number (GB 11643) of someone who is `age` today."""
        today = timezone.localdate()
        month, day = self.rng.randint(1, 12), self.rng.randint(1, 28)
        year = today.year - age - (1 if (month, day) > (today.month, today.day) else 0)
        order = f"{self.rng.randrange(100):02d}{self.rng.choice((0, 2, 4, 6, 8)) + (0 if female else 1)}"
        body = f"{region}{date(year, month, day):%Y%m%d}{order}"
        return body + id_check_char(body)


def _age(birth: date | None, today: date) -> int | None:
    if birth is None:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _residents_for(community: Community, ages: tuple[int, int], taken: set[int]):
    """Current residents of the community in the age range with an ID number, not yet volunteers."""
    from linli.residents.models import Resident

    today = timezone.localdate()
    found = []
    qs = Resident.objects.current().filter(community=community).exclude(id_index="").order_by("id")[:400]
    for resident in qs:
        age = _age(resident.birth_date, today)
        if resident.pk in taken or age is None or not ages[0] <= age <= ages[1]:
            continue
        found.append(resident)
    return found


def _register(spec: TeamSpec, community: Community, actor: User, people: _People, taken: set[int], rng):
    """The team's volunteers: residents of the registry first (linked), then party members and outsiders."""
    region = REGIONS.get(community.street.district.name, "130104")
    residents = _residents_for(community, spec.ages, taken)
    rng.shuffle(residents)
    volunteers = []
    registered_at = timezone.now() - timedelta(days=rng.randint(400, 2000))
    for i in range(spec.members):
        resident = residents.pop() if residents and i % 3 != 2 else None
        if resident is not None:
            taken.add(resident.pk)
            phone = resident.phone if services.MOBILE.match(resident.phone or "") else people.phone()
            if Volunteer.objects.by_phone(phone).exists():
                phone = people.phone()
            kind, name, id_number, work_unit = VolunteerKind.RESIDENT, resident.name, resident.id_number, ""
        else:
            age = rng.randint(*spec.ages)
            female = rng.random() < 0.6
            party = spec.kind == TeamKind.PARTY and age < 60 or (i % 4 == 1 and age < 60)
            kind = VolunteerKind.PARTY_MEMBER if party else VolunteerKind.OUTSIDER
            name = people.name(age >= 50)
            id_number = people.id_number(region, age, female)
            phone = people.phone()
            work_unit = rng.choice(WORK_UNITS) if party else ""
        if Volunteer.objects.by_id_number(id_number).filter(community=community).exists():
            continue
        volunteers.append(
            services.volunteer_register(
                actor=actor,
                community=community,
                name=name,
                id_number=id_number,
                phone=phone,
                kind=kind,
                work_unit=work_unit,
                skills=spec.skills[: 1 + i % max(1, len(spec.skills))] if spec.skills else (),
                registered_at=registered_at + timedelta(days=i * 3),
            )
        )
    return volunteers


def _serve(volunteer: Volunteer, team: Team, spec: TeamSpec, target: int, actor: User, rng) -> int:
    """Confirmed records on distinct days of the last year adding up to `target` hours (at most 8 h a day)."""
    now = timezone.now()
    typical = 8 if target > 600 else (6 if target > 150 else 3)
    count = min(360, max(1, math.ceil(target / typical)))
    days = sorted(rng.sample(range(2, 364), count), reverse=True)
    remaining = Decimal(target)
    made = 0
    for n, day in enumerate(days):
        left = count - n
        hours = (remaining / left / QUARTER).to_integral_value() * QUARTER
        hours = max(QUARTER, min(Decimal(8), hours))
        if n == count - 1:
            hours = max(QUARTER, min(Decimal(8), remaining))
        start = (now - timedelta(days=day)).replace(
            hour=rng.choice((8, 9, 14)), minute=0, second=0, microsecond=0
        )
        end = start + timedelta(hours=float(hours) + rng.choice((0, 0.5)))
        services.service_record_create(
            volunteer=volunteer,
            content=rng.choice(spec.content),
            started_at=start,
            ended_at=end,
            hours=hours,
            actor=actor,
            team=team,
            training="志愿服务基础培训" if made == 0 else "",
            evaluation=rng.choice(("认真负责", "居民满意", "", "")),
            confirm=True,
        )
        remaining -= hours
        made += 1
        if remaining <= 0:
            break
    return made


def build_demo() -> dict:
    """Create the demo's teams, volunteers and service records. Does nothing for a team that already exists."""
    rng = random.Random(SEED)
    people = _People(rng)
    counts = {"teams": 0, "volunteers": 0, "linked_residents": 0, "service_records": 0, "drafts": 0}
    taken: set[int] = set(Volunteer.objects.exclude(resident=None).values_list("resident_id", flat=True))
    target_index = 0
    with transaction.atomic():
        for spec in TEAMS:
            community = _community(spec.community)
            if community is None or Team.objects.filter(community=community, name=spec.name).exists():
                continue
            actor = _staff(community)
            if actor is None:
                continue
            team = services.team_create(
                actor=actor,
                community=community,
                name=spec.name,
                kind=spec.kind,
                colour=spec.colour,
                focus=spec.focus,
                description=spec.description,
            )
            counts["teams"] += 1
            volunteers = _register(spec, community, actor, people, taken, rng)
            if spec.name == "银发爱心义剪队" and volunteers:
                # 闫爱民, 70, the team's captain: an old party member who once repaired artillery.
                captain = services.volunteer_register(
                    actor=actor,
                    community=community,
                    name="闫爱民",
                    id_number=people.id_number("130104", 70, female=False),
                    phone=people.phone(),
                    kind=VolunteerKind.OUTSIDER,
                    skills=["haircut", "repair"],
                    registered_at=timezone.now() - timedelta(days=2900),
                )
                volunteers.insert(0, captain)
            counts["volunteers"] += len(volunteers)
            counts["linked_residents"] += sum(1 for v in volunteers if v.resident_id)
            for i, volunteer in enumerate(volunteers):
                role = MemberRole.CAPTAIN if i == 0 else MemberRole.MEMBER
                joined = timezone.localtime(volunteer.registered_at).date()
                services.team_member_add(
                    actor=actor, team=team, volunteer=volunteer, role=role, joined_on=joined
                )
            for i, volunteer in enumerate(volunteers):
                if i < 2 or rng.random() < 0.5:
                    target = HOUR_TARGETS[target_index % len(HOUR_TARGETS)]
                    target_index += 1
                else:
                    target = rng.choice((4, 6, 10, 16))
                if i == len(volunteers) - 1 and len(volunteers) > 3:
                    continue  # someone who has not served in the last year: the inactive share shows
                counts["service_records"] += _serve(volunteer, team, spec, target, actor, rng)
            # Two drafts wait for the organiser's confirmation.
            for volunteer in volunteers[1:3]:
                start = (timezone.now() - timedelta(days=1)).replace(
                    hour=9, minute=0, second=0, microsecond=0
                )
                services.service_record_create(
                    volunteer=volunteer,
                    content=spec.content[0],
                    started_at=start,
                    ended_at=start + timedelta(hours=2),
                    hours="2",
                    actor=volunteer,
                    team=team,
                )
                counts["drafts"] += 1
    return counts


def delete_demo(communities) -> None:
    """Remove the volunteers' rows of the demo's communities (confirmed records included, through the purge the
    immutability trigger allows). Run after the activities demo's deletion and before the registry's."""
    with transaction.atomic():
        services.purge_service_records(ServiceRecord.objects.filter(community__in=communities))
        Certificate.objects.filter(community__in=communities).delete()
        LoginCode.objects.filter(volunteer__community__in=communities).delete()
        TeamMembership.objects.filter(team__community__in=communities).delete()
        Team.objects.filter(community__in=communities).delete()
        volunteers = Volunteer.objects.filter(community__in=communities)
        for volunteer in volunteers:
            volunteer.skills.clear()
        volunteers.delete()
