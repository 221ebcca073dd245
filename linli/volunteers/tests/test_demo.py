"""The volunteers demo: seed teams, volunteers linked to the registry, every star level, and a clean delete."""

from __future__ import annotations

from linli.org.models import Community
from linli.volunteers import demo
from linli.volunteers.choices import RecordStatus
from linli.volunteers.models import ServiceRecord, Team, Volunteer
from linli.volunteers.selectors import hours_by_volunteer, star_level

from .conftest import ensure_skills


def test_build_and_delete_the_demo(world, registry):
    ensure_skills()
    counts = demo.build_demo()
    assert counts["teams"] == len(
        [s for s in demo.TEAMS if s.community in ("西宁道社区", "东风路南社区", "燕宇社区")]
    )
    assert Team.objects.filter(community=world.xiningdao, name="红管家服务队").exists()
    colours = set(
        Team.objects.filter(community=world.xiningdao, kind="colour").values_list("name", flat=True)
    )
    assert len(colours) == 6
    # 东风路南社区 is not among the test's places: its teams fall back to 燕宇社区.
    silver = Team.objects.get(name="银发爱心义剪队")
    assert silver.community == world.yanyu
    captain = silver.memberships.get(role="captain").volunteer
    assert captain.name == "闫爱民" and captain.age_on(captain.registered_at.date()) >= 60
    ages = [m.volunteer.age_on(m.joined_on) for m in silver.memberships.all()]
    assert all(age is not None and age >= 55 for age in ages)
    assert counts["linked_residents"] >= 1 and Volunteer.objects.exclude(resident=None).exists()
    totals = hours_by_volunteer(Volunteer.objects.values_list("pk", flat=True))
    levels = {star_level(h) for h in totals.values()}
    assert {1, 2, 3, 4, 5} <= levels
    assert ServiceRecord.objects.filter(status=RecordStatus.DRAFT).count() == counts["drafts"] > 0
    assert ServiceRecord.objects.filter(status=RecordStatus.CONFIRMED).count() == counts["service_records"]
    # Again: nothing new.
    assert demo.build_demo()["teams"] == 0
    demo.delete_demo(Community.objects.all())
    assert not Team.objects.exists() and not Volunteer.objects.exists() and not ServiceRecord.objects.exists()
