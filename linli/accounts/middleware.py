"""Session timeouts enforced on the server (SECURITY.md SE-01): idle LINLI_SESSION_IDLE_MINUTES, absolute
SESSION_COOKIE_AGE from the sign-in."""

from __future__ import annotations

import time

from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.utils.translation import gettext as _

from . import sessions


class SessionSecurityMiddleware:
    """Ends a timed-out session (its row is deleted) and answers 401 JSON to the API, the sign-in page otherwise.

    A session signed in without the sign-in page (a test's force_login, a session from before this check) is
    stamped on its first request instead of being refused."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.get("_auth_user_id"):
            now = time.time()
            if sessions.AUTH_AT not in session or sessions.SEEN_AT not in session:
                session.setdefault(sessions.AUTH_AT, now)
                session[sessions.SEEN_AT] = now
            elif sessions.expired(session, now):
                key = session.session_key
                logout(request)  # flushes: the session row is deleted, the key changes
                sessions.forget(key)
                if "HTTP_AUTHORIZATION" not in request.META:
                    return self._refuse(request)
            else:
                sessions.touch(request, now)
        return self.get_response(request)

    @staticmethod
    def _refuse(request):
        if request.path.startswith("/api/"):
            return JsonResponse(
                {
                    "code": "session_expired",
                    "message": _("Your session has ended. Please sign in again."),
                    "field": None,
                },
                status=401,
            )
        return redirect_to_login(request.get_full_path())
