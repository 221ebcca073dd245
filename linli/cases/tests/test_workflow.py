"""The transition table and the rules of each transition, tested on the services directly."""

import pytest

from linli.cases import services
from linli.cases.choices import Status
from linli.cases.models import Case, CaseEvent
from linli.cases.workflow import TRANSITIONS
from linli.core.errors import Conflict, InvalidInput, NotAllowed

pytestmark = pytest.mark.django_db


def resolved_case(world, new_case, **kwargs):
    case = new_case(**kwargs)
    case = services.case_respond(case=case, actor=world.owner)
    return services.case_resolve(case=case, actor=world.owner, result="已疏通")


def test_intake_assigns_the_grid_worker_and_sets_deadlines(world, new_case):
    case = new_case()
    assert case.status == Status.ASSIGNED
    assert case.grid == world.grid_a and case.assignee == world.owner
    assert case.community == world.xiningdao and case.street == world.nanyingmen
    assert case.response_due_at > case.received_at
    assert case.resolution_due_at > case.response_due_at
    assert case.number.endswith(f"{case.pk:07d}")
    assert world.owner.notifications.filter(kind="assigned").exists()


def test_a_point_outside_every_grid_lands_in_the_community_triage_queue(world, new_case):
    case = new_case(lat=39.5, lon=117.9)
    assert case.grid is None and case.assignee is None
    assert case.status == Status.RECEIVED
    assert case.community == world.xiningdao
    assert Case.objects.visible_to(world.secretary).filter(pk=case.pk).exists()
    assert not Case.objects.visible_to(world.owner).filter(pk=case.pk).exists()


def test_a_building_chosen_at_intake_decides_the_grid(world, new_case):
    case = new_case(lat=None, lon=None, building=world.building_3)
    assert case.grid == world.grid_b
    assert case.assignee == world.colleague_worker
    assert case.lat == world.building_3.lat


def test_a_person_can_override_the_suggested_grid_and_assignee(world, new_case):
    case = new_case(grid=world.grid_b, assignee=world.colleague_worker)
    assert case.grid == world.grid_b and case.assignee == world.colleague_worker


def test_an_outsider_cannot_take_in_a_case_in_another_community(world, new_case):
    with pytest.raises(NotAllowed):
        new_case(actor=world.outsider)
    assert Case.objects.count() == 0


def test_a_department_user_cannot_take_in_cases(world, new_case):
    with pytest.raises(NotAllowed):
        new_case(actor=world.dept)


@pytest.mark.parametrize(
    "action, status",
    [
        (a, s)
        for a, t in TRANSITIONS.items()
        if a
        not in ("whistle_accept", "whistle_reject")  # settled through the whistle's own states, tested below
        for s in Status.values
        if s not in t.sources
    ],
)
def test_every_transition_outside_the_table_is_refused(world, new_case, action, status):
    case = new_case()
    Case.objects.filter(pk=case.pk).update(status=status)
    case.refresh_from_db()
    calls = {
        "assign": lambda: services.case_assign(case=case, actor=world.secretary, assignee=world.owner),
        "respond": lambda: services.case_respond(case=case, actor=world.secretary),
        "note": lambda: services.case_add_note(case=case, actor=world.secretary, note="x"),
        "whistle": lambda: services.whistle_blow(
            case=case,
            actor=world.secretary,
            department=world.chengguan,
            reason="x",
            due_at=case.resolution_due_at,
        ),
        "resolve": lambda: services.case_resolve(case=case, actor=world.secretary, result="x"),
        "verify": lambda: services.case_verify(case=case, actor=world.secretary, passed=True),
        "feedback": lambda: services.case_record_feedback(
            case=case, actor=world.secretary, solved=True, satisfaction="satisfied"
        ),
        "reopen": lambda: services.case_reopen(case=case, actor=world.secretary, note="x"),
        "close": lambda: services.case_close(case=case, actor=world.secretary),
        "merge": lambda: services.case_merge(case=case, actor=world.secretary, into=new_case()),
        "reject": lambda: services.case_reject(case=case, actor=world.secretary, reason="x"),
        "direct_answer": lambda: services.case_answer_directly(case=case, actor=world.secretary, answer="x"),
    }
    events_before = CaseEvent.objects.filter(case=case).count()
    with pytest.raises(Conflict) as exc:
        calls[action]()
    assert exc.value.code == "invalid_transition"
    case.refresh_from_db()
    assert case.status == status
    assert CaseEvent.objects.filter(case=case).count() == events_before


def test_a_grid_worker_may_not_close_or_reject(world, new_case):
    case = resolved_case(world, new_case)
    with pytest.raises(NotAllowed):
        services.case_close(case=case, actor=world.owner)
    with pytest.raises(NotAllowed):
        services.case_reject(case=new_case(), actor=world.owner, reason="不归本社区")


def test_a_worker_of_another_grid_may_not_act_on_the_case(world, new_case):
    case = new_case()
    with pytest.raises(NotAllowed):
        services.case_respond(case=case, actor=world.colleague_worker)


def test_verification_needs_someone_other_than_the_resolver_when_the_category_says_so(world, new_case):
    case = resolved_case(world, new_case, category=world.fire, title="消防柜玻璃破损")
    with pytest.raises(NotAllowed):
        services.case_verify(case=case, actor=world.owner, passed=True)
    with pytest.raises(Conflict):
        services.case_close(case=case, actor=world.secretary)
    case = services.case_verify(case=case, actor=world.secretary, passed=True, note="现场已更换玻璃")
    case = services.case_close(case=case, actor=world.secretary)
    assert case.status == Status.CLOSED and case.closed_at


def test_failed_verification_sends_the_case_back_to_work(world, new_case):
    case = resolved_case(world, new_case, category=world.fire)
    case = services.case_verify(case=case, actor=world.secretary, passed=False, note="玻璃仍未更换")
    assert case.status == Status.IN_PROGRESS
    assert case.reopen_count == 1
    assert world.owner.notifications.filter(kind="reopened").exists()


def test_dissatisfied_feedback_reopens_the_case_and_tells_the_secretary(world, new_case):
    case = resolved_case(world, new_case)
    case = services.case_record_feedback(
        case=case, actor=world.secretary, solved=False, satisfaction="dissatisfied", comment="还是堵"
    )
    assert case.status == Status.IN_PROGRESS
    assert case.reopen_count == 1
    assert case.satisfaction == "dissatisfied"
    assert world.secretary.notifications.filter(kind="reopened").exists()
    assert world.owner.notifications.filter(kind="reopened").exists()


def test_satisfied_feedback_keeps_the_case_resolved_for_closing(world, new_case):
    case = resolved_case(world, new_case)
    case = services.case_record_feedback(
        case=case, actor=world.secretary, solved=True, satisfaction="basically_satisfied"
    )
    assert case.status == Status.RESOLVED
    case = services.case_close(case=case, actor=world.secretary)
    assert case.status == Status.CLOSED


def test_a_closed_case_can_be_reopened_by_the_secretary(world, new_case):
    case = resolved_case(world, new_case)
    case = services.case_close(case=case, actor=world.secretary)
    case = services.case_reopen(case=case, actor=world.secretary, note="居民再次反映")
    assert case.status == Status.IN_PROGRESS and case.closed_at is None


def test_a_merged_duplicate_hears_the_outcome_of_its_master(world, new_case):
    master = new_case()
    duplicate = new_case(actor=world.reporter, reporter_name="", reporter_phone="")
    assert duplicate.reported_by == world.reporter
    duplicate = services.case_merge(case=duplicate, actor=world.owner, into=master, note="同一处漏水")
    assert duplicate.status == Status.MERGED and duplicate.master == master
    assert master.events.filter(action="absorb").exists()
    master = services.case_respond(case=master, actor=world.owner)
    services.case_resolve(case=master, actor=world.owner, result="已疏通")
    assert duplicate.events.filter(action="outcome").exists()
    assert world.reporter.notifications.filter(kind="outcome").exists()


def test_a_case_cannot_be_merged_into_itself_or_a_closed_case(world, new_case):
    case = new_case()
    with pytest.raises(InvalidInput):
        services.case_merge(case=case, actor=world.owner, into=case)
    closed = resolved_case(world, new_case)
    closed = services.case_close(case=closed, actor=world.secretary)
    with pytest.raises(InvalidInput):
        services.case_merge(case=case, actor=world.owner, into=closed)


def test_rejecting_needs_a_reason(world, new_case):
    case = new_case()
    with pytest.raises(InvalidInput):
        services.case_reject(case=case, actor=world.secretary, reason="  ")
    case = services.case_reject(case=case, actor=world.secretary, reason="不属于本社区辖区")
    assert case.status == Status.REJECTED and case.reject_reason


def test_reassigning_moves_the_case_to_the_new_person_who_must_respond(world, new_case):
    case = new_case()
    case = services.case_respond(case=case, actor=world.owner)
    case = services.case_assign(
        case=case, actor=world.secretary, assignee=world.colleague_worker, note="换人"
    )
    assert case.status == Status.ASSIGNED and case.assignee == world.colleague_worker
    assert world.colleague_worker.notifications.filter(kind="assigned").exists()


def test_a_case_cannot_be_assigned_to_someone_from_another_community(world, new_case):
    with pytest.raises(InvalidInput):
        services.case_assign(case=new_case(), actor=world.secretary, assignee=world.outsider)


def test_whistles_escalate_and_return_the_case_when_all_answers_are_accepted(world, new_case):
    from datetime import timedelta

    from django.utils import timezone

    case = services.case_respond(case=new_case(), actor=world.owner)
    due = timezone.now() + timedelta(days=2)
    w1 = services.whistle_blow(
        case=case, actor=world.secretary, department=world.chengguan, reason="需城管委清掏", due_at=due
    )
    w2 = services.whistle_blow(
        case=case, actor=world.secretary, department=world.water, reason="疑似供水管漏", due_at=due
    )
    case.refresh_from_db()
    assert case.status == Status.ESCALATED
    with pytest.raises(Conflict):
        services.whistle_blow(
            case=case, actor=world.secretary, department=world.water, reason="again", due_at=due
        )
    with pytest.raises(NotAllowed):
        services.whistle_report_in(whistle=w1, actor=world.water_dept)
    services.whistle_report_in(whistle=w1, actor=world.dept)
    services.whistle_answer(whistle=w1, actor=world.dept, answer="已派车清掏")
    services.whistle_reject(whistle=w1, actor=world.secretary, note="还有积水")
    w1.refresh_from_db()
    assert w1.status == "reported_in" and w1.rejections == 1
    services.whistle_answer(whistle=w1, actor=world.dept, answer="二次清掏完成")
    services.whistle_accept(whistle=w1, actor=world.secretary)
    case.refresh_from_db()
    assert case.status == Status.ESCALATED  # the water whistle is still open
    services.whistle_answer(whistle=w2, actor=world.water_dept, answer="非供水管问题")
    services.whistle_accept(whistle=w2, actor=world.secretary)
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS
    actions = list(case.events.values_list("action", flat=True))
    assert actions.count("whistle") == 2 and "whistle_reject" in actions


def test_a_reworked_case_is_closed_only_after_the_resident_is_called_back_again(world, new_case):
    case = resolved_case(world, new_case)
    case = services.case_record_feedback(
        case=case, actor=world.secretary, solved=False, satisfaction="dissatisfied"
    )
    case = services.case_resolve(case=case, actor=world.owner, result="重新疏通并更换管道")
    assert case.feedback_solved is False  # still the resident's last word
    with pytest.raises(Conflict):
        services.case_close(case=case, actor=world.secretary)
    case = services.case_record_feedback(
        case=case, actor=world.secretary, solved=True, satisfaction="satisfied"
    )
    assert services.case_close(case=case, actor=world.secretary).status == Status.CLOSED
    assert case.events.filter(action="feedback").count() == 2


def test_a_master_closed_after_the_caller_loaded_it_is_refused(world, new_case):
    master = resolved_case(world, new_case)
    stale_master = Case.objects.get(pk=master.pk)
    services.case_close(case=master, actor=world.secretary)
    with pytest.raises(InvalidInput):
        services.case_merge(case=new_case(), actor=world.owner, into=stale_master)


def test_whistle_counters_read_the_locked_row_not_the_callers_copy(world, new_case):
    from datetime import timedelta

    from django.utils import timezone

    case = services.case_respond(case=new_case(), actor=world.owner)
    whistle = services.whistle_blow(
        case=case,
        actor=world.secretary,
        department=world.chengguan,
        reason="清掏",
        due_at=timezone.now() + timedelta(days=1),
    )
    stale = type(whistle).objects.get(pk=whistle.pk)
    reported = services.whistle_report_in(whistle=whistle, actor=world.dept)
    services.whistle_answer(whistle=stale, actor=world.dept, answer="已处理")
    services.whistle_reject(whistle=stale, actor=world.secretary, note="仍有积水")
    services.whistle_answer(whistle=stale, actor=world.dept, answer="再次处理")
    services.whistle_reject(whistle=stale, actor=world.secretary, note="还是不行")
    whistle.refresh_from_db()
    assert whistle.rejections == 2
    assert whistle.reported_in_at == reported.reported_in_at
