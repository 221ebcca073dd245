"""The care cast: 李秀兰 (grid A, living alone) with two emergency contacts and an 电子保姆 terminal, her
responsible worker 王网格 (with a phone), and a signed way to post to the webhook."""

from __future__ import annotations

import json
import time

import pytest

from linli.care import services
from linli.care.signing import sign
from linli.residents.models import EmergencyContact
from linli.residents.tests.conftest import registry  # noqa: F401

SECRET = "dianzibaomu-test-secret"
WEBHOOK = "/api/v1/care/calls/"


class Care:
    """Named care objects; attributes are filled by the `care` fixture."""


@pytest.fixture
def care(world, registry):  # noqa: F811 - the registry fixture imported above
    c = Care()
    world.owner.phone = "13700001111"
    world.owner.save(update_fields=["phone"])
    world.secretary.phone = "13700002222"
    world.secretary.save(update_fields=["phone"])
    registry.li.care_worker = world.owner
    registry.li.visit_every_days = 7
    registry.li.save(update_fields=["care_worker", "visit_every_days"])
    c.daughter = EmergencyContact.objects.create(
        resident=registry.li, name="王丽", relation="女儿", phone="13900005555", priority=1
    )
    c.son = EmergencyContact.objects.create(
        resident=registry.li, name="王强", relation="儿子", phone="13900006666", priority=2
    )
    c.platform, _secret = services.terminal_provider_create(code="dzbm", name="电子保姆", secret=SECRET)
    c.terminal = services.terminal_register(
        actor=world.owner,
        resident=registry.li,
        provider=c.platform,
        device_id="DZBM-0001",
        model="YL-A8",
        sim="14500001111",
    )
    return c


def signed_headers(
    body: bytes, *, secret: str = SECRET, provider: str = "dzbm", timestamp: int | None = None
):
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "HTTP_X_LINLI_PROVIDER": provider,
        "HTTP_X_LINLI_TIMESTAMP": ts,
        "HTTP_X_LINLI_SIGNATURE": sign(secret, ts, body),
    }


def post_call(client, payload: dict, **header_options):
    body = json.dumps(payload, ensure_ascii=False).encode()
    if "headers" in header_options:
        headers = header_options.pop("headers")
    else:
        headers = signed_headers(body, **header_options)
    return client.post(WEBHOOK, data=body, content_type="application/json", **headers)


@pytest.fixture
def webhook(client):
    """Post a payload to the webhook, signed as the demo platform (override secret/provider/timestamp/headers)."""

    def post(payload: dict, **options):
        return post_call(client, payload, **options)

    return post
