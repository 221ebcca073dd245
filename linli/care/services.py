"""Every write of the care app: terminals, the calls the platforms post and their escalation chain, care orders.

An SOS becomes an urgent case assigned to the resident's responsible worker at once; if nobody responds within
the step's minutes, ``care_sweep`` tells the next level of the escalation list (grid leaders, then the community's
secretaries), then the emergency contacts by SMS, each step on the case's timeline. A response (the case's
RESPOND, see receivers.py) stops the chain."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, rrulestr
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.choices import Role
from linli.accounts.models import User
from linli.cases.choices import AWAITING_RESPONSE, Action, Channel, Urgency
from linli.cases.models import Case, Category
from linli.cases.services import case_create, case_create_public, case_log_step, grid_worker
from linli.core.cache import ProcessCache
from linli.core.errors import Conflict, InvalidInput, NotAllowed, Unprocessable
from linli.core.images import clean_photo
from linli.core.models import Notification
from linli.core.outbound import DeliveryError
from linli.core.sms import send_sms
from linli.core.uploads import CheckedUpload
from linli.core.validators import mask_name, mask_phone
from linli.residents.choices import HANDLER_ROLES
from linli.residents.models import EmergencyContact, Resident
from linli.residents.selectors import is_handler_here, live_assignments, tags_seen_by

from .choices import (
    OPEN_ORDER_STATUSES,
    WAITING_CALL_STATUSES,
    AlertKind,
    AlertStatus,
    CallEvent,
    CallStatus,
    OrderStatus,
    ProviderKind,
    RequesterKind,
    Service,
    ServiceVisitStatus,
)
from .models import (
    CareAlert,
    CareCall,
    CareOrder,
    CarePhoto,
    CareProvider,
    ServiceVisit,
    Terminal,
    TerminalProvider,
)

# The escalation list, in order. The worker is told when the call comes in; each later level after the
# previous one has had its minutes (LINLI_CARE_STEP_MINUTES) without a response.
WORKER, GRID_LEADER, SECRETARY, CONTACTS = 0, 1, 2, 3
LEVEL_NAMES = {WORKER: "worker", GRID_LEADER: "grid_leader", SECRETARY: "secretary", CONTACTS: "contacts"}
SMS_ATTEMPTS = 5
PLAN_WEEKS = 3  # how far ahead the visits of a recurring order are planned
ALLOWED_FREQUENCIES = {DAILY, WEEKLY, MONTHLY}


def _now() -> datetime:
    return timezone.now()


def step_minutes(level: int) -> int:
    """Minutes the people told at `level` have before the next level is told: one figure, or one per level."""
    value = settings.LINLI_CARE_STEP_MINUTES
    if isinstance(value, (list, tuple)):
        return int(value[min(level, len(value) - 1)])
    return int(value)


# ---------------------------------------------------------------- platforms, providers, terminals


def terminal_provider_create(*, code: str, name: str, secret: str = "") -> tuple[TerminalProvider, str]:
    """A terminal platform and its signing secret (returned once; it is stored encrypted)."""
    secret = secret or secrets.token_urlsafe(32)
    provider = TerminalProvider.objects.create(code=code, name=name, secret=secret)
    return provider, secret


def care_provider_create(
    *,
    actor,
    kind: str,
    name: str,
    community,
    phone: str = "",
    user: User | None = None,
    services: Iterable[str] = (),
) -> CareProvider:
    """Who delivers home services in a community (issue 5's partners and teams will point here)."""
    scope = actor.scope
    if not (scope.is_admin or community.pk in scope.community_ids):
        raise NotAllowed(_("Only the community's secretary may add service providers."))
    if kind not in ProviderKind.values:
        raise InvalidInput(_("Choose a kind of provider."), field="kind")
    if not name.strip():
        raise InvalidInput(_("Enter the provider's name."), field="name")
    unknown = set(services) - set(Service.values)
    if unknown:
        raise InvalidInput(_("Unknown service."), field="services")
    return CareProvider.objects.create(
        kind=kind,
        name=name.strip()[:80],
        community=community,
        phone=phone,
        user=user,
        services=list(services),
    )


@transaction.atomic
def terminal_register(
    *, actor, resident: Resident, provider: TerminalProvider, device_id: str, model: str = "", sim: str = ""
) -> Terminal:
    """Register a call terminal to a resident; the platform's events for the device then reach them."""
    resident = Resident.objects.select_related("household").get(pk=resident.pk)
    if not is_handler_here(actor, resident.household):
        raise NotAllowed(_("Only the grid's workers and the community's secretary may register terminals."))
    device_id = (device_id or "").strip()
    if not device_id or len(device_id) > 64:
        raise InvalidInput(_("Enter the device id (at most 64 characters)."), field="device_id")
    if Terminal.objects.filter(provider=provider, device_id=device_id).exists():
        raise InvalidInput(_("This device is already registered."), field="device_id")
    terminal = Terminal(
        provider=provider,
        device_id=device_id,
        model=model.strip()[:60],
        sim=sim.strip()[:20],
        resident=resident,
        registered_at=_now(),
        registered_by=actor,
    )
    terminal.place_from(resident.household)
    terminal.save()
    return terminal


@transaction.atomic
def terminal_deactivate(*, actor, terminal: Terminal) -> Terminal:
    """Take a terminal out of use (returned, lost, the resident moved); its calls stay."""
    terminal = Terminal.objects.select_for_update().select_related("resident__household").get(pk=terminal.pk)
    if not is_handler_here(actor, terminal.resident.household):
        raise NotAllowed(_("Only the grid's workers and the community's secretary may change terminals."))
    terminal.is_active = False
    terminal.save(update_fields=["is_active"])
    return terminal


# ---------------------------------------------------------------- calls from the platforms

_categories: ProcessCache[str, Category] = ProcessCache(
    "linli.care.categories", ttl=60.0, watch=["cases.Category"]
)


def care_category() -> Category:
    """The category of urgent care cases (LINLI_CARE_CATEGORY, the demo's 紧急求助（助救）), created on first use."""
    code = settings.LINLI_CARE_CATEGORY

    def load(code: str) -> Category:
        category, _created = Category.objects.get_or_create(
            code=code,
            defaults={
                "name": "紧急求助（助救）",
                "response_minutes": 10,
                "urgent_response_minutes": 10,
                "resolution_working_days": 1,
                "is_public": False,
            },
        )
        return category

    return _categories.get(code, load)


def call_receive(
    *,
    provider: TerminalProvider,
    call_id: str,
    request_hash: str,
    event: str,
    device_id: str,
    occurred_at: datetime | None = None,
    service: str = "",
    note: str = "",
) -> tuple[CareCall, bool]:
    """Take one event from a platform, once per (platform, call id); returns the call and whether it is a replay.

    The same call id with another body is refused (422): a platform must not reuse ids. Events of a device
    nobody registered are kept (answered 404) so an administrator can see which devices call in vain."""
    existing = CareCall.objects.filter(provider=provider, call_id=call_id).first()
    if existing is None:
        try:
            with transaction.atomic():
                return _take_call(
                    provider=provider,
                    call_id=call_id,
                    request_hash=request_hash,
                    event=event,
                    device_id=device_id,
                    occurred_at=occurred_at,
                    service=service,
                    note=note,
                ), False
        except IntegrityError:
            # The same call arrived twice at once: the other request stored it, and its answer is the answer.
            existing = CareCall.objects.get(provider=provider, call_id=call_id)
    if existing.request_hash != request_hash:
        raise Unprocessable(
            _("This call id was already used with a different body."), field="call_id", code="call_id_reused"
        )
    return existing, True


def _take_call(*, provider, call_id, request_hash, event, device_id, occurred_at, service, note) -> CareCall:
    now = _now()
    terminal = (
        Terminal.objects.filter(provider=provider, device_id=device_id, is_active=True)
        .select_related(
            "resident__household__building__compound__community__street",
            "resident__household__building__grid__community__street",
            "resident__care_worker",
        )
        .first()
    )
    call = CareCall(
        provider=provider,
        call_id=call_id,
        request_hash=request_hash,
        event=event,
        device_id=device_id,
        occurred_at=occurred_at,
        received_at=now,
        note=note[:200],
    )
    resident = terminal.resident if terminal is not None else None
    if resident is None or resident.moved_out is not None or resident.anonymised_at is not None:
        call.status = CallStatus.UNKNOWN_DEVICE
        call.response_status = 404
        call.response_body = {
            "code": "unknown_device",
            "message": str(_("No current resident has this device.")),
            "field": "device_id",
        }
        call.save(force_insert=True)
        return call
    call.terminal, call.resident = terminal, resident
    call.place_from(resident.household)
    Terminal.objects.filter(pk=terminal.pk).update(last_event_at=now)
    worker = responsible_worker(resident)
    case = order = None
    if event == CallEvent.SERVICE:
        order = _order_write(
            resident=resident,
            service=service,
            requester_kind=RequesterKind.TERMINAL,
            requester_name="",
            details=note,
            actor=None,
        )
        call.order, call.status = order, CallStatus.HANDLED
    else:
        case = _open_case(call, resident, worker, now)
        call.case = case
        call.level, call.next_step_at = WORKER, now + timedelta(minutes=step_minutes(WORKER))
    call.response_status = 201
    call.response_body = {
        "call_id": call_id,
        "event": event,
        "status": call.status,
        "case": case.number if case else None,
        "order": order.pk if order else None,
        "respond_by": case.response_due_at.isoformat() if case else None,
    }
    call.save(force_insert=True)
    if case is not None:
        told = [case.assignee] if case.assignee_id else []
        _tell_staff(call, case, told, level=WORKER, now=now)
    elif worker is not None:
        _notification([worker.pk], kind="care_order", message=_order_message(order), url=_order_url(order))
    return call


def responsible_worker(resident: Resident) -> User | None:
    """Who answers for the resident: their responsible worker, else the worker of their grid."""
    worker = resident.care_worker
    if worker is not None and worker.is_active:
        return worker
    grid_id = resident.household.grid_id
    return grid_worker(grid_id) if grid_id else None


def _open_case(call: CareCall, resident: Resident, worker: User | None, now: datetime) -> Case:
    """The urgent case of an SOS or no-activity event, taken in in the name of the resident's responsible worker.

    The platform is not a user, and the responsible worker is who answers for the resident anyway; their scope
    places the case. Without anyone responsible it is taken in like a public report and lands in triage."""
    household = resident.household
    title = (
        _("SOS call: %(name)s") if call.event == CallEvent.SOS else _("No activity from %(name)s's terminal")
    ) % {"name": mask_name(resident.name)}
    params = {
        "title": title,
        "category": care_category(),
        "description": _case_description(call, resident, worker),
        "building": household.building,
        "address": household.address or str(household),
        "reporter_name": resident.name,
        "reporter_phone": resident.phone,
    }
    if worker is not None:
        try:
            return case_create(
                actor=worker,
                channel=Channel.CARE_CALL,
                urgency=Urgency.URGENT,
                resident=resident,
                assignee=worker,
                received_at=now,
                **params,
            )
        except (NotAllowed, InvalidInput):
            pass  # the responsible worker no longer works here: take it in without them
    return case_create_public(channel=Channel.CARE_CALL, community=household.community, **params)


def _case_description(call: CareCall, resident: Resident, worker: User | None) -> str:
    """What the responder needs, without full phone numbers (they are on the resident's page for those allowed)."""
    household = resident.household
    when = timezone.localtime(call.occurred_at or call.received_at)
    terminal = call.terminal
    if call.event == CallEvent.SOS:
        lines = [
            _("The call terminal %(model)s %(device)s made an emergency call at %(time)s.")
            % {"model": terminal.model, "device": terminal.device_id, "time": f"{when:%Y-%m-%d %H:%M}"}
        ]
    else:
        lines = [
            _("The call terminal %(model)s %(device)s reported no activity at %(time)s: visit or call now.")
            % {"model": terminal.model, "device": terminal.device_id, "time": f"{when:%Y-%m-%d %H:%M}"}
        ]
    lines.append(_("Address: %(address)s") % {"address": household.address or str(household)})
    age = resident.age_on(timezone.localdate())
    if age is not None:
        lines.append(_("Age: %(age)d") % {"age": age})
    live = live_assignments().filter(Q(resident=resident) | Q(household=household))
    tags = [t.name for t in tags_seen_by(HANDLER_ROLES, live)]
    if tags:
        lines.append(_("Tags: %(tags)s") % {"tags": "、".join(tags)})
    contacts = [
        f"{mask_name(c.name)}（{c.relation}）{mask_phone(c.phone)}" if c.relation else mask_phone(c.phone)
        for c in EmergencyContact.objects.filter(resident=resident)
    ]
    lines.append(
        _("Emergency contacts: %(contacts)s") % {"contacts": "；".join(contacts)}
        if contacts
        else _("No emergency contact is registered.")
    )
    if worker is not None:
        lines.append(_("Responsible worker: %(name)s") % {"name": str(worker)})
    if call.note:
        lines.append(_("Note from the terminal: %(note)s") % {"note": call.note})
    return "\n".join(lines)


# ---------------------------------------------------------------- the escalation chain


def _notification(user_ids: Iterable[int], *, kind: str, message: str, url: str) -> None:
    Notification.objects.bulk_create(
        [Notification(recipient_id=uid, kind=kind, message=message[:300], url=url) for uid in set(user_ids)]
    )


def _staff_text(call: CareCall, case: Case) -> str:
    name = call.resident.name if call.resident_id else ""
    if call.event == CallEvent.SOS:
        text = _("SOS from %(name)s (%(address)s), case %(n)s: please respond at once.")
    else:
        text = _("No activity from %(name)s (%(address)s), case %(n)s: please visit or call now.")
    return (text % {"name": name, "address": case.address, "n": case.number})[:300]


def _tell_staff(call: CareCall, case: Case, users: list[User], *, level: int, now: datetime) -> None:
    """In-app and, where they have a phone, SMS alerts to the staff of one level (sent by the outbox)."""
    text = _staff_text(call, case)
    CareAlert.objects.bulk_create(
        [
            CareAlert(
                call=call,
                level=level,
                kind=AlertKind.STAFF,
                user=u,
                name=str(u)[:50],
                phone=u.phone,
                text=text,
                status=AlertStatus.PENDING if u.phone else AlertStatus.NO_PHONE,
                created_at=now,
            )
            for u in users
        ]
    )
    _notification(
        [u.pk for u in users],
        kind=f"care_{call.event}",
        message=text,
        url=reverse("cases:detail", args=[case.pk]),
    )
    if any(u.phone for u in users):
        transaction.on_commit(_deliver_soon)


def _deliver_soon() -> None:
    """Ask the worker to send the new SMS alerts now rather than at the next sweep."""
    from .tasks import deliver_alerts

    deliver_alerts.enqueue()


def _holders(role: str, **unit) -> list[User]:
    return list(
        User.objects.filter(is_active=True, roles__role=role, **{f"roles__{k}": v for k, v in unit.items()})
        .distinct()
        .order_by("pk")
    )


def _level_staff(call: CareCall, level: int) -> list[User]:
    if level == GRID_LEADER:
        return _holders(Role.GRID_LEADER, grid_id=call.grid_id) if call.grid_id else []
    if level == SECRETARY:
        return _holders(Role.SECRETARY, community_id=call.community_id) if call.community_id else []
    return []


def care_sweep(now: datetime | None = None) -> int:
    """Tell the next level of every call whose step deadline passed; send the SMS outbox; plan recurring orders.

    Returns the number of escalation steps taken. Idempotent and restart-safe: each step is guarded by a
    conditional update of the call, so two sweepers (or a rerun) take it once."""
    now = now or _now()
    due = CareCall.objects.filter(next_step_at__lte=now, status__in=WAITING_CALL_STATUSES).order_by(
        "next_step_at"
    )
    steps = sum(_escalate(pk, now=now) for pk in list(due.values_list("pk", flat=True)[:500]))
    alerts_deliver(now=now)
    orders_plan_ahead(today=timezone.localdate(now))
    return steps


def _escalate(pk: int, *, now: datetime) -> int:
    with transaction.atomic():
        call = CareCall.objects.select_for_update(of=("self",)).select_related("resident", "case").get(pk=pk)
        if call.next_step_at is None or call.next_step_at > now or call.status not in WAITING_CALL_STATUSES:
            return 0
        case = call.case
        if case is None or case.status not in AWAITING_RESPONSE:
            # Someone responded (or the case was rejected) without the receiver seeing it: the chain stops here.
            CareCall.objects.filter(pk=pk, next_step_at=call.next_step_at).update(
                next_step_at=None,
                status=CallStatus.ANSWERED,
                answered_at=(case.responded_at if case else None) or now,
            )
            return 0
        last = CONTACTS if call.event == CallEvent.SOS else SECRETARY
        told_ids = set(call.alerts.filter(kind=AlertKind.STAFF).values_list("user_id", flat=True))
        level, staff, contacts = None, [], []
        for candidate in range(call.level + 1, last + 1):
            if candidate == CONTACTS:
                contacts = list(EmergencyContact.objects.filter(resident_id=call.resident_id))
                if contacts:
                    level = candidate
                    break
                continue
            staff = [u for u in _level_staff(call, candidate) if u.pk not in told_ids]
            if staff:
                level = candidate
                break
        if level is None:
            fields = {"next_step_at": None}
        elif level == CONTACTS:
            fields = {"level": level, "next_step_at": None, "status": CallStatus.CONTACTS_TOLD}
        elif level == last:
            fields = {"level": level, "next_step_at": None}
        else:
            fields = {"level": level, "next_step_at": now + timedelta(minutes=step_minutes(level))}
        # The guard: a rerun or a second sweeper finds the step already taken and does nothing.
        if not CareCall.objects.filter(pk=pk, level=call.level, next_step_at=call.next_step_at).update(
            **fields
        ):
            return 0
        waited = int(
            (now - (call.next_step_at - timedelta(minutes=step_minutes(call.level)))).total_seconds() // 60
        )
        if level is None:
            if call.event != CallEvent.SOS:
                return 0
            case_log_step(
                case=case,
                action=Action.CARE_ESCALATE,
                note=_("Nobody else is on the escalation list and no emergency contact is registered."),
                data={"call": call.pk, "level": "none"},
            )
            return 1
        if level == CONTACTS:
            _tell_contacts(call, case, contacts, now=now, waited=waited)
        else:
            _tell_staff(call, case, staff, level=level, now=now)
            case_log_step(
                case=case,
                action=Action.CARE_ESCALATE,
                note=_("No response after %(m)d minutes: %(names)s told (%(level)s).")
                % {
                    "m": waited,
                    "names": "、".join(str(u) for u in staff),
                    "level": Role(Role.GRID_LEADER if level == GRID_LEADER else Role.SECRETARY).label,
                },
                data={"call": call.pk, "level": LEVEL_NAMES[level], "users": [u.pk for u in staff]},
            )
        return 1


def _tell_contacts(
    call: CareCall, case: Case, contacts: list[EmergencyContact], *, now: datetime, waited: int
):
    resident = call.resident
    text = _(
        "%(name)s pressed the emergency button of the call terminal and the community has not reached them "
        "yet. Please call or go to them. Community: %(community)s"
    ) % {"name": resident.name, "community": case.community.name if case.community_id else ""}
    CareAlert.objects.bulk_create(
        [
            CareAlert(
                call=call,
                level=CONTACTS,
                kind=AlertKind.CONTACT,
                contact=c,
                name=c.name[:50],
                phone=c.phone,
                text=text[:300],
                status=AlertStatus.PENDING if c.phone else AlertStatus.NO_PHONE,
                created_at=now,
            )
            for c in contacts
        ]
    )
    case_log_step(
        case=case,
        action=Action.CARE_CONTACT,
        note=_("No response after %(m)d minutes: emergency contacts told by SMS: %(contacts)s.")
        % {
            "m": waited,
            "contacts": "、".join(
                f"{mask_name(c.name)}（{c.relation}）{mask_phone(c.phone)}"
                if c.relation
                else mask_phone(c.phone)
                for c in contacts
            ),
        },
        data={"call": call.pk, "level": "contacts", "contacts": [c.pk for c in contacts]},
    )
    teller = [a for a in (case.assignee_id,) if a]
    _notification(
        teller,
        kind="care_contact",
        message=_("Nobody responded to case %(n)s: the emergency contacts were told.") % {"n": case.number},
        url=reverse("cases:detail", args=[case.pk]),
    )
    transaction.on_commit(_deliver_soon)


def call_stop(*, case: Case, at: datetime, by_id: int | None) -> int:
    """Stop the chain of the calls behind a case someone took up (called by the case_changed receiver)."""
    return CareCall.objects.filter(case_id=case.pk, status__in=WAITING_CALL_STATUSES).update(
        status=CallStatus.ANSWERED, next_step_at=None, answered_at=at, answered_by_id=by_id
    )


def alerts_deliver(*, now: datetime | None = None, limit: int = 200) -> int:
    """Send pending SMS alerts (retrying failures with back-off); returns how many went out.

    An alert is claimed by a conditional update before it is sent, so two workers never send it twice; one left
    in "sending" by a worker that died is claimed again after its claim expires (the gateway drops a duplicate
    request id)."""
    now = now or _now()
    ready = Q(status=AlertStatus.PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    ready |= Q(status=AlertStatus.SENDING, next_attempt_at__lt=now)
    sent = 0
    for pk in list(
        CareAlert.objects.filter(ready).order_by("created_at", "pk").values_list("pk", flat=True)[:limit]
    ):
        claimed = (
            CareAlert.objects.filter(pk=pk)
            .filter(ready)
            .update(
                status=AlertStatus.SENDING,
                attempts=F("attempts") + 1,
                next_attempt_at=now + timedelta(minutes=5),
            )
        )
        if not claimed:
            continue
        alert = CareAlert.objects.get(pk=pk)
        try:
            send_sms(alert.phone, alert.text, request_id=f"care-alert-{alert.pk}")
        except DeliveryError as exc:
            retry = exc.retryable and alert.attempts < SMS_ATTEMPTS
            CareAlert.objects.filter(pk=pk).update(
                status=AlertStatus.PENDING if retry else AlertStatus.FAILED,
                next_attempt_at=now + timedelta(minutes=2**alert.attempts) if retry else None,
                last_error=exc.reason[:200],
            )
        else:
            CareAlert.objects.filter(pk=pk).update(
                status=AlertStatus.SENT, sent_at=_now(), next_attempt_at=None
            )
            sent += 1
    return sent


# ---------------------------------------------------------------- care orders


def _order_url(order: CareOrder) -> str:
    return reverse("care:order", args=[order.pk])


def _order_message(order: CareOrder) -> str:
    return _("Care request from %(name)s: %(service)s") % {
        "name": mask_name(order.resident.name),
        "service": order.get_service_display() or _("to be agreed"),
    }


def _require_handler(actor, resident: Resident) -> None:
    if not is_handler_here(actor, resident.household):
        raise NotAllowed(_("Only the grid's workers and the community's secretary may handle care orders."))


def _order_write(*, resident, service, requester_kind, requester_name, details, actor) -> CareOrder:
    order = CareOrder(
        resident=resident,
        service=service,
        requester_kind=requester_kind,
        requester_name=requester_name.strip()[:50],
        details=details.strip()[:2000],
        created_at=_now(),
        created_by=actor,
    )
    order.place_from(resident.household)
    order.save()
    return order


@transaction.atomic
def order_create(
    *,
    actor,
    resident: Resident,
    service: str,
    requester_kind: str,
    requester_name: str = "",
    details: str = "",
) -> CareOrder:
    """A home service asked for by the resident, a relative or staff (taken down by staff)."""
    resident = Resident.objects.select_related("household").get(pk=resident.pk)
    _require_handler(actor, resident)
    if service not in Service.values:
        raise InvalidInput(_("Choose one of the six services."), field="service")
    if requester_kind not in (RequesterKind.RESIDENT, RequesterKind.RELATIVE, RequesterKind.STAFF):
        raise InvalidInput(_("Say who asked for the service."), field="requester_kind")
    return _order_write(
        resident=resident,
        service=service,
        requester_kind=requester_kind,
        requester_name=requester_name,
        details=details,
        actor=actor,
    )


def _locked_order(order: CareOrder, version: int | None) -> CareOrder:
    locked = CareOrder.objects.select_for_update().select_related("resident__household").get(pk=order.pk)
    if version is not None and int(version) != locked.version:
        raise Conflict(
            _("Someone else changed this order meanwhile; reload it and try again."), field="version"
        )
    return locked


def parse_rule(rule: str, *, starts_on: date, at_time: time):
    """The recurrence of an order: an RRULE (FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR), daily to monthly, at a local time."""
    rule = (rule or "").strip().upper().removeprefix("RRULE:")
    if not rule or "\n" in rule or "DTSTART" in rule or len(rule) > 200:
        raise InvalidInput(
            _("Enter a recurrence rule such as FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR."), field="rule"
        )
    start = timezone.make_aware(datetime.combine(starts_on, at_time))
    try:
        parsed = rrulestr(rule, dtstart=start)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(_("This recurrence rule cannot be read."), field="rule") from exc
    if getattr(parsed, "_freq", None) not in ALLOWED_FREQUENCIES:
        raise InvalidInput(_("Services recur daily, weekly or monthly."), field="rule")
    return rule, parsed


@transaction.atomic
def order_schedule(
    *,
    actor,
    order: CareOrder,
    provider: CareProvider,
    scheduled_at: datetime | None = None,
    rule: str = "",
    starts_on: date | None = None,
    at_time: time | None = None,
    ends_on: date | None = None,
    service: str = "",
    version: int | None = None,
) -> CareOrder:
    """Give the order to a provider, once (`scheduled_at`) or on a rule from `starts_on` at `at_time`."""
    order = _locked_order(order, version)
    _require_handler(actor, order.resident)
    if order.status not in OPEN_ORDER_STATUSES:
        raise Conflict(_("Only an open order can be scheduled."), field="status")
    if provider.community_id != order.community_id or not provider.is_active:
        raise InvalidInput(_("Choose a provider of the resident's community."), field="provider")
    service = service or order.service
    if service not in Service.values:
        raise InvalidInput(_("Choose one of the six services."), field="service")
    now = _now()
    if rule:
        if starts_on is None or at_time is None:
            raise InvalidInput(_("A recurring order needs a start date and a time."), field="starts_on")
        if ends_on is not None and ends_on < starts_on:
            raise InvalidInput(_("The end date is before the start date."), field="ends_on")
        order.rule, _parsed = parse_rule(rule, starts_on=starts_on, at_time=at_time)
        order.starts_on, order.at_time, order.ends_on, order.scheduled_at = starts_on, at_time, ends_on, None
    else:
        if scheduled_at is None:
            raise InvalidInput(_("Say when the service is to be done."), field="scheduled_at")
        if scheduled_at < now - timedelta(days=1):
            raise InvalidInput(_("This time is in the past."), field="scheduled_at")
        order.rule, order.starts_on, order.at_time, order.ends_on = "", None, None, None
        order.scheduled_at = scheduled_at
    # A new schedule replaces the planned visits of the old one; those done stay.
    order.visits.filter(status=ServiceVisitStatus.PLANNED).delete()
    order.provider, order.service, order.status = provider, service, OrderStatus.SCHEDULED
    order.planned_until = None
    order.version += 1
    order.save()
    if order.recurring:
        _plan(order, today=timezone.localdate(now))
    else:
        ServiceVisit.objects.create(order=order, scheduled_for=scheduled_at)
    if provider.user_id:
        _notification(
            [provider.user_id],
            kind="care_order",
            message=_("You were given a care order: %(s)s") % {"s": order.get_service_display()},
            url=_order_url(order),
        )
    return order


def _plan(order: CareOrder, *, today: date) -> int:
    """Plan the visits of a recurring order up to PLAN_WEEKS ahead; planning again adds only the missing ones."""
    _rule, parsed = parse_rule(order.rule, starts_on=order.starts_on, at_time=order.at_time)
    horizon = today + timedelta(weeks=PLAN_WEEKS)
    if order.ends_on is not None:
        horizon = min(horizon, order.ends_on)
    start = max(order.starts_on, today)
    window = (
        timezone.make_aware(datetime.combine(start, time.min)),
        timezone.make_aware(datetime.combine(horizon, time.max)),
    )
    times = parsed.between(*window, inc=True)
    planned = set(
        ServiceVisit.objects.filter(order=order, scheduled_for__in=times).values_list(
            "scheduled_for", flat=True
        )
    )
    created = [ServiceVisit(order=order, scheduled_for=t) for t in times if t not in planned]
    # ignore_conflicts: a concurrent planner may have added the same visit meanwhile (unique on order and time)
    ServiceVisit.objects.bulk_create(created, ignore_conflicts=True)
    CareOrder.objects.filter(pk=order.pk).update(planned_until=horizon)
    order.planned_until = horizon
    return len(created)


def orders_plan_ahead(*, today: date | None = None) -> int:
    """Top up the planned visits of every scheduled recurring order (run by the sweep; idempotent)."""
    today = today or timezone.localdate()
    due = CareOrder.objects.filter(status=OrderStatus.SCHEDULED).exclude(rule="")
    due = due.filter(Q(planned_until__isnull=True) | Q(planned_until__lt=today + timedelta(weeks=PLAN_WEEKS)))
    due = due.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
    return sum(_plan(order, today=today) for order in due[:500])


def _save_photos(order: CareOrder, visit: ServiceVisit, uploads: Iterable[CheckedUpload], actor) -> None:
    """Store checked uploads; photos re-encoded without their EXIF location (FU-03)."""
    for up in uploads:
        if up.content_type.startswith("image/") and not up.cleaned:
            up = clean_photo(up).upload
        photo = CarePhoto(
            order=order,
            visit=visit,
            stored_name=f"{uuid.uuid4().hex}.{up.stored_extension}",
            original_name=up.name,
            content_type=up.content_type,
            size=up.size,
            uploaded_by=actor,
        )
        photo.file.save(photo.stored_name, up.file, save=False)
        photo.save()


@transaction.atomic
def order_complete(
    *,
    actor,
    order: CareOrder,
    note: str,
    photos: Iterable[CheckedUpload] = (),
    visit: ServiceVisit | None = None,
    version: int | None = None,
) -> ServiceVisit:
    """Record a service as done with notes and photos: the given visit, else the earliest planned one due by now.

    A one-off order is done with its visit; a recurring one stays scheduled for its next visits."""
    order = _locked_order(order, version)
    _require_handler(actor, order.resident)
    if order.status != OrderStatus.SCHEDULED:
        raise Conflict(_("Only a scheduled order can be completed."), field="status")
    if not note.strip():
        raise InvalidInput(_("Write what was done."), field="note")
    now = _now()
    planned = order.visits.select_for_update().filter(status=ServiceVisitStatus.PLANNED)
    if visit is not None:
        visit = planned.filter(pk=visit.pk).first()
    else:
        end_of_today = timezone.make_aware(datetime.combine(timezone.localdate(now), time.max))
        visit = planned.filter(scheduled_for__lte=end_of_today).order_by("scheduled_for").first()
    if visit is None:
        raise InvalidInput(_("No planned visit of this order is due."), field="visit")
    visit.status, visit.done_at, visit.done_by, visit.note = ServiceVisitStatus.DONE, now, actor, note.strip()
    visit.save()
    _save_photos(order, visit, photos, actor)
    fields = ["version"]
    order.version += 1
    if not order.recurring:
        order.status, order.completed_at = OrderStatus.DONE, now
        fields += ["status", "completed_at"]
    order.save(update_fields=fields)
    return visit


@transaction.atomic
def order_rate(*, actor, order: CareOrder, rating: int, comment: str = "") -> CareOrder:
    """The resident's verdict on the service (回访), 1 to 5; asked again it is replaced."""
    order = _locked_order(order, None)
    _require_handler(actor, order.resident)
    if not order.visits.filter(status=ServiceVisitStatus.DONE).exists():
        raise Conflict(_("Rate a service once it has been done."), field="rating")
    if not 1 <= int(rating) <= 5:
        raise InvalidInput(_("A rating is 1 to 5."), field="rating")
    order.rating, order.rating_comment = int(rating), comment.strip()[:300]
    order.rated_at, order.rated_by = _now(), actor
    order.version += 1
    order.save(update_fields=["rating", "rating_comment", "rated_at", "rated_by", "version"])
    return order


@transaction.atomic
def order_cancel(*, actor, order: CareOrder, version: int | None = None) -> CareOrder:
    """Cancel an open order and its planned visits; those done stay."""
    order = _locked_order(order, version)
    _require_handler(actor, order.resident)
    if order.status not in OPEN_ORDER_STATUSES:
        raise Conflict(_("Only an open order can be cancelled."), field="status")
    order.visits.filter(status=ServiceVisitStatus.PLANNED).update(status=ServiceVisitStatus.CANCELLED)
    order.status = OrderStatus.CANCELLED
    order.version += 1
    order.save(update_fields=["status", "version"])
    return order
