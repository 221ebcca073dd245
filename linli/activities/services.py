"""Every write of the activities app: activities and their schedules, exceptions, sign-ups of residents and
volunteers, check-in and check-out, the organiser's confirmation (which writes the 67号令 service record once),
home visits, photos and the messages that tell people of a change.

Rules kept here (tested in tests/):
- a resident sign-up never exceeds the activity's capacity: the occurrence row is locked while places are
  counted, so concurrent sign-ups queue; when full, a sign-up joins the waiting list (or is refused when the
  activity keeps none), and a cancellation moves the first waiting person up;
- a volunteer checks in only when signed up (a walk-in is added by the organiser on the occurrence page, which
  signs them up and checks them in at once), from 30 minutes before the start until the end; checks out after
  checking in;
- hours exist only through the organiser's confirmation: it needs a check-in, and the served time is
  check-out − check-in clipped to the occurrence, in whole quarter hours (no check-out: until the occurrence's end, once it has ended);
  each sign-up gets at most one service record (a one-to-one link, under a row lock)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.audit import audit
from linli.core.errors import Conflict, InvalidInput, NotAllowed, Unprocessable
from linli.core.fields import index_candidates
from linli.core.images import clean_photos
from linli.core.uploads import CheckedUpload
from linli.core.validators import mask_name, normalize_phone, validate_personal_phone

from . import recurrence
from .choices import (
    ActivityKind,
    Attendance,
    CheckMethod,
    HomeVisitStatus,
    MessageStatus,
    OccurrenceStatus,
    Preset,
    SignupSource,
    SignupStatus,
    TargetGroup,
    VolunteerSignupStatus,
)
from .models import (
    LOCAL_TZ,
    Activity,
    ActivityMessage,
    ActivityPhoto,
    HomeVisit,
    Occurrence,
    ResidentSignup,
    VolunteerRole,
    VolunteerSignup,
    _new_code,
)
from .selectors import may_manage

log = logging.getLogger(__name__)

CHECK_IN_EARLY = timedelta(minutes=30)
HOME_KINDS = {ActivityKind.HOME_SERVICE, ActivityKind.HAIRCUT}
ELDERLY_AGE, CHILD_AGE = 60, 14
MESSAGE_ATTEMPTS = 5


def horizon_days() -> int:
    return int(getattr(settings, "LINLI_ACTIVITIES_HORIZON_DAYS", 120))


def _now() -> datetime:
    return timezone.now()


def _tz() -> ZoneInfo:
    return ZoneInfo(LOCAL_TZ)


def _check_version(obj, version) -> None:
    if version is not None and int(version) != obj.version:
        raise Conflict(_("Someone else changed this in the meantime. Reload and try again."), field="version")


def _require_manager(actor, community_id: int) -> None:
    if not may_manage(actor, community_id):
        raise NotAllowed(_("Only the community's staff may do this."))


# ---------------------------------------------------------------- activities and schedules


SCHEDULE_FIELDS = ("starts_at", "duration_minutes", "rrule", "preset", "tzid")


def _clean_activity(activity: Activity, *, partners, roles) -> None:
    community_id = activity.community_id
    if not (activity.title or "").strip():
        raise InvalidInput(_("Enter the activity's title."), field="title")
    activity.title = activity.title.strip()[:100]
    if activity.kind not in ActivityKind.values:
        raise InvalidInput(_("Choose a kind of activity."), field="kind")
    if activity.organiser_id and activity.organiser.community_id != community_id:
        raise InvalidInput(_("The organiser team must belong to the community."), field="organiser")
    if activity.building_id and activity.building.compound.community_id != community_id:
        raise InvalidInput(_("The building is not in this community."), field="building")
    if activity.compound_id and activity.compound.community_id != community_id:
        raise InvalidInput(_("The compound is not in this community."), field="compound")
    if activity.starts_at is None or timezone.is_naive(activity.starts_at):
        raise InvalidInput(_("Enter the date and time it starts."), field="starts_at")
    if not 5 <= int(activity.duration_minutes or 0) <= 24 * 60:
        raise InvalidInput(_("The duration must be from 5 minutes to 24 hours."), field="duration_minutes")
    if activity.target_group not in TargetGroup.values:
        raise InvalidInput(_("Choose for whom the activity is."), field="target_group")
    if activity.target_group == TargetGroup.TAG and not activity.target_tag_id:
        raise InvalidInput(_("Choose the tag group the activity is for."), field="target_tag")
    if activity.target_group != TargetGroup.TAG:
        activity.target_tag = None
    if activity.capacity is not None and int(activity.capacity) < 1:
        raise InvalidInput(
            _("The number of places must be at least 1 (leave it empty for no limit)."), field="capacity"
        )
    for partner in partners or ():
        if partner.community_id != community_id:
            raise InvalidInput(_("A partner organisation is not of this community."), field="partners")
    names = set()
    for role in roles or ():
        name = (role.get("name") or "").strip()
        if not name or name in names:
            raise InvalidInput(_("Each volunteer role needs a name of its own."), field="roles")
        names.add(name)
        if not 1 <= int(role.get("needed") or 0) <= 500:
            raise InvalidInput(_("Say how many volunteers each role needs (1 to 500)."), field="roles")
    recurrence.check_rule(activity.rrule)


def _schedule_rule(
    preset: str, rrule: str | None, *, day=None, weekday=None, nth=None, until=None, count=None
) -> tuple[str, str]:
    """The (preset, RRULE) to store: a typed RRULE (API) wins over the preset's parameters."""
    if rrule:
        recurrence.check_rule(rrule)
        return (preset if preset in Preset.values and preset != Preset.ONCE else "custom"), rrule
    return preset, recurrence.build_rule(
        preset, day=day, weekday=weekday, nth=nth, until=until, count=count, tzid=LOCAL_TZ
    )


def _save_roles(activity: Activity, roles) -> None:
    if roles is None:
        return
    wanted = {r["name"].strip(): r for r in roles}
    for role in list(activity.roles.all()):
        if role.name not in wanted:
            if role.signups.exists():
                continue  # a role somebody signed up for stays
            role.delete()
    for name, data in wanted.items():
        VolunteerRole.objects.update_or_create(
            activity=activity,
            name=name[:40],
            defaults={"needed": int(data.get("needed") or 1), "skill": data.get("skill")},
        )


def activity_create(
    *,
    actor,
    community,
    title: str,
    starts_at: datetime,
    kind: str = ActivityKind.OTHER,
    duration_minutes: int = 120,
    preset: str = Preset.ONCE,
    day: int | None = None,
    weekday: int | None = None,
    nth: int | None = None,
    until=None,
    count: int | None = None,
    rrule: str | None = None,
    organiser=None,
    partners: Iterable = (),
    place: str = "",
    building=None,
    compound=None,
    capacity: int | None = None,
    waitlist: bool = True,
    target_group: str = TargetGroup.ALL,
    target_tag=None,
    description: str = "",
    is_public: bool = True,
    roles: Iterable[dict] = (),
    request=None,
) -> Activity:
    """A new activity and its occurrences for the horizon."""
    _require_manager(actor, community.pk)
    preset, rule = _schedule_rule(preset, rrule, day=day, weekday=weekday, nth=nth, until=until, count=count)
    partners, roles = list(partners or ()), list(roles or ())
    activity = Activity(
        community=community,
        title=title,
        kind=kind,
        organiser=organiser,
        place=(place or "").strip()[:120],
        building=building,
        compound=compound,
        starts_at=starts_at,
        tzid=LOCAL_TZ,
        duration_minutes=duration_minutes,
        preset=preset,
        rrule=rule,
        capacity=capacity,
        waitlist=waitlist,
        target_group=target_group,
        target_tag=target_tag,
        description=(description or "").strip()[:4000],
        is_public=is_public,
        created_by=actor,
    )
    _clean_activity(activity, partners=partners, roles=roles)
    with transaction.atomic():
        activity.save()
        activity.partners.set(partners)
        _save_roles(activity, roles)
        materialise(activity)
        audit("activity_create", actor=actor, request=request, obj=activity, community=community.pk)
    return activity


EDITABLE = (
    "title",
    "kind",
    "organiser",
    "place",
    "building",
    "compound",
    "starts_at",
    "duration_minutes",
    "capacity",
    "waitlist",
    "target_group",
    "target_tag",
    "description",
    "is_public",
    "is_active",
)


def activity_update(
    *,
    actor,
    activity: Activity,
    version: int,
    partners=None,
    roles=None,
    schedule: dict | None = None,
    request=None,
    **changes,
) -> Activity:
    """Edit an activity (version-checked); a changed schedule regenerates its future occurrences, keeping those
    with sign-ups, records or exceptions. ``schedule`` is {preset, day, weekday, nth, until, count} or {rrule}."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise InvalidInput(_("These fields cannot be changed: %(f)s") % {"f": ", ".join(sorted(unknown))})
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        _require_manager(actor, locked.community_id)
        _check_version(locked, version)
        before = {f: getattr(locked, f) for f in SCHEDULE_FIELDS}
        for field, value in changes.items():
            setattr(locked, field, value)
        if schedule is not None:
            locked.preset, locked.rrule = _schedule_rule(
                schedule.get("preset", Preset.ONCE),
                schedule.get("rrule"),
                day=schedule.get("day"),
                weekday=schedule.get("weekday"),
                nth=schedule.get("nth"),
                until=schedule.get("until"),
                count=schedule.get("count"),
            )
        partner_list = list(partners) if partners is not None else list(locked.partners.all())
        _clean_activity(locked, partners=partner_list, roles=roles)
        locked.version = F("version") + 1
        locked.save()
        locked.refresh_from_db()
        if partners is not None:
            locked.partners.set(partner_list)
        _save_roles(locked, roles)
        if any(before[f] != getattr(locked, f) for f in SCHEDULE_FIELDS) or "is_active" in changes:
            materialise(locked)
        audit("activity_update", actor=actor, request=request, obj=locked, fields=sorted(changes))
    return locked


def _keeps(occ: Occurrence) -> bool:
    """An occurrence a regeneration must not drop: it has people, records, photos or is an exception."""
    return (
        occ.is_exception
        or occ.signups.exists()
        or occ.volunteer_signups.exists()
        or occ.service_records.exists()
        or occ.home_visits.exists()
        or occ.photos.exists()
    )


def _create_occurrence(activity: Activity, start: datetime) -> Occurrence:
    end = start + timedelta(minutes=activity.duration_minutes)
    for _attempt in range(8):
        try:
            with transaction.atomic():
                return Occurrence.objects.create(
                    activity=activity, original_start=start, starts_at=start, ends_at=end, code=_new_code()
                )
        except IntegrityError:
            if Occurrence.objects.filter(activity=activity, original_start=start).exists():
                raise
            continue  # the random check-in code was taken: draw another
    raise Conflict(_("Could not draw a free check-in code; try again."))


def materialise(activity: Activity, *, today=None) -> dict:
    """Bring the activity's occurrences from today (local) to the horizon in line with its schedule.

    Occurrences before today are history and never touched. Call it inside a transaction holding the activity."""
    today = today or timezone.localdate(timezone=_tz())
    start = datetime.combine(today, time(), tzinfo=_tz())
    end = start + timedelta(days=horizon_days() + 1)
    wanted = (
        recurrence.expand(activity.rrule, activity.starts_at, activity.tzid, start, end)
        if activity.is_active and activity.starts_at
        else []
    )
    existing = {o.original_start: o for o in activity.occurrences.filter(original_start__gte=start)}
    created = updated = dropped = 0
    length = timedelta(minutes=activity.duration_minutes)
    if not activity.rrule and len(wanted) == 1 and wanted[0] not in existing:
        # A one-off whose time changed: its one occurrence follows the new plan rather than leaving a twin.
        plain = [o for o in existing.values() if not o.is_exception]
        if len(plain) == 1 and len(existing) == 1:
            occ = existing.pop(plain[0].original_start)
            occ.original_start = occ.starts_at = wanted[0]
            occ.ends_at = wanted[0] + timedelta(minutes=activity.duration_minutes)
            occ.version += 1
            occ.save(update_fields=["original_start", "starts_at", "ends_at", "version"])
            _tell(
                occ,
                _("%(title)s moves to %(when)s at %(place)s: %(reason)s")
                % {
                    "title": activity.title,
                    "when": _local(occ.starts_at),
                    "place": occ.where,
                    "reason": _("the plan changed"),
                },
            )
            existing[occ.original_start] = occ
            updated += 1
    for moment in wanted:
        occ = existing.pop(moment, None)
        if occ is None:
            _create_occurrence(activity, moment)
            created += 1
        elif not occ.moved and occ.ends_at - occ.starts_at != length:
            Occurrence.objects.filter(pk=occ.pk).update(starts_at=moment, ends_at=moment + length)
            updated += 1
    for occ in existing.values():
        if not _keeps(occ):
            occ.delete()
            dropped += 1
    return {"created": created, "updated": updated, "dropped": dropped}


def occurrences_extend(today=None) -> dict:
    """The daily sweep: every active recurring activity's occurrences extended to the horizon, one activity per
    transaction; then messages that could not be sent are tried again."""
    created = 0
    for pk in Activity.objects.filter(is_active=True).exclude(rrule="").values_list("pk", flat=True):
        with transaction.atomic():
            activity = Activity.objects.select_for_update().get(pk=pk)
            created += materialise(activity, today=today)["created"]
    sent = send_pending_messages()
    return {"created": created, "messages_sent": sent}


# ---------------------------------------------------------------- exceptions: skip and move


def _lock_occurrence(occurrence: Occurrence) -> Occurrence:
    return Occurrence.objects.select_for_update().select_related("activity__community").get(pk=occurrence.pk)


def _tell(occ: Occurrence, text: str) -> None:
    """Queue an SMS to everyone signed up (residents and volunteers), sent once the change commits."""
    phones = set()
    for signup in occ.signups.exclude(status=SignupStatus.CANCELLED).select_related("resident"):
        phone = signup.phone or (signup.resident.phone if signup.resident_id else "")
        if phone:
            phones.add(phone)
    for vs in occ.volunteer_signups.filter(status=VolunteerSignupStatus.SIGNED_UP).select_related(
        "volunteer"
    ):
        if vs.volunteer.phone:
            phones.add(vs.volunteer.phone)
    ids = [
        ActivityMessage.objects.create(occurrence=occ, phone=p, text=text[:300]).pk for p in sorted(phones)
    ]
    if ids:
        transaction.on_commit(lambda: send_pending_messages(ids))


def _tell_one(occ: Occurrence, signup: ResidentSignup, text: str) -> None:
    phone = signup.phone or (signup.resident.phone if signup.resident_id else "")
    if phone:
        pk = ActivityMessage.objects.create(occurrence=occ, phone=phone, text=text[:300]).pk
        transaction.on_commit(lambda: send_pending_messages([pk]))


def send_pending_messages(ids: Iterable[int] | None = None) -> int:
    """Hand waiting messages to the SMS gateway; a failure is tried again by the sweep, up to 5 times."""
    from linli.core.outbound import DeliveryError
    from linli.core.sms import send_sms, sms_configured

    if not sms_configured():
        return 0
    qs = ActivityMessage.objects.filter(status=MessageStatus.PENDING, attempts__lt=MESSAGE_ATTEMPTS)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    sent = 0
    for msg in qs[:500]:
        try:
            send_sms(msg.phone, msg.text, request_id=f"activity-msg-{msg.pk}")
        except DeliveryError as exc:
            retry = exc.retryable and msg.attempts + 1 < MESSAGE_ATTEMPTS
            ActivityMessage.objects.filter(pk=msg.pk).update(
                attempts=F("attempts") + 1,
                status=MessageStatus.PENDING if retry else MessageStatus.FAILED,
                last_error=str(getattr(exc, "reason", exc))[:200],
            )
        else:
            ActivityMessage.objects.filter(pk=msg.pk).update(
                attempts=F("attempts") + 1, status=MessageStatus.SENT, sent_at=_now()
            )
            sent += 1
    return sent


def _local(dt: datetime) -> str:
    return f"{dt.astimezone(_tz()):%m-%d %H:%M}"


def occurrence_skip(*, actor, occurrence: Occurrence, reason: str, version: int | None = None) -> Occurrence:
    """Skip one occurrence (not held this time), with a reason; everyone signed up is told."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Say why this occurrence is skipped."), field="reason")
    with transaction.atomic():
        occ = _lock_occurrence(occurrence)
        _require_manager(actor, occ.activity.community_id)
        _check_version(occ, version)
        if occ.status == OccurrenceStatus.SKIPPED:
            raise Conflict(_("This occurrence is already skipped."))
        if occ.ends_at <= _now():
            raise Unprocessable(_("An occurrence that is over cannot be skipped."), field="occurrence")
        occ.status, occ.skip_reason = OccurrenceStatus.SKIPPED, reason[:200]
        occ.changed_by, occ.changed_at = actor, _now()
        occ.version += 1
        occ.save()
        _tell(
            occ,
            _("%(title)s on %(when)s will not take place: %(reason)s")
            % {"title": occ.activity.title, "when": _local(occ.starts_at), "reason": reason},
        )
    return occ


def occurrence_move(
    *,
    actor,
    occurrence: Occurrence,
    starts_at: datetime,
    reason: str,
    place: str = "",
    duration_minutes: int | None = None,
    version: int | None = None,
) -> Occurrence:
    """Move one occurrence to another time (and place); its original start is kept, everyone signed up is told."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Say why this occurrence moves."), field="reason")
    if starts_at is None or timezone.is_naive(starts_at):
        raise InvalidInput(_("Enter the new date and time."), field="starts_at")
    if starts_at <= _now():
        raise InvalidInput(_("The new time must be in the future."), field="starts_at")
    with transaction.atomic():
        occ = _lock_occurrence(occurrence)
        _require_manager(actor, occ.activity.community_id)
        _check_version(occ, version)
        if occ.status == OccurrenceStatus.SKIPPED:
            raise Conflict(_("A skipped occurrence cannot be moved."))
        if occ.volunteer_signups.filter(checked_in_at__isnull=False).exists():
            raise Conflict(_("Volunteers have already checked in; this occurrence cannot move."))
        minutes = duration_minutes or int((occ.ends_at - occ.starts_at).total_seconds() // 60)
        if not 5 <= minutes <= 24 * 60:
            raise InvalidInput(
                _("The duration must be from 5 minutes to 24 hours."), field="duration_minutes"
            )
        occ.starts_at, occ.ends_at = starts_at, starts_at + timedelta(minutes=minutes)
        occ.place = (place or "").strip()[:120]
        occ.moved, occ.move_reason = True, reason[:200]
        occ.changed_by, occ.changed_at = actor, _now()
        occ.version += 1
        occ.save()
        _tell(
            occ,
            _("%(title)s moves to %(when)s at %(place)s: %(reason)s")
            % {
                "title": occ.activity.title,
                "when": _local(occ.starts_at),
                "place": occ.where,
                "reason": reason,
            },
        )
    return occ


# ---------------------------------------------------------------- residents sign up


def _open_for_signup(occ: Occurrence) -> None:
    if occ.status != OccurrenceStatus.SCHEDULED or not occ.activity.is_active:
        raise Unprocessable(_("This occurrence is not held."), field="occurrence")
    if occ.ends_at <= _now():
        raise Unprocessable(_("This occurrence is over."), field="occurrence")


def _place_status(occ: Occurrence) -> str:
    """Confirmed while there are places, else the waiting list (or a refusal). Call with the occurrence locked."""
    capacity = occ.activity.capacity
    if capacity is None:
        return SignupStatus.CONFIRMED
    taken = occ.signups.filter(status=SignupStatus.CONFIRMED).count()
    if taken < capacity:
        return SignupStatus.CONFIRMED
    if occ.activity.waitlist:
        return SignupStatus.WAITLISTED
    raise Conflict(_("All places are taken."), code="full", field="occurrence")


def _check_target(activity: Activity, resident) -> None:
    group = activity.target_group
    age = resident.age_on(timezone.localdate())
    if group == TargetGroup.ELDERLY and (age is None or age < ELDERLY_AGE):
        raise InvalidInput(_("This activity is for residents aged 60 and over."), field="resident")
    if group == TargetGroup.CHILDREN and (age is None or age >= CHILD_AGE):
        raise InvalidInput(_("This activity is for children under 14."), field="resident")
    if group == TargetGroup.TAG:
        from linli.residents.models import TagAssignment

        carries = TagAssignment.objects.filter(tag=activity.target_tag, removed_at__isnull=True).filter(
            Q(resident=resident) | Q(household_id=resident.household_id)
        )
        if not carries.exists():
            raise InvalidInput(
                _("This activity is for residents tagged %(tag)s.") % {"tag": activity.target_tag.name},
                field="resident",
            )


def signup_for_resident(*, actor, occurrence: Occurrence, resident, request=None) -> ResidentSignup:
    """Staff sign a resident up (the caller fetched the resident through the viewer's scope)."""
    with transaction.atomic():
        occ = _lock_occurrence(occurrence)
        _require_manager(actor, occ.activity.community_id)
        if resident.community_id != occ.activity.community_id:
            raise InvalidInput(_("The resident does not live in this community."), field="resident")
        if resident.moved_out is not None or resident.anonymised_at is not None:
            raise InvalidInput(_("The resident no longer lives here."), field="resident")
        _open_for_signup(occ)
        _check_target(occ.activity, resident)
        if occ.signups.filter(resident=resident).exclude(status=SignupStatus.CANCELLED).exists():
            raise Conflict(_("The resident is already signed up."), field="resident", code="duplicate")
        signup = ResidentSignup.objects.create(
            occurrence=occ,
            resident=resident,
            name=resident.name,
            source=SignupSource.STAFF,
            status=_place_status(occ),
            created_by=actor,
        )
        audit(
            "activity_signup",
            actor=actor,
            request=request,
            obj=signup,
            resident=resident.pk,
            occurrence=occ.pk,
        )
    return signup


def signup_public(*, occurrence: Occurrence, name: str, phone: str, request=None) -> ResidentSignup:
    """A resident signs up on the H5 page with a name and a phone (stored encrypted), no sign-in."""
    name = (name or "").strip()
    if not name or len(name) > 50:
        raise InvalidInput(_("Enter your name (at most 50 characters)."), field="name")
    phone = (phone or "").strip()
    try:
        if not phone:
            raise ValidationError("")
        validate_personal_phone(phone)
    except ValidationError:
        raise InvalidInput(
            _("Enter a mobile number such as 13812345678 or a landline such as 022-23456789."), field="phone"
        ) from None
    with transaction.atomic():
        occ = _lock_occurrence(occurrence)
        if not occ.activity.is_public:
            raise Unprocessable(_("This occurrence is not held."), field="occurrence")
        _open_for_signup(occ)
        signup = ResidentSignup(
            occurrence=occ, name=name, phone=phone, source=SignupSource.PUBLIC, status=_place_status(occ)
        )
        candidates = index_candidates("phone", phone, normalize_phone)
        if occ.signups.filter(phone_index__in=candidates).exclude(status=SignupStatus.CANCELLED).exists():
            raise Conflict(_("This phone number is already signed up."), field="phone", code="duplicate")
        signup.save()
        audit("activity_signup_public", request=request, obj=signup, occurrence=occ.pk, name=mask_name(name))
    return signup


def signup_cancel(*, actor, signup: ResidentSignup, request=None) -> ResidentSignup:
    """Cancel a resident's place; the first on the waiting list moves up."""
    with transaction.atomic():
        occ = _lock_occurrence(signup.occurrence)
        _require_manager(actor, occ.activity.community_id)
        signup = ResidentSignup.objects.get(pk=signup.pk)
        if signup.status == SignupStatus.CANCELLED:
            raise Conflict(_("This sign-up is already cancelled."))
        was_confirmed = signup.status == SignupStatus.CONFIRMED
        signup.status, signup.cancelled_at = SignupStatus.CANCELLED, _now()
        signup.save(update_fields=["status", "cancelled_at"])
        if was_confirmed:
            first = occ.signups.filter(status=SignupStatus.WAITLISTED).order_by("created_at", "id").first()
            if first is not None and _place_status(occ) == SignupStatus.CONFIRMED:
                first.status = SignupStatus.CONFIRMED
                first.save(update_fields=["status"])
                _tell_one(
                    occ,
                    first,
                    _("A place is free: you are signed up for %(title)s on %(when)s.")
                    % {"title": occ.activity.title, "when": _local(occ.starts_at)},
                )
        audit("activity_signup_cancel", actor=actor, request=request, obj=signup, occurrence=occ.pk)
    return signup


def attendance_take(*, actor, occurrence: Occurrence, present: Iterable[int]) -> int:
    """Mark each confirmed sign-up present (ids in ``present``) or absent; returns how many are present."""
    present = {int(p) for p in present}
    with transaction.atomic():
        occ = _lock_occurrence(occurrence)
        _require_manager(actor, occ.activity.community_id)
        if occ.status != OccurrenceStatus.SCHEDULED:
            raise Unprocessable(_("This occurrence is not held."), field="occurrence")
        if _now() < occ.starts_at - CHECK_IN_EARLY:
            raise Unprocessable(_("Attendance is taken once the occurrence begins."), field="occurrence")
        now, count = _now(), 0
        for signup in occ.signups.filter(status=SignupStatus.CONFIRMED):
            mark = Attendance.PRESENT if signup.pk in present else Attendance.ABSENT
            count += mark == Attendance.PRESENT
            ResidentSignup.objects.filter(pk=signup.pk).update(
                attendance=mark, attendance_by=actor, attendance_at=now
            )
    return count


def photos_add(*, actor, occurrence: Occurrence, uploads: list[CheckedUpload]) -> list[ActivityPhoto]:
    """Photos of the occurrence, re-encoded without metadata; shown to staff only."""
    if not uploads:
        raise InvalidInput(_("Choose at least one photo."), field="photos")
    photos = clean_photos(uploads)
    stored = []
    with transaction.atomic():
        occ = _lock_occurrence(occurrence)
        _require_manager(actor, occ.activity.community_id)
        for photo in photos:
            up = photo.upload
            row = ActivityPhoto(
                occurrence=occ,
                stored_name=f"{uuid.uuid4().hex}.{up.stored_extension}",
                original_name=up.name,
                content_type=up.content_type,
                size=up.size,
                uploaded_by=actor,
            )
            row.file.save(row.stored_name, up.file, save=False)
            row.save()
            stored.append(row)
    return stored


# ---------------------------------------------------------------- volunteers


def is_captain(volunteer, activity: Activity) -> bool:
    """Whether the volunteer captains the activity's organiser team (and may confirm attendance)."""
    from linli.volunteers.services import is_captain as captain_of

    return volunteer is not None and captain_of(volunteer, activity.organiser)


def _may_serve(volunteer, activity: Activity) -> None:
    # Service records belong to the volunteer's community (volunteers.services), so volunteers serve at home.
    if not volunteer.is_active:
        raise NotAllowed(_("This volunteer registration is not active."))
    if volunteer.community_id != activity.community_id:
        raise NotAllowed(_("This activity is for the community's own volunteers."))


def _require_organiser(actor, activity: Activity) -> None:
    """The organiser: the community's staff (a User), or a captain of the organiser team (a Volunteer)."""
    from linli.volunteers.models import Volunteer

    if isinstance(actor, Volunteer):
        if not is_captain(actor, activity):
            raise NotAllowed(_("Only the organiser team's captain or the community's staff may confirm."))
    else:
        _require_manager(actor, activity.community_id)


def _check_role(occ: Occurrence, volunteer, role: VolunteerRole | None, *, exclude=None) -> None:
    roles = list(occ.activity.roles.all())
    if role is None:
        if roles:
            raise InvalidInput(_("Choose a role."), field="role")
        return
    if role.activity_id != occ.activity_id:
        raise InvalidInput(_("Choose one of this activity's roles."), field="role")
    if role.skill_id and not volunteer.skills.filter(pk=role.skill_id).exists():
        raise InvalidInput(
            _("This role needs the skill %(skill)s.") % {"skill": role.skill.name}, field="role"
        )
    taken = occ.volunteer_signups.filter(role=role, status=VolunteerSignupStatus.SIGNED_UP)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if taken.count() >= role.needed:
        raise Conflict(_("This role has all the volunteers it needs."), field="role", code="full")


def volunteer_signup(
    *, volunteer, occurrence: Occurrence, role: VolunteerRole | None = None
) -> VolunteerSignup:
    """A volunteer signs up for a role at an occurrence (again, after cancelling, is allowed)."""
    with transaction.atomic():
        occ = _lock_occurrence(occurrence)
        _may_serve(volunteer, occ.activity)
        _open_for_signup(occ)
        existing = (
            VolunteerSignup.objects.select_for_update().filter(occurrence=occ, volunteer=volunteer).first()
        )
        if existing is not None and existing.status == VolunteerSignupStatus.SIGNED_UP:
            raise Conflict(_("You are already signed up."), code="duplicate")
        _check_role(occ, volunteer, role, exclude=existing)
        if existing is not None:
            existing.status, existing.role = VolunteerSignupStatus.SIGNED_UP, role
            existing.version += 1
            existing.save(update_fields=["status", "role", "version"])
            return existing
        return VolunteerSignup.objects.create(occurrence=occ, volunteer=volunteer, role=role)


def volunteer_cancel(*, volunteer, signup: VolunteerSignup) -> VolunteerSignup:
    with transaction.atomic():
        signup = VolunteerSignup.objects.select_for_update().get(pk=signup.pk)
        if signup.volunteer_id != volunteer.pk:
            raise NotAllowed(_("This is not your sign-up."))
        if signup.status == VolunteerSignupStatus.CANCELLED:
            raise Conflict(_("This sign-up is already cancelled."))
        if signup.checked_in_at is not None:
            raise Conflict(_("You have checked in; the sign-up can no longer be cancelled."))
        signup.status = VolunteerSignupStatus.CANCELLED
        signup.version += 1
        signup.save(update_fields=["status", "version"])
    return signup


def _check_in_window(occ: Occurrence, now: datetime) -> None:
    if occ.status != OccurrenceStatus.SCHEDULED:
        raise Unprocessable(_("This occurrence is not held."), field="occurrence")
    if now < occ.starts_at - CHECK_IN_EARLY:
        raise Unprocessable(
            _("Check-in opens 30 minutes before the start (%(at)s).")
            % {"at": _local(occ.starts_at - CHECK_IN_EARLY)},
            field="occurrence",
            code="too_early",
        )
    if now > occ.ends_at:
        raise Unprocessable(
            _("This occurrence is over; check-in is closed."), field="occurrence", code="too_late"
        )


def check_in(*, volunteer, occurrence: Occurrence, method: str = CheckMethod.CODE) -> VolunteerSignup:
    """Check in by the occurrence's QR code or code: only a signed-up volunteer, within the check-in window."""
    now = _now()
    with transaction.atomic():
        occ = _lock_occurrence(occurrence)
        _check_in_window(occ, now)
        signup = (
            VolunteerSignup.objects.select_for_update()
            .filter(occurrence=occ, volunteer=volunteer, status=VolunteerSignupStatus.SIGNED_UP)
            .first()
        )
        if signup is None:
            raise NotAllowed(
                _("You are not signed up for this activity. Ask the organiser to add you as a walk-in."),
                code="not_signed_up",
            )
        if signup.checked_in_at is not None:
            raise Conflict(_("You have already checked in."), code="checked_in")
        signup.checked_in_at, signup.check_in_method = now, method
        signup.version += 1
        signup.save(update_fields=["checked_in_at", "check_in_method", "version"])
    return signup


def check_out(*, volunteer, occurrence: Occurrence) -> VolunteerSignup:
    """Check out, after checking in."""
    now = _now()
    with transaction.atomic():
        signup = (
            VolunteerSignup.objects.select_for_update()
            .filter(occurrence=occurrence, volunteer=volunteer, status=VolunteerSignupStatus.SIGNED_UP)
            .first()
        )
        if signup is None or signup.checked_in_at is None:
            raise Unprocessable(_("Check in first."), code="not_checked_in")
        if signup.checked_out_at is not None:
            raise Conflict(_("You have already checked out."), code="checked_out")
        if signup.service_record_id:
            raise Conflict(_("Your attendance is already confirmed."))
        signup.checked_out_at = max(now, signup.checked_in_at)
        signup.version += 1
        signup.save(update_fields=["checked_out_at", "version"])
    return signup


def walk_in_accept(
    *, actor, occurrence: Occurrence, volunteer, role: VolunteerRole | None = None
) -> VolunteerSignup:
    """The organiser accepts a volunteer who came without signing up: signed up and checked in now."""
    now = _now()
    with transaction.atomic():
        occ = _lock_occurrence(occurrence)
        _require_manager(actor, occ.activity.community_id)
        _may_serve(volunteer, occ.activity)
        _check_in_window(occ, now)
        existing = (
            VolunteerSignup.objects.select_for_update().filter(occurrence=occ, volunteer=volunteer).first()
        )
        if existing is not None and existing.status == VolunteerSignupStatus.SIGNED_UP:
            raise Conflict(_("This volunteer is already signed up."), code="duplicate")
        _check_role(occ, volunteer, role, exclude=existing)
        signup = existing or VolunteerSignup(occurrence=occ, volunteer=volunteer)
        signup.status, signup.role, signup.walk_in = VolunteerSignupStatus.SIGNED_UP, role, True
        signup.checked_in_at, signup.check_in_method = now, CheckMethod.ORGANISER
        signup.save()
    return signup


def served_window(signup: VolunteerSignup, occ: Occurrence, *, now: datetime | None = None):
    """(start, end, hours) of the time served: check-out − check-in clipped to the occurrence; None if nothing
    can be counted yet (no check-in, or no check-out while the occurrence still runs)."""
    now = now or _now()
    if signup.checked_in_at is None:
        return None
    out = signup.checked_out_at
    if out is None:
        if now < occ.ends_at:
            return None
        out = occ.ends_at
    start, end = max(signup.checked_in_at, occ.starts_at), min(out, occ.ends_at)
    if end <= start:
        return start, start, Decimal("0.00")
    # Service records count quarter hours (volunteers.services): started quarters of the time served are dropped.
    quarters = int((end - start).total_seconds() // 900)
    return start, end, Decimal(quarters) / Decimal(4)


def attendance_confirm(
    *, actor, occurrence: Occurrence, signup_ids: Iterable[int] | None = None, request=None
) -> dict:
    """The organiser confirms volunteers' attendance: one confirmed service record per checked-in sign-up, never
    two (a sign-up that has one is skipped). Returns {"confirmed": [...], "skipped": {id: reason}}."""
    from linli.volunteers.services import service_record_create

    now = _now()
    confirmed, skipped = [], {}
    with transaction.atomic():
        occ = _lock_occurrence(occurrence)
        _require_organiser(actor, occ.activity)
        if occ.status != OccurrenceStatus.SCHEDULED:
            raise Unprocessable(_("This occurrence is not held."), field="occurrence")
        # Only the sign-up rows are locked: the role join is an outer one, which PostgreSQL cannot lock.
        qs = VolunteerSignup.objects.select_for_update(of=("self",)).filter(
            occurrence=occ, status=VolunteerSignupStatus.SIGNED_UP
        )
        if signup_ids is not None:
            qs = qs.filter(pk__in=[int(i) for i in signup_ids])
        for signup in qs.select_related("volunteer", "role").order_by("id"):
            if signup.service_record_id:
                skipped[signup.pk] = "already_confirmed"
                continue
            window = served_window(signup, occ, now=now)
            if window is None:
                skipped[signup.pk] = "not_checked_in" if signup.checked_in_at is None else "not_checked_out"
                continue
            start, end, hours = window
            if hours <= 0:
                skipped[signup.pk] = "no_time_served"
                continue
            if isinstance(actor, type(signup.volunteer)) and actor.pk == signup.volunteer_id:
                skipped[signup.pk] = "own_attendance"  # a captain never confirms their own hours
                continue
            content = occ.activity.title + (f"（{signup.role.name}）" if signup.role_id else "")
            record = service_record_create(
                volunteer=signup.volunteer,
                content=content[:200],
                started_at=start,
                ended_at=end,
                hours=hours,
                actor=actor,
                team=occ.activity.organiser,
                occurrence=occ,
                confirm=True,
                request=request,
            )
            signup.service_record, signup.confirmed_at = record, now
            signup.confirmed_by = actor if not isinstance(actor, type(signup.volunteer)) else None
            signup.version += 1
            signup.save(update_fields=["service_record", "confirmed_at", "confirmed_by", "version"])
            confirmed.append(signup.pk)
    return {"confirmed": confirmed, "skipped": skipped}


# ---------------------------------------------------------------- home visits (上门服务)


def _require_home_kind(occ: Occurrence) -> None:
    if occ.activity.kind not in HOME_KINDS:
        raise Unprocessable(
            _("Home visits belong to home-service and haircut activities."), field="occurrence"
        )


def home_visits_generate(
    *,
    actor,
    occurrence: Occurrence,
    residents: Iterable = (),
    households: Iterable = (),
    volunteer=None,
    planned_at: datetime | None = None,
    request=None,
) -> list[HomeVisit]:
    """Visits for residents (or whole households) who cannot come; the caller fetched them through the viewer's
    registry scope. Someone already on the occurrence's list is not added twice."""
    residents, households = list(residents), list(households)
    if not residents and not households:
        raise InvalidInput(_("Choose the residents or households to visit."), field="residents")
    created = []
    with transaction.atomic():
        occ = _lock_occurrence(occurrence)
        _require_manager(actor, occ.activity.community_id)
        _require_home_kind(occ)
        if occ.status != OccurrenceStatus.SCHEDULED:
            raise Unprocessable(_("This occurrence is not held."), field="occurrence")
        if volunteer is not None:
            _may_serve(volunteer, occ.activity)
        when = planned_at or occ.starts_at
        targets = [(r.household, r) for r in residents] + [(h, None) for h in households]
        for household, resident in targets:
            if household.community_id != occ.activity.community_id:
                raise InvalidInput(_("A household is not in this community."), field="residents")
            dup = occ.home_visits.filter(household=household)
            dup = dup.filter(resident=resident) if resident is not None else dup.filter(resident__isnull=True)
            if dup.exists():
                continue
            created.append(
                HomeVisit.objects.create(
                    occurrence=occ,
                    household=household,
                    resident=resident,
                    grid_id=household.grid_id,
                    community_id=household.community_id,
                    street_id=household.street_id,
                    volunteer=volunteer,
                    planned_at=when,
                    created_by=actor,
                )
            )
        audit(
            "activity_home_visits",
            actor=actor,
            request=request,
            obj=occ,
            residents=[r.pk for r in residents],
            households=[h.pk for h in households],
        )
    return created


def home_visit_assign(*, actor, visit: HomeVisit, volunteer, planned_at: datetime | None = None) -> HomeVisit:
    with transaction.atomic():
        visit = HomeVisit.objects.select_for_update().select_related("occurrence__activity").get(pk=visit.pk)
        _require_manager(actor, visit.community_id)
        if volunteer is not None:
            _may_serve(volunteer, visit.occurrence.activity)
        visit.volunteer = volunteer
        if planned_at is not None:
            visit.planned_at = planned_at
        visit.save(update_fields=["volunteer", "planned_at"])
    return visit


def home_visit_done(*, visit: HomeVisit, note: str = "", volunteer=None, actor=None) -> HomeVisit:
    """The assigned volunteer (or the community's staff) marks a visit done."""
    with transaction.atomic():
        visit = HomeVisit.objects.select_for_update().get(pk=visit.pk)
        if volunteer is not None:
            if visit.volunteer_id != volunteer.pk:
                raise NotAllowed(_("This visit is assigned to someone else."))
        elif actor is None or not may_manage(actor, visit.community_id):
            raise NotAllowed(_("Only the community's staff may do this."))
        if visit.status != HomeVisitStatus.PLANNED:
            raise Conflict(_("This visit is already closed."))
        visit.status, visit.done_at, visit.note = HomeVisitStatus.DONE, _now(), (note or "").strip()[:300]
        visit.save(update_fields=["status", "done_at", "note"])
    return visit
