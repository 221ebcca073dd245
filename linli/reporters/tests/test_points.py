"""Points follow the case: given once it is accepted (first responded to), taken back if it is merged or rejected,
held back while a flag is open; redeemed by staff, never below zero; the ledger is append-only."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from linli.cases import services as case_services
from linli.cases.choices import Status
from linli.reporters import services
from linli.reporters.choices import EntryKind, FlagKind
from linli.reporters.models import Flag, PointsEntry
from linli.reporters.selectors import balance_of, tally_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def reported(world, rider, new_case):
    """A case the rider reported (as case_create records it for a reporter-only account)."""

    def make(**kwargs):
        params = {"actor": world.reporter, "reporter_name": "", "reporter_phone": ""}
        params.update(kwargs)
        return new_case(**params)

    return make


def kinds(rider) -> list[tuple[str, int]]:
    return sorted(PointsEntry.objects.filter(reporter=rider).values_list("kind", "points"))


def test_points_are_given_when_the_grid_worker_responds(world, rider, reported):
    case = reported()
    assert case.reported_by == world.reporter and kinds(rider) == []
    case_services.case_respond(case=case, actor=world.owner)
    [entry] = PointsEntry.objects.filter(reporter=rider)
    assert (entry.kind, entry.points, entry.case_id, entry.note) == (
        EntryKind.AWARD,
        10,
        case.pk,
        case.number,
    )
    assert balance_of(rider) == 10 and tally_of(world.reporter.pk) == 1


def test_the_points_per_report_are_a_setting(world, rider, reported, settings):
    settings.LINLI_REPORTER_POINTS = 25
    case_services.case_respond(case=reported(), actor=world.owner)
    assert balance_of(rider) == 25


def test_no_points_for_a_report_merged_or_rejected_before_anyone_responded(world, rider, reported, new_case):
    master = new_case(title="同一处井盖")
    case_services.case_merge(case=reported(), actor=world.owner, into=master)
    case_services.case_reject(case=reported(), actor=world.secretary, reason="不属于本社区")
    assert kinds(rider) == [] and tally_of(world.reporter.pk) == 0


def test_points_are_taken_back_when_an_accepted_report_is_merged(world, rider, reported, new_case):
    case = case_services.case_respond(case=reported(), actor=world.owner)
    master = new_case(title="同一处井盖")
    case_services.case_merge(case=case, actor=world.owner, into=master)
    assert kinds(rider) == [(EntryKind.AWARD, 10), (EntryKind.REVERSAL, -10)]
    assert balance_of(rider) == 0 and tally_of(world.reporter.pk) == 0


def test_or_rejected_after_being_handed_back(world, rider, reported):
    case = case_services.case_respond(case=reported(), actor=world.owner)
    case = case_services.case_assign(case=case, actor=world.secretary, assignee=world.owner)
    case_services.case_reject(case=case, actor=world.secretary, reason="重复上报")
    assert kinds(rider) == [(EntryKind.AWARD, 10), (EntryKind.REVERSAL, -10)]


def test_a_report_earns_once_however_often_it_is_responded_to(world, rider, reported):
    case = case_services.case_respond(case=reported(), actor=world.owner)
    case = case_services.case_assign(case=case, actor=world.secretary, assignee=world.colleague_worker)
    case = case_services.case_respond(case=case, actor=world.colleague_worker)
    services.points_settle_case(case=case)
    assert kinds(rider) == [(EntryKind.AWARD, 10)]


def test_the_ledger_allows_one_award_per_case_even_when_written_directly(world, rider, reported):
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    case = case_services.case_respond(case=reported(), actor=world.owner)
    with pytest.raises(IntegrityError), transaction.atomic():
        PointsEntry.objects.create(
            reporter=rider, kind=EntryKind.AWARD, points=10, case=case, created_at=timezone.now()
        )


def test_a_flagged_report_earns_its_points_only_when_the_flag_is_cleared(world, rider, reported):
    from django.utils import timezone

    case = reported()
    flag = Flag.objects.create(
        reporter=rider, case=case, kind=FlagKind.FAR_FROM_PHOTO, detail="900 m", created_at=timezone.now()
    )
    case_services.case_respond(case=case, actor=world.owner)
    assert kinds(rider) == [] and tally_of(world.reporter.pk) == 1
    services.flag_clear(flag=flag, actor=world.secretary, note="现场核实无误")
    assert kinds(rider) == [(EntryKind.AWARD, 10)]
    flag.refresh_from_db()
    assert flag.cleared_by == world.secretary and flag.clear_note == "现场核实无误"


def test_clearing_the_flag_of_a_report_not_yet_accepted_gives_nothing_until_it_is(world, rider, reported):
    from django.utils import timezone

    case = reported()
    flag = Flag.objects.create(
        reporter=rider, case=case, kind=FlagKind.FAR_FROM_PHOTO, detail="900 m", created_at=timezone.now()
    )
    services.flag_clear(flag=flag, actor=world.secretary)
    assert kinds(rider) == []
    case_services.case_respond(case=case, actor=world.owner)
    assert kinds(rider) == [(EntryKind.AWARD, 10)]


def test_a_flag_is_cleared_once_and_only_by_the_communitys_staff(world, rider, reported):
    from django.utils import timezone

    from linli.core.errors import Conflict, NotAllowed

    flag = Flag.objects.create(
        reporter=rider, case=reported(), kind=FlagKind.FAR_FROM_PHOTO, detail="x", created_at=timezone.now()
    )
    with pytest.raises(NotAllowed):
        services.flag_clear(flag=flag, actor=world.outsider_secretary)
    services.flag_clear(flag=flag, actor=world.owner)
    with pytest.raises(Conflict):
        services.flag_clear(flag=flag, actor=world.secretary)


def test_redeeming_takes_points_and_never_goes_below_zero(world, rider, reported):
    from linli.core.errors import InvalidInput

    case_services.case_respond(case=reported(), actor=world.owner)
    entry = services.points_redeem(reporter=rider, actor=world.secretary, points=6, note="矿泉水一箱")
    assert (entry.kind, entry.points, entry.created_by) == (EntryKind.REDEMPTION, -6, world.secretary)
    with pytest.raises(InvalidInput) as refused:
        services.points_redeem(reporter=rider, actor=world.secretary, points=5, note="再来一箱")
    assert refused.value.code == "insufficient_points" and balance_of(rider) == 4
    with pytest.raises(InvalidInput):
        services.points_redeem(reporter=rider, actor=world.secretary, points=0, note="零")
    with pytest.raises(InvalidInput):
        services.points_redeem(reporter=rider, actor=world.secretary, points=1, note=" ")


def test_only_the_communitys_staff_redeem(world, rider, reported):
    from linli.core.errors import NotAllowed

    case_services.case_respond(case=reported(), actor=world.owner)
    for outsider in (world.outsider_secretary, world.street, world.reporter):
        with pytest.raises(NotAllowed):
            services.points_redeem(reporter=rider, actor=outsider, points=1, note="x")


def test_the_ledger_refuses_edits_and_deletes(world, rider, reported):
    case_services.case_respond(case=reported(), actor=world.owner)
    entry = PointsEntry.objects.get()
    entry.points = 1000
    with pytest.raises(RuntimeError):
        entry.save()
    with pytest.raises(RuntimeError):
        entry.delete()
    with pytest.raises(RuntimeError):
        PointsEntry.objects.filter(pk=entry.pk).update(points=1000)
    with pytest.raises(RuntimeError):
        PointsEntry.objects.filter(pk=entry.pk).delete()
    assert PointsEntry.objects.get().points == 10


def test_a_closed_case_keeps_its_points(world, rider, reported):
    case = case_services.case_respond(case=reported(), actor=world.owner)
    case = case_services.case_resolve(case=case, actor=world.owner, result="已更换井盖")
    case_services.case_close(case=case, actor=world.secretary)
    assert kinds(rider) == [(EntryKind.AWARD, 10)]
    case.refresh_from_db()
    assert case.status == Status.CLOSED and tally_of(world.reporter.pk) == 1


@pytest.mark.django_db(transaction=True)
def test_two_redemptions_at_once_cannot_spend_the_same_points(world, rider, reported):
    for _ in range(2):
        case_services.case_respond(case=reported(), actor=world.owner)
    assert balance_of(rider) == 20
    start = threading.Barrier(4)

    def redeem(i):
        try:
            start.wait()
            services.points_redeem(reporter=rider, actor=world.secretary, points=8, note=f"第{i}份")
            return "ok"
        except Exception as exc:  # the refusal is the point of the test
            return getattr(exc, "code", repr(exc))
        finally:
            connection.close()

    with ThreadPoolExecutor(4) as pool:
        answers = sorted(pool.map(redeem, range(4)))
    assert answers == ["insufficient_points", "insufficient_points", "ok", "ok"]
    assert balance_of(rider) == 4
