"""上门服务: visits generated for residents who cannot come, scoped like the registry, done by the volunteer."""

from datetime import timedelta

import pytest
from django.utils import timezone

from linli.activities import services
from linli.activities.models import HomeVisit
from linli.core.errors import Conflict, NotAllowed, Unprocessable

from .conftest import volunteer_client

pytestmark = pytest.mark.django_db


def test_visits_by_tag_on_the_page_follow_the_registry(world, client, make_activity, registry, vol):
    occ = make_activity(title="上门理发", kind="home_service").occurrences.get()
    client.force_login(world.owner)
    client.post(f"/activities/o/{occ.pk}/home-visits/", {"tag": "dujulaoren", "volunteer": vol.li.pk})
    visit = HomeVisit.objects.get()
    assert visit.resident == registry.li and visit.volunteer == vol.li and visit.grid == world.grid_a
    client.post(f"/activities/o/{occ.pk}/home-visits/", {"tag": "dujulaoren"})
    assert HomeVisit.objects.count() == 1  # never twice for one person
    # 韩大爷 is in grid A too; 周建国 (grid B) is not visible to grid A's worker.
    client.post(
        f"/activities/o/{occ.pk}/home-visits/", {"residents": f"{registry.han.pk},{registry.zhou.pk}"}
    )
    assert set(HomeVisit.objects.values_list("resident__name", flat=True)) == {"李秀兰", "韩大爷"}
    client.force_login(world.colleague_worker)
    page = client.get(f"/activities/o/{occ.pk}/").content.decode()
    visits = page.split('id="home-visits"', 1)[1].split("</ul>", 1)[0]
    assert "李秀兰" not in visits and "韩大爷" not in visits
    assert "empty" in visits  # grid B's worker sees none of grid A's visits


def test_only_home_service_activities_get_visits(world, make_activity, registry):
    occ = make_activity(kind="clinic").occurrences.get()
    with pytest.raises(Unprocessable):
        services.home_visits_generate(actor=world.secretary, occurrence=occ, residents=[registry.li])


def test_the_assigned_volunteer_marks_the_visit_done(world, make_activity, registry, vol):
    occ = make_activity(kind="home_service", starts_at=timezone.now() + timedelta(hours=1)).occurrences.get()
    (visit,) = services.home_visits_generate(
        actor=world.secretary, occurrence=occ, residents=[registry.han], volunteer=vol.li
    )
    with pytest.raises(NotAllowed):
        services.home_visit_done(visit=visit, volunteer=vol.chen)
    phone = volunteer_client(vol.li)
    home = phone.get("/activities/v/").content.decode()
    assert "502" in home  # the room she goes to
    phone.post(f"/activities/v/visits/{visit.pk}/done/", {"note": "已理发，老人满意"})
    visit.refresh_from_db()
    assert visit.status == "done" and visit.note == "已理发，老人满意" and visit.done_at
    with pytest.raises(Conflict):
        services.home_visit_done(visit=visit, actor=world.secretary)
