"""Every change to a case: one function per transition, one transaction, one timeline entry.

Views, the API, commands and tests all call these; nothing else saves a Case."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable
from contextlib import nullcontext
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.db.models.sql import InsertQuery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.choices import Role
from linli.accounts.models import RoleAssignment, User
from linli.core.errors import Conflict, InvalidInput, NotAllowed
from linli.core.images import clean_photo
from linli.core.models import Notification
from linli.core.uploads import CheckedUpload
from linli.core.workdays import add_working_days
from linli.org.locator import locate_place, locator
from linli.org.models import Building, Community, Department, Grid, Street
from linli.residents.choices import REGISTRY_ROLES
from linli.residents.models import Resident
from linli.residents.selectors import needs_urgent_care, residents_with_phone

from .choices import (
    AWAITING_RESPONSE,
    OPEN_STATUSES,
    OPEN_WHISTLE_STATUSES,
    Action,
    Channel,
    Satisfaction,
    Status,
    Urgency,
    WhistleStatus,
)
from .models import Attachment, Case, CaseEvent, Category, Whistle
from .signals import case_changed
from .workflow import TRANSITIONS, case_roles

# ---------------------------------------------------------------- helpers


def _now() -> datetime:
    return timezone.now()


def compute_deadlines(*, category: Category, urgency: str, received_at: datetime) -> dict[str, Any]:
    """Response and resolution deadlines from the category's SLA policy (recomputable at any time)."""
    minutes = category.urgent_response_minutes if urgency == Urgency.URGENT else category.response_minutes
    resolution = add_working_days(received_at, category.resolution_working_days)
    return {
        "response_due_at": received_at + timedelta(minutes=minutes),
        "resolution_due_at": resolution.due,
        "deadline_estimated": resolution.estimated,
    }


def grid_worker(grid_id: int) -> User | None:
    """The grid's worker who receives its new cases: the first one assigned to it (from the locator snapshot)."""
    place = locator.place(grid_id)
    if place is not None:
        return place.worker_user()
    # A grid created by another process since this one last read the grids.
    return (
        User.objects.filter(roles__role=Role.GRID_WORKER, roles__grid_id=grid_id)
        .order_by("roles__id")
        .first()
    )


def _notify(user_ids: Iterable[int], *, kind: str, message: str, case: Case) -> None:
    recipients = {uid for uid in user_ids if uid}
    if not recipients:
        return
    url = reverse("cases:detail", args=[case.pk])
    Notification.objects.bulk_create(
        [Notification(recipient_id=uid, kind=kind, message=message[:300], url=url) for uid in recipients]
    )


def _holders(role: str, **unit) -> list[int]:
    """The ids of the users holding `role` for one org unit (e.g. grid_id=…, department_id=…)."""
    return list(RoleAssignment.objects.filter(role=role, **unit).values_list("user_id", flat=True))


def next_level_up(case: Case) -> list[int]:
    """Who is told when a case runs late: the grid leaders, else the community's secretaries, else the street."""
    for role, field, value in (
        (Role.GRID_LEADER, "grid_id", case.grid_id),
        (Role.SECRETARY, "community_id", case.community_id),
        (Role.STREET_OFFICER, "street_id", case.street_id),
    ):
        if value is None:
            continue
        ids = _holders(role, **{field: value})
        if ids:
            return ids
    return _holders(Role.ADMIN)


def _save_attachments(case: Case, event: CaseEvent, uploads: Iterable[CheckedUpload], actor) -> None:
    """Store checked uploads; every photo is stored re-encoded, without its EXIF location (FU-03)."""
    for up in uploads:
        if up.content_type.startswith("image/") and not up.cleaned:
            up = clean_photo(up).upload
        att = Attachment(
            case=case,
            event=event,
            stored_name=f"{uuid.uuid4().hex}.{up.stored_extension}",
            original_name=up.name,
            content_type=up.content_type,
            size=up.size,
            uploaded_by=actor,
        )
        att.file.save(att.stored_name, up.file, save=False)
        att.save()


def _event(
    case: Case, *, action: str, actor, from_status: str, to_status: str, note: str = "", data=None, at=None
):
    return CaseEvent.objects.create(
        case=case,
        action=action,
        actor=actor,
        created_at=at or _now(),
        from_status=from_status,
        to_status=to_status,
        note=note,
        data=data or {},
    )


def _transition(
    *,
    case: Case,
    actor,
    action: str,
    expected_version: int | None,
    note: str = "",
    updates: dict[str, Any] | None = None,
    target: str | None = None,
    data: dict | None = None,
    attachments: Iterable[CheckedUpload] = (),
    check=None,
) -> tuple[Case, CaseEvent]:
    """Apply one transition under a row lock and a version check; write its timeline entry.

    `check(locked_case, roles)` may raise to refuse the action after the state and role checks."""
    rule = TRANSITIONS[action]
    with transaction.atomic():
        locked = Case.objects.select_for_update().select_related("category").get(pk=case.pk)
        if expected_version is not None and locked.version != expected_version:
            raise Conflict(
                _("This case was changed by someone else. Reload it and try again."),
                field="version",
                code="stale_version",
                case_id=locked.pk,
            )
        roles = case_roles(actor, locked)
        if not roles & rule.roles:
            raise NotAllowed(_("You may not do this on this case."), code="not_allowed")
        if locked.status not in rule.sources:
            raise Conflict(
                _("“%(action)s” is not possible for a case that is “%(status)s”.")
                % {"status": locked.get_status_display(), "action": Action(action).label},
                field="action",
                code="invalid_transition",
                case_id=locked.pk,
            )
        if check is not None:
            check(locked, roles)
        from_status = locked.status
        to_status = target or rule.target_from(from_status)
        fields = dict(updates or {})
        fields["status"] = to_status
        changed = Case.objects.filter(pk=locked.pk, version=locked.version).update(
            version=F("version") + 1, updated_at=_now(), **fields
        )
        if changed != 1:  # cannot happen under the row lock, but a lost write must never pass silently
            raise Conflict(
                _("This case was changed by someone else."), code="stale_version", case_id=locked.pk
            )
        event = _event(
            locked,
            action=action,
            actor=actor,
            from_status=from_status,
            to_status=to_status,
            note=note,
            data=data,
        )
        _save_attachments(locked, event, attachments, actor)
        locked.refresh_from_db()
        case_changed.send(sender=Case, case=locked, action=action, event=event)
    return locked, event


# ---------------------------------------------------------------- intake


def _validate_point(lat, lon) -> None:
    if (lat is None) != (lon is None):
        raise InvalidInput(
            _("Give both latitude and longitude, or neither."), field="lat" if lat is None else "lon"
        )
    if lat is not None and not (-90 <= lat <= 90):
        raise InvalidInput(_("Latitude must be between -90 and 90."), field="lat")
    if lon is not None and not (-180 <= lon <= 180):
        raise InvalidInput(_("Longitude must be between -180 and 180."), field="lon")


def case_create(
    *,
    actor: User,
    title: str,
    category: Category,
    description: str = "",
    channel: str = Channel.PHONE,
    urgency: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
    address: str = "",
    building: Building | None = None,
    grid: Grid | None = None,
    community: Community | None = None,
    assignee: User | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    attachments: Iterable[CheckedUpload] = (),
    received_at: datetime | None = None,
    resident: Resident | None = None,
    attributes: dict | None = None,
) -> Case:
    """受理: take a case in, locate it, assign it to the grid's worker and set its deadlines.

    The case links to the registered resident who reports it (given, or found by the reporter's phone within the
    actor's scope); a resident living alone or unable to care for themselves makes it urgent unless the actor
    chose the urgency.

    A person may override the suggested grid and assignee; a case that cannot be located still lands in
    its community's (or street's) triage queue.  The returned case holds its category, grid, community, street
    and assignee, so answering needs no further query."""
    scope = actor.scope
    if not (scope.is_staff_member or Role.REPORTER in scope.roles):
        raise NotAllowed(_("Your role may not take in cases."))
    if scope.is_reporter_only:
        channel = Channel.PART_TIME_REPORTER
    _check_intake(title, category, lat, lon)
    grid, community, street, lat, lon, address = _place(
        building=building, grid=grid, community=community, lat=lat, lon=lon, address=address
    )
    if community is None:
        default = scope.default_community_id()
        community = Community.objects.select_related("street").get(pk=default) if default else None
        street = community.street if community is not None else street
    if street is None and len(scope.street_ids) == 1:
        street = Street.objects.get(pk=next(iter(scope.street_ids)))

    if not scope.is_admin and not _may_take_in_for(scope, grid=grid, community=community, street=street):
        raise NotAllowed(_("This place is outside your area."), field="grid")
    resident = _reporting_resident(actor, resident, reporter_phone, community)
    return _take_in(
        actor=actor,
        title=title,
        category=category,
        description=description,
        channel=channel,
        urgency=urgency,
        place=(grid, community, street, lat, lon, address),
        building=building,
        assignee=assignee,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        resident=resident,
        reported_by=actor if Role.REPORTER in scope.roles and not scope.is_staff_member else None,
        attachments=attachments,
        received_at=received_at,
        attributes=attributes,
    )


def case_create_public(
    *,
    channel: str,
    title: str,
    category: Category,
    description: str = "",
    lat: float | None = None,
    lon: float | None = None,
    address: str = "",
    building: Building | None = None,
    community: Community | None = None,
    street: Street | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    attachments: Iterable[CheckedUpload] = (),
    attributes: dict | None = None,
) -> Case:
    """受理 of a case from the public (the resident pages, an Open311 client): nobody signs in, so there is no
    scope to check; the case is located like any other and goes to its grid's worker or its triage queue.

    A phone that belongs to exactly one current resident of the community links the case to them (so someone
    living alone gets an urgent case); the reporter learns nothing of the registry from the answer."""
    _check_intake(title, category, lat, lon)
    grid, community, found_street, lat, lon, address = _place(
        building=building, grid=None, community=community, lat=lat, lon=lon, address=address
    )
    street = found_street or street
    resident = None
    if reporter_phone and community is not None:
        found = residents_with_phone(community.pk, reporter_phone)
        resident = Resident(pk=found[0][0]) if len(found) == 1 else None
    return _take_in(
        actor=None,
        title=title,
        category=category,
        description=description,
        channel=channel,
        urgency=None,
        place=(grid, community, street, lat, lon, address),
        building=building,
        assignee=None,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        resident=resident,
        reported_by=None,
        attachments=attachments,
        received_at=None,
        attributes=attributes,
    )


def _check_intake(title: str, category: Category, lat, lon) -> None:
    if not title.strip():
        raise InvalidInput(_("Give the case a title."), field="title")
    if not category.is_active:
        raise InvalidInput(_("This category is no longer in use."), field="category")
    _validate_point(lat, lon)


def _place(*, building, grid, community, lat, lon, address):
    """(grid, community, street, lat, lon, address) of a new case: from its building, else its point."""
    if building is not None:
        grid = grid or building.grid
        community = community or building.compound.community
        if lat is None and building.lat is not None:
            lat, lon = building.lat, building.lon
        address = address or str(building)
    if grid is None and lat is not None:
        place = locate_place(lat, lon)
        grid = place.grid() if place else None
    if grid is not None:
        community = grid.community
    street = community.street if community is not None else None
    return grid, community, street, lat, lon, address


def _take_in(
    *,
    actor: User | None,
    title: str,
    category: Category,
    description: str,
    channel: str,
    urgency: str | None,
    place: tuple,
    building: Building | None,
    assignee: User | None,
    reporter_name: str,
    reporter_phone: str,
    resident: Resident | None,
    reported_by: User | None,
    attachments: Iterable[CheckedUpload],
    received_at: datetime | None,
    attributes: dict | None,
) -> Case:
    """Write a located, checked new case: urgency, assignee, deadlines, tracking code, timeline, photos."""
    grid, community, street, lat, lon, address = place
    if urgency is None:
        urgency = Urgency.URGENT if resident is not None and needs_urgent_care(resident) else Urgency.NORMAL
    if assignee is None and grid is not None:
        assignee = grid_worker(grid.pk)
    received_at = received_at or _now()
    status = Status.ASSIGNED if assignee else Status.RECEIVED
    case = Case(
        title=title.strip()[:120],
        description=description,
        category=category,
        channel=channel,
        urgency=urgency,
        status=status,
        street=street,
        community=community,
        grid=grid,
        building=building,
        address=address,
        lat=lat,
        lon=lon,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        resident=resident,
        reported_by=reported_by,
        created_by=actor,
        assignee=assignee,
        received_at=received_at,
        assigned_at=received_at if assignee else None,
        tracking_code=new_tracking_code(),
        attributes=attributes or {},
        **compute_deadlines(category=category, urgency=urgency, received_at=received_at),
    )
    event = CaseEvent(
        case=case,
        action=Action.CREATE,
        actor=actor,
        created_at=received_at,
        from_status="",
        to_status=status,
        data={"grid": grid.pk if grid else None, "assignee": case.assignee_id, "channel": channel},
    )
    attachments = list(attachments)
    triage = urgency == Urgency.URGENT and grid is None and community is not None
    notify_assignee = assignee is not None and (actor is None or assignee.pk != actor.pk)
    # _write_new_case is atomic by itself: a surrounding transaction is needed only when more rows follow.
    with transaction.atomic() if attachments or triage else nullcontext():
        _write_new_case(case, event, notify_assignee=notify_assignee)
        _save_attachments(case, event, attachments, actor)
        if triage:
            _notify(
                next_level_up(case),
                kind="triage",
                message=_("Urgent case %(n)s needs a grid") % {"n": case.number},
                case=case,
            )
    # the receivers (the insights roll-ups) write in a transaction of their own, after the case has committed
    case_changed.send(sender=Case, case=case, action=Action.CREATE, event=event)
    return case


# Unambiguous letters and digits (no 0/O, 1/I/L): read aloud over the phone or typed from a slip of paper.
TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRACKING_LENGTH = 10  # 31**10 ≈ 8·10^14: not guessable at the public pages' rate limits


def new_tracking_code() -> str:
    """查询码: the secret a reporter tracks and rates their case with, without an account."""
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))


def _reporting_resident(actor: User, resident: Resident | None, phone: str, community) -> Resident | None:
    """The resident the reporter is: the one given (if the actor may see them), or the only current resident of
    the case's community with this phone whom the actor may see (one indexed query: intake is a hot path)."""
    if resident is not None:
        if not Resident.objects.visible_to(actor).filter(pk=resident.pk).exists():
            raise InvalidInput(_("This resident is not in your area."), field="resident")
        return resident
    scope = actor.scope
    if not phone or community is None or not scope.roles & REGISTRY_ROLES:
        return None
    found = residents_with_phone(community.pk, phone)
    if len(found) != 1:
        return None
    pk, grid_id, street_id = found[0]
    visible = (
        scope.is_admin
        or community.pk in scope.community_ids
        or street_id in scope.street_ids
        or grid_id in scope.grid_ids
    )
    return Resident(pk=pk) if visible else None


def case_number(received_at: datetime, pk: int) -> str:
    """The case's number: the local date it was received and its id (at least 7 digits), e.g. 202506010000042."""
    return f"{timezone.localtime(received_at):%Y%m%d}{pk:07d}"


def _new_case_notification(case: Case) -> Notification:
    """The unsaved notification that tells the assignee about their new case."""
    message = _("New case %(n)s: %(t)s") % {"n": case.number, "t": case.title}
    url = reverse("cases:detail", args=[case.pk])
    return Notification(recipient_id=case.assignee_id, kind="assigned", message=message[:300], url=url)


def _write_new_case(case: Case, event: CaseEvent, *, notify_assignee: bool) -> None:
    """Write a new case with its number, its first timeline entry and, if asked, the assignee's notification."""
    if connection.vendor == "postgresql":
        _insert_new_case_postgresql(case, event, notify_assignee=notify_assignee)
    else:
        _insert_new_case_orm(case, event, notify_assignee=notify_assignee)


def _insert_new_case_orm(case: Case, event: CaseEvent, *, notify_assignee: bool) -> None:
    """The rows of a new case through the ORM, one statement each; the number once the id is known."""
    with transaction.atomic():
        case.save(force_insert=True)
        case.number = case_number(case.received_at, case.pk)
        Case.objects.filter(pk=case.pk).update(number=case.number)
        event.save(force_insert=True)
        if notify_assignee:
            _new_case_notification(case).save(force_insert=True)


def _insert_new_case_postgresql(case: Case, event: CaseEvent, *, notify_assignee: bool) -> None:
    """The rows of a new case in two statements and no transaction of their own (PostgreSQL).

    The case id is reserved first, so its number and the notification are known before anything is written; then
    `WITH row0 AS (INSERT case …), row1 AS (INSERT event …), row2 AS (INSERT notification …) SELECT their ids`
    writes all rows atomically.  Each INSERT is the one Django's save(force_insert=True) would send (columns,
    auto_now, JSON), compiled by Django and fully parameterised.  No model signals are sent: none are connected
    to these models.  test_intake_writes.py checks this writes the same rows as _insert_new_case_orm."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [Case._meta.db_table])
        case.pk = cursor.fetchone()[0]
        case.number = case_number(case.received_at, case.pk)
        event.case = case
        rows = [case, event] + ([_new_case_notification(case)] if notify_assignee else [])
        inserts = [_compiled_insert(row) for row in rows]
        ctes = ", ".join(f"row{i} AS ({sql})" for i, (sql, _params) in enumerate(inserts))
        ids = ", ".join(f"(SELECT id FROM row{i})" for i in range(len(rows)))
        cursor.execute(f"WITH {ctes} SELECT {ids}", [p for _sql, params in inserts for p in params])
        for row, pk in zip(rows, cursor.fetchone(), strict=True):
            row.pk = pk
            row._state.adding, row._state.db = False, connection.alias


def _compiled_insert(row) -> tuple[str, tuple]:
    """`INSERT … RETURNING id` for one new model instance, as Django's save(force_insert=True) compiles it.

    Nullable columns whose value is None are left out (they default to NULL): the same row with fewer parameters,
    which keeps the whole statement under the 50 whose conversion psycopg caches."""
    meta = row._meta
    fields = [
        f
        for f in meta.local_concrete_fields
        if not f.generated
        and (row.pk is not None or f is not meta.auto_field)
        and not _null_by_default(f, row)
    ]
    query = InsertQuery(type(row))
    query.insert_values(fields, [row])
    compiler = query.get_compiler(using=connection.alias)  # the real connection, not the thread-local proxy
    compiler.returning_fields = [meta.pk]
    [(sql, params)] = compiler.as_sql()
    return sql, params


def _null_by_default(field, row) -> bool:
    """A nullable column left at None that nothing fills on save: omitting it writes the same NULL."""
    return (
        field.null
        and getattr(row, field.attname) is None
        and not field.has_db_default()
        and not getattr(field, "auto_now", False)
        and not getattr(field, "auto_now_add", False)
    )


def _may_take_in_for(scope, *, grid, community, street) -> bool:
    if grid is not None and grid.pk in scope.grid_ids:
        return True
    if community is not None and (
        community.pk in scope.community_ids or community.pk in scope.reporter_community_ids
    ):
        return True
    if street is not None and street.pk in scope.street_ids:
        return True
    # A grid worker's report that lands outside their grids still belongs to their community's triage.
    if community is not None and community.pk in scope.grid_community_ids:
        return True
    return False


# ---------------------------------------------------------------- transitions


def case_assign(
    *, case: Case, actor: User, assignee: User, note: str = "", version: int | None = None
) -> Case:
    """派遣: give the case to a person (the grid's worker by default, anyone in the community by choice)."""
    if not assignee.is_active:
        raise InvalidInput(_("This person cannot take cases."), field="assignee")

    def check(locked, roles):
        target_scope = assignee.scope
        in_area = (
            target_scope.is_admin
            or (locked.grid_id and locked.grid_id in target_scope.grid_ids)
            or (locked.community_id and locked.community_id in target_scope.community_ids)
            or (locked.community_id in target_scope.grid_community_ids)
            or (locked.street_id and locked.street_id in target_scope.street_ids)
        )
        if not in_area:
            raise InvalidInput(_("This person does not work in this case's area."), field="assignee")

    now = _now()
    case, _event_ = _transition(
        case=case,
        actor=actor,
        action=Action.ASSIGN,
        expected_version=version,
        note=note,
        updates={"assignee_id": assignee.pk, "assigned_at": now},
        data={"assignee": assignee.pk, "assignee_name": str(assignee)},
        check=check,
    )
    if assignee.pk != actor.pk:
        _notify(
            [assignee.pk],
            kind="assigned",
            message=_("Case %(n)s was assigned to you") % {"n": case.number},
            case=case,
        )
    return case


def case_respond(
    *, case: Case, actor: User, note: str = "", version: int | None = None, attachments=()
) -> Case:
    """响应: the handler confirms they have taken the case up (the clock of the response promise stops)."""
    now = _now()
    case, _e = _transition(
        case=case,
        actor=actor,
        action=Action.RESPOND,
        expected_version=version,
        note=note,
        updates={"responded_at": now},
        attachments=attachments,
    )
    return case


def case_add_note(*, case: Case, actor: User, note: str, version: int | None = None, attachments=()) -> Case:
    """A progress note, with photos, on the timeline."""
    if not note.strip() and not attachments:
        raise InvalidInput(_("Write a note or attach a photo."), field="note")
    case, _e = _transition(
        case=case,
        actor=actor,
        action=Action.NOTE,
        expected_version=version,
        note=note,
        attachments=attachments,
    )
    return case


def case_log_step(
    *, case: Case, action: str, note: str = "", data: dict | None = None, actor=None
) -> CaseEvent:
    """A timeline entry that changes nothing else (an escalation step of a care call, told by the system)."""
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        return _event(
            locked,
            action=action,
            actor=actor,
            from_status=locked.status,
            to_status=locked.status,
            note=note,
            data=data,
        )


def case_resolve(*, case: Case, actor: User, result: str, version: int | None = None, attachments=()) -> Case:
    """办结: record what was done."""
    if not result.strip():
        raise InvalidInput(_("Describe the result."), field="result")
    case, _e = _transition(
        case=case,
        actor=actor,
        action=Action.RESOLVE,
        expected_version=version,
        note=result,
        # The resident's last verdict stays until they are called back (回访) again: a reworked case counts as
        # not solved, and cannot be closed, until the resident says otherwise.
        updates={
            "resolved_at": _now(),
            "result": result,
            "resolved_by_id": actor.pk,
            "verification_passed": None,
        },
        attachments=attachments,
    )
    _tell_duplicates(
        case, actor, _("The master case %(n)s was resolved: %(r)s") % {"n": case.number, "r": result}
    )
    return case


def case_verify(
    *, case: Case, actor: User, passed: bool, note: str = "", version: int | None = None, attachments=()
) -> Case:
    """核查: someone checks the result on site; a failure sends the case back to work."""

    def check(locked, roles):
        if locked.category.requires_verification and locked.resolved_by_id == actor.pk:
            raise NotAllowed(
                _("This category needs verification by someone other than the resolver."), code="same_person"
            )

    updates: dict[str, Any] = {"verification_passed": passed, "verified_by_id": actor.pk}
    target = None
    if not passed:
        updates.update(reopen_count=F("reopen_count") + 1, resolved_at=None)
        target = Status.IN_PROGRESS
    case, _e = _transition(
        case=case,
        actor=actor,
        action=Action.VERIFY,
        expected_version=version,
        note=note,
        updates=updates,
        target=target,
        data={"passed": passed},
        attachments=attachments,
        check=check,
    )
    if not passed and case.assignee_id:
        _notify(
            [case.assignee_id],
            kind="reopened",
            message=_("Verification failed for case %(n)s") % {"n": case.number},
            case=case,
        )
    return case


def case_record_feedback(
    *,
    case: Case,
    actor: User | None,
    solved: bool,
    satisfaction: str,
    comment: str = "",
    version: int | None = None,
) -> Case:
    """回访: the resident's verdict. Not solved or 不满意 reopens the case and tells the secretary.

    No actor is the reporter themselves on the public pages, who proved it with the case's tracking code."""
    if satisfaction not in Satisfaction.values:
        raise InvalidInput(_("Choose satisfied, basically satisfied or dissatisfied."), field="satisfaction")
    reopen = (not solved) or satisfaction == Satisfaction.DISSATISFIED
    updates: dict[str, Any] = {
        "feedback_solved": solved,
        "satisfaction": satisfaction,
        "feedback_comment": comment[:500],
        "feedback_at": _now(),
    }
    if reopen:
        updates.update(reopen_count=F("reopen_count") + 1, resolved_at=None, verification_passed=None)
    case, _e = _transition(
        case=case,
        actor=actor,
        action=Action.FEEDBACK,
        expected_version=version,
        note=comment,
        updates=updates,
        target=Status.IN_PROGRESS if reopen else None,
        data={"solved": solved, "satisfaction": satisfaction, "reopened": reopen},
    )
    if reopen:
        recipients = [case.assignee_id, *_holders(Role.SECRETARY, community_id=case.community_id)]
        _notify(
            recipients,
            kind="reopened",
            message=_("The resident is not satisfied with case %(n)s") % {"n": case.number},
            case=case,
        )
    return case


def case_reopen(*, case: Case, actor: User, note: str, version: int | None = None) -> Case:
    """重办: send a resolved or closed case back to work."""
    if not note.strip():
        raise InvalidInput(_("Say why the case is reopened."), field="note")
    case, _e = _transition(
        case=case,
        actor=actor,
        action=Action.REOPEN,
        expected_version=version,
        note=note,
        updates={
            "reopen_count": F("reopen_count") + 1,
            "resolved_at": None,
            "closed_at": None,
            "verification_passed": None,
        },
    )
    if case.assignee_id:
        _notify(
            [case.assignee_id],
            kind="reopened",
            message=_("Case %(n)s was reopened") % {"n": case.number},
            case=case,
        )
    return case


def case_close(*, case: Case, actor: User, note: str = "", version: int | None = None) -> Case:
    """销号: close a resolved case once the resident or a verification confirms it is solved."""

    def check(locked, roles):
        if locked.category.requires_verification and locked.verification_passed is not True:
            raise Conflict(
                _("This category must be verified before it is closed."),
                field="action",
                code="needs_verification",
            )
        if locked.feedback_solved is False:
            raise Conflict(_("The resident said it is not solved."), field="action", code="not_solved")

    case, _e = _transition(
        case=case,
        actor=actor,
        action=Action.CLOSE,
        expected_version=version,
        note=note,
        updates={"closed_at": _now()},
        check=check,
    )
    _tell_duplicates(
        case, actor, _("The master case %(n)s was closed: %(r)s") % {"n": case.number, "r": case.result}
    )
    return case


def case_answer_directly(
    *, case: Case, actor: User, answer: str, version: int | None = None, answer_id: int | None = None
) -> Case:
    """直接答复: a consultation answered on the spot closes at once, counted as responded, resolved and closed.

    The answer given is its own verification (nothing is left for anyone to check), so the case counts as solved
    in the resolution rate; the resident may still be called back and reopen it through the usual door."""
    if not answer.strip():
        raise InvalidInput(_("Write the answer."), field="answer")

    def check(locked, roles):
        if locked.category.requires_verification:
            raise Conflict(
                _("This category must be verified before it is closed."),
                field="action",
                code="needs_verification",
            )

    now = _now()
    case, _e = _transition(
        case=case,
        actor=actor,
        action=Action.DIRECT_ANSWER,
        expected_version=version,
        note=answer,
        updates={
            # a case already responded to keeps its response time (the rate counts the first one)
            "responded_at": Coalesce(F("responded_at"), Value(now)),
            "resolved_at": now,
            "closed_at": now,
            "result": answer,
            "resolved_by_id": actor.pk,
            "verification_passed": True,
        },
        data={"answer_id": answer_id} if answer_id else None,
        check=check,
    )
    _tell_duplicates(
        case, actor, _("The master case %(n)s was answered: %(r)s") % {"n": case.number, "r": answer}
    )
    return case


def case_merge(*, case: Case, actor: User, into: Case, note: str = "", version: int | None = None) -> Case:
    """Fold a duplicate into its master case; the duplicate's reporter hears the master's outcome."""
    if into.pk == case.pk:
        raise InvalidInput(_("A case cannot be merged into itself."), field="into")

    def check(locked, roles):
        # Read the master under its lock: it may have been closed since the caller loaded it.
        master = Case.objects.select_for_update().get(pk=into.pk)
        if master.status in (Status.MERGED, Status.REJECTED, Status.CLOSED):
            raise InvalidInput(_("The master case must still be open."), field="into")
        if master.community_id != locked.community_id and master.street_id != locked.street_id:
            raise InvalidInput(_("The master case belongs to another area."), field="into")

    case, _e = _transition(
        case=case,
        actor=actor,
        action=Action.MERGE,
        expected_version=version,
        note=note,
        updates={"master_id": into.pk, "closed_at": _now()},
        data={"into": into.pk, "into_number": into.number},
        check=check,
    )
    _event(
        into,
        action=Action.ABSORB,
        actor=actor,
        from_status=into.status,
        to_status=into.status,
        note=note,
        data={"duplicate": case.pk, "duplicate_number": case.number},
    )
    return case


def case_reject(*, case: Case, actor: User, reason: str, version: int | None = None) -> Case:
    """不予受理: refuse a case with a reason (not this community's, not a matter for us…)."""
    if not reason.strip():
        raise InvalidInput(_("Give the reason for rejecting the case."), field="reason")
    case, _e = _transition(
        case=case,
        actor=actor,
        action=Action.REJECT,
        expected_version=version,
        note=reason,
        updates={"reject_reason": reason[:500], "closed_at": _now()},
    )
    return case


def _tell_duplicates(master: Case, actor, message: str) -> None:
    duplicates = list(master.duplicates.all())
    now = _now()
    CaseEvent.objects.bulk_create(
        [
            CaseEvent(
                case=dup,
                action=Action.OUTCOME,
                actor=actor,
                created_at=now,
                from_status=dup.status,
                to_status=dup.status,
                note=message,
                data={"master": master.pk},
            )
            for dup in duplicates
        ]
    )
    _notify(
        [d.reported_by_id for d in duplicates if d.reported_by_id],
        kind="outcome",
        message=message,
        case=master,
    )


def case_apply(
    *,
    case: Case,
    actor: User,
    action: str,
    version: int | None = None,
    note: str = "",
    assignee: User | None = None,
    result: str = "",
    passed: bool | None = None,
    into: Case | None = None,
    reason: str = "",
    attachments: Iterable[CheckedUpload] = (),
) -> Case:
    """Take a case action by its name: the one door for the API's transition endpoint and the case page."""
    if action == Action.ASSIGN:
        if assignee is None:
            raise InvalidInput(_("Choose who takes the case."), field="assignee")
        return case_assign(case=case, actor=actor, assignee=assignee, note=note, version=version)
    if action == Action.RESPOND:
        return case_respond(case=case, actor=actor, note=note, version=version, attachments=attachments)
    if action == Action.NOTE:
        return case_add_note(case=case, actor=actor, note=note, version=version, attachments=attachments)
    if action == Action.RESOLVE:
        return case_resolve(case=case, actor=actor, result=result, version=version, attachments=attachments)
    if action == Action.VERIFY:
        if passed is None:
            raise InvalidInput(_("Say whether the verification passed."), field="passed")
        return case_verify(
            case=case, actor=actor, passed=passed, note=note, version=version, attachments=attachments
        )
    if action == Action.REOPEN:
        return case_reopen(case=case, actor=actor, note=note, version=version)
    if action == Action.CLOSE:
        return case_close(case=case, actor=actor, note=note, version=version)
    if action == Action.MERGE:
        if into is None:
            raise InvalidInput(_("No case with this number in your area."), field="into")
        return case_merge(case=case, actor=actor, into=into, note=note, version=version)
    if action == Action.REJECT:
        return case_reject(case=case, actor=actor, reason=reason, version=version)
    raise InvalidInput(_("Unknown action."), field="action")


# ---------------------------------------------------------------- whistles (吹哨报到)


def whistle_blow(
    *,
    case: Case,
    actor: User,
    department: Department,
    reason: str,
    due_at: datetime,
    version: int | None = None,
) -> Whistle:
    """吹哨: call a department in, with a reason and the time by which it must answer."""
    if not reason.strip():
        raise InvalidInput(_("Say why the department is needed."), field="reason")
    if due_at <= _now():
        raise InvalidInput(_("The due time must be in the future."), field="due_at")

    def check(locked, roles):
        if Whistle.objects.filter(
            case=locked, department=department, status__in=OPEN_WHISTLE_STATUSES
        ).exists():
            raise Conflict(
                _("This department already has an open whistle on this case."),
                field="department",
                code="duplicate_whistle",
            )

    with transaction.atomic():
        case, event = _transition(
            case=case,
            actor=actor,
            action=Action.WHISTLE,
            expected_version=version,
            note=reason,
            data={
                "department": department.code,
                "department_name": department.name,
                "due_at": due_at.isoformat(),
            },
            check=check,
        )
        whistle = Whistle.objects.create(
            case=case,
            department=department,
            reason=reason,
            due_at=due_at,
            created_by=actor,
            created_at=event.created_at,
        )
        _notify(
            _holders(Role.DEPARTMENT, department_id=department.pk),
            kind="whistle",
            message=_("Whistle on case %(n)s: %(r)s") % {"n": case.number, "r": reason},
            case=case,
        )
    return whistle


def _whistle_step(
    *, whistle: Whistle, actor: User, action: str, sources, updates, note: str, as_department: bool
):
    """One step of a whistle's own life, recorded on its case's timeline."""
    with transaction.atomic():
        locked = Whistle.objects.select_for_update().select_related("case", "department").get(pk=whistle.pk)
        case = Case.objects.select_for_update().get(pk=locked.case_id)
        scope = actor.scope
        if as_department:
            if locked.department_id not in scope.department_ids and not scope.is_admin:
                raise NotAllowed(_("Only the whistled department may do this."))
        else:
            rule = TRANSITIONS[action]
            if not case_roles(actor, case) & rule.roles:
                raise NotAllowed(_("You may not do this on this case."))
        if locked.status not in sources:
            raise Conflict(
                _("This whistle is “%(status)s”.") % {"status": locked.get_status_display()},
                field="action",
                code="invalid_transition",
            )
        # `updates` may be a function of the locked row, so counters and first-time stamps never read a stale copy.
        for key, value in (updates(locked) if callable(updates) else updates).items():
            setattr(locked, key, value)
        locked.save()
        to_status = case.status
        if (
            action == Action.WHISTLE_ACCEPT
            and not case.whistles.exclude(pk=locked.pk).filter(status__in=OPEN_WHISTLE_STATUSES).exists()
        ):
            to_status = Status.IN_PROGRESS if case.status == Status.ESCALATED else case.status
        Case.objects.filter(pk=case.pk).update(status=to_status, version=F("version") + 1, updated_at=_now())
        _event(
            case,
            action=action,
            actor=actor,
            from_status=case.status,
            to_status=to_status,
            note=note,
            data={
                "whistle": locked.pk,
                "department": locked.department.code,
                "department_name": locked.department.name,
            },
        )
    return locked


def whistle_report_in(*, whistle: Whistle, actor: User, note: str = "") -> Whistle:
    """报到: the department acknowledges the whistle."""
    now = _now()
    return _whistle_step(
        whistle=whistle,
        actor=actor,
        action=Action.WHISTLE_REPORT_IN,
        sources=(WhistleStatus.OPEN,),
        updates={"status": WhistleStatus.REPORTED_IN, "reported_in_at": now, "reported_in_by": actor},
        note=note,
        as_department=True,
    )


def whistle_answer(*, whistle: Whistle, actor: User, answer: str) -> Whistle:
    """The department reports back what it did; reporting in first is implied if it had not."""
    if not answer.strip():
        raise InvalidInput(_("Write the department's answer."), field="answer")
    now = _now()

    def updates(locked: Whistle) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "status": WhistleStatus.ANSWERED,
            "answer": answer,
            "answered_at": now,
            "answered_by": actor,
        }
        if locked.reported_in_at is None:
            fields.update(reported_in_at=now, reported_in_by=actor)
        return fields

    return _whistle_step(
        whistle=whistle,
        actor=actor,
        action=Action.WHISTLE_ANSWER,
        sources=(WhistleStatus.OPEN, WhistleStatus.REPORTED_IN),
        updates=updates,
        note=answer,
        as_department=True,
    )


def whistle_accept(*, whistle: Whistle, actor: User, note: str = "") -> Whistle:
    """The community accepts the department's answer; with no whistle left open the case returns to work."""
    return _whistle_step(
        whistle=whistle,
        actor=actor,
        action=Action.WHISTLE_ACCEPT,
        sources=(WhistleStatus.ANSWERED,),
        updates={
            "status": WhistleStatus.ACCEPTED,
            "decided_at": _now(),
            "decided_by": actor,
            "decision_note": note,
        },
        note=note,
        as_department=False,
    )


def whistle_reject(*, whistle: Whistle, actor: User, note: str) -> Whistle:
    """The community rejects the answer: the department must answer again."""
    if not note.strip():
        raise InvalidInput(_("Say why the answer is not enough."), field="note")
    w = _whistle_step(
        whistle=whistle,
        actor=actor,
        action=Action.WHISTLE_REJECT,
        sources=(WhistleStatus.ANSWERED,),
        updates=lambda locked: {
            "status": WhistleStatus.REPORTED_IN,
            "decided_at": _now(),
            "decided_by": actor,
            "decision_note": note,
            "rejections": locked.rejections + 1,
        },
        note=note,
        as_department=False,
    )
    _notify(
        _holders(Role.DEPARTMENT, department_id=w.department_id),
        kind="whistle",
        message=_("Your answer on case %(n)s was not accepted") % {"n": w.case.number},
        case=w.case,
    )
    return w


# ---------------------------------------------------------------- deadlines


def sweep_deadlines(*, now: datetime | None = None) -> dict[str, int]:
    """Flag overdue responses and resolutions once each and tell the next level up. Idempotent."""
    now = now or _now()
    counts = {"response": 0, "resolution": 0}
    late_response = Case.objects.filter(
        status__in=AWAITING_RESPONSE,
        response_due_at__lt=now,
        response_overdue_at__isnull=True,
    ).values_list("pk", flat=True)
    for pk in list(late_response[:1000]):
        counts["response"] += _flag_overdue(pk, now=now, kind="response")
    late_resolution = Case.objects.filter(
        status__in=OPEN_STATUSES,
        resolution_due_at__lt=now,
        resolution_overdue_at__isnull=True,
    ).values_list("pk", flat=True)
    for pk in list(late_resolution[:1000]):
        counts["resolution"] += _flag_overdue(pk, now=now, kind="resolution")
    return counts


def _flag_overdue(pk: int, *, now: datetime, kind: str) -> int:
    field = f"{kind}_overdue_at"
    with transaction.atomic():
        # The conditional update is the guard: two sweepers running at once flag a case only once.
        if not Case.objects.filter(pk=pk, **{f"{field}__isnull": True}).update(**{field: now}):
            return 0
        case = Case.objects.get(pk=pk)
        action = Action.OVERDUE_RESPONSE if kind == "response" else Action.OVERDUE_RESOLUTION
        due = case.response_due_at if kind == "response" else case.resolution_due_at
        _event(
            case,
            action=action,
            actor=None,
            from_status=case.status,
            to_status=case.status,
            data={"due_at": due.isoformat()},
            at=now,
        )
        if kind == "response":
            message = _("Case %(n)s was not responded to in time") % {"n": case.number}
        else:
            message = _("Case %(n)s was not resolved in time") % {"n": case.number}
        _notify(
            next_level_up(case) + ([case.assignee_id] if case.assignee_id else []),
            kind=f"overdue_{kind}",
            message=message,
            case=case,
        )
    return 1
