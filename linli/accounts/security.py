"""Password sign-in, shared by the sign-in page, the admin's sign-in and the token endpoint (SECURITY.md AU-01,
AU-03..05): the username lock, the password check, and what must happen before a session or token is given."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core.audit import audit

from .models import SignInLock, User

# The one answer to a refused sign-in, whether the account exists, is locked or the password is wrong.
SIGN_IN_REFUSED = _("Unable to sign in with these credentials.")


def normalize_username(username: str) -> str:
    return (username or "").strip().casefold()[:150]


def lock_key(username: str) -> str:
    """The name a lock is kept under: the username of an existing account, otherwise a keyed digest, so that
    what people mistype into the username field (a password, a phone number) is never stored (LG-03)."""
    name = normalize_username(username)
    if User.objects.filter(username__iexact=name).exists():
        return name
    return "#" + hmac.new(settings.SECRET_KEY.encode(), name.encode(), hashlib.sha256).hexdigest()[:40]


def is_locked(username: str, now=None) -> bool:
    now = now or timezone.now()
    return SignInLock.objects.filter(username=lock_key(username), locked_until__gt=now).exists()


def record_failure(request, username: str, *, reason: str) -> None:
    """Count one failed sign-in of `username` (known or not) and lock it at the limit; audited."""
    name = lock_key(username)
    now = timezone.now()
    with transaction.atomic():
        lock, _created = SignInLock.objects.select_for_update().get_or_create(username=name)
        if lock.locked_until is not None and lock.locked_until <= now:
            lock.failures, lock.locked_until = 0, None  # the lock ran out: count afresh
        locked_now = False
        if lock.locked_until is None:
            lock.failures += 1
            if lock.failures >= settings.LINLI_LOCKOUT_FAILURES:
                lock.locked_until = now + timedelta(minutes=settings.LINLI_LOCKOUT_MINUTES)
                locked_now = True
        lock.last_failure_at = now
        lock.save()
        user = User.objects.filter(username=username).first() if username else None
        audit(
            "login_failed",
            request=request,
            actor=None,
            object_type="accounts.user",
            object_id=str(user.pk) if user else "",
            outcome="denied",
            username=name[:64],
            reason_code=reason,
        )
        if locked_now:
            audit(
                "account_locked",
                request=request,
                actor=None,
                object_type="accounts.user",
                object_id=str(user.pk) if user else "",
                outcome="denied",
                username=name[:64],
                minutes=settings.LINLI_LOCKOUT_MINUTES,
            )


def clear_failures(username: str) -> None:
    SignInLock.objects.filter(username=lock_key(username)).delete()


def mfa_required() -> bool:
    return bool(settings.LINLI_MFA_REQUIRED)


def confirmed_device(user):
    """The user's confirmed TOTP device, if any."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def needs_second_factor(user) -> bool:
    """Asked of everyone with a confirmed device, and of every password sign-in when MFA is required."""
    return mfa_required() or confirmed_device(user) is not None


def is_staff_account(user) -> bool:
    """Staff and administrators; part-time reporters (SMS sign-in) are not."""
    return user.is_staff or user.is_superuser or not user.scope.is_reporter_only


def password_expired(user, now=None) -> bool:
    """AU-03: a staff password older than LINLI_PASSWORD_MAX_AGE_DAYS (0 = never)."""
    days = settings.LINLI_PASSWORD_MAX_AGE_DAYS
    if not days or not is_staff_account(user):
        return False
    now = now or timezone.now()
    changed = user.password_changed_at or user.date_joined
    return changed + timedelta(days=days) < now


def initial_password_expired(user, now=None) -> bool:
    """AU-05: an administrator's initial password not changed within its lifetime."""
    now = now or timezone.now()
    return bool(
        user.must_change_password
        and user.initial_password_expires_at is not None
        and user.initial_password_expires_at < now
    )


def must_change_password(user) -> bool:
    return user.must_change_password or password_expired(user)


@dataclass
class PasswordCheck:
    user: User | None
    refused_reason: str = ""


def check_password_sign_in(request, username: str, password: str) -> PasswordCheck:
    """The first factor: lock, then password. A refusal is counted, audited and answered like every other."""
    locked = is_locked(username)
    # The password is checked even for a locked name, so a locked account answers in the same time.
    user = authenticate(request, username=username, password=password)
    if locked:
        record_failure(request, username, reason="locked")
        return PasswordCheck(None, "locked")
    if user is None:
        record_failure(request, username, reason="bad_credentials")
        return PasswordCheck(None, "bad_credentials")
    if initial_password_expired(user):
        record_failure(request, username, reason="initial_password_expired")
        return PasswordCheck(None, "initial_password_expired")
    return PasswordCheck(user)


def verify_otp(user, token: str):
    """The confirmed device that accepts `token` (single use: TOTPDevice keeps the last time step), else None."""
    device = confirmed_device(user)
    token = (token or "").strip().replace(" ", "")
    if device is None or not token.isdigit():
        return None
    return device if device.verify_token(token) else None


def sign_in_succeeded(request, user, *, method: str, device=None) -> None:
    """After every factor: clear the failures, record the sign-in and audit it (once)."""
    clear_failures(user.get_username())
    audit(
        "login",
        request=request,
        actor=user,
        obj=user,
        method=method,
        mfa=device is not None,
        break_glass=bool(user.is_superuser),
    )


def otp_failed(request, user, *, method: str) -> None:
    """A wrong or replayed code counts as a failed sign-in of the username (AU-01)."""
    record_failure(request, user.get_username(), reason="bad_otp")
