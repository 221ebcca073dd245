"""Every resource is rate limited (RL-01); the 429 is an Open311 error with Retry-After."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from linli.cases.models import Case
from linli.core.models import AuditEntry
from linli.open311 import limits

from .conftest import BASE, error_of, report

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def still_clock():
    """The limits count in fixed windows: keep the clock still so no window ends mid-test."""
    with time_machine.travel(datetime(2026, 11, 30, 10, 0, 30, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        yield


def assert_too_many(response, fmt: str) -> None:
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    code, description = error_of(response, fmt)
    assert code == 429 and "Too many requests" in description


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_the_sixth_post_in_a_minute_from_one_address_is_refused(world, client, api_key, fmt):
    for _ in range(5):
        assert report(client, api_key, fmt).status_code == 200
    assert_too_many(report(client, api_key, fmt), fmt)
    assert Case.objects.count() == 5
    assert AuditEntry.objects.filter(event="rate_limited", outcome="denied").count() == 1
    assert report(client, api_key, fmt, environ={"REMOTE_ADDR": "10.0.0.9"}).status_code == 200


def test_the_address_limit_counts_refused_keys_too(world, client):
    for _ in range(5):
        assert report(client, "guessing-keys").status_code == 403
    assert_too_many(report(client, "guessing-keys"), "json")
    assert AuditEntry.objects.filter(event="open311_key_refused").count() == 5


def test_each_key_has_its_budget(world, client, api_key, monkeypatch):
    monkeypatch.setattr(limits, "POST_PER_KEY", "2/h")
    for address in ("10.0.0.1", "10.0.0.2"):
        assert report(client, api_key, environ={"REMOTE_ADDR": address}).status_code == 200
    assert_too_many(report(client, api_key, "xml", environ={"REMOTE_ADDR": "10.0.0.3"}), "xml")


def test_each_phone_has_its_daily_limit(world, client, api_key, monkeypatch):
    monkeypatch.setattr(limits, "POST_PER_PHONE", "2/d")
    for _ in range(2):
        assert report(client, api_key, phone="13812345678").status_code == 200
    assert_too_many(report(client, api_key, phone="138 1234 5678"), "json")
    assert report(client, api_key, phone="13912345678").status_code == 200
    assert report(client, api_key).status_code == 200  # no phone, no phone limit


@pytest.mark.parametrize(
    "path", ["discovery.json", "services.json", "services/ENV-DRAIN.json", "requests.json", "nothing.json"]
)
def test_reads_are_limited_per_address(world, client, monkeypatch, path):
    monkeypatch.setattr(limits, "READ_PER_IP", "3/h")
    for _ in range(3):
        assert client.get(f"{BASE}/{path}").status_code in (200, 404)
    assert_too_many(client.get(f"{BASE}/{path}"), "json")
    assert client.get(f"{BASE}/{path}", REMOTE_ADDR="10.0.0.7").status_code in (200, 404)


def test_token_lookups_are_limited_more_tightly(world, client, monkeypatch):
    monkeypatch.setattr(limits, "TOKEN_PER_IP", "2/h")
    for _ in range(2):
        assert client.get(f"{BASE}/tokens/ABCDEFGHJK.xml").status_code == 404
    assert_too_many(client.get(f"{BASE}/tokens/ABCDEFGHJK.xml"), "xml")
    assert client.get(f"{BASE}/services.xml").status_code == 200
