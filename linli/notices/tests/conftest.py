"""The notices' cast: the registry's residents (李秀兰 living alone and 韩大爷 in 吉利花园1号楼, 周建国 in 3号楼,
赵玉梅 in 燕宇), a local SMTP server, group robots pointed at a local receiver, and a helper to send a notice."""

from __future__ import annotations

import email
import socket
from email import policy

import pytest

from linli.notices import services
from linli.notices.audience import Place
from linli.notices.choices import PlaceKind
from linli.notices.models import GroupEndpoint
from linli.residents.tests.conftest import registry  # noqa: F401 - a fixture these tests use


def place(unit) -> Place:
    kind = {"Grid": PlaceKind.GRID, "Building": PlaceKind.BUILDING, "Compound": PlaceKind.COMPOUND}.get(
        type(unit).__name__, PlaceKind.COMMUNITY
    )
    return Place(kind, unit)


@pytest.fixture
def send(world):
    """notice_create with the usual text, as the secretary to 吉利花园1号楼 in-app, unless told otherwise."""

    def make(**kwargs):
        params = {
            "actor": world.secretary,
            "title": "停水通知",
            "body": "吉利花园1号楼今天9:30至16:00暂停供水。",
            "place": place(world.building_1),
            "channels": ["in_app"],
        }
        params.update(kwargs)
        return services.notice_create(**params)

    return make


@pytest.fixture
def robots(world, http_receiver):
    """A WeCom robot for grid A and a signed DingTalk robot for 吉利花园, both posting to the local receiver."""

    class Robots:
        wecom = GroupEndpoint.objects.create(
            name="第一网格群",
            channel="wecom",
            grid=world.grid_a,
            webhook_url=f"{http_receiver.url}/cgi-bin/webhook/send?key=wecom-test-key",
        )
        dingtalk = GroupEndpoint.objects.create(
            name="吉利花园业主群",
            channel="dingtalk",
            compound=world.jili,
            webhook_url=f"{http_receiver.url}/robot/send?access_token=ding-test-token",
            secret="SECdingtalk-test-secret",
        )

    return Robots


class Inbox:
    """An aiosmtpd handler that keeps what it is sent; ``replies`` are answered to DATA in turn, then 250."""

    def __init__(self) -> None:
        self.envelopes = []
        self.replies: list[str] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        if self.replies:
            return self.replies.pop(0)
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    @property
    def messages(self):
        return [email.message_from_bytes(e.original_content, policy=policy.default) for e in self.envelopes]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on 127.0.0.1 (aiosmtpd) with Linli's e-mail settings pointed at it."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.LINLI_EMAIL_HOST = "127.0.0.1"
    settings.LINLI_EMAIL_PORT = port
    settings.LINLI_EMAIL_USE_TLS = False
    settings.LINLI_EMAIL_USER = ""
    settings.LINLI_EMAIL_PASSWORD = ""
    settings.LINLI_EMAIL_FROM = "linli@xiningdao.example.cn"
    yield inbox
    controller.stop()
