"""Browser sessions of signed-in users (SECURITY.md SE-01..03): timestamps, the per-user table, limits, kills."""

from __future__ import annotations

import time
from importlib import import_module

from django.conf import settings
from django.utils import timezone

from linli.core.audit import client_ip

from .models import UserSession

AUTH_AT = "linli_auth_at"  # epoch seconds the session was signed in (absolute timeout)
SEEN_AT = "linli_seen_at"  # epoch seconds of the last request (idle timeout)
# Writing the session on every request would cost a database write each: the last-seen time moves in steps.
SEEN_STEP_SECONDS = 60


def _store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def delete_session_keys(keys) -> int:
    """Delete these sessions from the session store and the user-session table; how many there were."""
    keys = [k for k in keys if k]
    store = _store()
    for key in keys:
        store(session_key=key).delete()
    deleted, _ = UserSession.objects.filter(session_key__in=keys).delete()
    return deleted


def register(request, user) -> None:
    """On every sign-in (user_logged_in): stamp the session, list it, and keep staff to LINLI_MAX_SESSIONS."""
    session = getattr(request, "session", None)
    if session is None:
        return
    now = time.time()
    session[AUTH_AT] = now
    session[SEEN_AT] = now
    if session.session_key is None:
        session.save()
    at = timezone.now()
    UserSession.objects.update_or_create(
        session_key=session.session_key,
        defaults={
            "user": user,
            "created_at": at,
            "last_seen_at": at,
            "ip": client_ip(request),
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:200],
        },
    )
    limit = settings.LINLI_MAX_SESSIONS
    if limit and not user.scope.is_reporter_only:
        keys = list(
            UserSession.objects.filter(user=user)
            .order_by("-created_at", "-id")
            .values_list("session_key", flat=True)
        )
        delete_session_keys(keys[limit:])


def forget(session_key: str | None) -> None:
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()


def kill_user_sessions(user, *, keep: str | None = None) -> int:
    """End every session of the user (but `keep`), server-side."""
    keys = UserSession.objects.filter(user=user).values_list("session_key", flat=True)
    return delete_session_keys([k for k in keys if k != keep])


def kill_user_tokens(user) -> int:
    """Delete the user's API tokens and forget them in this process's sign-in cache."""
    from rest_framework.authtoken.models import Token

    from .authentication import clear_cache

    deleted, _ = Token.objects.filter(user=user).delete()
    clear_cache()
    return deleted


def touch(request, now: float) -> None:
    """Move the session's last-seen time (in steps), here and in the user-session table."""
    session = request.session
    if now - session.get(SEEN_AT, 0) >= SEEN_STEP_SECONDS:
        session[SEEN_AT] = now
        UserSession.objects.filter(session_key=session.session_key).update(last_seen_at=timezone.now())


def expired(session, now: float) -> bool:
    auth_at = session.get(AUTH_AT)
    seen_at = session.get(SEEN_AT)
    if auth_at is None or seen_at is None:
        return False
    idle = settings.LINLI_SESSION_IDLE_MINUTES * 60
    return (idle and now - seen_at > idle) or now - auth_at > settings.SESSION_COOKIE_AGE
