"""Every write of the volunteers app: registration, teams, service records (令67号), sign-in codes, certificates.

Hours rule (documented for 令67号 §9 "实际服务时间"): hours are whole quarter hours (0.25 h steps), greater than
zero and at most the time between start and end; a correction's signed hours are quarter hours too and may
neither take the corrected record below zero nor above its duration."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from linli.core.audit import audit
from linli.core.errors import Conflict, InvalidInput, NotAllowed
from linli.core.outbound import DeliveryError
from linli.core.sms import send_sms
from linli.core.validators import (
    id_number_birth_date,
    id_number_gender,
    mask_phone,
    normalize_id_number,
    normalize_phone,
    validate_id_number,
    validate_personal_phone,
)

from .choices import MemberRole, RecordStatus, TeamKind, VolunteerKind
from .models import (
    LoginCode,
    ServiceRecord,
    Skill,
    Team,
    TeamMembership,
    Volunteer,
)

QUARTER = Decimal("0.25")
MAX_RECORD_HOURS = Decimal("24")
CODE_DIGITS = 6
CODE_VALID = timedelta(minutes=5)
CODE_MAX_FAILURES = 5
MOBILE = re.compile(r"^1[3-9]\d{9}$")
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
MIN_REASON = 2


def _now() -> datetime:
    return timezone.now()


def _check_version(obj, version) -> None:
    if version is None:
        raise InvalidInput(_("Send the version you edited."), field="version")
    try:
        version = int(version)
    except (TypeError, ValueError):
        raise InvalidInput(_("Send the version you edited."), field="version") from None
    if version != obj.version:
        raise Conflict(
            _("Someone else changed this record meanwhile; reload it and try again."), field="version"
        )


# ---------------------------------------------------------------- who may do what


def is_community_staff(user, community_id: int) -> bool:
    """The community's secretary, a grid worker or leader of one of its grids, or an administrator."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    scope = user.scope
    return scope.is_admin or community_id in scope.community_ids or community_id in scope.grid_community_ids


def is_captain(volunteer: Volunteer, team: Team | None) -> bool:
    """Whether the volunteer is a current captain of the team."""
    if team is None or volunteer is None:
        return False
    return TeamMembership.objects.filter(
        team=team, volunteer=volunteer, role=MemberRole.CAPTAIN, left_on__isnull=True
    ).exists()


def may_confirm(actor, record: ServiceRecord) -> bool:
    """The organiser confirms: the community's staff, or a current captain of the record's team — never the
    volunteer the record is about."""
    if isinstance(actor, Volunteer):
        return (
            actor.pk != record.volunteer_id
            and actor.community_id == record.community_id
            and is_captain(actor, record.team)
        )
    if not is_community_staff(actor, record.community_id):
        return False
    # A staff member who is also the volunteer (the same mobile number) does not confirm their own hours.
    own = getattr(actor, "pk", None) is not None and _same_person(actor, record.volunteer)
    return not own


def _same_person(user, volunteer: Volunteer) -> bool:
    phone = getattr(user, "phone", "") or ""
    return bool(phone) and normalize_phone(phone) == normalize_phone(volunteer.phone)


def _require_staff(actor, community_id: int, message: str) -> None:
    if not is_community_staff(actor, community_id):
        raise NotAllowed(message)


# ---------------------------------------------------------------- volunteers


def _clean_id_number(id_number: str) -> str:
    id_number = normalize_id_number(id_number)
    if not id_number:
        raise InvalidInput(_("Enter the ID number."), field="id_number")
    try:
        validate_id_number(id_number)
    except ValidationError as exc:
        raise InvalidInput(" ".join(exc.messages), field="id_number", code=exc.error_list[0].code) from None
    return id_number


def _clean_mobile(phone: str) -> str:
    phone = normalize_phone(phone)
    if not phone:
        raise InvalidInput(_("Enter the mobile number."), field="phone")
    try:
        validate_personal_phone(phone)
    except ValidationError as exc:
        raise InvalidInput(" ".join(exc.messages), field="phone") from None
    if not MOBILE.match(phone):
        raise InvalidInput(_("Volunteers sign in by SMS: enter a mobile number."), field="phone")
    return phone


def _clean_skills(skills) -> list[Skill]:
    skills = list(skills or [])
    found = []
    for skill in skills:
        if isinstance(skill, Skill):
            found.append(skill)
            continue
        obj = Skill.objects.filter(code=str(skill)).first()
        if obj is None:
            raise InvalidInput(_("Unknown skill: %(code)s.") % {"code": skill}, field="skills")
        found.append(obj)
    return found


def match_resident(community, id_number: str):
    """The current resident of the community with this ID number, if any."""
    from linli.residents.models import Resident

    return Resident.objects.current().by_id_number(id_number).filter(community=community).first()


def volunteer_register(
    *,
    actor,
    community,
    name: str,
    id_number: str,
    phone: str,
    kind: str,
    work_unit: str = "",
    skills=(),
    registered_at: datetime | None = None,
    request=None,
) -> Volunteer:
    """Real-name registration: the ID number is checked (birth date and gender come from it), a resident of the
    community with that number is linked, and a person registers once per community."""
    _require_staff(actor, community.pk, _("Only the community's staff may register its volunteers."))
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("Enter the volunteer's name."), field="name")
    if len(name) > 50:
        raise InvalidInput(_("The name is too long (at most 50 characters)."), field="name")
    id_number = _clean_id_number(id_number)
    phone = _clean_mobile(phone)
    if kind not in VolunteerKind.values:
        raise InvalidInput(_("Choose the kind of volunteer."), field="kind")
    work_unit = (work_unit or "").strip()
    if kind == VolunteerKind.PARTY_MEMBER and not work_unit:
        raise InvalidInput(_("A party member reporting in gives their work unit."), field="work_unit")
    if len(work_unit) > 100:
        raise InvalidInput(_("The work unit is too long (at most 100 characters)."), field="work_unit")
    skill_rows = _clean_skills(skills)
    resident = match_resident(community, id_number)
    if kind == VolunteerKind.RESIDENT and resident is None:
        raise InvalidInput(
            _("No current resident of this community has this ID number; choose another kind."), field="kind"
        )
    duplicate = Conflict(
        _("A volunteer with this ID number is already registered in this community."),
        field="id_number",
        code="duplicate_volunteer",
    )
    with transaction.atomic():
        if Volunteer.objects.by_id_number(id_number).filter(community=community).exists():
            raise duplicate
        try:
            with transaction.atomic():
                volunteer = Volunteer.objects.create(
                    community=community,
                    kind=kind,
                    resident=resident,
                    name=name,
                    gender=id_number_gender(id_number),
                    birth_date=id_number_birth_date(id_number),
                    id_number=id_number,
                    phone=phone,
                    work_unit=work_unit,
                    registered_at=registered_at or _now(),
                )
        except IntegrityError:
            raise duplicate from None
        volunteer.skills.set(skill_rows)
        audit(
            "volunteer_register",
            actor=actor,
            request=request,
            obj=volunteer,
            community=community.code,
            linked_resident=resident is not None,
        )
    return volunteer


def volunteer_update(*, actor, volunteer: Volunteer, version, request=None, **changes) -> Volunteer:
    """Change a volunteer's phone, kind, work unit, skills, name or active flag (version-checked)."""
    allowed = {"name", "phone", "kind", "work_unit", "skills", "is_active"}
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidInput(_("These fields cannot be changed here."), field=sorted(unknown)[0])
    _require_staff(actor, volunteer.community_id, _("Only the community's staff may change its volunteers."))
    with transaction.atomic():
        locked = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
        _check_version(locked, version)
        changed = []
        if "name" in changes:
            name = (changes["name"] or "").strip()
            if not name or len(name) > 50:
                raise InvalidInput(_("Enter the volunteer's name (at most 50 characters)."), field="name")
            if name != locked.name:
                locked.name = name
                changed.append("name")
        if "phone" in changes:
            phone = _clean_mobile(changes["phone"])
            if phone != locked.phone:
                locked.phone = phone
                changed.append("phone")
        if "kind" in changes:
            kind = changes["kind"]
            if kind not in VolunteerKind.values:
                raise InvalidInput(_("Choose the kind of volunteer."), field="kind")
            if kind == VolunteerKind.RESIDENT and locked.resident_id is None:
                resident = match_resident(locked.community, locked.id_number)
                if resident is None:
                    raise InvalidInput(
                        _("No current resident of this community has this ID number; choose another kind."),
                        field="kind",
                    )
                locked.resident = resident
                changed.append("resident")
            if kind != locked.kind:
                locked.kind = kind
                changed.append("kind")
        if "work_unit" in changes:
            work_unit = (changes["work_unit"] or "").strip()
            if len(work_unit) > 100:
                raise InvalidInput(
                    _("The work unit is too long (at most 100 characters)."), field="work_unit"
                )
            if work_unit != locked.work_unit:
                locked.work_unit = work_unit
                changed.append("work_unit")
        if locked.kind == VolunteerKind.PARTY_MEMBER and not locked.work_unit:
            raise InvalidInput(_("A party member reporting in gives their work unit."), field="work_unit")
        if "is_active" in changes and bool(changes["is_active"]) != locked.is_active:
            locked.is_active = bool(changes["is_active"])
            changed.append("is_active")
            if not locked.is_active:
                LoginCode.objects.filter(volunteer=locked).delete()
        if "skills" in changes:
            skill_rows = _clean_skills(changes["skills"])
            if {s.pk for s in skill_rows} != set(locked.skills.values_list("pk", flat=True)):
                locked.skills.set(skill_rows)
                changed.append("skills")
        if changed:
            locked.version += 1
            locked.save()
            audit("volunteer_update", actor=actor, request=request, obj=locked, fields=",".join(changed))
    return locked


def volunteer_reveal(*, actor, volunteer: Volunteer, field: str, reason: str, request=None) -> str:
    """The full ID number or phone, for staff of the community, with a reason; audited."""
    if field not in ("id_number", "phone"):
        raise InvalidInput(_("Only the ID number or the phone can be revealed."), field="field")
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        raise InvalidInput(_("Say why you need the full value."), field="reason")
    _require_staff(actor, volunteer.community_id, _("Only the community's staff may see this in full."))
    with transaction.atomic():
        audit("volunteer_reveal", actor=actor, request=request, obj=volunteer, reason=reason, field=field)
    return getattr(volunteer, field)


# ---------------------------------------------------------------- teams


def _clean_team_fields(data: dict) -> dict:
    out = {}
    if "name" in data:
        name = (data["name"] or "").strip()
        if not name:
            raise InvalidInput(_("Enter the team's name."), field="name")
        if len(name) > 50:
            raise InvalidInput(_("The name is too long (at most 50 characters)."), field="name")
        out["name"] = name
    if "kind" in data:
        if data["kind"] not in TeamKind.values:
            raise InvalidInput(_("Choose the kind of team."), field="kind")
        out["kind"] = data["kind"]
    if "colour" in data:
        colour = (data["colour"] or "").strip()
        if colour and not COLOUR.match(colour):
            raise InvalidInput(_("Give the colour as #rrggbb, e.g. #f08c00."), field="colour")
        out["colour"] = colour.lower()
    if "focus" in data:
        focus = (data["focus"] or "").strip()
        if len(focus) > 100:
            raise InvalidInput(_("At most 100 characters."), field="focus")
        out["focus"] = focus
    if "description" in data:
        description = (data["description"] or "").strip()
        if len(description) > 2000:
            raise InvalidInput(_("At most 2000 characters."), field="description")
        out["description"] = description
    if "is_active" in data:
        out["is_active"] = bool(data["is_active"])
    return out


def team_create(
    *,
    actor,
    community,
    name: str,
    kind: str = TeamKind.SERVICE,
    colour: str = "",
    focus: str = "",
    description: str = "",
    request=None,
) -> Team:
    """A new volunteer team of the community."""
    _require_staff(actor, community.pk, _("Only the community's staff may create its teams."))
    fields = _clean_team_fields(
        {"name": name, "kind": kind, "colour": colour, "focus": focus, "description": description}
    )
    duplicate = Conflict(_("The community already has a team of this name."), field="name")
    with transaction.atomic():
        if Team.objects.filter(community=community, name=fields["name"]).exists():
            raise duplicate
        try:
            with transaction.atomic():
                team = Team.objects.create(community=community, **fields)
        except IntegrityError:
            raise duplicate from None
        audit("volunteer_team_create", actor=actor, request=request, obj=team, community=community.code)
    return team


def team_update(*, actor, team: Team, version, request=None, **changes) -> Team:
    """Change a team's name, kind, colour, focus, description or active flag (version-checked)."""
    allowed = {"name", "kind", "colour", "focus", "description", "is_active"}
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidInput(_("These fields cannot be changed here."), field=sorted(unknown)[0])
    _require_staff(actor, team.community_id, _("Only the community's staff may change its teams."))
    fields = _clean_team_fields(changes)
    with transaction.atomic():
        locked = Team.objects.select_for_update().get(pk=team.pk)
        _check_version(locked, version)
        changed = [k for k, v in fields.items() if getattr(locked, k) != v]
        if (
            "name" in changed
            and Team.objects.filter(community_id=locked.community_id, name=fields["name"])
            .exclude(pk=locked.pk)
            .exists()
        ):
            raise Conflict(_("The community already has a team of this name."), field="name")
        if changed:
            for k in changed:
                setattr(locked, k, fields[k])
            locked.version += 1
            locked.save()
            audit("volunteer_team_update", actor=actor, request=request, obj=locked, fields=",".join(changed))
    return locked


def team_member_add(
    *,
    actor,
    team: Team,
    volunteer: Volunteer,
    role: str = MemberRole.MEMBER,
    joined_on: date | None = None,
    request=None,
) -> TeamMembership:
    """Put a volunteer of the team's community in the team (or change a current member's role)."""
    _require_staff(actor, team.community_id, _("Only the community's staff may change its teams."))
    if role not in MemberRole.values:
        raise InvalidInput(_("Choose captain or member."), field="role")
    if volunteer.community_id != team.community_id:
        raise InvalidInput(_("Only volunteers of the team's community can join it."), field="volunteer")
    if not volunteer.is_active:
        raise InvalidInput(_("This volunteer is no longer active."), field="volunteer")
    with transaction.atomic():
        Team.objects.select_for_update().get(pk=team.pk)
        current = TeamMembership.objects.filter(team=team, volunteer=volunteer, left_on__isnull=True).first()
        if current is not None:
            if current.role != role:
                current.role = role
                current.save(update_fields=["role"])
                audit(
                    "volunteer_team_role",
                    actor=actor,
                    request=request,
                    obj=team,
                    role=role,
                    volunteer=volunteer.pk,
                )
            return current
        membership = TeamMembership.objects.create(
            team=team, volunteer=volunteer, role=role, joined_on=joined_on or timezone.localdate()
        )
        audit(
            "volunteer_team_join", actor=actor, request=request, obj=team, volunteer=volunteer.pk, role=role
        )
    return membership


def team_member_remove(
    *, actor, team: Team, volunteer: Volunteer, left_on: date | None = None, request=None
) -> TeamMembership:
    """The volunteer leaves the team: the membership keeps its dates (a rejoin is a new membership)."""
    _require_staff(actor, team.community_id, _("Only the community's staff may change its teams."))
    with transaction.atomic():
        Team.objects.select_for_update().get(pk=team.pk)
        current = TeamMembership.objects.filter(team=team, volunteer=volunteer, left_on__isnull=True).first()
        if current is None:
            raise Conflict(_("This volunteer is not a member of the team."), field="volunteer")
        left_on = left_on or timezone.localdate()
        if left_on < current.joined_on:
            raise InvalidInput(_("A member cannot leave before joining."), field="left_on")
        current.left_on = left_on
        current.save(update_fields=["left_on"])
        audit("volunteer_team_leave", actor=actor, request=request, obj=team, volunteer=volunteer.pk)
    return current


# ---------------------------------------------------------------- service records (令67号)


def _hours(value, *, field: str = "hours") -> Decimal:
    try:
        hours = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidInput(_("Give the hours as a number, e.g. 2.5."), field=field) from None
    if not hours.is_finite():
        raise InvalidInput(_("Give the hours as a number, e.g. 2.5."), field=field)
    if hours % QUARTER != 0:
        raise InvalidInput(_("Hours are counted in quarter hours (0.25, 0.5, 0.75…)."), field=field)
    return hours.quantize(Decimal("0.01"))


def quarter_hours(started_at: datetime, ended_at: datetime) -> Decimal:
    """The time between start and end in whole quarter hours, rounded down (what check-in to check-out earns)."""
    quarters = int((ended_at - started_at).total_seconds() // 900)
    return (Decimal(max(0, quarters)) * QUARTER).quantize(Decimal("0.01"))


def _duration_hours(started_at: datetime, ended_at: datetime) -> Decimal:
    return Decimal((ended_at - started_at).total_seconds()) / Decimal(3600)


def _actor_fields(actor, prefix: str) -> dict:
    if isinstance(actor, Volunteer):
        return {f"{prefix}_by": None, f"{prefix}_by_volunteer": actor}
    return {f"{prefix}_by": actor, f"{prefix}_by_volunteer": None}


def _audit_actor(actor):
    return None if isinstance(actor, Volunteer) else actor


def service_record_create(
    *,
    volunteer: Volunteer,
    content: str,
    started_at: datetime,
    ended_at: datetime,
    hours,
    actor,
    team: Team | None = None,
    occurrence=None,
    training: str = "",
    awards: str = "",
    evaluation: str = "",
    confirm: bool = False,
    request=None,
) -> ServiceRecord:
    """Record a volunteer's service (person, activity, time served, training, awards, evaluation — 令67号 §8).

    A draft unless `confirm` and the actor may confirm (the organiser). The actor is a staff user, or a
    Volunteer: a captain of the team, or the volunteer themself (a draft only). One record per volunteer
    and occurrence (Conflict for a second)."""
    if isinstance(actor, Volunteer):
        if actor.community_id != volunteer.community_id or (
            actor.pk != volunteer.pk and not is_captain(actor, team)
        ):
            raise NotAllowed(_("You may not record service for this volunteer."))
    else:
        _require_staff(
            actor,
            volunteer.community_id,
            _("Only the community's staff or the team's captain record service."),
        )
    if team is not None and team.community_id != volunteer.community_id:
        raise InvalidInput(_("Choose a team of the volunteer's community."), field="team")
    if occurrence is not None and occurrence.activity.community_id != volunteer.community_id:
        raise InvalidInput(_("Choose an activity of the volunteer's community."), field="occurrence")
    content = (content or "").strip()
    if not content:
        raise InvalidInput(_("Say what the service was."), field="content")
    if len(content) > 200:
        raise InvalidInput(_("At most 200 characters."), field="content")
    for field, value in (("training", training), ("awards", awards), ("evaluation", evaluation)):
        if len((value or "").strip()) > 200:
            raise InvalidInput(_("At most 200 characters."), field=field)
    if started_at is None or ended_at is None:
        raise InvalidInput(_("Give when the service started and ended."), field="started_at")
    if timezone.is_naive(started_at) or timezone.is_naive(ended_at):
        raise InvalidInput(_("Give the times with their time zone."), field="started_at")
    if ended_at <= started_at:
        raise InvalidInput(_("The service must end after it started."), field="ended_at")
    if ended_at > _now() + timedelta(minutes=5):
        raise InvalidInput(_("Service is recorded once it has been done, not in advance."), field="ended_at")
    hours = _hours(hours)
    if hours <= 0:
        raise InvalidInput(_("The hours served must be more than zero."), field="hours")
    if hours > _duration_hours(started_at, ended_at):
        raise InvalidInput(
            _("The hours served cannot be more than the time between start and end."), field="hours"
        )
    if not volunteer.is_active:
        raise InvalidInput(_("This volunteer is no longer active."), field="volunteer")
    now = _now()
    with transaction.atomic():
        record = ServiceRecord(
            volunteer=volunteer,
            community_id=volunteer.community_id,
            team=team,
            occurrence=occurrence,
            content=content,
            started_at=started_at,
            ended_at=ended_at,
            hours=hours,
            training=(training or "").strip(),
            awards=(awards or "").strip(),
            evaluation=(evaluation or "").strip(),
            status=RecordStatus.DRAFT,
            recorded_at=now,
            **_actor_fields(actor, "recorded"),
        )
        if confirm:
            if not may_confirm(actor, record):
                raise NotAllowed(_("Only the organiser may confirm service records, never the volunteer."))
            record.status = RecordStatus.CONFIRMED
            record.confirmed_at = now
            for k, v in _actor_fields(actor, "confirmed").items():
                setattr(record, k, v)
        if (
            occurrence is not None
            and ServiceRecord.objects.filter(
                volunteer=volunteer, occurrence=occurrence, corrects__isnull=True
            ).exists()
        ):
            raise Conflict(
                _("This volunteer's service in this activity is already recorded."), field="occurrence"
            )
        try:
            with transaction.atomic():
                record.save()
        except IntegrityError:
            raise Conflict(
                _("This volunteer's service in this activity is already recorded."), field="occurrence"
            ) from None
        audit(
            "service_record_create",
            actor=_audit_actor(actor),
            request=request,
            obj=record,
            volunteer=volunteer.pk,
            hours=str(hours),
            status=record.status,
            by_volunteer=getattr(record, "recorded_by_volunteer_id", None),
        )
    return record


def service_record_confirm(*, record: ServiceRecord, actor, request=None) -> ServiceRecord:
    """The organiser confirms a draft (令67号 §10); a confirmed record is never touched again."""
    with transaction.atomic():
        locked = (
            ServiceRecord.objects.select_for_update(of=("self",))
            .select_related("volunteer", "team")
            .get(pk=record.pk)
        )
        if locked.status == RecordStatus.CONFIRMED:
            raise Conflict(_("This record is already confirmed."), field="status", code="already_confirmed")
        if not may_confirm(actor, locked):
            raise NotAllowed(_("Only the organiser may confirm service records, never the volunteer."))
        locked.status = RecordStatus.CONFIRMED
        locked.confirmed_at = _now()
        for k, v in _actor_fields(actor, "confirmed").items():
            setattr(locked, k, v)
        locked.save()
        audit(
            "service_record_confirm",
            actor=_audit_actor(actor),
            request=request,
            obj=locked,
            volunteer=locked.volunteer_id,
            hours=str(locked.hours),
            by_volunteer=locked.confirmed_by_volunteer_id,
        )
    return locked


def service_record_discard(*, record: ServiceRecord, actor, request=None) -> None:
    """Throw away a draft that should not have been recorded (a confirmed record cannot be discarded)."""
    with transaction.atomic():
        locked = ServiceRecord.objects.select_for_update().get(pk=record.pk)
        if locked.status == RecordStatus.CONFIRMED:
            raise Conflict(_("A confirmed record is never deleted; record a correction."), field="status")
        if not may_confirm(actor, locked):
            raise NotAllowed(_("Only the organiser may discard a draft."))
        audit(
            "service_record_discard",
            actor=_audit_actor(actor),
            request=request,
            obj=locked,
            volunteer=locked.volunteer_id,
            hours=str(locked.hours),
        )
        locked.delete()


def service_record_correct(
    *, record: ServiceRecord, actor, hours_delta, reason: str, request=None
) -> ServiceRecord:
    """Correct a confirmed record by a new confirmed record with `corrects=record` and signed hours."""
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        raise InvalidInput(_("Say why the record is corrected."), field="reason")
    if len(reason) > 200:
        raise InvalidInput(_("At most 200 characters."), field="reason")
    delta = _hours(hours_delta, field="hours_delta")
    if delta == 0:
        raise InvalidInput(
            _("A correction changes the hours: give a positive or negative number."), field="hours_delta"
        )
    with transaction.atomic():
        original = (
            ServiceRecord.objects.select_for_update(of=("self",))
            .select_related("volunteer")
            .get(pk=record.pk)
        )
        if original.corrects_id is not None:
            raise InvalidInput(_("Correct the original record, not a correction."), field="record")
        if original.status != RecordStatus.CONFIRMED:
            raise Conflict(_("A draft is not corrected: confirm or discard it."), field="status")
        if not may_confirm(actor, original):
            raise NotAllowed(_("Only the organiser may correct service records, never the volunteer."))
        so_far = original.hours + (
            original.corrections.filter(status=RecordStatus.CONFIRMED).aggregate(s=Sum("hours"))["s"]
            or Decimal("0")
        )
        after = so_far + delta
        if after < 0:
            raise InvalidInput(
                _("A correction cannot take the record below zero hours."), field="hours_delta"
            )
        if after > _duration_hours(original.started_at, original.ended_at):
            raise InvalidInput(
                _("The corrected hours cannot be more than the time between start and end."),
                field="hours_delta",
            )
        now = _now()
        correction = ServiceRecord(
            volunteer=original.volunteer,
            community_id=original.community_id,
            team_id=original.team_id,
            occurrence_id=original.occurrence_id,
            content=original.content,
            started_at=original.started_at,
            ended_at=original.ended_at,
            hours=delta,
            status=RecordStatus.CONFIRMED,
            corrects=original,
            correction_reason=reason,
            recorded_at=now,
            confirmed_at=now,
            **_actor_fields(actor, "recorded"),
            **_actor_fields(actor, "confirmed"),
        )
        correction.save()
        audit(
            "service_record_correct",
            actor=_audit_actor(actor),
            request=request,
            obj=correction,
            corrects=original.pk,
            hours_delta=str(delta),
            reason=reason,
        )
    return correction


def purge_service_records(queryset) -> int:
    """Delete service records outright, confirmed ones included: only the demo's clean-up may call this.

    On PostgreSQL the immutability trigger lets a delete through only with `linli.purge_service_records` set
    for the transaction."""
    from django.db import connection

    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL linli.purge_service_records = 'on'")
        qs = ServiceRecord.objects.filter(pk__in=list(queryset.values_list("pk", flat=True)))
        return qs._raw_delete(qs.db)


# ---------------------------------------------------------------- signing in on the phone


def _sms_text(message: str, **values) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _(message) % values


def _code_hash(volunteer_id: int, code: str) -> str:
    """Keyed hash of a code: the table alone does not give the codes away."""
    message = f"volunteers.login:{volunteer_id}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def login_code_send(*, phone: str, request=None) -> bool:
    """Send a sign-in code to the phone if it belongs to an active volunteer; False otherwise.

    The caller answers the same either way, so the answer never tells whether a number is registered."""
    phone = normalize_phone(phone)
    volunteer = (
        Volunteer.objects.filter(is_active=True).by_phone(phone).order_by("-registered_at").first()
        if phone
        else None
    )
    if volunteer is None:
        audit(
            "volunteer_login",
            request=request,
            outcome="failed",
            reason="code asked for a number that is no active volunteer's",
            step="send_code",
            phone=mask_phone(phone),
        )
        return False
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    now = _now()
    with transaction.atomic():
        Volunteer.objects.select_for_update().get(pk=volunteer.pk)
        LoginCode.objects.filter(volunteer=volunteer).delete()
        LoginCode.objects.create(
            volunteer=volunteer,
            code_hash=_code_hash(volunteer.pk, code),
            created_at=now,
            expires_at=now + CODE_VALID,
        )
    text = _sms_text(
        gettext_noop(
            "Your Linli volunteer sign-in code is %(code)s, valid for %(minutes)d minutes. "
            "Never tell anyone this code."
        ),
        code=code,
        minutes=int(CODE_VALID.total_seconds() // 60),
    )
    try:
        send_sms(volunteer.phone, text)
    except DeliveryError as exc:
        audit(
            "volunteer_login",
            request=request,
            obj=volunteer,
            outcome="failed",
            reason=f"SMS not sent: {exc.reason}",
            step="send_code",
        )
        return False
    audit("volunteer_login", request=request, obj=volunteer, step="send_code")
    return True


def login_code_check(
    *, phone_indexes: list[str], code: str, phone_hint: str = "", request=None
) -> Volunteer | None:
    """The volunteer whose number has these blind indexes, if `code` is their current code; None otherwise.

    A code is good for CODE_VALID and one use; CODE_MAX_FAILURES wrong answers kill it."""
    volunteer = (
        Volunteer.objects.filter(is_active=True, phone_index__in=phone_indexes)
        .order_by("-registered_at")
        .first()
        if phone_indexes
        else None
    )
    failure = ""
    now = _now()
    if volunteer is None:
        failure = "no active volunteer has this number"
    else:
        with transaction.atomic():
            current = (
                LoginCode.objects.select_for_update()
                .filter(volunteer=volunteer, used_at__isnull=True)
                .first()
            )
            if current is None:
                failure = "no code was sent"
            elif current.expires_at <= now:
                failure = "the code has expired"
            elif current.failed_attempts >= CODE_MAX_FAILURES:
                failure = "too many wrong codes"
            elif not hmac.compare_digest(current.code_hash, _code_hash(volunteer.pk, (code or "").strip())):
                current.failed_attempts += 1
                current.save(update_fields=["failed_attempts"])
                failure = f"wrong code ({current.failed_attempts} of {CODE_MAX_FAILURES})"
            else:
                current.used_at = now
                current.save(update_fields=["used_at"])
    if failure:
        audit(
            "volunteer_login",
            request=request,
            obj=volunteer,
            outcome="failed",
            reason=failure,
            step="check_code",
            phone=phone_hint,
        )
        return None
    audit("volunteer_login", request=request, obj=volunteer, step="check_code")
    return volunteer


# ---------------------------------------------------------------- certificates


def certificate_issue(
    *, volunteer: Volunteer, actor, start: date | None = None, end: date | None = None, request=None
):
    """Issue a 志愿服务记录证明 over the volunteer's confirmed records in [start, end]; (Certificate, PDF bytes).

    Staff who may see the volunteer, or the volunteer themself (signed in on the phone), ask for it; every
    issue is numbered and audited."""
    from . import certificate as pdf
    from .models import Certificate
    from .selectors import star_level, volunteers_for

    if isinstance(actor, Volunteer):
        if actor.pk != volunteer.pk:
            raise NotAllowed(_("You may only download your own certificate."))
    elif not volunteers_for(actor).filter(pk=volunteer.pk).exists():
        raise NotAllowed(_("You may not issue a certificate for this volunteer."))
    today = timezone.localdate()
    end = end or today
    if end > today:
        end = today
    if start is not None and start > end:
        raise InvalidInput(_("The period must start before it ends."), field="start")
    records = ServiceRecord.objects.filter(volunteer=volunteer, status=RecordStatus.CONFIRMED).select_related(
        "team", "community"
    )
    end_dt = timezone.make_aware(datetime.combine(end + timedelta(days=1), datetime.min.time()))
    records = records.filter(started_at__lt=end_dt)
    if start is not None:
        records = records.filter(
            started_at__gte=timezone.make_aware(datetime.combine(start, datetime.min.time()))
        )
    # One line per service, with its corrections folded into its hours (a correction is dated as its service).
    by_original: dict[int, list] = {}
    originals: dict[int, ServiceRecord] = {}
    for record in records.order_by("started_at", "id"):
        key = record.corrects_id or record.pk
        by_original.setdefault(key, []).append(record.hours)
        if record.corrects_id is None:
            originals[key] = record
    lines = []
    total = Decimal("0")
    for key, hours in by_original.items():
        net = sum(hours, Decimal("0"))
        total += net
        original = originals.get(key)
        if original is None or net == 0:
            continue
        lines.append(
            pdf.CertificateLine(
                day=timezone.localtime(original.started_at).date(),
                content=original.content,
                hours=net,
                organiser=original.organiser_name,
            )
        )
    cumulative = ServiceRecord.objects.filter(volunteer=volunteer, status=RecordStatus.CONFIRMED).aggregate(
        s=Sum("hours")
    )["s"] or Decimal("0")
    now = _now()
    community = volunteer.community
    with transaction.atomic():
        cert = Certificate.objects.create(
            number=f"pending-{secrets.token_hex(8)}",
            volunteer=volunteer,
            community=community,
            period_start=start,
            period_end=end,
            hours=total,
            issued_at=now,
            issued_by=None if isinstance(actor, Volunteer) else actor,
        )
        cert.number = f"ZYFW-{community.code}-{timezone.localtime(now):%Y%m%d}-{cert.pk:06d}"
        cert.save(update_fields=["number"])
        data = pdf.CertificateData(
            number=cert.number,
            name=volunteer.name,
            id_number=volunteer.id_number,
            registered_on=timezone.localtime(volunteer.registered_at).date(),
            period_start=start,
            period_end=end,
            hours=total,
            star=star_level(cumulative),
            lines=lines,
            issuer=f"{community.name}居民委员会",
            issued_on=timezone.localtime(now).date(),
        )
        content = pdf.render(data)
        audit(
            "volunteer_certificate",
            actor=None if isinstance(actor, Volunteer) else actor,
            request=request,
            obj=volunteer,
            number=cert.number,
            hours=str(total),
            by_volunteer=isinstance(actor, Volunteer),
        )
    return cert, content
