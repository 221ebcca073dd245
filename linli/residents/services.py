"""Every write to the registry: one function each, keyword-only, in one transaction, audited where PI is touched."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.choices import Role
from linli.cases.choices import Channel
from linli.cases.services import case_create, grid_worker
from linli.core.audit import audit
from linli.core.errors import Conflict, InvalidInput, NotAllowed, check_version
from linli.core.fields import index_candidates
from linli.core.validators import (
    id_number_birth_date,
    id_number_gender,
    mask_id_number,
    mask_name,
    mask_phone,
    normalize_id_number,
    normalize_phone,
    validate_id_number,
    validate_personal_phone,
)
from linli.core.workdays import add_working_days

from .choices import HANDLER_ROLES, Field, Gender, RequestKind, RequestStatus, Tenure
from .models import (
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
from .selectors import is_handler_here, may_use_registry, present_resident, resident_list, roles_here

# The fields of a resident that services may change, and what a data-subject correction may touch.
RESIDENT_FIELDS = (
    "name",
    "gender",
    "birth_date",
    "id_number",
    "phone",
    "relationship",
    "moved_in",
    "moved_out",
    "notes",
)
ANONYMOUS_NAME = "已注销"
MIN_REASON = 2  # "回访", "核对": two characters already say why in Chinese


def _now() -> datetime:
    return timezone.now()


def _require_handler(actor, household: Household) -> None:
    if not is_handler_here(actor, household):
        raise NotAllowed(
            _("Only the grid's workers and the community's secretary may change this household.")
        )


def _clean_resident(values: dict, *, exclude_pk: int | None = None) -> dict:
    """Validate and normalise resident input; birth date and gender follow the ID number when they are missing."""
    out = dict(values)
    if "name" in out:
        out["name"] = (out["name"] or "").strip()
        if not out["name"]:
            raise InvalidInput(_("Enter the resident's name."), field="name")
        if len(out["name"]) > 50:
            raise InvalidInput(_("A name has at most 50 characters."), field="name")
    if out.get("id_number"):
        out["id_number"] = normalize_id_number(out["id_number"])
        try:
            validate_id_number(out["id_number"])
        except ValidationError as exc:
            raise InvalidInput(exc.messages[0], field="id_number") from exc
        birth, gender = id_number_birth_date(out["id_number"]), id_number_gender(out["id_number"])
        if out.get("birth_date") and out["birth_date"] != birth:
            raise InvalidInput(_("The birth date does not match the ID number."), field="birth_date")
        if out.get("gender") and out["gender"] != gender:
            raise InvalidInput(_("The gender does not match the ID number."), field="gender")
        out["birth_date"], out["gender"] = birth, gender
        taken = Resident.objects.current().filter(
            id_index__in=index_candidates("id_number", out["id_number"], normalize_id_number)
        )
        if exclude_pk:
            taken = taken.exclude(pk=exclude_pk)
        if taken.exists():
            raise InvalidInput(_("A resident with this ID number is already registered."), field="id_number")
    if out.get("phone"):
        out["phone"] = normalize_phone(out["phone"])
        try:
            validate_personal_phone(out["phone"])
        except ValidationError as exc:
            raise InvalidInput(exc.messages[0], field="phone") from exc
    if out.get("gender") and out["gender"] not in Gender.values:
        raise InvalidInput(_("Choose a gender from the list."), field="gender")
    if out.get("moved_in") and out.get("moved_out") and out["moved_out"] < out["moved_in"]:
        raise InvalidInput(_("The move-out date is before the move-in date."), field="moved_out")
    return out


# ----------------------------------------------------------------------------- households and residents


@transaction.atomic
def household_create(
    *,
    actor,
    building,
    room: str,
    unit=None,
    floor: int | None = None,
    address: str = "",
    tenure: str = Tenure.OWNER,
    occupancy: str = "occupied",
    notes: str = "",
    request=None,
) -> Household:
    community = building.compound.community
    household = Household(
        building=building,
        unit=unit,
        grid_id=building.grid_id,
        community=community,
        street_id=community.street_id,
        floor=floor,
        room=(room or "").strip(),
        address=address
        or compose_address(building.compound.name, building.name, unit.name if unit else "", room),
        tenure=tenure,
        occupancy=occupancy,
        notes=notes,
    )
    _require_handler(actor, household)
    if not household.room:
        raise InvalidInput(_("Enter the room number."), field="room")
    if Household.objects.filter(room_index__in=index_candidates("room", household.room_key)).exists():
        raise InvalidInput(_("This room is already registered as a household."), field="room")
    household.save()
    audit("registry.household_create", actor=actor, request=request, obj=household)
    return household


@transaction.atomic
def resident_create(*, actor, household: Household, request=None, **values) -> Resident:
    _require_handler(actor, household)
    unknown = set(values) - set(RESIDENT_FIELDS)
    if unknown:
        raise InvalidInput(_("This field cannot be set here."), field=sorted(unknown)[0])
    values = _clean_resident({"name": values.get("name", ""), **values})
    resident = Resident(household=household, community_id=household.community_id, **values)
    resident.save()
    audit("registry.resident_create", actor=actor, request=request, obj=resident)
    return resident


@transaction.atomic
def resident_update(*, actor, resident: Resident, version: int | None, request=None, **changes) -> Resident:
    """Change a resident's details; a stale ``version`` is refused (two people never overwrite each other)."""
    resident = Resident.objects.select_for_update().select_related("household").get(pk=resident.pk)
    _require_handler(actor, resident.household)
    check_version(resident, version)
    if resident.anonymised_at:
        raise Conflict(_("This resident's data was deleted on request."))
    unknown = set(changes) - set(RESIDENT_FIELDS)
    if unknown:
        raise InvalidInput(_("This field cannot be changed here."), field=sorted(unknown)[0])
    changes = _clean_resident(changes, exclude_pk=resident.pk)
    for key, value in changes.items():
        setattr(resident, key, value)
    resident.version = F("version") + 1
    resident.save()
    resident.refresh_from_db()
    audit("registry.resident_update", actor=actor, request=request, obj=resident, fields=sorted(changes))
    return resident


@transaction.atomic
def tag_add(
    *,
    actor,
    tag: Tag,
    resident: Resident | None = None,
    household: Household | None = None,
    grade: str = "",
    note: str = "",
    request=None,
) -> TagAssignment:
    """Put a tag on a resident or a household; who and when are kept, and 高龄 can never be set by hand."""
    if (resident is None) == (household is None):
        raise InvalidInput(_("Tag either a resident or a household."), field="tag")
    place = household or resident.household
    _require_handler(actor, place)
    if tag.derived:
        raise InvalidInput(
            _("%(tag)s follows from the birth date and cannot be set by hand.") % {"tag": tag.name},
            field="tag",
        )
    if not tag.visible_for(roles_here(actor, place)):
        raise NotAllowed(_("Your role may not see or set this tag."), field="tag")
    if not tag.has_grade and grade:
        raise InvalidInput(_("This tag has no grade."), field="grade")
    subject = {"resident": resident} if resident is not None else {"household": household}
    if TagAssignment.objects.filter(tag=tag, removed_at__isnull=True, **subject).exists():
        raise InvalidInput(_("The tag is already set."), field="tag")
    assignment = TagAssignment.objects.create(
        tag=tag, grade=grade.strip()[:20], note=note.strip()[:200], added_by=actor, added_at=_now(), **subject
    )
    if resident is not None and tag.visit_every_days and not resident.visit_every_days:
        care_plan_set(
            actor=actor,
            resident=resident,
            visit_every_days=tag.visit_every_days,
            care_worker=resident.care_worker or (grid_worker(place.grid_id) if place.grid_id else None),
        )
    return assignment


@transaction.atomic
def tag_remove(*, actor, assignment: TagAssignment, request=None) -> TagAssignment:
    assignment = TagAssignment.objects.select_for_update().select_related("tag").get(pk=assignment.pk)
    place = assignment.household or assignment.resident.household
    _require_handler(actor, place)
    if not assignment.tag.visible_for(roles_here(actor, place)):
        raise NotAllowed(_("Your role may not see or set this tag."), field="tag")
    if assignment.removed_at is None:
        assignment.removed_at, assignment.removed_by = _now(), actor
        assignment.save(update_fields=["removed_at", "removed_by"])
    return assignment


# ----------------------------------------------------------------------------- care


@transaction.atomic
def emergency_contact_add(
    *, actor, resident: Resident, name: str, phone: str, relation: str = "", priority: int = 1
) -> EmergencyContact:
    _require_handler(actor, resident.household)
    name, phone = (name or "").strip(), normalize_phone(phone)
    if not name:
        raise InvalidInput(_("Enter the contact's name."), field="name")
    try:
        validate_personal_phone(phone)
    except ValidationError as exc:
        raise InvalidInput(exc.messages[0], field="phone") from exc
    if not phone:
        raise InvalidInput(_("Enter the contact's phone."), field="phone")
    return EmergencyContact.objects.create(
        resident=resident, name=name[:50], relation=relation.strip()[:30], phone=phone, priority=priority
    )


@transaction.atomic
def care_plan_set(*, actor, resident: Resident, visit_every_days: int | None, care_worker=None) -> Resident:
    """Who looks after a resident and how often they are visited; the next due date follows the last visit."""
    resident = Resident.objects.select_for_update().select_related("household").get(pk=resident.pk)
    _require_handler(actor, resident.household)
    if visit_every_days is not None and not 1 <= int(visit_every_days) <= 365:
        raise InvalidInput(_("Visits are every 1 to 365 days."), field="visit_every_days")
    if care_worker is not None and not (roles_here(care_worker, resident.household) & HANDLER_ROLES):
        raise InvalidInput(
            _("The responsible person must work in this resident's grid or community."), field="care_worker"
        )
    resident.visit_every_days = visit_every_days
    resident.care_worker = care_worker
    resident.next_visit_due = _next_due(resident)
    resident.save(update_fields=["visit_every_days", "care_worker", "next_visit_due", "updated_at"])
    return resident


def _next_due(resident: Resident) -> date | None:
    return visit_due_date(resident.last_visit_at, resident.visit_every_days)


@transaction.atomic
def visit_record(
    *,
    actor,
    resident: Resident,
    kind: str = "home",
    note: str = "",
    visited_at: datetime | None = None,
    raise_case: dict | None = None,
) -> Visit:
    """探访: record a visit; ``raise_case`` (title, category, description) opens a case from what was found."""
    resident = Resident.objects.select_for_update().select_related("household__building").get(pk=resident.pk)
    _require_handler(actor, resident.household)
    visited_at = visited_at or _now()
    if visited_at > _now() + timedelta(minutes=5):
        raise InvalidInput(_("A visit cannot be in the future."), field="visited_at")
    case = None
    if raise_case:
        case = case_create(
            actor=actor,
            title=raise_case["title"],
            category=raise_case["category"],
            description=raise_case.get("description", ""),
            channel=Channel.PATROL,
            building=resident.household.building,
            reporter_name=resident.name,
            reporter_phone=resident.phone,
            resident=resident,
        )
    visit = Visit.objects.create(
        resident=resident,
        visitor=actor,
        kind=kind,
        visited_at=visited_at,
        note=note.strip()[:2000],
        case=case,
    )
    if resident.last_visit_at is None or visited_at > resident.last_visit_at:
        resident.last_visit_at = visited_at
        resident.next_visit_due = _next_due(resident)
        resident.save(update_fields=["last_visit_at", "next_visit_due", "updated_at"])
    return visit


# ----------------------------------------------------------------------------- reveals and exports


def field_reveal(*, actor, subject, field: str, reason: str, request=None) -> str:
    """Show one protected value in full to a handler who gives a reason; every reveal is audited (who, whom, why)."""
    household = subject if isinstance(subject, Household) else subject.household
    reason = (reason or "").strip()
    if field not in Field.values or (isinstance(subject, Household) != (field == Field.ADDRESS)):
        raise InvalidInput(_("This field cannot be revealed."), field="field")
    if not is_handler_here(actor, household):
        audit("pi.reveal", actor=actor, request=request, obj=subject, outcome="denied", field=field)
        raise NotAllowed(_("Your role sees this field masked only."), field="field")
    if len(reason) < MIN_REASON:
        raise InvalidInput(_("Say why you need the full value (at least two characters)."), field="reason")
    value = {
        Field.ID_NUMBER: lambda: subject.id_number,
        Field.PHONE: lambda: subject.phone,
        Field.ADDRESS: lambda: subject.address or str(subject),
    }[field]()
    audit("pi.reveal", actor=actor, request=request, obj=subject, reason=reason, field=field)
    return value


EXPORT_HEADERS = (
    "小区",
    "楼栋",
    "单元",
    "房号",
    "姓名",
    "性别",
    "年龄",
    "身份证号",
    "手机号",
    "与户主关系",
    "标签",
)


def registry_export(
    *,
    actor,
    residents,
    filters: dict,
    unmasked: bool = False,
    reason: str = "",
    request=None,
    approved: ExportRequest | None = None,
) -> bytes:
    """An .xlsx of the filtered residents: masked unless a handler asks with a reason; capped (SECURITY.md RL-03).

    Above ``LINLI_EXPORT_MAX_ROWS`` rows the export waits for approval: an ExportRequest is filed and
    ``NotAllowed`` (code ``export_needs_approval``) names it."""
    from openpyxl import Workbook

    if not may_use_registry(actor):
        raise NotAllowed(_("Your role may not export the registry."))
    reason = (reason or "").strip()
    rows = list(residents[: settings.LINLI_EXPORT_MAX_ROWS + 1]) if approved is None else list(residents)
    if unmasked:
        if len(reason) < MIN_REASON:
            raise InvalidInput(
                _("Say why you need the full values (at least two characters)."), field="reason"
            )
        if not all(is_handler_here(actor, r.household) for r in rows):
            audit(
                "registry.export",
                actor=actor,
                request=request,
                outcome="denied",
                rows=len(rows),
                unmasked=True,
            )
            raise NotAllowed(
                _("Only the grid's workers and the secretary may export full values."), field="unmasked"
            )
    if approved is None and len(rows) > settings.LINLI_EXPORT_MAX_ROWS:
        communities = list(residents.order_by().values_list("community_id", flat=True).distinct()[:2])
        pending = ExportRequest.objects.create(
            requested_by=actor,
            # the community whose secretary decides; a street-wide export is decided by the street office
            community_id=communities[0] if len(communities) == 1 else None,
            filters=filters,
            rows=residents.count(),
            unmasked=unmasked,
            reason=reason[:300] or "-",
        )
        audit(
            "registry.export",
            actor=actor,
            request=request,
            obj=pending,
            outcome="denied",
            reason=reason,
            rows=pending.rows,
            unmasked=unmasked,
            pending=True,
        )
        raise NotAllowed(
            _("This export has %(n)d rows, more than %(cap)d: it waits for approval.")
            % {"n": pending.rows, "cap": settings.LINLI_EXPORT_MAX_ROWS},
            code="export_needs_approval",
            export_request=pending.pk,
        )
    book = Workbook(write_only=True)
    sheet = book.create_sheet("居民信息")
    sheet.append(EXPORT_HEADERS)
    today = timezone.localdate()
    for r in rows:
        view = present_resident(actor, r, on=today)
        h = r.household
        sheet.append(
            [
                h.building.compound.name,
                h.building.name,
                h.unit.name if h.unit_id else "",
                h.room if (unmasked or view.handler) else "***",
                r.name if unmasked else (view.name if view.handler else mask_name(r.name)),
                r.get_gender_display() if r.gender else "",
                view.age,
                r.id_number if unmasked else mask_id_number(r.id_number),
                r.phone if unmasked else mask_phone(r.phone),
                r.get_relationship_display(),
                "、".join(t.name for t in view.tags),
            ]
        )
    out = io.BytesIO()
    book.save(out)
    audit(
        "registry.export",
        actor=actor,
        request=request,
        reason=reason,
        rows=len(rows),
        unmasked=unmasked,
        filters=filters,
        approval=approved.pk if approved else None,
    )
    return out.getvalue()


@transaction.atomic
def export_decide(*, actor, export: ExportRequest, approve: bool, request=None) -> ExportRequest:
    """A secretary (of the community) or street officer approves or refuses someone else's large export."""
    export = ExportRequest.objects.select_for_update().get(pk=export.pk)
    if export.status != ExportRequest.Status.PENDING:
        raise Conflict(_("This export request was already decided."))
    if export.requested_by_id == actor.pk:
        raise NotAllowed(_("Someone other than the requester must approve an export."))
    if not may_decide_export(actor, export):
        raise NotAllowed(_("Only the community's secretary or its street office may decide this export."))
    export.status = ExportRequest.Status.APPROVED if approve else ExportRequest.Status.REFUSED
    export.decided_by, export.decided_at = actor, _now()
    export.save(update_fields=["status", "decided_by", "decided_at"])
    audit("registry.export_decide", actor=actor, request=request, obj=export, approved=approve)
    return export


EXPORT_FILTERS = ("grid", "building", "tag", "name", "include_moved_out")


@transaction.atomic
def export_download(*, actor, export: ExportRequest, request=None) -> bytes:
    """The requester downloads an approved export once: the request is claimed (approved → used) first."""
    if export.requested_by_id != actor.pk:
        raise NotAllowed(_("Only the person who asked for this export may download it."))
    claimed = ExportRequest.objects.filter(pk=export.pk, status=ExportRequest.Status.APPROVED).update(
        status=ExportRequest.Status.USED
    )
    if not claimed:
        raise NotAllowed(_("This export is not approved, or was already downloaded."))
    filters = {k: export.filters[k] for k in EXPORT_FILTERS if k in export.filters}
    return registry_export(
        actor=actor,
        residents=resident_list(actor, **filters),
        filters=export.filters,
        unmasked=export.unmasked,
        reason=export.reason,
        request=request,
        approved=export,
    )


def may_decide_export(user, export: ExportRequest) -> bool:
    """Someone other than the requester who answers for the rows: the community's secretary or its street office
    (for rows of several communities, a street officer of the requester's street)."""
    if export.requested_by_id == user.pk:
        return False
    scope = user.scope
    if export.community_id is not None:
        return export.community_id in scope.community_ids or export.community.street_id in scope.street_ids
    return bool(scope.street_ids & export.requested_by.scope.street_ids)


# ----------------------------------------------------------------------------- data-subject rights (PIPL)


@transaction.atomic
def data_request_create(
    *,
    actor,
    resident: Resident,
    kind: str,
    details: str = "",
    received_at: datetime | None = None,
    request=None,
) -> DataSubjectRequest:
    """Record a resident's request to see, correct or delete their data; it is due in 15 working days."""
    _require_handler(actor, resident.household)
    if kind not in RequestKind.values:
        raise InvalidInput(_("Choose what the resident asks for."), field="kind")
    received_at = received_at or _now()
    deadline = add_working_days(received_at, settings.LINLI_DATA_REQUEST_WORKING_DAYS)
    dsr = DataSubjectRequest.objects.create(
        kind=kind,
        resident=resident,
        community_id=resident.community_id,
        details=details.strip()[:2000],
        received_at=received_at,
        due_date=deadline.due.date(),
        due_estimated=deadline.estimated,
        received_by=actor,
    )
    audit("pi.request_create", actor=actor, request=request, obj=dsr, kind=kind)
    return dsr


def data_request_export(*, actor, dsr: DataSubjectRequest, request=None) -> dict:
    """Everything the registry holds on the resident, in full, for handing to them (查阅复制)."""
    resident = dsr.resident
    _require_handler(actor, resident.household)
    h = resident.household
    data = {
        "resident": {
            "name": resident.name,
            "gender": resident.gender,
            "birth_date": resident.birth_date.isoformat() if resident.birth_date else None,
            "id_number": resident.id_number,
            "phone": resident.phone,
            "relationship": resident.relationship,
            "moved_in": resident.moved_in.isoformat() if resident.moved_in else None,
            "moved_out": resident.moved_out.isoformat() if resident.moved_out else None,
            "notes": resident.notes,
        },
        "household": {
            "address": h.address,
            "building": str(h.building),
            "unit": h.unit.name if h.unit_id else "",
            "room": h.room,
            "tenure": h.tenure,
        },
        "tags": [
            {
                "tag": a.tag.name,
                "grade": a.grade,
                "set_at": a.added_at.isoformat(),
                "removed_at": a.removed_at.isoformat() if a.removed_at else None,
            }
            for a in TagAssignment.objects.filter(resident=resident).select_related("tag")
        ],
        "emergency_contacts": [
            {"name": c.name, "relation": c.relation, "phone": c.phone}
            for c in resident.emergency_contacts.all()
        ],
        "visits": [
            {"at": v.visited_at.isoformat(), "kind": v.kind, "note": v.note} for v in resident.visits.all()
        ],
        "cases": [
            {
                "number": c.number,
                "title": c.title,
                "status": c.status,
                "received_at": c.received_at.isoformat(),
            }
            for c in resident.cases.all()
        ],
    }
    audit("pi.request_export", actor=actor, request=request, obj=dsr)
    return data


@transaction.atomic
def data_request_close(
    *,
    actor,
    dsr: DataSubjectRequest,
    outcome: str,
    refuse: bool = False,
    corrections: dict | None = None,
    request=None,
) -> DataSubjectRequest:
    """Answer the request: apply the corrections, anonymise on a deletion, or refuse with a reason."""
    dsr = DataSubjectRequest.objects.select_for_update().select_related("resident__household").get(pk=dsr.pk)
    _require_handler(actor, dsr.resident.household)
    if dsr.status != RequestStatus.OPEN:
        raise Conflict(_("This request is already closed."))
    outcome = (outcome or "").strip()
    if not outcome:
        raise InvalidInput(_("Say what was done, or why the request is refused."), field="outcome")
    if not refuse:
        if dsr.kind == RequestKind.CORRECT:
            if not corrections:
                raise InvalidInput(_("Give the corrected values."), field="corrections")
            resident_update(actor=actor, resident=dsr.resident, version=None, request=request, **corrections)
        elif dsr.kind == RequestKind.DELETE:
            resident_anonymise(actor=actor, resident=dsr.resident, request=request)
    dsr.status = RequestStatus.REFUSED if refuse else RequestStatus.DONE
    dsr.closed_by, dsr.closed_at, dsr.outcome = actor, _now(), outcome[:2000]
    dsr.save(update_fields=["status", "closed_by", "closed_at", "outcome"])
    audit("pi.request_close", actor=actor, request=request, obj=dsr, kind=dsr.kind, refused=refuse)
    return dsr


@transaction.atomic
def resident_anonymise(*, actor, resident: Resident, request=None) -> Resident:
    """Delete a resident's personal data on request, keeping a stub so cases and the audit trail still add up."""
    resident = Resident.objects.select_for_update().select_related("household").get(pk=resident.pk)
    _require_handler(actor, resident.household)
    resident.name = ANONYMOUS_NAME
    resident.id_number = resident.phone = resident.notes = ""
    resident.birth_date = None
    resident.gender = ""
    resident.moved_out = resident.moved_out or timezone.localdate()
    resident.visit_every_days = resident.next_visit_due = None
    resident.care_worker = None
    resident.anonymised_at = _now()
    resident.version = F("version") + 1
    resident.save()
    resident.emergency_contacts.all().delete()
    TagAssignment.objects.filter(resident=resident).delete()
    Visit.objects.filter(resident=resident).update(note="")
    from linli.cases.models import Case

    Case.objects.filter(resident=resident).update(reporter_name="", reporter_phone="")
    resident.refresh_from_db()
    audit("pi.anonymise", actor=actor, request=request, obj=resident)
    return resident


def data_requests_sweep(*, now: datetime | None = None) -> int:
    """Tell the secretary (and whoever took it in) once about each open request past its due date.

    Run by the deadline monitor; a conditional UPDATE claims each request, so a second sweep or a second worker
    never tells twice."""
    from linli.accounts.models import RoleAssignment
    from linli.core.models import Notification

    now = now or _now()
    late = DataSubjectRequest.objects.filter(
        status=RequestStatus.OPEN,
        due_date__lt=timezone.localtime(now).date(),
        overdue_notified_at__isnull=True,
    )
    told = 0
    for dsr in late.select_related("community"):
        if not DataSubjectRequest.objects.filter(pk=dsr.pk, overdue_notified_at__isnull=True).update(
            overdue_notified_at=now
        ):
            continue
        recipients = set(
            RoleAssignment.objects.filter(role=Role.SECRETARY, community_id=dsr.community_id).values_list(
                "user_id", flat=True
            )
        ) | {dsr.received_by_id}
        message = _("A data request (%(kind)s) was due on %(due)s and is still open.") % {
            "kind": dsr.get_kind_display(),
            "due": f"{dsr.due_date:%Y-%m-%d}",
        }
        url = reverse("residents:request", args=[dsr.pk])
        Notification.objects.bulk_create(
            [
                Notification(recipient_id=uid, kind="data_request_overdue", message=message, url=url)
                for uid in recipients
            ]
        )
        told += 1
    return told
