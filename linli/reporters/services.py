"""Every write of the reporters app: invitations, sign-in codes, reports, flags and the points ledger.

Views, the API, the demo and tests call these; nothing else saves a Reporter, a LoginCode, a Flag or a
PointsEntry."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from linli.accounts.choices import Role
from linli.accounts.models import RoleAssignment, User
from linli.cases.choices import Status
from linli.cases.models import Case, Category
from linli.cases.services import case_create
from linli.core.audit import audit
from linli.core.errors import Conflict, InvalidInput, NotAllowed
from linli.core.images import Photo
from linli.core.outbound import DeliveryError
from linli.core.sms import send_sms
from linli.core.validators import mask_phone, normalize_phone, validate_personal_phone
from linli.org.models import Building, Community

from . import fraud
from .choices import EntryKind, FlagKind, Occupation
from .errors import ErrorCode, TooManyReports
from .models import Flag, LoginCode, PhotoFingerprint, PointsEntry, Reporter
from .selectors import may_manage

CODE_DIGITS = 6
CODE_VALID = timedelta(minutes=5)
CODE_MAX_FAILURES = 5
MOBILE = re.compile(r"^1[3-9]\d{9}$")  # a mainland mobile: what an SMS can reach


def points_per_report() -> int:
    return settings.LINLI_REPORTER_POINTS


def _sms_text(message: str, **values) -> str:
    """An SMS in the deployment's language (riders get Chinese whatever language the sender's page speaks)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _(message) % values


def _mobile_number(phone: str) -> str:
    """The normalised mobile number, or InvalidInput: codes go out by SMS, so a landline will not do."""
    phone = normalize_phone(phone)
    if not phone:
        raise InvalidInput(_("Enter the mobile number."), field="phone", code=ErrorCode.NOT_A_MOBILE)
    try:
        validate_personal_phone(phone)
    except ValidationError as exc:
        raise InvalidInput(" ".join(exc.messages), field="phone") from None
    if not MOBILE.match(phone):
        raise InvalidInput(
            _("Sign-in codes go out by SMS: enter a mobile number."),
            field="phone",
            code=ErrorCode.NOT_A_MOBILE,
        )
    return phone


# ---------------------------------------------------------------- reporters


def reporter_enrol(
    *,
    user: User,
    community: Community,
    name: str,
    phone: str,
    occupation: str = Occupation.DELIVERY,
    employer: str = "",
    invited_by: User | None = None,
) -> Reporter:
    """The reporter profile of an account that holds (or is given) the REPORTER role for the community."""
    name = name.strip()
    if not name:
        raise InvalidInput(_("Enter the reporter's name."), field="name")
    if occupation not in Occupation.values:
        raise InvalidInput(_("Choose what the reporter does."), field="occupation")
    phone = _mobile_number(phone)
    with transaction.atomic():
        if Reporter.objects.by_phone(phone).exists():
            raise Conflict(
                _("A reporter with this phone number is already registered."),
                field="phone",
                code=ErrorCode.ALREADY_INVITED,
            )
        RoleAssignment.objects.get_or_create(user=user, role=Role.REPORTER, community=community)
        try:
            with transaction.atomic():
                return Reporter.objects.create(
                    user=user,
                    community=community,
                    name=name[:50],
                    phone=phone,
                    occupation=occupation,
                    employer=employer.strip()[:50],
                    invited_by=invited_by,
                    invited_at=timezone.now(),
                )
        except IntegrityError:  # the same number invited at the same moment by someone else
            raise Conflict(
                _("A reporter with this phone number is already registered."),
                field="phone",
                code=ErrorCode.ALREADY_INVITED,
            ) from None


def _new_username() -> str:
    while True:
        username = f"r-{secrets.token_hex(5)}"
        if not User.objects.filter(username=username).exists():
            return username


def reporter_invite(
    *,
    actor: User,
    community: Community,
    name: str,
    phone: str,
    occupation: str = Occupation.DELIVERY,
    employer: str = "",
    request=None,
) -> Reporter:
    """Invite a rider or courier: an account without a password, the REPORTER role, the profile, and an SMS
    with the sign-in link. A failed SMS keeps the invitation (``invite_sent_at`` stays empty: resend it)."""
    if not may_manage(actor, community.pk):
        raise NotAllowed(_("You may not invite reporters for this community."), field="community")
    with transaction.atomic():
        user = User(username=_new_username(), display_name=name.strip()[:50])
        user.set_unusable_password()
        user.save()
        reporter = reporter_enrol(
            user=user,
            community=community,
            name=name,
            phone=phone,
            occupation=occupation,
            employer=employer,
            invited_by=actor,
        )
        audit("reporter_invite", actor=actor, request=request, obj=reporter, community=community.code)
    reporter_send_invite(reporter=reporter, actor=actor, request=request)
    return reporter


def reporter_send_invite(*, reporter: Reporter, actor: User, request=None) -> bool:
    """Send (or send again) the invitation SMS; True when the gateway took it."""
    if not may_manage(actor, reporter.community_id):
        raise NotAllowed(_("You may not manage this reporter."))
    if not reporter.is_active:
        raise Conflict(_("This reporter is deactivated."), code=ErrorCode.INACTIVE)
    link = settings.LINLI_PUBLIC_BASE_URL.rstrip("/") + reverse("reporters:login")
    text = _sms_text(
        gettext_noop(
            "%(name)s, %(community)s invites you to be a part-time reporter: report what you see on your "
            "rounds. Sign in with this phone number: %(link)s"
        ),
        name=reporter.name,
        community=reporter.community.name,
        link=link,
    )
    try:
        send_sms(reporter.phone, text)
    except DeliveryError as exc:
        audit(
            "reporter_invite_sms",
            actor=actor,
            request=request,
            obj=reporter,
            outcome="failed",
            reason=exc.reason,
        )
        return False
    Reporter.objects.filter(pk=reporter.pk).update(invite_sent_at=timezone.now())
    reporter.invite_sent_at = timezone.now()
    audit("reporter_invite_sms", actor=actor, request=request, obj=reporter)
    return True


def reporter_set_active(*, reporter: Reporter, actor: User, active: bool, request=None) -> Reporter:
    """Deactivate (the account can no longer sign in, its sessions stop working) or reactivate a reporter."""
    if not may_manage(actor, reporter.community_id):
        raise NotAllowed(_("You may not manage this reporter."))
    with transaction.atomic():
        locked = Reporter.objects.select_for_update().get(pk=reporter.pk)
        if locked.is_active == active:
            return locked
        locked.is_active = active
        locked.save(update_fields=["is_active"])
        user = locked.user
        user.is_active = active
        user.save(update_fields=["is_active"])
        if not active:
            LoginCode.objects.filter(reporter=locked).delete()
        audit("reporter_active", actor=actor, request=request, obj=locked, active=active)
    return locked


# ---------------------------------------------------------------- signing in


def _code_hash(reporter_id: int, code: str) -> str:
    """Keyed hash of a code: the table alone does not give the codes away."""
    message = f"reporters.login:{reporter_id}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def login_code_send(*, phone: str, request=None) -> bool:
    """Send a sign-in code to the phone if it belongs to an active reporter; False otherwise.

    The caller answers the same either way, so the answer never tells whether a number is registered."""
    phone = normalize_phone(phone)
    reporter = Reporter.objects.may_sign_in().by_phone(phone).first() if phone else None
    if reporter is None:
        audit(
            "reporter_login",
            request=request,
            outcome="failed",
            reason="code asked for a number that is no active reporter's",
            step="send_code",
            phone=mask_phone(phone),
        )
        return False
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    now = timezone.now()
    with transaction.atomic():
        Reporter.objects.select_for_update().get(pk=reporter.pk)  # one code request at a time per reporter
        LoginCode.objects.filter(reporter=reporter).delete()  # a new code replaces the previous one
        LoginCode.objects.create(
            reporter=reporter,
            code_hash=_code_hash(reporter.pk, code),
            created_at=now,
            expires_at=now + CODE_VALID,
        )
    text = _sms_text(
        gettext_noop(
            "Your Linli sign-in code is %(code)s, valid for %(minutes)d minutes. Never tell anyone this code."
        ),
        code=code,
        minutes=int(CODE_VALID.total_seconds() // 60),
    )
    try:
        send_sms(reporter.phone, text)
    except DeliveryError as exc:
        audit(
            "reporter_login",
            request=request,
            obj=reporter,
            outcome="failed",
            reason=f"SMS not sent: {exc.reason}",
            step="send_code",
        )
        return False
    audit("reporter_login", request=request, obj=reporter, step="send_code")
    return True


def login_code_check(
    *, phone_indexes: list[str], code: str, phone_hint: str = "", request=None
) -> Reporter | None:
    """The reporter whose number has these blind indexes, if `code` is their current code; None otherwise.

    A code is good for CODE_VALID and one use; CODE_MAX_FAILURES wrong answers kill it."""
    reporter = (
        Reporter.objects.may_sign_in().filter(phone_index__in=phone_indexes).first()
        if phone_indexes
        else None
    )
    failure = ""
    now = timezone.now()
    if reporter is None:
        failure = "no active reporter has this number"
    else:
        with transaction.atomic():
            current = (
                LoginCode.objects.select_for_update().filter(reporter=reporter, used_at__isnull=True).first()
            )
            if current is None:
                failure = "no code was sent"
            elif current.expires_at <= now:
                failure = "the code has expired"
            elif current.failed_attempts >= CODE_MAX_FAILURES:
                failure = "too many wrong codes"
            elif not hmac.compare_digest(current.code_hash, _code_hash(reporter.pk, code.strip())):
                current.failed_attempts += 1
                current.save(update_fields=["failed_attempts"])
                failure = f"wrong code ({current.failed_attempts} of {CODE_MAX_FAILURES})"
            else:
                current.used_at = now
                current.save(update_fields=["used_at"])
                if reporter.first_login_at is None:
                    reporter.first_login_at = now
                    reporter.save(update_fields=["first_login_at"])
    if failure:
        audit(
            "reporter_login",
            request=request,
            obj=reporter,
            outcome="failed",
            reason=failure,
            step="check_code",
            phone=phone_hint,
        )
        return None
    audit("reporter_login", actor=reporter.user, request=request, obj=reporter, step="check_code")
    return reporter


# ---------------------------------------------------------------- reports


@dataclass(frozen=True)
class Report:
    case: Case
    far_flag: Flag | None


def report_submit(
    *,
    reporter: Reporter,
    category: Category,
    description: str,
    photos: list[Photo],
    lat: float | None = None,
    lon: float | None = None,
    building: Building | None = None,
) -> Report:
    """随手拍: a report with photos, placed at the chosen building, else the photo's location, else the phone's.

    Refused when a photo was used before (same pixels or a near-identical picture) or after a burst of reports
    (TooManyReports, and the reporter is flagged); taken in but flagged when the photo was taken far from the
    place given. Runs outside any transaction of the caller's, so that a burst's flag survives the refusal."""
    try:
        return _report_submit(
            reporter=reporter,
            category=category,
            description=description,
            photos=photos,
            lat=lat,
            lon=lon,
            building=building,
        )
    except TooManyReports:
        _flag_burst(reporter)
        raise


def _report_submit(*, reporter, category, description, photos, lat, lon, building) -> Report:
    if not photos:
        raise InvalidInput(_("Take or choose at least one photo."), field="photos", code=ErrorCode.NO_PHOTO)
    if building is not None and building.compound.community_id != reporter.community_id:
        raise InvalidInput(_("Choose a building of your community."), field="building")
    if (lat is None) != (lon is None):
        lat = lon = None
    taken_at = fraud.photo_point(photos)
    if building is None and taken_at is None and lat is None:
        raise InvalidInput(
            _("Where is it? Allow the phone's location or choose the building."),
            field="building",
            code=ErrorCode.NO_LOCATION,
        )
    # The place the reporter gave (a building, else the phone's position) is checked against the photo's.
    given = (building.lat, building.lon) if building is not None and building.lat is not None else None
    if given is None and building is None and lat is not None:
        given = (lat, lon)
    if building is not None:
        point = (None, None)  # case_create places the case at the building
    elif taken_at is not None:
        point = taken_at
    else:
        point = (lat, lon)
    description = description.strip()
    title = description.splitlines()[0][:60] if description else category.name
    now = timezone.now()
    with transaction.atomic():
        locked = Reporter.objects.select_for_update().select_related("user", "community").get(pk=reporter.pk)
        if not locked.is_active:
            raise NotAllowed(_("Your reporter account is deactivated."), code=ErrorCode.INACTIVE)
        wait = fraud.burst_wait(locked, now)
        if wait is not None:
            raise TooManyReports(wait)
        match = fraud.earlier_use(locked, photos)
        if match is not None:
            raise InvalidInput(
                _("Photo %(n)d (“%(name)s”) was already used in an earlier report. Please take a new photo.")
                % {"n": photos.index(match.photo) + 1, "name": match.photo.upload.name},
                field="photos",
                code=ErrorCode.DUPLICATE_PHOTO,
            )
        case = case_create(
            actor=locked.user,
            title=title,
            category=category,
            description=description,
            lat=point[0],
            lon=point[1],
            building=building,
            reporter_name=locked.name,
            reporter_phone=locked.phone,
            attachments=[p.upload for p in photos],
        )
        PhotoFingerprint.objects.bulk_create(
            [
                PhotoFingerprint(
                    reporter=locked,
                    case=case,
                    community_id=locked.community_id,
                    name=p.upload.name[:200],
                    sha256=p.sha256,
                    dhash=fraud.to_signed(p.dhash),
                    created_at=now,
                )
                for p in photos
            ]
        )
        far_flag = None
        if taken_at is not None and given is not None:
            metres = fraud.distance_m(*taken_at, *given)
            if metres > fraud.far_metres():
                far_flag = Flag.objects.create(
                    reporter=locked,
                    case=case,
                    kind=FlagKind.FAR_FROM_PHOTO,
                    detail=f"{round(metres)} m",
                    data={"metres": round(metres), "photo": list(taken_at), "given": list(given)},
                    created_at=now,
                )
    return Report(case=case, far_flag=far_flag)


def _flag_burst(reporter: Reporter) -> Flag | None:
    """Flag a reporter refused for a burst, once per burst window."""
    now = timezone.now()
    count, window = fraud.burst_limit()
    with transaction.atomic():
        if (
            Flag.objects.open()
            .filter(reporter=reporter, kind=FlagKind.BURST, created_at__gt=now - window)
            .exists()
        ):
            return None
        return Flag.objects.create(
            reporter=reporter,
            kind=FlagKind.BURST,
            detail=f"> {count} / {int(window.total_seconds() // 60)} min",
            data={"count": count, "minutes": int(window.total_seconds() // 60)},
            created_at=now,
        )


def flag_clear(*, flag: Flag, actor: User, note: str = "", request=None) -> Flag:
    """Staff checked the flag and found the report in order: a report whose last flag goes earns its points."""
    if not may_manage(actor, flag.reporter.community_id):
        raise NotAllowed(_("You may not manage this reporter."))
    with transaction.atomic():
        locked = Flag.objects.select_for_update().get(pk=flag.pk)
        if locked.cleared_at is not None:
            raise Conflict(_("This flag was already cleared."), code=ErrorCode.ALREADY_CLEARED)
        locked.cleared_at = timezone.now()
        locked.cleared_by = actor
        locked.clear_note = note.strip()[:300]
        locked.save(update_fields=["cleared_at", "cleared_by", "clear_note"])
        audit("reporter_flag_clear", actor=actor, request=request, obj=locked, kind=locked.kind)
        if locked.case_id:
            # The case lock orders this with the case's own transitions, which settle points too.
            case = Case.objects.select_for_update().get(pk=locked.case_id)
            points_settle_case(case=case)
    return locked


# ---------------------------------------------------------------- points


def points_settle_case(*, case: Case, at: datetime | None = None) -> PointsEntry | None:
    """Bring the ledger in line with the case: points once it is accepted (first responded to) with no open
    flag, taken back if it is then merged or rejected. Idempotent; called from the case's transitions (under its
    row lock), from clearing a flag and by the demo (which dates its entries `at` the case's response). Returns
    the entry written, if any."""
    if not case.reported_by_id:
        return None
    reporter = Reporter.objects.filter(user_id=case.reported_by_id).first()
    if reporter is None:
        return None
    written = dict(
        PointsEntry.objects.filter(case=case, kind__in=[EntryKind.AWARD, EntryKind.REVERSAL]).values_list(
            "kind", "points"
        )
    )
    if case.status in (Status.MERGED, Status.REJECTED):
        if EntryKind.AWARD in written and EntryKind.REVERSAL not in written:
            return _append(
                reporter=reporter,
                kind=EntryKind.REVERSAL,
                points=-written[EntryKind.AWARD],
                case=case,
                note=case.number or "",
                at=at,
            )
        return None
    if case.responded_at is None or EntryKind.AWARD in written:
        return None
    if Flag.objects.open().filter(case=case).exists():
        return None
    points = points_per_report()
    if points <= 0:
        return None
    return _append(
        reporter=reporter, kind=EntryKind.AWARD, points=points, case=case, note=case.number or "", at=at
    )


def _append(*, reporter, kind, points, case=None, note="", actor=None, at=None) -> PointsEntry | None:
    """One new ledger line; None if the case already has a line of this kind (the unique constraint)."""
    try:
        with transaction.atomic():
            return PointsEntry.objects.create(
                reporter=reporter,
                kind=kind,
                points=points,
                case=case,
                note=note[:200],
                created_by=actor,
                created_at=at or timezone.now(),
            )
    except IntegrityError:
        if case is None:
            raise
        return None


def points_redeem(*, reporter: Reporter, actor: User, points: int, note: str, request=None) -> PointsEntry:
    """兑换: the community gives the reporter something for points; never more than the balance."""
    if not may_manage(actor, reporter.community_id):
        raise NotAllowed(_("You may not manage this reporter."))
    if not isinstance(points, int) or points <= 0:
        raise InvalidInput(_("Redeem a whole number of points, at least 1."), field="points")
    if not note.strip():
        raise InvalidInput(_("Say what the points were redeemed for."), field="note")
    with transaction.atomic():
        # The reporter's row lock makes two redemptions at once wait for each other.
        locked = Reporter.objects.select_for_update().get(pk=reporter.pk)
        balance = PointsEntry.objects.filter(reporter=locked).aggregate(s=Sum("points"))["s"] or 0
        if points > balance:
            raise InvalidInput(
                _("Only %(balance)d points are available.") % {"balance": balance},
                field="points",
                code=ErrorCode.INSUFFICIENT_POINTS,
            )
        entry = _append(
            reporter=locked, kind=EntryKind.REDEMPTION, points=-points, note=note.strip(), actor=actor
        )
        audit("reporter_redeem", actor=actor, request=request, obj=locked, points=points)
    return entry
