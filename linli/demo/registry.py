"""The demo's resident registry (人熟、地熟、户数清): units, households, residents, their tags and care.

Sizes come from the seed pages where they give them: 金辰园社区 "由6个自然小区组成，辖区2155户、5430人，其中30%为
老年人" (page 002, its six compounds are the demo's six), 湘潭道社区 "1700多户居民" (page 002). The other
communities get sizes of the same order. Named residents of the seeds live where the demo puts their stories:
李奶奶 of 河滨花苑 (page 000: alone at home, the drain under her washing machine blocked on a freezing evening),
徐女士 of 丹江里 (page 002: the paving that stopped short of the compound gate), and the veteran 朱继国, who told the
children of 南营门街道 about his 25 years in the army (page 000; the page names 天新里社区 with the event, the demo's
天兴里社区). 韩大爷 (低保户, 肢体一级残疾, page 000) lives in 滨海新区's 华安楼社区, and 闫爱民 and 郭宝成 (page 004) in
石家庄's 东风路南社区: neither is a demo community, so they are not placed anywhere.

Everything is drawn from one `random.Random`, so a seed gives the same registry; ages are relative to today.
"""

from __future__ import annotations

import math
import re
import time as timer
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from django.db.models import Q
from django.test.utils import override_settings
from django.utils import timezone

from linli.cases.models import Case
from linli.core.fields import index_candidates
from linli.core.validators import id_check_char, normalize_phone
from linli.org.models import Building, Unit
from linli.residents.choices import Gender, Occupancy, Relationship, Tenure, VisitKind
from linli.residents.models import (
    DataSubjectRequest,
    EmergencyContact,
    ExportRequest,
    Household,
    Resident,
    Tag,
    TagAssignment,
    Visit,
    compose_address,
    visit_due_date,
)

from . import stories as S

if TYPE_CHECKING:
    import random

    from .builder import CommunityInfo, World

MALE, FEMALE = Gender.MALE.value, Gender.FEMALE.value
HEAD, SPOUSE, CHILD, PARENT = Relationship.HEAD, Relationship.SPOUSE, Relationship.CHILD, Relationship.PARENT
GRANDCHILD, TENANT = Relationship.GRANDCHILD, Relationship.TENANT
ELDERLY = 60
BATCH = 1000

# community code: (households, current residents, share aged 60+). 金辰园 and 湘潭道 from the seed pages.
TARGETS = {
    "XND": (1480, 3480, 0.29),
    "TXL": (1020, 2420, 0.31),
    "WHC": (1150, 2760, 0.28),
    "HBHY": (1360, 3180, 0.30),
    "YY": (1240, 3010, 0.26),
    "XTD": (1720, 4060, 0.31),  # "1700多户居民"
    "JCY": (2155, 5430, 0.30),  # "辖区2155户、5430人，其中30%为老年人"
    "DJL": (1120, 2690, 0.27),
    "XYL": (1160, 2800, 0.27),
    "RXWQ": (1260, 3150, 0.24),
}

# the first six digits of an ID number: where the holder was first registered
TIANJIN_REGIONS = (
    "120101",
    "120102",
    "120103",
    "120104",
    "120105",
    "120106",
    "120110",
    "120111",
    "120112",
    "120113",
)
OTHER_REGIONS = (
    "130102",  # 石家庄 长安区
    "130203",  # 唐山 路北区
    "130602",  # 保定 竞秀区
    "131002",  # 廊坊 安次区
    "130903",  # 沧州 运河区
    "370102",  # 济南 历下区
    "371402",  # 德州 德城区
    "410102",  # 郑州 中原区
    "210102",  # 沈阳 和平区
    "140105",  # 太原 小店区
    "230103",  # 哈尔滨 南岗区
    "340104",  # 合肥 蜀山区
)

# Given names by the decade people were born in, so that a grandmother is 秀兰 and a granddaughter 梓涵.
GIVEN = {
    (FEMALE, "old"): (
        *S.GIVEN_FEMALE[: S.OLDER_GIVEN_NAMES],
        *"秀英 素芬 淑芬 秀珍 桂芝 玉兰 凤英 淑琴 秀云 桂珍 玉华 翠英 淑英 惠芳 秀荣 玉芬 凤兰 兰英 素珍 玉凤".split(),
        *"桂荣 淑兰 凤云 玉琴 秀华 桂芳 素英 淑贤 宝珍 佩兰".split(),
    ),
    (FEMALE, "mid"): tuple(
        "红梅 丽娟 海燕 丽华 晓燕 雪梅 春燕 美玲 艳 丽 静 红 燕 敏 丽萍 晓红 建红 彩霞 秀丽 玉霞 艳红 红霞 颖 娜 "
        "晶 洁 慧 莉 晓丽 凤霞 立红 淑娟 玉洁 丽红 春梅 秋菊 素梅 晓玲 艳华 金凤 海霞 秀梅 卫红 亚男".split()
    ),
    (FEMALE, "young"): tuple(
        "文静 慧敏 婷婷 思雨 佳琪 梦瑶 晓彤 雅琪 欣然 佳怡 璐 雪 倩 悦 丹 蕾 妍 晨曦 雨萱 佳慧 嘉欣 梦琪 雅静 "
        "诗琪 美琪 思琪 明月 雨婷 晓雯 嘉怡".split()
    ),
    (FEMALE, "child"): tuple(
        "雨桐 子涵 欣怡 梓涵 诗涵 可欣 一诺 语桐 若汐 梓萱 依诺 沐晴 安琪 芷若 思彤 梓琪 欣妍 语嫣 "
        "思涵 雨涵 梦琪 钰彤 佳宁 紫萱 心怡 书瑶".split()
    ),
    (MALE, "old"): (
        *S.GIVEN_MALE[: S.OLDER_GIVEN_NAMES],
        *"福生 志刚 宝山 德顺 玉山 树林 连生 庆祥 万福 贵生 宝林 德胜 文祥 金山 永祥 福才 守义 学文 振江 广才".split(),
        *"继忠 玉林 长顺 宝贵 庆华 凤山 德润 志诚 景林 树森".split(),
    ),
    (MALE, "mid"): tuple(
        "建华 志强 海涛 伟 磊 军 勇 刚 强 鹏 峰 涛 斌 辉 杰 建军 文军 立军 宏伟 志勇 海波 晓东 永亮 卫国 建伟 "
        "金龙 树军 铁军 红兵 向东 建平 立强 志军 国强 亚军 卫华 永军 志伟".split()
    ),
    (MALE, "young"): tuple(
        "俊杰 浩然 思远 明 宇 博 浩 昊 鑫 凯 帅 子豪 文博 家豪 天宇 一鸣 嘉伟 晨阳 泽宇 "
        "志鹏 梓豪 明轩 宇航 浩东 子健 天翔 嘉乐 鹏飞".split()
    ),
    (MALE, "child"): tuple(
        "梓轩 浩宇 子墨 宇轩 奕辰 沐阳 一航 皓轩 俊熙 锦程 煜祺 梓睿 星辰 子骞 辰逸 睿泽 博文 铭泽 "
        "宇辰 浩轩 子睿 铭轩 奕泽 嘉懿 俊宇 瑞霖".split()
    ),
}
SURNAMES = S.SURNAMES
SURNAME_WEIGHTS = [1 / (rank + 6) for rank in range(len(SURNAMES))]  # 王李张刘陈 the most common

# Household kinds: (weight in a young community, weight in an old one). Interpolated by the target 60+ share.
KINDS = {
    "alone_old": (5, 10),
    "couple_old": (11, 22),
    "old_with_child": (5, 10),
    "old_grand": (3, 6),
    "alone_young": (9, 4),
    "couple": (13, 7),
    "family": (33, 21),
    "three_gen": (9, 9),
    "tenant": (8, 6),
    "tenant_family": (4, 3),
}
YOUNG_SHARE, OLD_SHARE = 0.19, 0.36  # the 60+ shares the two columns give, roughly
OLD_AGE_BANDS = ((60, 30), (65, 27), (70, 19), (75, 11), (80, 8), (85, 4), (90, 1))

DISABILITIES = (("肢体", 50), ("视力", 13), ("听力", 12), ("言语", 2), ("智力", 8), ("精神", 10), ("多重", 5))
DISABILITY_GRADES = (("一级", 10), ("二级", 25), ("三级", 30), ("四级", 35))

# Share of the eligible people carrying each tag.
P_DANGYUAN = 0.08  # of adults
P_VETERAN = 0.022  # of adults, nearly all men
P_DIBAO = 0.014  # of lived-in households
P_TEKUN = 0.0015  # of residents
P_CANJI = 0.028  # of residents
P_SHINENG = 0.012  # of the elderly
P_BANSHINENG = 0.035  # of the elderly
P_KUNJING = 0.006  # of children under 18
P_ZHONGDIAN = 0.003  # of adults

VISIT_HISTORY_DAYS = 63  # the visits of the last nine weeks are on record
SINCE = date(2018, 6, 1)  # the registry's first entries (moved over from the paper 台账)

VISIT_NOTES = {
    "home": (
        "上门探访，身体状况良好。",
        "上门探访，老人精神不错，家中整洁。",
        "上门探访，测量血压正常，叮嘱按时服药。",
        "上门探访，检查燃气、用电安全，无隐患。",
        "上门探访，帮老人取药。",
        "上门探访，老人反映腿脚疼，已联系家庭医生上门。",
        "上门探访，帮老人更换了灯泡。",
        "上门探访，提醒防范电信诈骗，不给陌生人开门。",
        "上门探访，老人说子女周末回来看望。",
        "上门探访，陪老人聊天，情绪稳定。",
    ),
    "winter": ("上门探访，室内供暖正常，室温适宜。", "上门探访，提醒雨雪天气少出门、防滑倒。"),
    "summer": ("上门探访，提醒高温天气多喝水、注意防暑。", "上门探访，检查空调用电安全。"),
    "phone": (
        "电话问候，老人身体状况良好。",
        "电话问候，精神不错，无特殊需求。",
        "电话回访，老人说一切都好。",
        "电话问候，提醒按时服药。",
    ),
    "care": ("上门探访，家属照护到位，状况平稳。", "上门探访，协助家属申请居家养老上门服务。"),
    "child": ("上门走访，孩子学习生活正常。", "上门走访，了解孩子就学情况，家长反映无困难。"),
    "watch": ("入户走访，情况稳定。", "电话联系，情绪稳定，无异常。"),
}
ZHONGDIAN_NOTES = (
    "长期患病，家庭困难",
    "家庭矛盾较多，需定期回访",
    "情绪不稳定，家属请社区多关注",
    "安置帮教对象",
)


def _weighted(rng: random.Random, pairs):
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def years_ago(years: int, day: date) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


# ----------------------------------------------------------------------------- in memory, before the rows


@dataclass(eq=False)
class Person:
    home: Home
    relationship: str
    gender: str
    age: int
    surname: str
    birth: date | None = None
    name: str = ""
    phone: str = ""
    moved_in: date | None = None
    moved_out: date | None = None
    notes: str = ""
    fixed: bool = False  # placed by hand (a seed page, a case): the fitting leaves them alone
    codes: list[str] = field(default_factory=list)  # live resident tags
    first_care: date | None = None  # when the first live tag asking for visits was set
    care: tuple | None = None  # (care worker, visit every n days)
    last_visit: datetime | None = None
    resident: Resident | None = None

    @property
    def current(self) -> bool:
        return self.moved_out is None


@dataclass(eq=False)
class Home:
    info: CommunityInfo
    building: Building
    unit: Unit
    floor: int
    room: str
    kind: str = ""
    tenure: str = Tenure.OWNER
    occupancy: str = Occupancy.OCCUPIED
    moved_in: date | None = None
    members: list[Person] = field(default_factory=list)
    fixed: bool = False
    on_dibao: bool = False
    household: Household | None = None

    @property
    def current(self) -> list[Person]:
        return [p for p in self.members if p.moved_out is None]

    @property
    def head(self) -> Person | None:
        return next((p for p in self.members if p.relationship == HEAD), None)

    def spouse(self) -> Person | None:
        return next((p for p in self.members if p.relationship == SPOUSE), None)


@dataclass
class CommunityRow:
    code: str
    name: str
    households: int
    residents: int
    elderly: int
    alone: int

    @property
    def elderly_share(self) -> float:
        return 100 * self.elderly / self.residents if self.residents else 0.0


@dataclass
class RegistrySummary:
    communities: list[CommunityRow]
    units: int
    households: int
    residents: int
    moved_out: int
    tags: dict[str, int]  # live assignments by tag name, in the managed list's order
    removed_tags: int
    visits: int
    due: int  # residents whose next visit is due today or overdue
    contacts: int
    linked_cases: int
    named: list[str]
    seconds: float


# ----------------------------------------------------------------------------- the builder


class RegistryBuilder:
    """Draws the whole registry in memory (people, tags, care), then writes it in a few bulk inserts."""

    def __init__(self, world: World, rng: random.Random, now: datetime):
        self.world = world
        self.rng = rng
        self.now = now
        self.today = timezone.localdate(now)
        self.tags = {t.code: t for t in Tag.objects.all()}
        self.homes: list[Home] = []
        self.units: list[Unit] = []
        self.homes_in: dict[int, list[Home]] = {}  # by id() of the unit: the neighbours
        self.phones: set[str] = {u.phone for u in world.users.values() if u.phone}
        self.ids: set[str] = set()
        self.assignments: list[tuple[TagAssignment, Person | Home]] = []
        self.visits: list[tuple[Visit, Person]] = []
        self.contacts: list[tuple[EmergencyContact, Person]] = []
        self.named: list[str] = []
        self.links: list[tuple[Person, list[int]]] = []  # residents who reported demo cases
        self.li: Person | None = None  # 李奶奶

    # ---------------------------------------------------------------- small draws

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def either(self) -> str:
        return self.rng.choice((MALE, FEMALE))

    def old_age(self, lo: int = ELDERLY, hi: int = 99) -> int:
        while True:
            age = _weighted(self.rng, OLD_AGE_BANDS) + self.rng.randrange(5)
            if lo <= age <= hi:
                return age

    def birth_for(self, age: int) -> date:
        return years_ago(age, self.today) - timedelta(days=self.rng.randrange(364))

    def age_of(self, birth: date) -> int:
        on = self.today
        return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))

    def surname(self) -> str:
        return self.rng.choices(SURNAMES, weights=SURNAME_WEIGHTS)[0]

    def given(self, gender: str, birth_year: int) -> str:
        if birth_year <= 1962:
            generation = "old"
        elif birth_year <= 1987:
            generation = "mid"
        elif birth_year <= 2007:
            generation = "young"
        else:
            generation = "child"
        return self.rng.choice(GIVEN[(gender, generation)])

    def mobile(self) -> str:
        while True:
            phone = self.rng.choice(S.MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if phone not in self.phones:
                self.phones.add(phone)
                return phone

    def id_number(self, person: Person) -> str:
        """A valid 18-digit number (GB 11643): region, birth date, sequence with the gender's parity, check."""
        rng = self.rng
        if (person.home.tenure == Tenure.TENANT and self.chance(0.6)) or self.chance(0.07):
            region = rng.choice(OTHER_REGIONS)
        elif self.chance(0.62):
            region = person.home.info.community.street.district.code
        else:
            region = rng.choice(TIANJIN_REGIONS)
        parity = (1, 3, 5, 7, 9) if person.gender == MALE else (0, 2, 4, 6, 8)
        while True:
            first17 = f"{region}{person.birth:%Y%m%d}{rng.randrange(100):02d}{rng.choice(parity)}"
            value = first17 + id_check_char(first17)
            if value not in self.ids:
                self.ids.add(value)
                return value

    def moment(self, lo: date, hi: date) -> datetime:
        """An office-hours moment on a day between lo and hi (both included), always before now."""
        hi = min(hi, self.today)
        lo = min(lo, hi)
        day = lo + timedelta(days=self.rng.randrange((hi - lo).days + 1))
        at = timezone.make_aware(datetime.combine(day, time(self.rng.randint(8, 17), self.rng.randrange(60))))
        return min(at, self.now - timedelta(minutes=self.rng.randint(5, 300)))

    def staff(self, home: Home):
        """Who keeps a household's record: its grid worker mostly, else the community's secretary."""
        worker = self.world.workers.get(home.building.grid_id)
        return worker if worker is not None and self.chance(0.65) else home.info.secretary

    # ---------------------------------------------------------------- the whole registry, in memory

    def build(self) -> None:
        by_community: dict[str, list[Home]] = {}
        for info in self.world.communities.values():
            homes = self.layout(info)
            self.populate(info, homes)
            self.homes.extend(homes)
            by_community[info.code] = homes
        for home in self.homes:
            self.homes_in.setdefault(id(home.unit), []).append(home)
        self.place_named()
        for code, homes in by_community.items():
            if code in TARGETS:
                _, residents, share = TARGETS[code]
                self.fit_residents(homes, residents)
                self.fit_elderly(homes, round(share * residents))
        self.finish_people()
        self.plan_case_links()
        for info in self.world.communities.values():
            self.tag_community(info, by_community[info.code])
        for home in self.homes:
            self.care(home)
        self.li_after_her_case()

    # ---------------------------------------------------------------- places

    def community_buildings(self, info: CommunityInfo) -> list[Building]:
        order = {c.name: k for k, c in enumerate(info.compounds)}
        buildings = [b for grid in info.grids for b in self.world.buildings[grid.pk]]
        return sorted(buildings, key=lambda b: (order[b.compound.name], int(b.name.removesuffix("号楼"))))

    def layout(self, info: CommunityInfo) -> list[Home]:
        """Units, floors and rooms for every building, then exactly the community's number of households."""
        rng = self.rng
        buildings = self.community_buildings(info)
        target = TARGETS[info.code][0] if info.code in TARGETS else 70 * len(buildings)
        shapes = []
        for b in buildings:
            # the 公寓 are towers, and so are 吉利花园 1-4号楼 ("高层楼", page 000); the rest are walk-ups
            high = "公寓" in b.compound.name or b.compound.name == "吉利花园"
            want = target / len(buildings) * rng.uniform(0.8, 1.25)
            if high:
                floors, per_floor, most = rng.randint(11, 18), 4, 3
            else:
                floors, per_floor, most = rng.choice((5, 6, 6, 6, 7)), rng.choice((2, 3, 3)), 6
            shapes.append(
                [b, max(1, min(most, math.ceil(want / (floors * per_floor)))), floors, per_floor, most]
            )
        while sum(units * floors * per for _, units, floors, per, _ in shapes) < target:
            growable = [shape for shape in shapes if shape[1] < shape[4]]
            if not growable:
                raise RuntimeError(f"{info.spec.name}: its buildings cannot hold {target} households")
            rng.choice(growable)[1] += 1
        slots = []
        for b, units, floors, per_floor, _ in shapes:
            for n in range(1, units + 1):
                unit = Unit(building=b, name=f"{n}单元")
                self.units.append(unit)
                slots.extend(
                    (b, unit, floor, f"{floor}{r:02d}")
                    for floor in range(1, floors + 1)
                    for r in range(1, per_floor + 1)
                )
        # not every flat is a registered household: shops on the ground floor, flats knocked together, storerooms
        keep = sorted(rng.sample(range(len(slots)), target))
        return [
            Home(info=info, building=b, unit=u, floor=f, room=r) for b, u, f, r in (slots[i] for i in keep)
        ]

    # ---------------------------------------------------------------- people

    def populate(self, info: CommunityInfo, homes: list[Home]) -> None:
        rng = self.rng
        share = TARGETS.get(info.code, (0, 0, 0.28))[2]
        lam = max(0.0, min(1.0, (share - YOUNG_SHARE) / (OLD_SHARE - YOUNG_SHARE)))
        kinds = list(KINDS)
        weights = [(1 - lam) * young + lam * old for young, old in KINDS.values()]
        for home in homes:
            old_compound = "里" in home.building.compound.name or "村" in home.building.compound.name
            home.kind = rng.choices(kinds, weights=weights)[0]
            if home.kind.startswith("tenant"):
                home.tenure = Tenure.TENANT
                home.moved_in = self.today - timedelta(days=rng.randint(20, 5 * 365))
            else:
                public = 17 if old_compound else 6  # 直管公房 of the old 里
                home.tenure = _weighted(rng, ((Tenure.OWNER, 80), (Tenure.PUBLIC, public), (Tenure.OTHER, 3)))
                home.moved_in = date(rng.randint(1988, 2022), rng.randint(1, 12), rng.randint(1, 28))
            roll = rng.random()
            if roll < 0.03:
                home.occupancy = Occupancy.VACANT
                self.former_residents(home)
                continue
            if roll < 0.06 and home.kind in ("alone_old", "couple_old"):
                home.occupancy = Occupancy.SEASONAL  # winters at a child's flat with heating, summers here
            self.members(home)

    def add(
        self, home: Home, relationship: str, gender: str, age: int, surname: str | None = None, **kw
    ) -> Person:
        person = Person(home, relationship, gender, max(0, age), surname or self.surname(), **kw)
        home.members.append(person)
        return person

    def other(self, gender: str) -> str:
        return FEMALE if gender == MALE else MALE

    def members(self, home: Home) -> None:
        rng, kind = self.rng, home.kind
        if kind == "alone_old":
            # more widows than widowers
            self.add(home, HEAD, FEMALE if self.chance(0.66) else MALE, self.old_age())
        elif kind == "couple_old":
            head = self.add(home, HEAD, MALE if self.chance(0.8) else FEMALE, self.old_age())
            self.add(home, SPOUSE, self.other(head.gender), head.age + rng.randint(-5, 2))
        elif kind == "old_with_child":
            head = self.add(home, HEAD, MALE if self.chance(0.6) else FEMALE, self.old_age())
            if self.chance(0.65):
                self.add(home, SPOUSE, self.other(head.gender), head.age + rng.randint(-5, 2))
            family = head.surname if head.gender == MALE else None
            self.add(home, CHILD, self.either(), max(18, min(55, head.age - rng.randint(23, 34))), family)
        elif kind == "old_grand":
            # 隔代: grandparents bringing up a grandchild while the parents work elsewhere
            head = self.add(home, HEAD, MALE if self.chance(0.6) else FEMALE, self.old_age(hi=80))
            if self.chance(0.6):
                self.add(home, SPOUSE, self.other(head.gender), head.age + rng.randint(-5, 2))
            family = head.surname if head.gender == MALE else self.surname()
            for _ in range(1 if self.chance(0.8) else 2):
                self.add(home, GRANDCHILD, self.either(), rng.randint(2, 16), family)
        elif kind == "alone_young":
            self.add(home, HEAD, self.either(), rng.choice((rng.randint(23, 40), rng.randint(23, 59))))
        elif kind == "couple":
            head = self.add(home, HEAD, MALE if self.chance(0.8) else FEMALE, rng.randint(24, 59))
            self.add(home, SPOUSE, self.other(head.gender), head.age + rng.randint(-4, 3))
        elif kind in ("family", "three_gen", "tenant_family"):
            lo, hi = {"three_gen": (33, 58), "tenant_family": (26, 50)}.get(kind, (28, 56))
            head = self.add(home, HEAD, MALE if self.chance(0.78) else FEMALE, rng.randint(lo, hi))
            if self.chance(0.9):
                self.add(home, SPOUSE, self.other(head.gender), head.age + rng.randint(-4, 3))
            for _ in range(1 if self.chance(0.72) else 2):
                self.add_child(home)
            if kind == "three_gen":  # the head's father and/or mother
                age = max(ELDERLY - 5, head.age + rng.randint(23, 34))
                for gender in (MALE, FEMALE) if self.chance(0.45) else (self.either(),):
                    if gender == MALE:
                        self.add(home, PARENT, MALE, age, head.surname)
                    else:
                        self.add(home, PARENT, FEMALE, age + rng.randint(-4, 2))
        elif kind == "tenant":
            head = self.add(home, HEAD, self.either(), rng.randint(20, 45))
            for _ in range(_weighted(rng, ((0, 5), (1, 4), (2, 2)))):
                self.add(home, TENANT, self.either(), head.age + rng.randint(-4, 6))
        # grown-up children who have left home (婚后另立户) stay on the record, moved out
        head = home.head
        if head and head.age >= 50 and not kind.startswith("tenant") and self.chance(0.05):
            child = self.add(home, CHILD, self.either(), min(40, max(22, head.age - rng.randint(24, 32))))
            child.surname = self.family_surname(home)
            child.moved_out = self.today - timedelta(days=rng.randint(60, 6 * 365))

    def family_surname(self, home: Home) -> str:
        """The children's surname: the father's (the head's, or the head's husband's)."""
        head, spouse = home.head, home.spouse()
        if head.gender == MALE:
            return head.surname
        return spouse.surname if spouse is not None and spouse.gender == MALE else self.surname()

    def add_child(self, home: Home) -> Person | None:
        head = home.head
        oldest = min(head.age - 22, 28)
        if oldest < 0:
            return None
        return self.add(home, CHILD, self.either(), self.rng.randint(0, oldest), self.family_surname(home))

    def former_residents(self, home: Home) -> None:
        """A vacant flat: some were bought and left empty; others' people moved away, or into a care home."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.45:
            return
        left = self.today - timedelta(days=rng.randint(30, 4 * 365))
        if roll < 0.65:
            person = self.add(home, HEAD, FEMALE if self.chance(0.65) else MALE, self.old_age(lo=72))
            person.moved_out, person.notes = left, rng.choice(("入住养老院。", "随子女生活，房屋空置。"))
            home.kind = "alone_old"
            return
        head = self.add(home, HEAD, self.either(), rng.randint(28, 70))
        head.moved_out, head.notes = left, "已搬离，房屋空置。"
        if self.chance(0.6):
            spouse = self.add(home, SPOUSE, self.other(head.gender), head.age + rng.randint(-4, 3))
            spouse.moved_out = left

    # ---------------------------------------------------------------- the seed pages' residents

    def find_home(self, code: str, compound: str, building: str, floor: int) -> Home | None:
        homes = [
            h
            for h in self.homes
            if h.info.code == code
            and h.building.compound.name == compound
            and h.building.name == building
            and h.floor == floor
            and not h.fixed
        ]
        return min(homes, key=lambda h: (h.unit.name != "2单元", h.unit.name, h.room), default=None)

    def take(self, home: Home, kind: str, moved_in: date) -> None:
        home.members, home.kind, home.fixed = [], kind, True
        home.tenure, home.occupancy, home.moved_in = Tenure.OWNER, Occupancy.OCCUPIED, moved_in

    def place_named(self) -> None:
        communities = self.world.communities
        # page 000: alone at home on a freezing evening, the drain under the washing machine overflowing onto the
        # balcony, "楼上一用水，楼下就外溢": the ground floor of 河滨花苑 3号楼, where the demo puts her case
        home = self.find_home("HBHY", "河滨花苑", "3号楼", 1) if "HBHY" in communities else None
        if home is not None:
            self.take(home, "alone_old", date(1996, 9, 1))
            li = self.add(home, HEAD, FEMALE, 0, "李", birth=date(1944, 11, 3), name="李淑珍", fixed=True)
            li.phone = "13602183347"  # the phone of her case
            self.phones.add(li.phone)
            li.notes = (
                "即见报的“李奶奶”。老伴去世后独居，女儿在西青区工作。冬季操作台旁洗衣机下方的下水管易冻堵，"
                "楼上用水时会外溢；物业已加装保温，入冬前提醒检查。"
            )
            self.links.append((li, []))
            self.li = li
            self.named.append(
                f"李奶奶（李淑珍）河滨花苑社区 河滨花苑{home.building.name}{home.unit.name}{home.room}"
            )
        # page 002: she asked for the new paving to reach the gate of 丹江里, where water always stood
        home = self.find_home("DJL", "丹江里", "1号楼", 3) if "DJL" in communities else None
        if home is not None:
            self.take(home, "family", date(2009, 5, 1))
            xu = self.add(home, HEAD, FEMALE, 0, "徐", birth=date(1979, 6, 18), name="徐丽华", fixed=True)
            xu.phone, xu.notes = "13821746652", "即见报的“徐女士”，曾反映小区门口路面积水。"
            self.phones.add(xu.phone)
            self.add(home, SPOUSE, MALE, 0, "赵", birth=date(1977, 2, 9), name="赵建军", fixed=True)
            self.add(home, CHILD, MALE, 0, "赵", birth=date(2009, 10, 21), name="赵子豪", fixed=True)
            self.links.append((xu, []))
            self.named.append(
                f"徐女士（徐丽华）丹江里社区 丹江里{home.building.name}{home.unit.name}{home.room}"
            )
        # page 000: "退役军人朱继国与雷锋同年参军" (1960) and served 25 years
        home = self.find_home("TXL", "天兴里", "2号楼", 2) if "TXL" in communities else None
        if home is not None:
            self.take(home, "couple_old", date(1986, 4, 1))
            zhu = self.add(home, HEAD, MALE, 0, "朱", birth=date(1941, 8, 12), name="朱继国", fixed=True)
            zhu.notes = "1960年入伍，与雷锋同年参军，服役25年；常给辖区青少年讲军旅故事。"
            zhu.codes.append("tuiyijunren")  # set in tag_community
            self.add(home, SPOUSE, FEMALE, 0, "孙", birth=date(1944, 3, 5), name="孙桂英", fixed=True)
            self.named.append(
                f"朱继国 天兴里社区 天兴里{home.building.name}{home.unit.name}{home.room}（退役军人）"
            )
        for home in self.homes:
            for p in home.members:
                if p.birth is not None:
                    p.age = self.age_of(p.birth)

    # ---------------------------------------------------------------- exact sizes

    def fit_residents(self, homes: list[Home], target: int) -> None:
        """Add or remove children and lodgers until the community has exactly `target` current residents."""
        rng = self.rng
        current = sum(len(h.current) for h in homes)
        lived = [h for h in homes if h.occupancy != Occupancy.VACANT and not h.fixed]
        for _ in range(50 * len(homes)):
            if current <= target:
                break
            home = rng.choice(lived)
            removable = [p for p in home.current if p.relationship in (CHILD, GRANDCHILD, TENANT)]
            if removable and len(home.current) > 1:
                home.members.remove(rng.choice(removable))
                current -= 1
        growing = [
            h for h in lived if h.kind in ("family", "three_gen", "couple", "old_grand", "tenant_family")
        ]
        for _ in range(50 * len(homes)):
            if current >= target:
                break
            home = rng.choice(growing)
            head = home.head
            if len(home.current) >= 6:
                continue
            if head.age >= 56:
                self.add(home, GRANDCHILD, self.either(), rng.randint(0, 17), self.family_surname(home))
                current += 1
            elif self.add_child(home) is not None:
                current += 1
        if current != target:
            raise RuntimeError(f"{homes[0].info.spec.name}: {current} residents, not {target}")

    def age_fits(self, person: Person, age: int) -> bool:
        """Whether a head or spouse may be `age` given the ages of their partner, children and parents."""
        for other in person.home.members:
            if other is person:
                continue
            if other.relationship == CHILD and age - other.age < 20:
                return False
            if other.relationship == GRANDCHILD and age - other.age < 40:
                return False
            if other.relationship == PARENT and other.age - age < 20:
                return False
            if other.relationship in (HEAD, SPOUSE) and abs(other.age - age) > 8:
                return False
        return True

    def fit_elderly(self, homes: list[Home], target: int) -> None:
        """Move heads and spouses across 60 (52–59 ↔ 60–64) until exactly `target` current residents are 60+."""
        rng = self.rng
        people = [p for h in homes if not h.fixed for p in h.current if p.relationship in (HEAD, SPOUSE)]
        elderly = sum(1 for h in homes for p in h.current if p.age >= ELDERLY)
        for _ in range(50 * len(people)):
            if elderly == target:
                return
            person = rng.choice(people)
            if elderly > target and ELDERLY <= person.age <= 64 and person.home.kind != "alone_old":
                age = rng.randint(52, 59)
                if self.age_fits(person, age):
                    person.age, elderly = age, elderly - 1
            elif elderly < target and 52 <= person.age < ELDERLY and person.home.kind != "alone_young":
                age = rng.randint(ELDERLY, 64)
                if self.age_fits(person, age):
                    person.age, elderly = age, elderly + 1
        raise RuntimeError(f"{homes[0].info.spec.name}: {elderly} residents aged 60+, not {target}")

    # ---------------------------------------------------------------- names, dates, numbers

    def finish_people(self) -> None:
        rng, today = self.rng, self.today
        for home in self.homes:
            names = {p.name for p in home.members if p.name}
            for p in home.members:
                if p.birth is None:
                    p.birth = self.birth_for(p.age)
                p.age = self.age_of(p.birth)
                if not p.name:
                    for _ in range(10):
                        p.name = p.surname + self.given(p.gender, p.birth.year)
                        if p.name not in names:
                            break
                    names.add(p.name)
                p.moved_in = max(home.moved_in, p.birth)
                if p.relationship == SPOUSE and home.kind in ("family", "couple") and self.chance(0.3):
                    p.moved_in += timedelta(days=rng.randint(30, 3 * 365))  # married into the flat
                if p.relationship == PARENT and self.chance(0.5):
                    p.moved_in += timedelta(days=rng.randint(0, max(1, (today - p.moved_in).days - 30)))
                p.moved_in = max(p.birth, min(p.moved_in, today - timedelta(days=7)))
                if p.moved_out is not None:
                    p.moved_out = min(
                        max(p.moved_out, p.moved_in + timedelta(days=30)), today - timedelta(days=1)
                    )
                if not p.phone and self.chance(self.phone_share(p.age)):
                    p.phone = self.mobile()

    def phone_share(self, age: int) -> float:
        if age < 12:
            return 0.0
        if age < 16:
            return 0.4
        if age < 70:
            return 0.97
        return 0.85 if age < 80 else 0.55

    # ---------------------------------------------------------------- cases of the demo, reported by residents

    def plan_case_links(self) -> None:
        """The featured cases' reporters are registered; so are up to four reporters per community, who get a home
        in the building of their case (a head or spouse there takes their name and phone)."""
        for person, case_ids in self.links:
            case_ids.extend(
                Case.objects.filter(
                    reporter_phone_index__in=index_candidates("phone", person.phone, normalize_phone)
                ).values_list("pk", flat=True)
            )
        female, male = set(S.GIVEN_FEMALE), set(S.GIVEN_MALE)
        by_building: dict[int, list[Home]] = {}
        for home in self.homes:
            if home.occupancy != Occupancy.VACANT and not home.fixed:
                by_building.setdefault(home.building.pk, []).append(home)
        per_community: Counter = Counter()
        cases = (
            Case.objects.exclude(building=None)
            .filter(resident=None, master=None)
            .order_by("received_at", "pk")
            .only(
                "pk",
                "building_id",
                "community_id",
                "reporter_name",
                "reporter_phone",
                "title",
                "description",
                "received_at",
            )
        )
        for case in cases:
            name, phone = case.reporter_name, case.reporter_phone
            if (
                per_community[case.community_id] >= 4
                or phone in self.phones  # a resident's already (the seed pages' people among them)
                or not re.fullmatch(r"1[3-9]\d{9}", phone)
            ):
                continue
            gender = FEMALE if name[1:] in female else MALE if name[1:] in male else None
            if gender is None or name[:1] not in SURNAMES:
                continue
            text = case.title + case.description
            elderly = name[0] + "奶奶" in text or name[0] + "大爷" in text
            homes = by_building.get(case.building_id, [])
            person = self.pick_reporter(
                homes, gender, 60 if elderly else 25, timezone.localdate(case.received_at)
            )
            if person is None:
                continue
            self.phones.discard(person.phone)
            person.name, person.surname, person.phone, person.fixed = name, name[0], phone, True
            self.phones.add(phone)
            self.links.append((person, [case.pk]))
            per_community[case.community_id] += 1

    def pick_reporter(self, homes: list[Home], gender: str, min_age: int, day: date) -> Person | None:
        """A head or spouse of that gender and age, living there on the day, whose name can change without
        unsettling the family's."""
        candidates = []
        for home in homes:
            for p in home.current:
                if p.fixed or p.gender != gender or p.age < min_age or p.moved_in > day:
                    continue
                shares = any(
                    o.surname == p.surname for o in home.members if o is not p and o.relationship != SPOUSE
                )
                if p.relationship == SPOUSE or (p.relationship == HEAD and not shares):
                    candidates.append(p)
        return self.rng.choice(candidates) if candidates else None

    # ---------------------------------------------------------------- tags

    def assign(
        self,
        code: str,
        subject: Person | Home,
        added: datetime,
        *,
        removed: datetime | None = None,
        grade: str = "",
        note: str = "",
    ) -> None:
        home = subject if isinstance(subject, Home) else subject.home
        a = TagAssignment(
            tag=self.tags[code], grade=grade, note=note, added_by=self.staff(home), added_at=added
        )
        if removed is not None:
            a.removed_at, a.removed_by = max(removed, added + timedelta(hours=1)), self.staff(home)
        elif isinstance(subject, Person):
            subject.codes.append(code)
            if self.tags[code].visit_every_days:
                day = timezone.localtime(added).date()
                subject.first_care = min(subject.first_care or day, day)
        else:
            subject.on_dibao = True
        self.assignments.append((a, subject))

    def since(self, person: Person, at_age: int = 0) -> date:
        """The first day a tag can date from: the registry's start, the move in, the birthday it depends on."""
        return max(SINCE, person.moved_in, years_ago(-at_age, person.birth))

    def sample(self, items: list, share: float, weight=None) -> list:
        """round(share × len) items, drawn without replacement with the given weights (Efraimidis–Spirakis)."""
        n = min(len(items), round(share * len(items)))
        if n <= 0:
            return []
        keyed = sorted(
            ((self.rng.random() ** (1 / (weight(x) if weight else 1)), k) for k, x in enumerate(items)),
            reverse=True,
        )
        return [items[k] for _, k in keyed[:n]]

    def tag_community(self, info: CommunityInfo, homes: list[Home]) -> None:
        rng, today = self.rng, self.today
        recent = today - timedelta(days=3)
        current = [p for h in homes for p in h.current]
        free = [p for p in current if not p.fixed]  # the named people get exactly the tags of their story
        adults = [p for p in free if p.age >= 18]
        elderly = [p for p in free if p.age >= ELDERLY]
        named = [p for p in current if p.fixed and p.codes]
        for p in named:
            codes, p.codes = p.codes, []
            for code in codes:
                self.assign(code, p, self.moment(self.since(p, 18), recent))

        # 独居老人: everyone 60 or over living alone; those now in a care home keep a removed assignment
        for h in homes:
            alone = h.current
            if len(alone) == 1 and alone[0].age >= ELDERLY and h.occupancy != Occupancy.VACANT:
                p = alone[0]
                self.assign("dujulaoren", p, self.moment(self.since(p, ELDERLY), recent))
            elif h.occupancy == Occupancy.VACANT and h.kind == "alone_old" and h.members:
                p = h.members[0]
                start = self.since(p, ELDERLY)
                if p.moved_out - start > timedelta(days=60):
                    added = self.moment(start, p.moved_out - timedelta(days=30))
                    self.assign("dujulaoren", p, added, removed=self.moment(p.moved_out, p.moved_out))
            elif h.kind == "old_with_child" and len(alone) == 2 and not h.fixed and self.chance(0.3):
                # the son or daughter moved back in: the parent no longer lives alone
                parent, child = sorted(alone, key=lambda p: -p.age)
                back = today - timedelta(days=rng.randint(60, 3 * 365))
                start = self.since(parent, ELDERLY)
                if back - start > timedelta(days=90):
                    child.moved_in = max(child.moved_in, back)
                    added = self.moment(start, back - timedelta(days=30))
                    self.assign("dujulaoren", parent, added, removed=self.moment(back, back))

        # 失能 / 半失能, the more often the older people are; some got worse: 半失能 first, then 失能
        frail = self.sample(elderly, P_SHINENG + P_BANSHINENG, lambda p: (p.age - 55) ** 2)
        cut = round(len(frail) * P_SHINENG / (P_SHINENG + P_BANSHINENG))
        for p in frail[:cut]:
            start = self.since(p, ELDERLY)
            if self.chance(0.3) and (recent - start).days > 300:
                first = self.moment(start, recent - timedelta(days=200))
                then = self.moment(timezone.localtime(first).date() + timedelta(days=90), recent)
                self.assign("banshineng", p, first, removed=then)
                self.assign("shineng", p, then)
            else:
                self.assign("shineng", p, self.moment(start, recent))
        for p in frail[cut:]:
            self.assign("banshineng", p, self.moment(self.since(p, ELDERLY), recent))

        # 残疾, with its kind and grade (肢体一级…)
        for p in self.sample(free, P_CANJI, lambda p: 1 + p.age / 25):
            grade = _weighted(rng, DISABILITIES) + _weighted(rng, DISABILITY_GRADES)
            self.assign("canji", p, self.moment(self.since(p), recent), grade=grade)

        # 党员: about 8% of adults, more among retired men
        weight = lambda p: (1.3 if p.gender == MALE else 1) * (1.5 if p.age >= ELDERLY else 1)  # noqa: E731
        for p in self.sample(adults, P_DANGYUAN, weight):
            self.assign("dangyuan", p, self.moment(self.since(p, 18), recent))

        # 退役军人: nearly all men
        veterans = [p for p in adults if p.age >= 22 and (p.gender == MALE or self.chance(0.04))]
        for p in self.sample(
            veterans, P_VETERAN * len(adults) / max(1, len(veterans)), lambda p: 1 + p.age / 40
        ):
            self.assign("tuiyijunren", p, self.moment(self.since(p, 20), recent))

        # 低保, a household tag; some households came off it when their income rose
        lived = [h for h in homes if h.current and not h.fixed and h.tenure != Tenure.TENANT]
        poor = self.sample(
            lived, P_DIBAO * 1.15, lambda h: 3 if any("canji" in p.codes for p in h.current) else 1
        )
        stopped = max(1, round(len(poor) * 0.13))
        for k, h in enumerate(poor):
            start = max(SINCE, h.moved_in)
            if k < stopped and (recent - start).days > 600:
                added = self.moment(start, recent - timedelta(days=400))
                removed = self.moment(timezone.localtime(added).date() + timedelta(days=180), recent)
                self.assign("dibao", h, added, removed=removed, note="家庭收入超过低保标准，已停保")
            else:
                self.assign("dibao", h, self.moment(start, recent))

        # 特困: living alone with no income and no one to support them, and not on 低保 as well
        alone = [h.current[0] for h in homes if len(h.current) == 1 and not h.on_dibao and not h.fixed]
        alone = [p for p in alone if p.age >= 45 and p.home.tenure != Tenure.TENANT]
        for p in self.sample(alone, P_TEKUN * len(current) / max(1, len(alone)), lambda p: 1 + p.age / 30):
            self.assign("tekun", p, self.moment(self.since(p), recent))

        # 困境儿童: children of 低保 households first; a few grew out of it at 18
        weight = lambda p: 8 if p.home.on_dibao else 1  # noqa: E731
        for p in self.sample([p for p in free if p.age < 18], P_KUNJING, weight):
            self.assign("kunjingertong", p, self.moment(self.since(p), recent))
        grown = [p for p in free if 18 <= p.age <= 20 and p.moved_in < years_ago(-14, p.birth)]
        for p in self.sample(grown, P_KUNJING * 2, weight):
            eighteen = years_ago(-18, p.birth)
            added = self.moment(self.since(p, 12), eighteen - timedelta(days=60))
            self.assign("kunjingertong", p, added, removed=self.moment(eighteen, eighteen), note="年满18周岁")

        # 重点关注, a few of them settled since
        settled = [p for p in adults if self.since(p) < recent - timedelta(days=150)]
        for k, p in enumerate(self.sample(settled, P_ZHONGDIAN * 1.3 * len(adults) / max(1, len(settled)))):
            added = self.moment(self.since(p), recent - timedelta(days=120))
            note = rng.choice(ZHONGDIAN_NOTES)
            removed = (
                self.moment(timezone.localtime(added).date() + timedelta(days=60), recent)
                if k % 4 == 3
                else None
            )
            self.assign("zhongdianguanzhu", p, added, removed=removed, note=note)

    # ---------------------------------------------------------------- care

    def care(self, home: Home) -> None:
        """For people whose tags ask for visits: who visits, how often, the visits so far, and whom to call."""
        rng, today = self.rng, self.today
        worker = self.world.workers.get(home.building.grid_id)
        if worker is None:
            return
        for p in home.current:
            cadences = [self.tags[c].visit_every_days for c in p.codes if self.tags[c].visit_every_days]
            if not cadences:
                continue
            every = min(cadences)
            p.care = (worker, every)
            roll = rng.random()
            if roll < 0.08:
                days = every + rng.randint(1, min(every, 10))  # overdue
            elif roll < 0.13:
                days = every  # due today
            else:
                days = rng.randint(1, every - 1)
            first = max(today - timedelta(days=VISIT_HISTORY_DAYS), p.moved_in, p.first_care or today)
            days = min(days, max(1, (today - first).days))
            last = self.moment(today - timedelta(days=days), today - timedelta(days=days))
            p.last_visit = last
            notes = self.notes_for(p.codes)
            at, day = last, timezone.localtime(last).date()
            while True:
                kind = VisitKind.PHONE if every <= 7 and self.chance(0.3) else VisitKind.HOME
                visit = Visit(
                    visitor=worker, kind=kind, visited_at=at, note=self.visit_note(kind, day, notes)
                )
                self.visits.append((visit, p))
                day -= timedelta(days=max(1, every + rng.randint(-2, 1 if every <= 7 else 4)))
                if day < first:
                    break
                at = self.moment(day, day)
            if "dujulaoren" in p.codes:
                self.emergency_contacts(p)
            elif "shineng" in p.codes or "banshineng" in p.codes:
                family = [o for o in home.current if o is not p and o.age >= 18 and o.phone]
                if family:
                    o = family[0]
                    relation = "配偶" if {o.relationship, p.relationship} == {HEAD, SPOUSE} else "亲属"
                    if p.relationship == PARENT and o.relationship in (HEAD, SPOUSE):
                        relation = "子女"
                    elif p.relationship in (HEAD, SPOUSE) and o.relationship == CHILD:
                        relation = "子女"
                    self.contact(p, o.name, relation, o.phone, 1)
                else:
                    self.emergency_contacts(p)

    def notes_for(self, codes: list[str]) -> str:
        if "dujulaoren" in codes:
            return "home"
        if "shineng" in codes or "banshineng" in codes:
            return "care"
        if "kunjingertong" in codes:
            return "child"
        return "watch" if "zhongdianguanzhu" in codes and "tekun" not in codes else "home"

    def visit_note(self, kind: str, day: date, notes: str) -> str:
        rng = self.rng
        if notes in ("child", "watch", "care"):
            return rng.choice(VISIT_NOTES[notes])
        if kind == VisitKind.PHONE:
            return rng.choice(VISIT_NOTES["phone"])
        pool = VISIT_NOTES["home"]
        if day.month in (11, 12, 1, 2, 3) and self.chance(0.35):
            pool = VISIT_NOTES["winter"]
        elif day.month in (6, 7, 8) and self.chance(0.35):
            pool = VISIT_NOTES["summer"]
        return rng.choice(pool)

    def contact(self, person: Person, name: str, relation: str, phone: str, priority: int) -> None:
        c = EmergencyContact(name=name, relation=relation, phone=phone, priority=priority)
        self.contacts.append((c, person))

    def emergency_contacts(self, person: Person) -> None:
        """A son or daughter first (not for 特困: no one supports them), then a neighbour or a relative."""
        rng = self.rng
        contacts = []
        li = person is self.li  # her daughter works in 西青区 (see her notes), and a neighbour is close by
        if "tekun" not in person.codes and (li or self.chance(0.92)):
            surname = person.surname if person.gender == MALE or self.chance(0.3) else self.surname()
            given = self.given(FEMALE if li else self.either(), person.birth.year + rng.randint(24, 34))
            contacts.append((surname + given, "子女", self.mobile()))
        if not contacts or li or self.chance(0.55):
            neighbours = [
                o
                for h in self.homes_in[id(person.home.unit)]
                if h is not person.home
                for o in h.current
                if o.phone and 25 <= o.age < 75
            ]
            if neighbours and (li or self.chance(0.6)):
                o = rng.choice(neighbours)
                contacts.append((o.name, "邻居", o.phone))
            else:
                given = self.given(self.either(), person.birth.year + rng.randint(15, 40))
                contacts.append((self.surname() + given, "亲属", self.mobile()))
        for n, (name, relation, phone) in enumerate(contacts, start=1):
            self.contact(person, name, relation, phone, n)

    def li_after_her_case(self) -> None:
        """The visit after 李奶奶's blocked drain was cleared (the case's own timeline has the rest)."""
        li = self.li
        if li is None or li.care is None:
            return
        case_ids = next(ids for p, ids in self.links if p is li)
        case = Case.objects.filter(pk__in=case_ids).order_by("received_at").first()
        if case is None:
            return
        day = timezone.localtime(case.received_at).date() + timedelta(days=2)
        if day >= self.today:
            return
        at = timezone.make_aware(datetime.combine(day, time(10, 20)))
        note = "回访：下水管道已疏通，家中积水已清理，老人说去掉了心病。提醒冬季注意下水管防冻。"
        self.visits.append((Visit(visitor=li.care[0], kind=VisitKind.HOME, visited_at=at, note=note), li))

    # ---------------------------------------------------------------- rows

    def household_rows(self) -> list[Household]:
        rows = []
        for home in self.homes:
            b, community = home.building, home.info.community
            home.household = Household(
                building=b,
                unit=home.unit,
                grid_id=b.grid_id,
                community=community,
                street_id=community.street_id,
                floor=home.floor,
                room=home.room,
                address=compose_address(b.compound.name, b.name, home.unit.name, home.room),
                tenure=home.tenure,
                occupancy=home.occupancy,
            )
            rows.append(home.household)
        return rows

    def resident_rows(self) -> list[Resident]:
        rows = []
        for home in self.homes:
            for p in home.members:
                p.resident = Resident(
                    household=home.household,
                    community=home.info.community,
                    name=p.name,
                    gender=p.gender,
                    birth_date=p.birth,
                    id_number=self.id_number(p),
                    phone=p.phone,
                    relationship=p.relationship,
                    moved_in=p.moved_in,
                    moved_out=p.moved_out,
                    notes=p.notes,
                )
                if p.care is not None:
                    r = p.resident
                    r.care_worker, r.visit_every_days = p.care
                    r.last_visit_at = p.last_visit
                    r.next_visit_due = visit_due_date(p.last_visit, r.visit_every_days)
                rows.append(p.resident)
        return rows

    def write(self) -> int:
        """Insert everything; returns how many demo cases were linked to their reporting resident."""
        Unit.objects.bulk_create(self.units, batch_size=BATCH)
        Household.objects.bulk_create(self.household_rows(), batch_size=BATCH)
        Resident.objects.bulk_create(self.resident_rows(), batch_size=BATCH)
        for a, subject in self.assignments:
            if isinstance(subject, Person):
                a.resident = subject.resident
            else:
                a.household = subject.household
        for row, person in (*self.visits, *self.contacts):
            row.resident = person.resident
        TagAssignment.objects.bulk_create([a for a, _ in self.assignments], batch_size=BATCH)
        EmergencyContact.objects.bulk_create([c for c, _ in self.contacts], batch_size=BATCH)
        Visit.objects.bulk_create([v for v, _ in self.visits], batch_size=BATCH)
        linked = 0
        for person, case_ids in self.links:
            if case_ids:
                linked += Case.objects.filter(pk__in=case_ids).update(resident_id=person.resident.pk)
        return linked

    def summary(self, linked: int, seconds: float) -> RegistrySummary:
        rows = []
        for info in self.world.communities.values():
            homes = [h for h in self.homes if h.info is info]
            current = [p for h in homes for p in h.current]
            rows.append(
                CommunityRow(
                    code=info.code,
                    name=info.spec.name,
                    households=len(homes),
                    residents=len(current),
                    elderly=sum(1 for p in current if p.age >= ELDERLY),
                    alone=sum(1 for p in current if "dujulaoren" in p.codes),
                )
            )
        live = Counter(a.tag.code for a, _ in self.assignments if a.removed_at is None)
        people = [p for h in self.homes for p in h.members]
        due = sum(1 for p in people if p.resident.next_visit_due and p.resident.next_visit_due <= self.today)
        return RegistrySummary(
            communities=rows,
            units=len(self.units),
            households=len(self.homes),
            residents=sum(r.residents for r in rows),
            moved_out=sum(1 for p in people if not p.current),
            tags={
                t.name: live[t.code]
                for t in sorted(self.tags.values(), key=lambda t: t.ordering)
                if live[t.code]
            },
            removed_tags=sum(1 for a, _ in self.assignments if a.removed_at is not None),
            visits=len(self.visits),
            due=due,
            contacts=len(self.contacts),
            linked_cases=linked,
            named=self.named,
            seconds=seconds,
        )


# ----------------------------------------------------------------------------- the entry points


def build_registry(world: World, rng: random.Random, now: datetime) -> RegistrySummary:
    """Units, households and residents for every demo community, with tags, care plans, visits and contacts."""
    started = timer.monotonic()
    builder = RegistryBuilder(world, rng, now)
    builder.build()
    # with DEBUG on (development), every INSERT would also be formatted into connection.queries: a quarter of the
    # time of these ~2,000 bulk statements, for a log nobody reads during a load
    with override_settings(DEBUG=False):
        linked = builder.write()
    return builder.summary(linked, timer.monotonic() - started)


def delete_registry(communities, users) -> None:
    """Remove the registry of the demo's communities and what the demo's users did in it (querysets).

    Leaves first, then residents and households in one statement each: Django's collector would otherwise fetch
    and check the ~35,000 residents in batches of a few hundred, for relations already emptied here."""
    residents = Resident.objects.filter(community__in=communities)
    households = Household.objects.filter(community__in=communities)
    ExportRequest.objects.filter(
        Q(community__in=communities) | Q(requested_by__in=users) | Q(decided_by__in=users)
    ).delete()
    DataSubjectRequest.objects.filter(
        Q(community__in=communities)
        | Q(resident__in=residents)
        | Q(received_by__in=users)
        | Q(closed_by__in=users)
    ).delete()
    Visit.objects.filter(resident__in=residents).delete()
    EmergencyContact.objects.filter(resident__in=residents).delete()
    TagAssignment.objects.filter(Q(resident__in=residents) | Q(household__in=households)).delete()
    Case.objects.filter(resident__in=residents).update(resident=None)
    residents._raw_delete(residents.db)
    households._raw_delete(households.db)
    Unit.objects.filter(building__compound__community__in=communities).delete()
