"""Schemathesis against the live OpenAPI schema: no 5xx, and every documented answer matches the schema.

Bounded for CI (2 cores): a fixed number of examples per operation, derandomised so a run repeats exactly."""

from __future__ import annotations

import re

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error, response_schema_conformance

from linli.wsgi import application

EXAMPLES = 6

# Operations left out, and why.
SKIP_PATH_PREFIXES = (
    "/api/v1/auth/",  # signs in / changes the fuzzing user's password and sessions: tested in accounts
)
# The apps whose API this fuzzes: all of them.
FUZZED_APPS = {
    "cases", "residents", "notices", "reporters", "care", "patrols", "deliberation", "dispatch", "knowledge",
    "hotspots", "org", "volunteers", "activities", "partners", "charity", "insights",
}  # fmt: skip


def _app_of(path: str) -> str:
    from django.urls import Resolver404, resolve

    try:
        match = resolve(re.sub(r"\{[^}]+\}", "1", path))
    except Resolver404:
        return ""
    view = getattr(match.func, "view_class", None) or getattr(match.func, "cls", None) or match.func
    return view.__module__.split(".")[1] if view.__module__.startswith("linli.") else ""


def _raw_schema() -> dict:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


schema = schemathesis.openapi.from_dict(_raw_schema())
schema.app = application


def _wanted(ctx) -> bool:
    path = ctx.operation.path
    return (
        path.startswith("/api/v1/")
        and not path.startswith(SKIP_PATH_PREFIXES)
        and _app_of(path) in FUZZED_APPS
    )


schema = schema.include(_wanted)


@pytest.fixture
def fuzz_token(world):
    """The secretary's token; the in-process WSGI calls keep the test's connection open, as Django's client does."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield Token.objects.get_or_create(user=world.secretary)[0].key
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_never_answers_5xx_and_matches_its_schema(case, fuzz_token):
    case.call_and_validate(
        headers={"Authorization": f"Token {fuzz_token}"},
        checks=[not_a_server_error, response_schema_conformance],
    )
