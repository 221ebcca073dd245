"""Notices for the demo district: a WeCom robot placeholder and a few past notices, sent through the services
with the clock set to their moment (as the case history is replayed), so their deliveries are really recorded."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from linli.accounts.choices import Role
from linli.accounts.models import User
from linli.cases.models import Case
from linli.org.models import Building, Community, Compound

from . import services
from .audience import Place
from .choices import DeliveryChannel, PlaceKind, RobotChannel
from .models import Delivery, GroupEndpoint, Notice, NoticeTemplate
from .placeholders import fill

# Never a real robot: an administrator pastes the group's webhook URL and switches it on.
PLACEHOLDER_WEBHOOK = "https://example.invalid/cgi-bin/webhook/send?key=replace-with-the-robot-key"


def build_demo() -> dict:
    """Add the demo's notices to the loaded demo district; returns what it created."""
    created = {"group_endpoints": 0, "notices": 0, "deliveries": 0}
    xnd = Community.objects.filter(code="XND").first()
    jili = Compound.objects.filter(community=xnd, name="吉利花园").first() if xnd else None
    if jili is None:
        return created
    _endpoint, new = GroupEndpoint.objects.get_or_create(
        name="吉利花园业主群",
        channel=RobotChannel.WECOM,
        compound=jili,
        defaults={"webhook_url": PLACEHOLDER_WEBHOOK, "is_active": False},
    )
    created["group_endpoints"] += new
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)

    building = Building.objects.select_related("compound__community", "grid").get(compound=jili, name="1号楼")
    worker = _holder(Role.GRID_WORKER, grid_id=building.grid_id)
    if worker is not None:
        _send(
            created,
            at=today - timedelta(days=5) + timedelta(hours=8, minutes=40),
            actor=worker,
            place=Place(PlaceKind.BUILDING, building),
            template="water_outage",
            values={
                "reason": "二次供水水箱清洗",
                "place": "吉利花园1号楼",
                "start": "今天9:30",
                "end": "16:00",
            },
        )
    secretary = _holder(Role.SECRETARY, community_id=xnd.pk)
    if secretary is not None:
        _send(
            created,
            at=today - timedelta(days=12) + timedelta(hours=10),
            actor=secretary,
            place=Place(PlaceKind.COMMUNITY, xnd),
            template="fire_safety",
            values={},
        )

    # 河滨花苑: the blocked drain of the seed page — "在楼门群、网格群发出……请居民配合暂停用水的通知".
    drain = (
        Case.objects.filter(
            community__code="HBHY", title__contains="李奶奶家操作台下水管堵塞", building__isnull=False
        )
        .select_related("building__compound__community", "building__grid", "community")
        .first()
    )
    hbhy_secretary = _holder(Role.SECRETARY, community_id=drain.community_id) if drain else None
    if drain is not None and hbhy_secretary is not None:
        _send(
            created,
            at=drain.received_at + timedelta(minutes=25),
            actor=hbhy_secretary,
            place=Place(PlaceKind.BUILDING, drain.building),
            template="water_pause",
            values={
                "place": f"{drain.building.compound.name}{drain.building.name}",
                "start": "即日起",
                "end": "疏通完毕",
            },
            case=drain,
        )
    return created


def _holder(role: str, **unit) -> User | None:
    return (
        User.objects.filter(roles__role=role, is_active=True, **{f"roles__{k}": v for k, v in unit.items()})
        .order_by("roles__id")
        .first()
    )


def _send(
    created: dict, *, at: datetime, actor, place: Place, template: str, values: dict, case=None
) -> None:
    """One past in-app notice, composed and sent at ``at``; skipped if the demo already has it."""
    from linli.demo.replay import replay_clock

    tpl = NoticeTemplate.objects.get(code=template)
    title, body = fill(tpl.title, values), fill(tpl.body, values)
    if Notice.objects.filter(title=title, place_kind=place.kind, community=place.community).exists():
        return
    with replay_clock(at):
        notice = services.notice_create(
            actor=actor,
            title=title,
            body=body,
            place=place,
            channels=[DeliveryChannel.IN_APP],
            template=tpl,
            case=case,
        )
        services.notice_run(notice_id=notice.pk)
    created["notices"] += 1
    created["deliveries"] += Delivery.objects.filter(notice=notice).count()
