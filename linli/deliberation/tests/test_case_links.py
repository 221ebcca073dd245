"""Case ↔ agenda ↔ action item: a case raised at a meeting shows its decision and closes with its action items."""

from datetime import timedelta

import pytest
from django.utils import timezone

from linli.cases import services as case_services
from linli.cases.choices import Status
from linli.core.errors import InvalidInput
from linli.deliberation import services
from linli.deliberation.choices import AgendaSource, MeetingType, ProposalStatus
from linli.deliberation.models import AgendaItem, Proposal

from .conftest import signed_in

pytestmark = pytest.mark.django_db


def test_raising_a_case_from_its_page_puts_it_on_the_next_meeting(world, meeting, new_case):
    case = new_case()
    later = meeting(title="下月议事会", starts_at=timezone.now() + timedelta(days=30))
    sooner = meeting(title="本周议事会", starts_at=timezone.now() + timedelta(days=2))
    meeting(title="接待日", type=MeetingType.RECEPTION_DAY, starts_at=timezone.now() + timedelta(days=1))
    client = signed_in(world.owner)
    assert 'id="raise-at-meeting"' in client.get(f"/cases/{case.pk}/").content.decode()
    response = client.post(f"/meetings/raise/{case.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    item = AgendaItem.objects.get()
    assert item.meeting == sooner and item.source == AgendaSource.CASE and list(item.cases.all()) == [case]
    assert not later.agenda_items.exists()
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert "本周议事会" in html and 'id="raise-at-meeting"' not in html


def test_with_no_meeting_planned_the_case_waits_as_a_proposal_and_joins_the_agenda_later(
    world, meeting, new_case
):
    case = new_case()
    raised = services.case_raise_to_meeting(case=case, actor=world.secretary)
    assert isinstance(raised, Proposal) and raised.case == case
    m = meeting()
    item = services.agenda_item_from_proposal(meeting=m, actor=world.secretary, proposal=raised)
    assert list(item.cases.all()) == [case]
    raised.refresh_from_db()
    assert raised.status == ProposalStatus.ON_AGENDA


def test_the_case_page_shows_the_decision_and_its_action_items(world, decided, new_case):
    case = new_case()
    decided(cases=[case])
    html = signed_in(world.owner).get(f"/cases/{case.pk}/").content.decode()
    assert "联系物业更换1号楼电梯防风安全门" in html and "更换防风门" in html


def test_confirming_the_last_action_item_resolves_and_closes_the_case(world, decided, new_case):
    case = new_case()
    assert case.status == Status.ASSIGNED
    talk, item, decision, first = decided(cases=[case])
    second = services.action_item_add(
        decision=decision,
        actor=world.secretary,
        title="通知居民",
        owner=world.owner,
        deadline=timezone.localdate() + timedelta(days=2),
        done_definition="楼门口贴出通知",
    )
    for action in (first, second):
        owner = world.dept if action == first else world.owner
        services.action_item_done(item=action, actor=owner, note="已完成")
    services.action_item_confirm(item=first, actor=world.secretary)
    case.refresh_from_db()
    assert case.status == Status.ASSIGNED  # one item is still waiting

    services.action_item_confirm(item=second, actor=world.secretary)
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert case.resolved_by == world.secretary and "更换防风门" in case.result and "通知居民" in case.result
    actions = list(case.events.values_list("action", flat=True))
    assert actions[-3:] == ["respond", "resolve", "close"]


def test_a_closed_case_stays_closed_and_an_escalated_one_waits_for_its_whistles(world, decided, new_case):
    closed = new_case(title="已办结")
    closed = case_services.case_respond(case=closed, actor=world.owner)
    closed = case_services.case_resolve(case=closed, actor=world.owner, result="已修")
    closed = case_services.case_close(case=closed, actor=world.secretary)
    escalated = case_services.case_respond(case=new_case(title="吹哨中"), actor=world.owner)
    escalated = case_services.whistle_blow(
        case=escalated,
        actor=world.secretary,
        department=world.chengguan,
        reason="需部门",
        due_at=timezone.now() + timedelta(days=1),
    ).case
    *_, action = decided(cases=[closed, escalated])
    services.action_item_done(item=action, actor=world.dept, note="ok")
    services.action_item_confirm(item=action, actor=world.secretary)
    closed.refresh_from_db()
    escalated.refresh_from_db()
    assert closed.status == Status.CLOSED and closed.events.filter(action="close").count() == 1
    assert escalated.status == Status.ESCALATED


def test_a_case_of_another_community_cannot_be_linked(world, meeting, new_case):
    foreign = new_case(title="燕宇的事", lat=39.161, lon=117.181, actor=world.outsider_secretary)
    assert foreign.community == world.yanyu
    with pytest.raises(InvalidInput) as exc:
        services.agenda_item_add(meeting=meeting(), actor=world.admin, title="x", cases=[foreign])
    assert exc.value.field == "cases"
