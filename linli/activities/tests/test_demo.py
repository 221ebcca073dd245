"""The demo's activities: built on the test cast, safe to run twice, and removed again."""

import pytest

from linli.activities import demo
from linli.activities.models import Activity, HomeVisit, Occurrence, VolunteerSignup
from linli.volunteers.models import ServiceRecord, Team

pytestmark = pytest.mark.django_db


def test_build_twice_then_delete(world, registry, vol):
    counts = demo.build_demo()
    assert counts["activities"] == 5
    assert set(Activity.objects.values_list("title", flat=True)) == {
        "银发爱心义剪",
        "楼宇服务日",
        "爱尔眼科义诊",
        "冬季消防演练",
        "上门理发",
    }
    assert Team.objects.filter(name=demo.TEAM).count() == 1
    haircut = Activity.objects.get(title="银发爱心义剪")
    assert haircut.rrule == "FREQ=MONTHLY;BYMONTHDAY=26"
    assert all(o.starts_at.astimezone(demo.TZ).day == 26 for o in haircut.occurrences.all())
    assert Activity.objects.get(title="爱尔眼科义诊").partners.get().name == "爱尔眼科"
    assert HomeVisit.objects.filter(resident=registry.li).exists()
    again = demo.build_demo()
    assert again["activities"] == 0 and again["occurrences"] == 0
    demo.delete_demo([world.xiningdao])
    assert not Activity.objects.exists() and not Occurrence.objects.exists()
    assert not VolunteerSignup.objects.exists()
    assert not ServiceRecord.objects.filter(occurrence__isnull=False).exists()


def test_the_held_haircut_day_has_confirmed_hours(world, registry, vol):
    from linli.volunteers import services as volunteer_services

    team = volunteer_services.team_create(actor=world.secretary, community=world.xiningdao, name=demo.TEAM)
    volunteer_services.team_member_add(actor=world.secretary, team=team, volunteer=vol.li)
    counts = demo.build_demo()
    assert counts["activity_records"] == 1
    record = ServiceRecord.objects.get(volunteer=vol.li)
    assert record.status == "confirmed" and record.occurrence.activity.title == "银发爱心义剪"
