"""Every write to accounts: passwords, phones, roles, administrator-created users, MFA, sessions, disabling."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.audit import audit
from linli.core.errors import InvalidInput, NotAllowed

from . import sessions
from .choices import ROLE_SCOPE_FIELD, SEPARATED_ROLES, Role
from .models import RoleAssignment, SignInLock, User
from .passwords import random_password


def _locked_user(user) -> User:
    return User.objects.select_for_update().get(pk=user.pk)


def _require_current_password(user: User, current_password: str) -> None:
    if not current_password or not user.check_password(current_password):
        raise InvalidInput(_("Your current password is not correct."), field="current_password")


def _validate_new_password(user: User, new_password: str, field: str = "new_password") -> None:
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as exc:
        raise InvalidInput(" ".join(exc.messages), field=field) from exc


def password_change(
    *,
    user: User,
    current_password: str | None,
    new_password: str,
    request=None,
    keep_session: str | None = None,
) -> User:
    """Set a new password (the current one is required unless `current_password` is None, i.e. the sign-in's
    forced change right after the password was checked); other sessions and all tokens end."""
    with transaction.atomic():
        locked = _locked_user(user)
        if current_password is not None:
            _require_current_password(locked, current_password)
        _validate_new_password(locked, new_password)
        locked.set_password(new_password)
        locked.must_change_password = False
        locked.initial_password_expires_at = None
        locked.save()
        sessions.kill_user_sessions(locked, keep=keep_session)
        sessions.kill_user_tokens(locked)
        audit("password_changed", request=request, actor=locked, obj=locked)
    user.password, user.password_changed_at = locked.password, locked.password_changed_at
    user.must_change_password, user.initial_password_expires_at = False, None
    return locked


def phone_change(*, user: User, current_password: str, phone: str, request=None) -> User:
    """Change one's own phone number; the current password is required (AU-06)."""
    from linli.core.validators import validate_phone

    phone = (phone or "").strip()
    with transaction.atomic():
        locked = _locked_user(user)
        _require_current_password(locked, current_password)
        if phone:
            try:
                validate_phone(phone)
            except ValidationError as exc:
                raise InvalidInput(" ".join(exc.messages), field="phone") from exc
        locked.phone = phone
        locked.save(update_fields=["phone"])
        audit("phone_changed", request=request, actor=locked, obj=locked)
    user.phone = phone
    return locked


def user_create_by_admin(*, actor: User, username: str, display_name: str = "", request=None, **fields):
    """AU-05: an account with a random initial password, to be changed at first sign-in within 72 h.

    Returns (user, initial password): the password is shown once to the administrator and stored nowhere."""
    username = (username or "").strip()
    if not username:
        raise InvalidInput(_("A username is needed."), field="username")
    initial = random_password()
    with transaction.atomic():
        if User.objects.filter(username=username).exists():
            raise InvalidInput(_("This username is taken."), field="username")
        user = User(username=username, display_name=display_name, **fields)
        user.set_password(initial)
        user.must_change_password = True
        user.initial_password_expires_at = timezone.now() + timedelta(
            hours=settings.LINLI_INITIAL_PASSWORD_HOURS
        )
        user.save()
        audit("user_created", request=request, actor=actor, obj=user)
    return user, initial


def password_reset_by_admin(*, actor: User, user: User, request=None) -> str:
    """A new random initial password for a user (same rules as a new account); their sessions and tokens end."""
    initial = random_password()
    with transaction.atomic():
        locked = _locked_user(user)
        locked.set_password(initial)
        locked.must_change_password = True
        locked.initial_password_expires_at = timezone.now() + timedelta(
            hours=settings.LINLI_INITIAL_PASSWORD_HOURS
        )
        locked.save()
        sessions.kill_user_sessions(locked)
        sessions.kill_user_tokens(locked)
        audit("password_reset", request=request, actor=actor, obj=locked)
    return initial


def _check_assignable(user: User, role: str, held: set[str]) -> None:
    if role in SEPARATED_ROLES and held - {role}:
        raise InvalidInput(
            _("System, security and audit administrators hold that one role and no other."), field="role"
        )
    if held & SEPARATED_ROLES and role not in held:
        raise InvalidInput(
            _("System, security and audit administrators hold that one role and no other."), field="role"
        )


def role_assign(*, actor: User, user: User, role: str, request=None, **unit) -> RoleAssignment:
    """Give a user a role for one org unit; the separated administrator roles exclude every other role."""
    if role not in Role.values:
        raise InvalidInput(_("Unknown role."), field="role")
    if actor is not None and actor.pk == user.pk:
        raise NotAllowed(_("Nobody assigns roles to themselves."), field="user")
    with transaction.atomic():
        locked = _locked_user(user)  # serialises role changes of this user: the check below sees them all
        held = set(RoleAssignment.objects.filter(user=locked).values_list("role", flat=True))
        _check_assignable(locked, role, held)
        assignment = RoleAssignment(user=locked, role=role, **unit)
        try:
            assignment.full_clean()
        except ValidationError as exc:
            field = next(iter(exc.message_dict), None)
            raise InvalidInput(" ".join(exc.messages), field=field) from exc
        assignment.save()
        if role in SEPARATED_ROLES and not locked.is_staff:
            locked.is_staff = True  # the separated administrators work in the admin site
            locked.save(update_fields=["is_staff"])
        unit_field = ROLE_SCOPE_FIELD.get(role)
        audit(
            "role_assigned",
            request=request,
            actor=actor,
            obj=locked,
            role=role,
            unit=str(getattr(assignment, unit_field)) if unit_field else "",
        )
    return assignment


def role_remove(*, actor: User, assignment: RoleAssignment, request=None) -> None:
    if actor is not None and actor.pk == assignment.user_id:
        raise NotAllowed(_("Nobody assigns roles to themselves."), field="user")
    with transaction.atomic():
        user = _locked_user(assignment.user)
        role = assignment.role
        assignment.delete()
        audit("role_removed", request=request, actor=actor, obj=user, role=role)


def mfa_start(*, user: User):
    """An unconfirmed TOTP device for the user to scan (an earlier unconfirmed one is replaced)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)


def mfa_confirm(*, user: User, device, token: str, request=None) -> bool:
    """Confirm the device with a code from the app; earlier confirmed devices are replaced. Audited."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    token = (token or "").strip().replace(" ", "")
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user, confirmed=False)
        if not token.isdigit() or not device.verify_token(token):
            return False
        TOTPDevice.objects.filter(user=user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit("mfa_enrolled", request=request, actor=user, obj=user)
    return True


def mfa_reset(*, actor: User, user: User, request=None) -> int:
    """A security administrator removes a user's devices (lost phone); the user enrols again at next sign-in."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    with transaction.atomic():
        deleted, _ = TOTPDevice.objects.filter(user=user).delete()
        sessions.kill_user_sessions(user)
        audit("mfa_reset", request=request, actor=actor, obj=user, devices=deleted)
    return deleted


def lock_clear(*, actor: User, lock: SignInLock, request=None) -> None:
    with transaction.atomic():
        username = lock.username
        lock.delete()
        audit(
            "lockout_cleared",
            request=request,
            actor=actor,
            object_type="accounts.signinlock",
            username=username,
        )


def sessions_kill(*, actor: User, user: User, request=None, keep: str | None = None) -> int:
    """End the user's browser sessions (but `keep`: one's own, when signing out the others). Audited."""
    with transaction.atomic():
        count = sessions.kill_user_sessions(user, keep=keep)
        audit("sessions_killed", request=request, actor=actor, obj=user, sessions=count, own=actor == user)
    return count


def user_disable(*, actor: User | None, user: User, reason: str, request=None) -> None:
    """is_active=False: every session and token of the user ends (the pre-save signal does it). Audited."""
    with transaction.atomic():
        locked = _locked_user(user)
        if not locked.is_active:
            return
        locked.is_active = False
        locked.save(update_fields=["is_active"])
        audit("user_disabled", request=request, actor=actor, obj=locked, reason=reason)


def last_activity_bound(now):
    return now - timedelta(days=settings.LINLI_IDLE_ACCOUNT_DAYS)


def disable_idle_accounts(now=None) -> list[str]:
    """AU-05: disable active accounts unused for LINLI_IDLE_ACCOUNT_DAYS (0 = never); the daily sweep calls this.

    Used = the latest of joining, signing in, and a session's last request. Break-glass superusers are left
    alone (they are used rarely on purpose). Returns the usernames disabled."""
    if not settings.LINLI_IDLE_ACCOUNT_DAYS:
        return []
    now = now or timezone.now()
    bound = last_activity_bound(now)
    idle = (
        User.objects.filter(is_active=True, is_superuser=False)
        .annotate(
            used=Greatest(
                "date_joined",
                Coalesce("last_login", "date_joined"),
                Coalesce(Max("sessions__last_seen_at"), "date_joined"),
            )
        )
        .filter(used__lt=bound)
        .order_by("pk")
    )
    names = []
    for user in idle:
        user_disable(actor=None, user=user, reason=f"idle {settings.LINLI_IDLE_ACCOUNT_DAYS} days")
        names.append(user.username)
    return names
