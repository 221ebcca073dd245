"""Care orders: requested, scheduled with a provider (once or on a weekday rule), completed with photos, rated."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from linli.care import services
from linli.care.models import CarePhoto, ServiceVisit
from linli.conftest import png_bytes
from linli.core.errors import Conflict, InvalidInput, NotAllowed

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 3, 2, 8, 0, tzinfo=SH)


@pytest.fixture
def canteen(care, world):
    return services.care_provider_create(
        actor=world.secretary,
        kind="organisation",
        name="幸福食堂",
        community=world.xiningdao,
        phone="13800138000",
    )


@pytest.fixture
def meal_order(care, world, registry):
    return services.order_create(
        actor=world.owner,
        resident=registry.li,
        service="meal",
        requester_kind="relative",
        requester_name="王丽",
    )


def test_a_weekday_meal_order_plans_weekdays_only_a_few_weeks_ahead(meal_order, canteen, world):
    with time_machine.travel(MONDAY, tick=False):
        order = services.order_schedule(
            actor=world.owner,
            order=meal_order,
            provider=canteen,
            rule="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
            starts_on=date(2026, 3, 2),
            at_time=time(11, 30),
        )
        visits = list(ServiceVisit.objects.filter(order=order))
        assert len(visits) == 3 * 5 + 1  # three weeks of weekdays, and the Monday the horizon lands on
        assert {v.scheduled_for.astimezone(SH).weekday() for v in visits} <= {0, 1, 2, 3, 4}
        assert all(v.scheduled_for.astimezone(SH).time() == time(11, 30) for v in visits)
        assert services.orders_plan_ahead() == 0  # planning again adds nothing
    with time_machine.travel(MONDAY + timedelta(days=7), tick=False):
        assert services.orders_plan_ahead() == 5  # a week later the next week is added
    assert order.status == "scheduled"


def test_completing_a_recurring_order_does_one_visit_and_keeps_it_scheduled(meal_order, canteen, world):
    with time_machine.travel(MONDAY, tick=False):
        services.order_schedule(
            actor=world.owner,
            order=meal_order,
            provider=canteen,
            rule="FREQ=DAILY",
            starts_on=date(2026, 3, 2),
            at_time=time(11, 30),
        )
    with time_machine.travel(MONDAY + timedelta(hours=4), tick=False):
        photo = SimpleUploadedFile("meal.png", png_bytes(), content_type="image/png")
        from linli.core.uploads import check_uploads

        visit = services.order_complete(
            actor=world.owner,
            order=meal_order,
            note="午餐已送到，老人胃口不错",
            photos=check_uploads([photo]),
        )
    assert visit.status == "done" and visit.scheduled_for.astimezone(SH).date() == date(2026, 3, 2)
    meal_order.refresh_from_db()
    assert meal_order.status == "scheduled"
    assert CarePhoto.objects.filter(visit=visit).count() == 1


def test_a_one_off_order_is_done_when_its_visit_is_done_and_can_be_rated(care, canteen, world, registry):
    order = services.order_create(
        actor=world.owner, resident=registry.li, service="cleaning", requester_kind="staff"
    )
    with pytest.raises(Conflict):
        services.order_rate(actor=world.owner, order=order, rating=5)
    with time_machine.travel(MONDAY, tick=False):
        services.order_schedule(
            actor=world.owner, order=order, provider=canteen, scheduled_at=MONDAY + timedelta(hours=2)
        )
    with time_machine.travel(MONDAY + timedelta(hours=3), tick=False):
        services.order_complete(actor=world.owner, order=order, note="打扫了厨房和卫生间")
    order.refresh_from_db()
    assert order.status == "done" and order.completed_at is not None
    services.order_rate(actor=world.secretary, order=order, rating=4, comment="满意")
    order.refresh_from_db()
    assert order.rating == 4 and order.rated_by == world.secretary


def test_a_bad_rule_and_a_foreign_provider_are_refused(meal_order, canteen, world):
    with pytest.raises(InvalidInput) as exc:
        services.order_schedule(
            actor=world.owner,
            order=meal_order,
            provider=canteen,
            rule="FREQ=SECONDLY",
            starts_on=date(2026, 3, 2),
            at_time=time(11, 0),
        )
    assert exc.value.field == "rule"
    other = services.care_provider_create(
        actor=world.outsider_secretary, kind="volunteer_team", name="燕宇志愿队", community=world.yanyu
    )
    with pytest.raises(InvalidInput) as exc:
        services.order_schedule(actor=world.owner, order=meal_order, provider=other, scheduled_at=MONDAY)
    assert exc.value.field == "provider"


def test_only_handlers_of_the_resident_take_orders(care, world, registry):
    with pytest.raises(NotAllowed):
        services.order_create(
            actor=world.street, resident=registry.li, service="meal", requester_kind="resident"
        )


def test_the_order_api_schedules_completes_and_rates(meal_order, canteen, api, world):
    client = api.as_(world.owner)
    url = f"/api/v1/care/orders/{meal_order.pk}/"
    scheduled = client.post(
        url + "schedule/", {"provider": canteen.pk, "scheduled_at": "2030-01-02T11:30:00+08:00"}
    )
    assert scheduled.status_code == 200, scheduled.content
    assert scheduled.json()["status"] == "scheduled" and len(scheduled.json()["visits"]) == 1
    visit = scheduled.json()["visits"][0]["id"]
    done = client.post(url + "complete/", {"note": "送餐", "visit": visit})
    assert done.status_code == 200 and done.json()["status"] == "done"
    rated = client.post(url + "rate/", {"rating": 5})
    assert rated.json()["rating"] == 5
    assert client.post(url + "rate/", {"rating": 9}).status_code == 400
