"""The demo's notices are sent through the services, in the past, with their deliveries recorded as sent."""

from django.utils import timezone

from linli.core.models import Notification
from linli.notices.demo import build_demo
from linli.notices.models import Delivery, GroupEndpoint, Notice


def test_the_demo_adds_a_switched_off_robot_and_past_notices_sent_in_app(world):
    counts = build_demo()
    assert counts == {"group_endpoints": 1, "notices": 2, "deliveries": 3}
    robot = GroupEndpoint.objects.get()
    assert (robot.channel, robot.compound, robot.is_active) == ("wecom", world.jili, False)
    water = Notice.objects.get(title="停水通知")
    assert (water.place_kind, water.building, water.created_by) == ("building", world.building_1, world.owner)
    assert "二次供水水箱清洗" in water.body
    fire = Notice.objects.get(title="消防安全提醒")
    assert (fire.place_kind, fire.community, fire.created_by) == (
        "community",
        world.xiningdao,
        world.secretary,
    )
    now = timezone.now()
    for notice in (water, fire):
        assert notice.status == "sent" and notice.send_at < now and notice.finished_at < now
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
    assert Notification.objects.filter(kind="notice").count() == 3
    assert build_demo() == {"group_endpoints": 0, "notices": 0, "deliveries": 0}  # once only
