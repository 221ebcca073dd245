"""The care of the loaded demo: the 电子保姆 platform with a demo secret, terminals for residents living alone
(李奶奶 of 河滨花苑 first), providers in their communities, a few past calls — one SOS answered within minutes and
its case closed, one service request — and care orders, among them a weekday meal order. Safe to run again."""

from __future__ import annotations

import hashlib
import json
from datetime import time, timedelta

from django.db import transaction
from django.utils import timezone

from linli.accounts.choices import Role
from linli.accounts.models import RoleAssignment, User
from linli.cases import services as case_services
from linli.residents.models import Resident

from . import services
from .choices import CallEvent, ProviderKind, RequesterKind, Service
from .models import CareCall, CareOrder, CareProvider, Terminal, TerminalProvider

PLATFORM_CODE = "dianzibaomu"
DEMO_SECRET = "linli-demo-dianzibaomu-secret"  # documented in docs/care.md; a demo deployment only
TERMINALS = 12
WEEKDAYS = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"


def _holder(role: str, **unit) -> User | None:
    assignment = (
        RoleAssignment.objects.filter(role=role, **unit).select_related("user").order_by("pk").first()
    )
    return assignment.user if assignment else None


def _handler_for(resident: Resident) -> User | None:
    household = resident.household
    return (
        resident.care_worker
        or (_holder(Role.GRID_WORKER, grid_id=household.grid_id) if household.grid_id else None)
        or _holder(Role.SECRETARY, community_id=household.community_id)
    )


def _living_alone():
    alone = Resident.objects.current().filter(
        tag_assignments__tag__code="dujulaoren", tag_assignments__removed_at__isnull=True
    )
    li = list(alone.filter(name="李淑珍")[:1])
    others = alone.exclude(pk__in=[r.pk for r in li]).order_by("community_id", "pk")
    return li + list(others.select_related("household", "care_worker")[: TERMINALS - len(li)])


def _providers(community, secretary) -> dict[str, CareProvider]:
    specs = [
        (ProviderKind.ORGANISATION, "幸福食堂（爱心助餐点）", "13820260001", [Service.MEAL]),
        (
            ProviderKind.VOLUNTEER_TEAM,
            "红管家服务队",
            "13820260002",
            [Service.SHOPPING, Service.CLEANING, Service.MOBILITY],
        ),
        (ProviderKind.ORGANISATION, "社区卫生服务站", "13820260003", [Service.MEDICAL, Service.RESCUE]),
    ]
    found = {p.name: p for p in CareProvider.objects.filter(community=community)}
    for kind, name, phone, offered in specs:
        if name not in found:
            found[name] = services.care_provider_create(
                actor=secretary, kind=kind, name=name, community=community, phone=phone, services=offered
            )
    return found


def _post(platform, payload: dict):
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    call, _replayed = services.call_receive(
        provider=platform,
        call_id=payload["call_id"],
        request_hash=hashlib.sha256(body).hexdigest(),
        event=payload["event"],
        device_id=payload["device_id"],
        service=payload.get("service", ""),
        note=payload.get("note", ""),
    )
    return call, _replayed


@transaction.atomic
def delete_demo(communities) -> None:
    """Remove the care rows of the demo's communities and the demo platform (before the residents and cases go:
    the registry's residents are deleted without Django's protection checks)."""
    with transaction.atomic():
        CareCall.objects.filter(community__in=communities).delete()
        CareOrder.objects.filter(community__in=communities).delete()
        Terminal.objects.filter(community__in=communities).delete()
        CareProvider.objects.filter(community__in=communities).delete()
        TerminalProvider.objects.filter(
            code=PLATFORM_CODE, terminals__isnull=True, calls__isnull=True
        ).delete()


def build_demo() -> dict:
    counts = {"terminal_providers": 0, "terminals": 0, "care_providers": 0, "care_calls": 0, "care_orders": 0}
    platform = TerminalProvider.objects.filter(code=PLATFORM_CODE).first()
    if platform is None:
        platform, _secret = services.terminal_provider_create(
            code=PLATFORM_CODE, name="电子保姆", secret=DEMO_SECRET
        )
        counts["terminal_providers"] = 1
    people = _living_alone()
    providers_before = CareProvider.objects.count()
    for n, resident in enumerate(people, start=1):
        actor = _handler_for(resident)
        if actor is None or Terminal.objects.filter(resident=resident, is_active=True).exists():
            continue
        services.terminal_register(
            actor=actor,
            resident=resident,
            provider=platform,
            device_id=f"DZBM-{resident.community_id:02d}{n:04d}",
            model="YL-A8 一键呼",
            sim=f"1450000{n:04d}",
        )
        counts["terminals"] += 1
    if not people:
        return counts
    li = people[0]
    secretary = _holder(Role.SECRETARY, community_id=li.community_id)
    worker = _handler_for(li)
    if secretary is None or worker is None:
        return counts
    providers = _providers(li.household.community, secretary)
    counts["care_providers"] = CareProvider.objects.count() - providers_before
    terminal = Terminal.objects.filter(resident=li, is_active=True).first()

    # 李奶奶 pressed the button; her worker called back within minutes and went round; the case was closed.
    sos, replayed = _post(
        platform,
        {
            "call_id": "demo-sos-0001",
            "device_id": terminal.device_id,
            "event": CallEvent.SOS,
            "note": "一键呼叫",
        },
    )
    if not replayed:
        counts["care_calls"] += 1
        case = sos.case
        case = case_services.case_respond(
            case=case, actor=case.assignee or worker, note="已回电，5分钟内上门"
        )
        case = case_services.case_resolve(
            case=case,
            actor=case.assignee or worker,
            result="老人起夜时滑倒，无大碍；已联系女儿，叮嘱夜间开灯",
        )
        case_services.case_close(case=case, actor=secretary, note="回访老人，情况良好")
    _service, replayed = _post(
        platform,
        {
            "call_id": "demo-service-0001",
            "device_id": terminal.device_id,
            "event": CallEvent.SERVICE,
            "service": Service.SHOPPING,
            "note": "想买米和油",
        },
    )
    if not replayed:
        counts["care_calls"] += 1
        counts["care_orders"] += 1  # the service request became an order

    if not CareOrder.objects.filter(resident=li, rule=WEEKDAYS).exists():
        meals = services.order_create(
            actor=worker,
            resident=li,
            service=Service.MEAL,
            requester_kind=RequesterKind.RELATIVE,
            requester_name="女儿",
            details="工作日午餐送餐上门，少盐",
        )
        services.order_schedule(
            actor=worker,
            order=meals,
            provider=providers["幸福食堂（爱心助餐点）"],
            rule=WEEKDAYS,
            starts_on=timezone.localdate(),
            at_time=time(11, 30),
        )
        counts["care_orders"] += 1
    if not CareOrder.objects.filter(resident=li, service=Service.CLEANING).exists():
        cleaning = services.order_create(
            actor=worker, resident=li, service=Service.CLEANING, requester_kind=RequesterKind.RESIDENT
        )
        services.order_schedule(
            actor=worker,
            order=cleaning,
            provider=providers["红管家服务队"],
            scheduled_at=timezone.now() - timedelta(hours=2),
        )
        services.order_complete(actor=worker, order=cleaning, note="擦窗、清理厨房油污，检查了燃气阀门")
        services.order_rate(actor=secretary, order=cleaning, rating=5, comment="老人很满意")
        counts["care_orders"] += 1
    return counts
