"""Token sign-in for the API without a database query per request.

Trade-off (security review): a token that is deleted, or a user who is deactivated, in *this* process stops
working at once; in another process (another gunicorn worker, the admin site elsewhere) it keeps working for at
most ``TTL_SECONDS``.  Unknown tokens and inactive users are never cached, so a new token works at once
everywhere.  The cache holds field values, not objects: every request gets its own fresh User and Token.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from linli.core.cache import ProcessCache

TTL_SECONDS = 5.0


@dataclass(frozen=True)
class _SignIn:
    """A token and its user as read from the database, enough to rebuild both without a query."""

    token_fields: tuple[str, ...]
    token_values: tuple
    user_fields: tuple[str, ...]
    user_values: tuple


_sign_ins: ProcessCache[str, _SignIn] = ProcessCache(
    "linli.accounts.authentication",
    ttl=TTL_SECONDS,
    watch=["authtoken.Token", settings.AUTH_USER_MODEL],
)


def _field_values(instance) -> tuple[tuple[str, ...], tuple]:
    """(names, values) of all the instance's columns, in field order as Model.from_db expects them."""
    fields = tuple(f.attname for f in instance._meta.concrete_fields)
    return fields, tuple(getattr(instance, name) for name in fields)


class CachedTokenAuthentication(TokenAuthentication):
    """DRF's TokenAuthentication, answering repeated sign-ins of a token from a short-lived process cache."""

    def authenticate_credentials(self, key):
        """(user, token) for `key`; DRF's own lookup and errors on a miss."""
        sign_in = _sign_ins.get(key, self._load)
        model = self.get_model()
        user_model = model._meta.get_field("user").related_model
        user = user_model.from_db(DEFAULT_DB_ALIAS, sign_in.user_fields, sign_in.user_values)
        token = model.from_db(DEFAULT_DB_ALIAS, sign_in.token_fields, sign_in.token_values)
        token.user = user
        if token_expired(token):
            # SE-01: a token lives LINLI_TOKEN_HOURS from its creation; then it is deleted and forgotten.
            model.objects.filter(key=key).delete()
            _sign_ins.clear()
            raise AuthenticationFailed(_("The token has expired; sign in again for a new one."))
        return user, token

    def _load(self, key: str) -> _SignIn:
        """Read the token and its active user (raises AuthenticationFailed, which is not cached)."""
        user, token = super().authenticate_credentials(key)
        return _SignIn(*_field_values(token), *_field_values(user))


def token_expired(token, now=None) -> bool:
    hours = settings.LINLI_TOKEN_HOURS
    return bool(hours) and token.created + timedelta(hours=hours) < (now or timezone.now())


def clear_cache() -> None:
    """Forget every cached sign-in (tests, or after writes that bypass signals)."""
    _sign_ins.clear()
