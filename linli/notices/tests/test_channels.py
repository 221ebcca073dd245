"""Each channel speaks its real protocol to a real local receiver: WeCom and DingTalk robots over HTTP, the SMS
gateway signed with linli.core.sms, e-mail over SMTP (aiosmtpd), and in-app notifications."""

import base64
import hashlib
import hmac
import time
from urllib.parse import parse_qs, quote_plus, urlsplit

import pytest

from linli.core.models import Notification
from linli.core.sms import sign
from linli.notices.models import Delivery
from linli.notices.tasks import run_notice

from .conftest import place


def only(notice, channel):
    return Delivery.objects.get(notice=notice, channel=channel)


def test_wecom_gets_a_text_message_posted_to_its_webhook(world, send, robots, http_receiver):
    notice = send(place=place(world.grid_a), channels=["wecom"])
    run_notice.call(notice.pk)
    (request,) = http_receiver.requests
    assert request.path == "/cgi-bin/webhook/send?key=wecom-test-key"
    assert request.headers["content-type"].startswith("application/json")
    assert request.json() == {
        "msgtype": "text",
        "text": {"content": "【停水通知】\n吉利花园1号楼今天9:30至16:00暂停供水。\n——西宁道社区"},
    }
    assert only(notice, "wecom").status == "sent"


def test_dingtalk_is_signed_with_the_robot_secret(world, send, robots, http_receiver):
    before = int(time.time() * 1000)
    notice = send(place=place(world.jili), channels=["dingtalk"])
    run_notice.call(notice.pk)
    (request,) = http_receiver.requests
    url = urlsplit(request.path)
    assert url.path == "/robot/send"
    query = parse_qs(url.query)
    assert query["access_token"] == ["ding-test-token"]
    timestamp = query["timestamp"][0]
    assert before <= int(timestamp) <= int(time.time() * 1000)
    secret = "SECdingtalk-test-secret"
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    assert query["sign"] == [expected]
    raw = dict(pair.split("=", 1) for pair in url.query.split("&"))
    assert raw["sign"] == quote_plus(expected)  # base64's + / = travel URL-encoded, as DingTalk requires
    assert request.json()["msgtype"] == "text"
    assert only(notice, "dingtalk").status == "sent"


@pytest.mark.parametrize(
    ("reply", "status", "attempts_left"),
    [
        (b'{"errcode":45009,"errmsg":"api freq out of limit"}', "pending", True),
        (b'{"errcode":93000,"errmsg":"invalid webhook url"}', "failed", False),
        (b"<html>proxy</html>", "pending", True),
    ],
)
def test_a_robot_answer_with_an_errcode_is_a_failure(
    world, send, robots, http_receiver, reply, status, attempts_left
):
    http_receiver.replies = [(200, reply)]
    notice = send(place=place(world.grid_a), channels=["wecom"])
    run_notice.call(notice.pk)
    delivery = only(notice, "wecom")
    assert delivery.status == status
    assert (delivery.next_attempt_at is not None) == attempts_left
    assert delivery.last_error


def test_sms_goes_to_the_gateway_signed_with_the_delivery_id_as_request_id(
    world, registry, send, sms_gateway
):
    notice = send(channels=["sms"])
    run_notice.call(notice.pk)
    assert len(sms_gateway.requests) == 2
    by_phone = {r.json()["phone"]: r for r in sms_gateway.requests}
    assert set(by_phone) == {"13820001111", "13920002222"}
    request = by_phone["13820001111"]
    delivery = Delivery.objects.get(notice=notice, resident=registry.li)
    assert request.json() == {
        "phone": "13820001111",
        "sign_name": "邻里",
        "text": "停水通知：吉利花园1号楼今天9:30至16:00暂停供水。",
        "request_id": f"notice-delivery-{delivery.pk}",
    }
    assert request.headers["x-linli-key"] == "linli-test"
    timestamp = request.headers["x-linli-timestamp"]
    assert request.headers["x-linli-signature"] == sign("sms-test-secret", timestamp, request.body)
    assert delivery.status == "sent" and delivery.address_display == "138****1111"


def test_sms_to_someone_who_moved_out_since_fails_without_retrying(world, registry, send, sms_gateway):
    from datetime import date

    from linli.residents.models import Resident

    notice = send(channels=["sms"])
    Resident.objects.filter(pk=registry.li.pk).update(moved_out=date(2026, 1, 1))
    run_notice.call(notice.pk)
    li = Delivery.objects.get(notice=notice, resident=registry.li)
    assert (li.status, li.attempts, li.last_error) == (
        "failed",
        1,
        "the resident is no longer registered here",
    )
    assert [r.json()["phone"] for r in sms_gateway.requests] == ["13920002222"]


def test_email_goes_over_smtp_to_staff_with_an_address(world, send, smtp_server):
    world.owner.email = "wang@xiningdao.example.cn"
    world.owner.save()
    notice = send(channels=["email"])
    run_notice.call(notice.pk)
    (message,) = smtp_server.messages
    assert message["Subject"] == "停水通知"
    assert message["To"] == "wang@xiningdao.example.cn"
    assert message["From"] == "linli@xiningdao.example.cn"
    assert message.get_content_charset() == "utf-8"
    text = message.get_content().replace("\r\n", "\n")
    assert text == "【停水通知】\n吉利花园1号楼今天9:30至16:00暂停供水。\n——西宁道社区\n"
    delivery = only(notice, "email")
    assert message["Message-ID"] == f"<notice-delivery-{delivery.pk}@xiningdao.example.cn>"
    assert (delivery.status, delivery.address_display) == ("sent", "w***@xiningdao.example.cn")


def test_a_temporary_smtp_refusal_is_tried_again_and_a_permanent_one_is_not(world, send, smtp_server):
    world.owner.email = "wang@xiningdao.example.cn"
    world.owner.save()
    smtp_server.replies = ["451 4.3.0 Try again later"]
    notice = send(channels=["email"])
    run_notice.call(notice.pk)
    delivery = only(notice, "email")
    assert (delivery.status, delivery.last_error) == ("pending", "SMTP 451: 4.3.0 Try again later")

    smtp_server.replies = ["550 5.1.1 Mailbox unavailable"]
    other = send(channels=["email"], title="停电通知")
    run_notice.call(other.pk)
    delivery = only(other, "email")
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert delivery.last_error.startswith("SMTP 550")
    assert smtp_server.messages == []


def test_an_unreachable_smtp_server_is_tried_again(world, send, smtp_server, settings):
    world.owner.email = "wang@xiningdao.example.cn"
    world.owner.save()
    notice = send(channels=["email"])
    settings.LINLI_EMAIL_PORT = 1  # nothing listens there
    run_notice.call(notice.pk)
    delivery = only(notice, "email")
    assert delivery.status == "pending" and delivery.last_error.startswith("mail server unreachable")


def test_in_app_notifies_the_staff_with_a_link_to_the_notice(world, send):
    notice = send(channels=["in_app"])
    run_notice.call(notice.pk)
    got = Notification.objects.filter(kind="notice").order_by("recipient_id")
    assert sorted(n.recipient_id for n in got) == sorted([world.owner.pk])
    (note,) = got
    assert note.message == "停水通知：吉利花园1号楼今天9:30至16:00暂停供水。"
    assert note.url == f"/notices/{notice.pk}/"
    notice.refresh_from_db()
    assert notice.status == "sent" and notice.finished_at is not None
