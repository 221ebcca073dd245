"""The demo's reporters get profiles, points for their accepted reports and one redemption; running it again
changes nothing."""

import pytest

from linli.cases import services as case_services
from linli.reporters.choices import EntryKind
from linli.reporters.demo import build_demo
from linli.reporters.models import PointsEntry, Reporter
from linli.reporters.selectors import balance_of

pytestmark = pytest.mark.django_db


def test_build_demo_enrols_every_reporter_and_pays_for_accepted_reports(
    world, new_case, new_case_by_reporter
):
    accepted = [case_services.case_respond(case=new_case_by_reporter(), actor=world.owner) for _ in range(3)]
    new_case_by_reporter()  # not responded to yet: no points
    merged = case_services.case_respond(case=new_case_by_reporter(), actor=world.owner)
    case_services.case_merge(case=merged, actor=world.owner, into=new_case(title="主案件"))
    world.reporter.phone = "13920016688"
    world.reporter.save()

    counts = build_demo()

    reporter = Reporter.objects.get(user=world.reporter)
    assert reporter.community == world.xiningdao and reporter.phone == "13920016688"
    assert reporter.invited_by == world.secretary
    awards = PointsEntry.objects.filter(reporter=reporter, kind=EntryKind.AWARD)
    assert sorted(awards.values_list("case_id", flat=True)) == sorted(c.pk for c in accepted)
    assert {e.created_at for e in awards} == {c.responded_at for c in accepted}
    [redemption] = PointsEntry.objects.filter(kind=EntryKind.REDEMPTION)
    assert redemption.reporter == reporter and redemption.created_by == world.secretary
    assert balance_of(reporter) == 30 + redemption.points >= 0
    assert counts == {"reporters": 1, "profiles_created": 1, "awards": 3, "redemptions": 1}

    assert build_demo() == {"reporters": 1, "profiles_created": 0, "awards": 0, "redemptions": 0}
    assert PointsEntry.objects.count() == 4


@pytest.fixture
def new_case_by_reporter(world, new_case):
    return lambda: new_case(actor=world.reporter, reporter_name="", reporter_phone="")
