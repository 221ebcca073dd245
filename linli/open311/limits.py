"""The Open311 endpoint's rate limits (SECURITY.md RL-01), counted in the shared `ratelimit` cache.

Posting follows RL-01 for public reports (5 a minute per client IP, 20 a day per phone) and adds a budget per
API key; reads are generous but bounded, and token lookups, which probe secrets, are tighter."""

from __future__ import annotations

from linli.core.ratelimit import ALL, by_ip, check_rate

from .errors import Open311Error

POST_PER_IP = "5/m"
POST_PER_KEY = "60/h"
POST_PER_PHONE = "20/d"
READ_PER_IP = "600/h"
TOKEN_PER_IP = "60/h"


def _raise_if_waiting(wait: int | None) -> None:
    if wait is not None:
        raise Open311Error(
            429,
            f"Too many requests: wait {wait} seconds and try again.",
            headers={"Retry-After": str(wait)},
        )


def check_read(request, *, token: bool = False) -> None:
    _raise_if_waiting(check_rate(request, "open311-read", READ_PER_IP, key=by_ip, methods=ALL))
    if token:
        _raise_if_waiting(check_rate(request, "open311-token", TOKEN_PER_IP, key=by_ip, methods=ALL))


def check_post(request) -> None:
    """The limit that needs nothing but the client's address, before anything else is read."""
    _raise_if_waiting(check_rate(request, "open311-post", POST_PER_IP, key=by_ip, methods=ALL))


def check_post_key(request, *, key_prefix: str) -> None:
    """The budget of one API key, once the key is known to be good."""
    _raise_if_waiting(
        check_rate(request, "open311-post-key", POST_PER_KEY, key=lambda g, r: key_prefix, methods=ALL)
    )


def check_post_phone(request, *, phone: str) -> None:
    """RL-01's daily limit per reporter phone, when the client gave one (the cache keeps only its hash)."""
    if phone:
        _raise_if_waiting(
            check_rate(request, "open311-post-phone", POST_PER_PHONE, key=lambda g, r: phone, methods=ALL)
        )
