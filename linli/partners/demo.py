"""The partners of the loaded demo, from the seed pages: 邮政储蓄银行石油新村营业所 (the 爱心企业 behind the 幸福包),
爱尔眼科 (eye clinics with the community), 国天物业 (the fire drill), 贝壳公益手机课堂 (phone lessons for the
elderly), 泾水园振军物业, and two 两新 shops of 金辰园 that signed co-building agreements and show their service
lists at the shop door. Each with contacts, agreements (one about to expire, for the sweep), pledged items, a few
deliveries and a helped case. The seed pages place some of them in communities the demo does not have; they are
put in demo communities of the same kind of neighbourhood. Safe to run again."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from linli.accounts.choices import Role
from linli.accounts.models import RoleAssignment
from linli.cases.models import Case
from linli.org.models import Community

from . import services
from .choices import Audience, ContactPublicity, HowToAsk, PartnerKind
from .models import Partner, PartnerCaseHelp


@dataclass(frozen=True)
class ItemSpec:
    title: str
    audience: str
    schedule: str
    how_to_ask: str
    monthly_cap: int | None = None
    description: str = ""
    # households served on each of the last deliveries (days ago, households)
    uses: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class PartnerSpec:
    community: str  # demo community code
    name: str
    kind: str
    address: str
    description: str
    contacts: tuple[tuple[str, str, str, str], ...]  # name, role, phone, publicity
    # title, signed (days ago), valid from (days ago), valid for (days; None = open-ended)
    agreements: tuple[tuple[str, int, int, int | None], ...]
    items: tuple[ItemSpec, ...] = field(default=())
    helped_case: tuple[str, str] | None = None  # (words in the case title, what they did)


PARTNERS = (
    PartnerSpec(
        community="XND",
        name="邮政储蓄银行石油新村营业所",
        kind=PartnerKind.CHARITY_COMPANY,
        address="西康路与西宁道交口",
        description="辖区爱心企业，参与“五社联动”示范项目，为困难家庭捐赠慈善“幸福包”（冬季蔬菜、春联套装）。",
        contacts=(
            ("刘经理", "营业所主任", "13820261101", ContactPublicity.PARTIAL),
            ("营业厅", "服务电话", "022-23301234", ContactPublicity.FULL),
        ),
        agreements=(("“五社联动”共建协议", 340, 335, 400),),
        items=(
            ItemSpec(
                "防范电信诈骗讲座", Audience.ELDERLY, "每季度一次", HowToAsk.COMMUNITY, uses=((40, 35),)
            ),
            ItemSpec(
                "老年人业务上门办理",
                Audience.ELDERLY,
                "预约后上门",
                HowToAsk.PHONE,
                monthly_cap=5,
                description="行动不便的老人可预约工作人员上门办理养老金、社保卡相关业务。",
                uses=((3, 2), (12, 1)),
            ),
            ItemSpec("冬季“幸福包”捐赠", Audience.IN_NEED, "春节前", HowToAsk.COMMUNITY),
        ),
        helped_case=("消防柜", "出资更换破损的消防柜玻璃，并为各楼层增设灭火器。"),
    ),
    PartnerSpec(
        community="XND",
        name="爱尔眼科",
        kind=PartnerKind.CO_BUILDING,
        address="南京路",
        description="共建单位，联合社区开展眼科义诊，讲解白内障预防与治疗，关注老年人常见眼病。",
        contacts=(("陈医生", "社区健康专员", "13820261201", ContactPublicity.HIDDEN),),
        agreements=(
            ("眼科义诊共建协议（2025年度）", 720, 700, 365),
            ("眼科义诊共建协议（2026年度）", 340, 335, 355),
        ),
        items=(
            ItemSpec(
                "眼科义诊",
                Audience.ELDERLY,
                "每季度一次，社区党群服务中心",
                HowToAsk.COMMUNITY,
                uses=((20, 46),),
            ),
            ItemSpec("白内障筛查", Audience.ELDERLY, "义诊日现场", HowToAsk.COMMUNITY, monthly_cap=30),
            ItemSpec("儿童视力检查", Audience.CHILDREN, "寒暑假", HowToAsk.COMMUNITY),
        ),
    ),
    PartnerSpec(
        community="XND",
        name="贝壳公益手机课堂志愿服务队",
        kind=PartnerKind.SOCIAL_ORG,
        address="",
        description="社会组织，开展“让老人‘慧’用手机，享受智能生活”公益课堂。",
        contacts=(("马老师", "队长", "13820261301", ContactPublicity.HIDDEN),),
        agreements=(),
        items=(
            ItemSpec(
                "老年人智能手机课堂",
                Audience.ELDERLY,
                "每月第二个周六上午",
                HowToAsk.COMMUNITY,
                monthly_cap=25,
                uses=((9, 18),),
            ),
        ),
    ),
    PartnerSpec(
        community="RXWQ",
        name="国天物业",
        kind=PartnerKind.PROPERTY,
        address="荣兴温泉公寓物业服务中心",
        description="联合社区开展消防演练，讲解逃生知识，演示正确使用灭火器；清理楼道杂物、治理飞线充电。",
        contacts=(
            ("孙经理", "项目经理", "13820261401", ContactPublicity.HIDDEN),
            ("物业服务中心", "24小时值班", "022-24401234", ContactPublicity.FULL),
        ),
        agreements=(("红色物业共建协议", 400, 365, 730),),
        items=(
            ItemSpec("消防演练与灭火器实操", Audience.ALL, "每年两次", HowToAsk.COMMUNITY, uses=((30, 60),)),
            ItemSpec(
                "独居老人家中小维修",
                Audience.ELDERLY,
                "工作日 9:00-17:00",
                HowToAsk.PHONE,
                monthly_cap=10,
                uses=((5, 3), (15, 4)),
            ),
        ),
        helped_case=("充电", "清理楼道杂物，协助拆除飞线，引导到集中充电桩充电。"),
    ),
    PartnerSpec(
        community="XYL",
        name="泾水园振军物业",
        kind=PartnerKind.PROPERTY,
        address="泾水园小区门卫室",
        description="红色物业，把小区门卫室打造成服务微空间，配合社区活动维持秩序。",
        contacts=(("史经理", "物业经理", "13820261501", ContactPublicity.HIDDEN),),
        agreements=(("红色物业共建协议", 200, 200, 365),),
        items=(ItemSpec("门卫室便民服务（代收快递、借用工具）", Audience.ALL, "每天", HowToAsk.SHOP),),
    ),
    PartnerSpec(
        community="JCY",
        name="金辰便民药房",
        kind=PartnerKind.TWO_NEW,
        address="金纬路",
        description="两新企业商户，与社区签署共建协议，在门前张贴服务标识，公示服务项目清单。",
        contacts=(("药房", "服务电话", "022-26301234", ContactPublicity.FULL),),
        agreements=(("两新企业共建协议", 300, 300, 730),),
        items=(
            ItemSpec("免费测血压、测血糖", Audience.ALL, "营业时间", HowToAsk.SHOP, uses=((2, 12), (9, 15))),
            ItemSpec("为高龄老人送药上门", Audience.ELDERLY, "每周三下午", HowToAsk.PHONE, monthly_cap=8),
        ),
    ),
    PartnerSpec(
        community="JCY",
        name="望海楼家电维修部",
        kind=PartnerKind.TWO_NEW,
        address="狮子林大街",
        description="两新企业商户，为困难家庭免费维修小家电。",
        contacts=(("老周", "店主", "13820261701", ContactPublicity.PARTIAL),),
        agreements=(("两新企业共建协议", 370, 360, 350),),
        items=(
            ItemSpec(
                "困难家庭小家电免费维修",
                Audience.IN_NEED,
                "每周五",
                HowToAsk.COMMUNITY,
                monthly_cap=6,
                uses=((6, 2),),
            ),
        ),
    ),
)


def _secretary(community: Community):
    ra = (
        RoleAssignment.objects.filter(role=Role.SECRETARY, community=community)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return ra.user if ra else None


def delete_demo(communities) -> None:
    """Remove the partners of the demo's communities (before the cases and places go)."""
    with transaction.atomic():
        PartnerCaseHelp.objects.filter(partner__community__in=communities).delete()
        Partner.objects.filter(community__in=communities).delete()


def _build(spec: PartnerSpec, community: Community, actor, today: date, counts: dict) -> None:
    partner = services.partner_create(
        actor=actor,
        community=community,
        name=spec.name,
        kind=spec.kind,
        address=spec.address,
        description=spec.description,
    )
    counts["partners"] += 1
    for name, role, phone, publicity in spec.contacts:
        services.contact_add(
            actor=actor, partner=partner, name=name, role=role, phone=phone, publicity=publicity
        )
        counts["contacts"] += 1
    for title, signed, start, length in spec.agreements:
        valid_from = today - timedelta(days=start)
        services.agreement_create(
            actor=actor,
            partner=partner,
            title=title,
            signed_on=today - timedelta(days=signed),
            valid_from=valid_from,
            valid_until=valid_from + timedelta(days=length) if length else None,
        )
        counts["agreements"] += 1
    for item_spec in spec.items:
        item = services.item_create(
            actor=actor,
            partner=partner,
            title=item_spec.title,
            description=item_spec.description,
            audience=item_spec.audience,
            schedule=item_spec.schedule,
            how_to_ask=item_spec.how_to_ask,
            monthly_cap=item_spec.monthly_cap,
        )
        counts["service_items"] += 1
        for days_ago, households in item_spec.uses:
            services.service_use_record(
                actor=actor, item=item, on=today - timedelta(days=days_ago), households=households
            )
            counts["service_uses"] += 1
    if spec.helped_case:
        words, what = spec.helped_case
        case = (
            Case.objects.filter(community=community, title__contains=words).order_by("-received_at").first()
            or Case.objects.filter(community=community).order_by("-received_at").first()
        )
        if case is not None:
            services.case_help_record(actor=actor, partner=partner, case=case, what=what)
            counts["case_helps"] += 1


def build_demo() -> dict:
    """Create the seed partners where their demo community exists and they do not yet; returns what it wrote."""
    counts = dict.fromkeys(
        ("partners", "contacts", "agreements", "service_items", "service_uses", "case_helps"), 0
    )
    today = timezone.localdate()
    communities = {c.code: c for c in Community.objects.filter(code__in={s.community for s in PARTNERS})}
    for spec in PARTNERS:
        community = communities.get(spec.community)
        if community is None or Partner.objects.filter(community=community, name=spec.name).exists():
            continue
        actor = _secretary(community)
        if actor is None:
            continue
        with transaction.atomic():
            _build(spec, community, actor, today, counts)
    return counts
