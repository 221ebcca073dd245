"""Random walks through the case workflow (IV-04): whatever people try, only table transitions happen and the
timeline records exactly the changes that were made."""

from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from linli.cases import services
from linli.cases.choices import Status
from linli.cases.models import Case, CaseEvent
from linli.cases.workflow import TRANSITIONS
from linli.core.errors import DomainError

PERSONAS = ["owner", "colleague_worker", "secretary", "street", "dept", "outsider", "reporter"]
ACTIONS = ["assign", "respond", "note", "whistle", "answer", "accept", "resolve", "verify", "feedback", "reopen",
           "close", "merge", "reject"]  # fmt: skip


def _attempt(world, case, action, actor, flag):
    """Call the service for `action`; returns the action's table key (whistle steps share the whistle rule)."""
    due = timezone.now() + timedelta(days=1)
    if action == "assign":
        services.case_assign(case=case, actor=actor, assignee=world.owner if flag else world.colleague_worker)
    elif action == "respond":
        services.case_respond(case=case, actor=actor)
    elif action == "note":
        services.case_add_note(case=case, actor=actor, note="巡查记录")
    elif action == "whistle":
        services.whistle_blow(
            case=case, actor=actor, department=world.chengguan, reason="需要城管委", due_at=due
        )
    elif action in ("answer", "accept"):
        whistle = case.whistles.order_by("-id").first()
        if whistle is None:
            raise DomainError("no whistle yet")
        if action == "answer":
            services.whistle_answer(whistle=whistle, actor=actor, answer="已处理")
        else:
            services.whistle_accept(whistle=whistle, actor=actor)
    elif action == "resolve":
        services.case_resolve(case=case, actor=actor, result="已处理完毕")
    elif action == "verify":
        services.case_verify(case=case, actor=actor, passed=flag)
    elif action == "feedback":
        services.case_record_feedback(
            case=case, actor=actor, solved=flag, satisfaction="satisfied" if flag else "dissatisfied"
        )
    elif action == "reopen":
        services.case_reopen(case=case, actor=actor, note="居民再次反映")
    elif action == "close":
        services.case_close(case=case, actor=actor)
    elif action == "merge":
        services.case_merge(case=case, actor=actor, into=world.master)
    elif action == "reject":
        services.case_reject(case=case, actor=actor, reason="不属本社区")


class CaseWorkflow(RuleBasedStateMachine):
    world = None  # set by the test

    def __init__(self):
        super().__init__()
        self.case = services.case_create(
            actor=self.world.secretary,
            title="楼道飞线充电",
            category=self.world.drain,
            lat=39.111,
            lon=117.201,
        )
        self.successes = 0

    @rule(action=st.sampled_from(ACTIONS), persona=st.sampled_from(PERSONAS), flag=st.booleans())
    def act(self, action, persona, flag):
        before = Case.objects.get(pk=self.case.pk)
        events_before = CaseEvent.objects.filter(case=before).count()
        try:
            _attempt(self.world, before, action, getattr(self.world, persona), flag)
        except DomainError:
            after = Case.objects.get(pk=self.case.pk)
            assert (after.status, after.version) == (before.status, before.version)
            assert CaseEvent.objects.filter(case=after).count() == events_before
            return
        after = Case.objects.get(pk=self.case.pk)
        self.successes += 1
        assert after.version > before.version
        assert CaseEvent.objects.filter(case=after).count() == events_before + 1
        rule_key = {"answer": None, "accept": "whistle_accept"}.get(action, action)
        if rule_key:
            assert before.status in TRANSITIONS[rule_key].sources

    @invariant()
    def state_is_consistent(self):
        case = Case.objects.get(pk=self.case.pk)
        assert case.status in Status.values
        assert case.events.count() == self.successes + 1
        if case.status == Status.ESCALATED:
            assert case.whistles.exclude(status="accepted").exists()
        if case.status == Status.CLOSED:
            assert case.feedback_solved is not False
        if case.status == Status.MERGED:
            assert case.master_id == self.world.master.pk


@pytest.mark.django_db
def test_random_walks_through_the_workflow_keep_its_rules(world, new_case):
    world.master = new_case(title="同一处漏水（主件）")
    CaseWorkflow.world = world
    runner = CaseWorkflow.TestCase()
    runner.settings = settings(
        max_examples=25, stateful_step_count=20, deadline=None, suppress_health_check=list(HealthCheck)
    )
    runner.runTest()
