"""Bad input gets an error that names the field, and stores nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from linli.core.errors import InvalidInput
from linli.core.models import AuditEntry, Notification
from linli.notices.models import Delivery, Notice
from linli.residents.models import Tag

from .conftest import place


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"title": "  "}, "title", "invalid"),
        ({"title": "长" * 61}, "title", "invalid"),
        ({"body": ""}, "body", "invalid"),
        ({"body": "{place}将于{start}停水。"}, "values", "placeholder_missing"),
        ({"channels": []}, "channels", "invalid"),
        ({"channels": ["fax"]}, "channels", "invalid"),
        ({"channels": ["sms"]}, "channels", "channel_unavailable"),  # no SMS gateway configured
        ({"place": None}, "place_id", "place_not_allowed"),
        ({"send_at": "past"}, "send_at", "send_at_past"),
        ({"send_at": "far"}, "send_at", "send_at_too_late"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(world, send, changes, field, code):
    now = timezone.now()
    changes = dict(changes)
    if changes.get("send_at") == "past":
        changes["send_at"] = now - timedelta(minutes=1)
    elif changes.get("send_at") == "far":
        changes["send_at"] = now + timedelta(days=400)
    with pytest.raises(InvalidInput) as exc:
        send(**changes)
    assert (exc.value.field, exc.value.code) == (field, code)
    assert not Notice.objects.exists() and not Delivery.objects.exists() and not Notification.objects.exists()
    assert not AuditEntry.objects.filter(event="notice_send").exists()


def test_an_audience_nobody_can_be_reached_in_is_refused(world, send, smtp_server):
    # 3号楼 has no residents, and its staff (the sender and the secretary) have no e-mail address.
    with pytest.raises(InvalidInput) as exc:
        send(actor=world.colleague_worker, place=place(world.building_3), channels=["email"])
    assert (exc.value.field, exc.value.code) == ("channels", "no_recipients")


def test_a_tag_the_sender_may_not_see_cannot_be_addressed(world, registry, send):
    with pytest.raises(InvalidInput) as exc:
        send(
            actor=world.street,
            place=place(world.xiningdao),
            tag=Tag.objects.get(code="dibao"),
            channels=["in_app"],
        )
    assert (exc.value.field, exc.value.code) == ("tag", "tag_not_allowed")


def test_group_robots_are_refused_for_a_tag_group(world, registry, send, robots):
    with pytest.raises(InvalidInput) as exc:
        send(place=place(world.grid_a), tag=Tag.objects.get(code="dujulaoren"), channels=["wecom"])
    assert exc.value.field == "channels"


def test_the_missing_placeholders_are_listed(world, send):
    with pytest.raises(InvalidInput) as exc:
        send(title="活动通知：{activity}", body="社区将于{start}在{place}举办{activity}。")
    assert exc.value.extra["missing"] == ["activity", "start", "place"]
