"""The seeds' deliberation stories on the loaded demo, written through the services:

- 西宁道社区: at a 和平夜话 at the door of 吉利花园1号楼 the residents raise the lift's wind door, unchanged for
  more than ten years; the property company replaces it, the secretary closes the action item out and with it
  the case.
- 邮电园小区's e-bike charging piles, decided at a 四方联席协调会 with the installation plan as action items.
  邮电园 belongs to 东风路南社区 (石家庄), which the demo leaves out; the story is told in 荣兴温泉公寓社区, the demo
  community whose patrols chase 飞线充电, in its compound 荣兴温泉公寓.
- 昔阳里社区: residents ask the secretary for something to do on hot evenings (proposed on the H5 page); the
  community's party committee decides on outdoor cinema.

Plus a secretary's reception day of 西宁道社区 with its matters, and its next 居民议事会 waiting for proposals."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from linli.accounts.models import User
from linli.cases import services as case_services
from linli.cases.models import Category
from linli.org.models import Building, Community, Department

from . import services
from .choices import MatterOutcome, MeetingType, Party, ProposalOrigin
from .models import (
    ActionItem,
    ActionItemEvent,
    AgendaItem,
    Attendance,
    Decision,
    EvidencePhoto,
    Meeting,
    MinutesCorrection,
    Proposal,
    ReceptionMatter,
)

LIFT, EBIKE, CINEMA = "XND", "RXWQ", "XYL"


def _at(days_ago: int, hour: int) -> datetime:
    day = timezone.localdate() - timedelta(days=days_ago)
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _attend(meeting: Meeting, people) -> None:
    for name, party, organisation in people:
        services.attendance_add(
            meeting=meeting, actor=meeting.convenor, name=name, party=party, organisation=organisation
        )


def delete_demo(communities=None) -> None:
    """Remove the deliberation data of the demo's communities (before the loader deletes places and people)."""
    community = (
        communities if communities is not None else Community.objects.filter(code__in=(LIFT, EBIKE, CINEMA))
    )
    with transaction.atomic():
        # Querysets delete in bulk: the approved-minutes guard on Model.delete() is for edits, not for a reset.
        EvidencePhoto.objects.filter(action_item__community__in=community).delete()
        EvidencePhoto.objects.filter(agenda_item__meeting__community__in=community).delete()
        ActionItemEvent.objects.filter(action_item__community__in=community).delete()
        ActionItem.objects.filter(community__in=community).delete()
        ReceptionMatter.objects.filter(meeting__community__in=community).delete()
        MinutesCorrection.objects.filter(meeting__community__in=community).delete()
        Decision.objects.filter(meeting__community__in=community).delete()
        AgendaItem.objects.filter(meeting__community__in=community).delete()
        Attendance.objects.filter(meeting__community__in=community).delete()
        Meeting.objects.filter(community__in=community).delete()
        Proposal.objects.filter(community__in=community).delete()


def build_demo() -> dict:
    """Build the three stories (and the reception day); returns what it wrote. Skips a missing community."""
    counts = {"meetings": 0, "agenda_items": 0, "decisions": 0, "action_items": 0, "proposals": 0}
    counts |= {"reception_matters": 0, "cases_closed_by_meetings": 0}
    communities = {c.code: c for c in Community.objects.filter(code__in=(LIFT, EBIKE, CINEMA))}
    with transaction.atomic():
        if LIFT in communities:
            _lift_door(communities[LIFT], counts)
            _reception_day(communities[LIFT], counts)
        if EBIKE in communities:
            _charging_piles(communities[EBIKE], counts)
        if CINEMA in communities:
            _outdoor_cinema(communities[CINEMA], counts)
    counts["meetings"] = Meeting.objects.filter(community__in=communities.values()).count()
    counts["agenda_items"] = AgendaItem.objects.filter(meeting__community__in=communities.values()).count()
    counts["decisions"] = Decision.objects.filter(meeting__community__in=communities.values()).count()
    counts["action_items"] = ActionItem.objects.filter(community__in=communities.values()).count()
    counts["proposals"] = Proposal.objects.filter(community__in=communities.values()).count()
    return counts


def _lift_door(community: Community, counts: dict) -> None:
    secretary, worker = _user("secretary"), _user("grid1")
    property_contact, property_company = _user("dept_wyaj"), Department.objects.get(code="WY-AJ")
    building = Building.objects.get(compound__community=community, compound__name="吉利花园", name="1号楼")
    case = case_services.case_create(
        actor=worker,
        title="吉利花园1号楼电梯防风安全门十余年未更换",
        description="居民在和平夜话上反映：1号楼电梯防风安全门用了十多年，关不严、冬天漏风，老人进出不安全。",
        category=Category.objects.get(code="FW"),
        channel="meeting",
        building=building,
        received_at=_at(45, 19),
    )
    talk = services.meeting_create(
        actor=secretary,
        community=community,
        type=MeetingType.EVENING_TALK,
        title="和平夜话·吉利花园1号楼门口",
        starts_at=_at(45, 19),
        place="吉利花园1号楼单元门口",
        invited=[Party.RESIDENT, Party.PROPERTY],
    )
    _attend(
        talk,
        (
            ("1号楼居民代表", Party.RESIDENTS_REP, "吉利花园1号楼"),
            ("安居物业", Party.PROPERTY, "安居物业"),
            ("红管家服务队", Party.PARTNER, "红管家服务队"),
        ),
    )
    item = services.agenda_item_add(
        meeting=talk,
        actor=secretary,
        title="1号楼电梯防风安全门更换",
        description=case.description,
        source="case",
        cases=[case],
        figures="防风门使用年限：10年以上；1号楼住户：72户，其中高龄老人14人",
    )
    services.agenda_item_update(
        item=item,
        actor=secretary,
        version=item.version,
        discussion="居民反映门关不严；物业表示可协调电梯维保单位报价；社区协调维修资金。",
    )
    decision = services.decision_record(
        item=item,
        actor=secretary,
        text="由物业牵头，联系电梯维保单位更换1号楼电梯防风安全门，社区协调资金并跟进。",
        action_items=[
            {
                "title": "更换1号楼电梯防风安全门",
                "owner": property_contact,
                "department": property_company,
                "deadline": timezone.localdate() - timedelta(days=10),
                "done_definition": "新门安装完毕，开关顺畅，经居民代表查看确认",
            }
        ],
    )
    services.minutes_approve(meeting=talk, actor=secretary)
    action = decision.action_items.get()
    action = services.action_item_done(
        item=action, actor=property_contact, note="新防风安全门已于上周安装完毕，经居民代表现场查看。"
    )
    services.action_item_confirm(item=action, actor=secretary, note="已到现场查看，居民满意。")
    case.refresh_from_db()
    counts["cases_closed_by_meetings"] += case.status == "closed"


def _reception_day(community: Community, counts: dict) -> None:
    secretary = _user("secretary")
    day = services.meeting_create(
        actor=secretary,
        community=community,
        type=MeetingType.RECEPTION_DAY,
        title="书记接待日·有事说事",
        starts_at=_at(3, 9),
        place="西宁道社区党群服务中心",
    )
    matters = (
        ("康宁里3号楼楼道灯不亮", MatterOutcome.CASE, "FW-LDD", ""),
        ("希望小区里增设休息座椅", MatterOutcome.PROPOSAL, None, ""),
        ("高龄津贴怎么申请", MatterOutcome.ANSWERED, None, "带身份证、户口本到社区服务站办理，当场可登记。"),
    )
    for text, outcome, category, answer in matters:
        services.reception_matter_record(
            meeting=day,
            actor=secretary,
            text=text,
            outcome=outcome,
            category=Category.objects.get(code=category) if category else None,
            answer=answer,
        )
        counts["reception_matters"] += 1
    services.meeting_create(
        actor=secretary,
        community=community,
        type=MeetingType.RESIDENTS_COUNCIL,
        title="居民议事会（月度）",
        starts_at=_at(-10, 15),
        place="西宁道社区党群服务中心",
        invited=[Party.RESIDENTS_REP, Party.PROPERTY, Party.COMMITTEE],
    )


def _charging_piles(community: Community, counts: dict) -> None:
    secretary = _user("rxwq_secretary")
    street, power = _user("dept_jdb"), _user("dept_gd")
    property_contact = _user("dept_wyaj")
    joint = services.meeting_create(
        actor=secretary,
        community=community,
        type=MeetingType.JOINT,
        title="四方联席协调会·荣兴温泉公寓电动车充电难",
        starts_at=_at(30, 15),
        place="荣兴温泉公寓社区会议室",
        invited=[Party.PARTY, Party.COMMITTEE, Party.RESIDENTS_REP, Party.PROPERTY, Party.DEPARTMENT],
    )
    _attend(
        joint,
        (
            ("社区党委", Party.PARTY, "荣兴温泉公寓社区党委"),
            ("社区居委会", Party.COMMITTEE, "荣兴温泉公寓社区居委会"),
            ("居民议事会代表", Party.RESIDENTS_REP, "居民议事会"),
            ("楼门长", Party.RESIDENTS_REP, "荣兴温泉公寓"),
            ("物业公司", Party.PROPERTY, "安居物业"),
            ("供电公司", Party.DEPARTMENT, "供电公司"),
        ),
    )
    item = services.agenda_item_add(
        meeting=joint,
        actor=secretary,
        title="电动车充电难、飞线充电",
        description="巡查发现多处飞线充电和楼道充电，居民反映小区没有充电桩。",
        figures="登记电动自行车约180辆；现有充电口0个；近一月巡查发现飞线充电9处",
    )
    decision = services.decision_record(
        item=item,
        actor=secretary,
        text="在荣兴温泉公寓分两期安装电动车充电桩：先定点位、报供电增容，再由物业组织安装。",
        votes_for=5,
        votes_against=0,
        votes_abstain=1,
        action_items=[
            {
                "title": "确定充电桩点位方案",
                "owner": property_contact,
                "department": Department.objects.get(code="WY-AJ"),
                "deadline": timezone.localdate() - timedelta(days=15),
                "done_definition": "点位方案经居民议事会代表确认并公示",
            },
            {
                "title": "充电桩供电增容",
                "owner": power,
                "department": Department.objects.get(code="GD"),
                "deadline": timezone.localdate() + timedelta(days=10),
                "done_definition": "增容线路接通，满足40个充电口用电",
            },
            {
                "title": "一期安装20个充电口",
                "owner": property_contact,
                "department": Department.objects.get(code="WY-AJ"),
                "deadline": timezone.localdate() + timedelta(days=30),
                "done_definition": "20个充电口通电可用，飞线充电劝导清零",
            },
            {
                "title": "街道协调安装资金",
                "owner": street,
                "department": Department.objects.get(code="JDB"),
                "deadline": timezone.localdate() - timedelta(days=2),
                "done_definition": "资金来源落实并书面告知社区",
            },
        ],
    )
    services.minutes_approve(meeting=joint, actor=secretary)
    plan, *_rest = decision.action_items.order_by("id")
    plan = services.action_item_done(
        item=plan, actor=property_contact, note="点位定在3号楼东侧和车棚，已公示。"
    )
    services.action_item_confirm(item=plan, actor=secretary)


def _outdoor_cinema(community: Community, counts: dict) -> None:
    secretary, worker = _user("xyl_secretary"), _user("xyl_grid1")
    proposal = services.proposal_record(
        community=community,
        actor=None,
        text="张书记，社区最近有什么活动吗？白天太热，晚上也不知道能在哪里玩儿，希望社区给想想办法。",
        origin=ProposalOrigin.PUBLIC,
        meeting_type=MeetingType.PARTY_BRANCH,
    )
    committee = services.meeting_create(
        actor=secretary,
        community=community,
        type=MeetingType.PARTY_BRANCH,
        title="社区党委会·居民夜间文化生活",
        starts_at=_at(20, 10),
        place="昔阳里社区党群服务中心",
        invited=[Party.PARTY, Party.COMMITTEE],
    )
    _attend(
        committee,
        (
            ("社区党委书记", Party.PARTY, "昔阳里社区党委"),
            ("党委委员", Party.PARTY, "昔阳里社区党委"),
            ("居委会委员", Party.COMMITTEE, "昔阳里社区居委会"),
        ),
    )
    item = services.agenda_item_from_proposal(meeting=committee, actor=secretary, proposal=proposal)
    decision = services.decision_record(
        item=item,
        actor=secretary,
        text="开办夜间露天电影，让大人孩子共同感受社区文化；每周五晚在社区广场放映。",
        votes_for=3,
        votes_against=0,
        votes_abstain=0,
        action_items=[
            {
                "title": "联系放映设备和片源",
                "owner": secretary,
                "deadline": timezone.localdate() - timedelta(days=12),
                "done_definition": "放映设备到位，首批片单确定",
            },
            {
                "title": "广场场地、座椅和安全引导",
                "owner": worker,
                "deadline": timezone.localdate() + timedelta(days=5),
                "done_definition": "场地划定，志愿者排班，应急通道畅通",
            },
        ],
    )
    services.minutes_approve(meeting=committee, actor=secretary)
    first = decision.action_items.order_by("id").first()
    first = services.action_item_done(item=first, actor=secretary, note="首场放映《地道战》，设备已调试。")
    services.action_item_confirm(item=first, actor=secretary)
