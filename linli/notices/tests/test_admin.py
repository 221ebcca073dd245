"""Administrators keep the templates and group robots in the admin; a robot's webhook URL and secret are
stored encrypted and never shown again."""

import pytest
from django.db import connection

from linli.accounts.models import User
from linli.notices.models import GroupEndpoint, NoticeTemplate


@pytest.fixture
def admin_client(client, world):
    root = User.objects.create_superuser("root", password="Linli-test-2026")
    client.force_login(root)
    return client


def test_a_group_robot_is_added_with_its_secrets_encrypted_and_never_shown_again(admin_client, world):
    url = "https://oapi.dingtalk.com/robot/send?access_token=abc123secret"
    page = admin_client.post(
        "/admin/notices/groupendpoint/add/",
        {
            "name": "吉利花园业主群",
            "channel": "dingtalk",
            "compound": world.jili.pk,
            "webhook_url": url,
            "secret": "SECxyz",
            "is_active": "on",
        },
    )
    assert page.status_code == 302, page.content.decode()[:2000]
    robot = GroupEndpoint.objects.get()
    assert (robot.webhook_url, robot.secret) == (url, "SECxyz")
    with connection.cursor() as cursor:
        cursor.execute("SELECT webhook_url, secret FROM notices_groupendpoint")
        raw_url, raw_secret = cursor.fetchone()
    assert "abc123secret" not in raw_url and "SECxyz" not in raw_secret

    change = admin_client.get(f"/admin/notices/groupendpoint/{robot.pk}/change/").content.decode()
    assert "abc123secret" not in change and "SECxyz" not in change
    listing = admin_client.get("/admin/notices/groupendpoint/").content.decode()
    assert "oapi.dingtalk.com" in listing and "abc123secret" not in listing

    page = admin_client.post(
        f"/admin/notices/groupendpoint/{robot.pk}/change/",
        {
            "name": "吉利花园业主群",
            "channel": "dingtalk",
            "compound": world.jili.pk,
            "webhook_url": "",
            "secret": "",
        },
    )
    assert page.status_code == 302
    robot.refresh_from_db()
    assert (robot.webhook_url, robot.secret, robot.is_active) == (url, "SECxyz", False)


def test_a_group_robot_serves_exactly_one_place(admin_client, world):
    page = admin_client.post(
        "/admin/notices/groupendpoint/add/",
        {
            "name": "群",
            "channel": "wecom",
            "grid": world.grid_a.pk,
            "compound": world.jili.pk,
            "webhook_url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
        },
    )
    assert page.status_code == 200 and not GroupEndpoint.objects.exists()
    page = admin_client.post(
        "/admin/notices/groupendpoint/add/",
        {"name": "群", "channel": "wecom", "grid": world.grid_a.pk, "webhook_url": "ftp://x"},
    )
    assert page.status_code == 200 and not GroupEndpoint.objects.exists()


def test_templates_are_seeded_and_editable(admin_client, world):
    template = NoticeTemplate.objects.get(code="water_outage")
    assert template.placeholders == ["reason", "place", "start", "end"]
    page = admin_client.post(
        f"/admin/notices/noticetemplate/{template.pk}/change/",
        {
            "code": "water_outage",
            "name": "停水通知",
            "kind": "outage",
            "title": "临时停水",
            "body": "{place}于{start}停水。",
            "is_active": "on",
            "ordering": 10,
        },
    )
    assert page.status_code == 302
    template.refresh_from_db()
    assert template.title == "临时停水" and template.placeholders == ["place", "start"]
