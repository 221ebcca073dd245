"""Minutes: fixed once approved (corrections are new entries), quorum per meeting type, vote counts."""

import pytest

from linli.core.errors import Conflict, InvalidInput, NotAllowed
from linli.core.models import AuditEntry
from linli.deliberation import services
from linli.deliberation.choices import MeetingType, Party
from linli.deliberation.models import AgendaItem, Attendance, Decision, MinutesCorrection, MinutesFixed

pytestmark = pytest.mark.django_db


def _approved(world, meeting):
    m = meeting(type=MeetingType.EVENING_TALK)
    item = services.agenda_item_add(meeting=m, actor=world.secretary, title="楼道堆物")
    services.decision_record(item=item, actor=world.secretary, text="三天内清理")
    services.attendance_add(meeting=m, actor=world.secretary, name="刘阿姨", party=Party.RESIDENT)
    return services.minutes_approve(meeting=m, actor=world.secretary), item


def test_only_the_convenor_approves_and_it_is_audited(world, meeting):
    m = meeting()
    services.agenda_item_add(meeting=m, actor=world.secretary, title="楼道堆物")
    with pytest.raises(NotAllowed):
        services.minutes_approve(meeting=m, actor=world.street)
    m = services.minutes_approve(meeting=m, actor=world.secretary)
    assert m.is_approved and m.approved_by == world.secretary
    assert AuditEntry.objects.filter(event="minutes_approve", object_id=str(m.pk)).count() == 1


def test_minutes_without_an_agenda_item_cannot_be_approved(world, meeting):
    with pytest.raises(Conflict):
        services.minutes_approve(meeting=meeting(), actor=world.secretary)


def test_approved_minutes_refuse_every_edit(world, meeting):
    m, item = _approved(world, meeting)
    item = AgendaItem.objects.get(pk=item.pk)
    item.discussion = "改写记录"
    with pytest.raises(MinutesFixed):
        item.save()
    decision = Decision.objects.get(agenda_item=item)
    decision.text = "改成别的决定"
    with pytest.raises(MinutesFixed):
        decision.save()
    with pytest.raises(MinutesFixed):
        decision.delete()
    with pytest.raises(MinutesFixed):
        Attendance.objects.get(meeting=m).delete()
    m.title = "别的会"
    with pytest.raises(MinutesFixed):
        m.save()
    with pytest.raises(Conflict):
        services.agenda_item_update(item=item, actor=world.secretary, version=item.version, discussion="x")
    with pytest.raises(Conflict):
        services.agenda_item_add(meeting=m, actor=world.secretary, title="补一个议题")
    with pytest.raises(Conflict):
        services.decision_record(item=item, actor=world.secretary, text="再决定")
    with pytest.raises(Conflict):
        services.attendance_add(meeting=m, name="迟到的人", party=Party.RESIDENT, by_qr=True)
    assert AgendaItem.objects.get(pk=item.pk).discussion == ""


def test_a_correction_is_a_new_entry_beside_the_fixed_minutes(world, meeting):
    m, item = _approved(world, meeting)
    first = services.minutes_correct(
        meeting=m, actor=world.secretary, text="应为五天内清理", agenda_item=item
    )
    services.minutes_correct(meeting=m, actor=world.secretary, text="补记：物业到会")
    assert MinutesCorrection.objects.filter(meeting=m).count() == 2
    assert Decision.objects.get(agenda_item=item).text == "三天内清理"
    first.text = "改掉更正"
    with pytest.raises(RuntimeError):
        first.save()


def test_minutes_are_corrected_only_after_approval(world, meeting):
    with pytest.raises(Conflict):
        services.minutes_correct(meeting=meeting(), actor=world.secretary, text="x")


def test_the_joint_meeting_needs_all_four_parties(world, meeting):
    m = meeting(type=MeetingType.JOINT, title="四方联席协调会")
    for name, party in (
        ("蔡书记", Party.PARTY),
        ("居委会主任", Party.COMMITTEE),
        ("物业经理", Party.PROPERTY),
    ):
        services.attendance_add(meeting=m, actor=world.secretary, name=name, party=party)
    quorum = services.meeting_quorum(m)
    assert not quorum["met"] and quorum["missing_parties"] == [Party.RESIDENTS_REP]
    services.attendance_add(meeting=m, name="议事会代表", party=Party.RESIDENTS_REP, by_qr=True)
    assert services.meeting_quorum(m)["met"]


def test_the_residents_council_needs_five_present_and_three_representatives(world, meeting):
    m = meeting()
    for i in range(5):
        services.attendance_add(meeting=m, actor=world.secretary, name=f"居民{i}", party=Party.RESIDENT)
    assert not services.meeting_quorum(m)["met"]
    for i in range(3):
        services.attendance_add(meeting=m, actor=world.secretary, name=f"代表{i}", party=Party.RESIDENTS_REP)
    quorum = services.meeting_quorum(m)
    assert quorum["met"] and quorum["attendees"] == 8 and quorum["residents_reps"] == 3


def test_signing_in_twice_counts_once(world, meeting):
    m = meeting()
    services.attendance_add(meeting=m, name="王大爷", party=Party.RESIDENTS_REP, by_qr=True)
    services.attendance_add(meeting=m, name="王大爷", party=Party.RESIDENTS_REP, by_qr=True)
    assert m.attendances.count() == 1


def test_a_voting_meeting_needs_the_vote_and_counts_it(world, meeting):
    m = meeting()
    item = services.agenda_item_add(meeting=m, actor=world.secretary, title="露天电影")
    with pytest.raises(InvalidInput) as exc:
        services.decision_record(item=item, actor=world.secretary, text="每周五放映")
    assert exc.value.field == "votes_for"
    passed = services.decision_record(
        item=item, actor=world.secretary, text="每周五放映", votes_for=9, votes_against=1, votes_abstain=2
    )
    failed = services.decision_record(
        item=item, actor=world.secretary, text="每天放映", votes_for=2, votes_against=8
    )
    assert passed.passed is True and failed.passed is False


def test_a_talk_decides_by_consensus_without_a_vote(world, meeting):
    m = meeting(type=MeetingType.EVENING_TALK)
    item = services.agenda_item_add(meeting=m, actor=world.secretary, title="电梯门")
    decision = services.decision_record(item=item, actor=world.secretary, text="联系物业", votes_for=None)
    assert decision.passed is None


def test_grid_workers_add_agenda_items_but_only_managers_decide(world, meeting):
    m = meeting()
    item = services.agenda_item_add(meeting=m, actor=world.owner, title="一号楼门禁")
    with pytest.raises(NotAllowed):
        services.decision_record(item=item, actor=world.owner, text="x", votes_for=1)
    with pytest.raises(NotAllowed):
        services.agenda_item_add(meeting=m, actor=world.outsider, title="外社区")
