"""A hypothesis state machine of the case loop, driving `cases.services` the way people do, in any order.

After every step: each case's status is one the workflow allows, its timeline only ever grows (earlier entries
unchanged, each entry leaving the state the previous one reached), its reopen count matches the reopenings on
the timeline, its deadlines are set, and `kpis()` agrees with the cases themselves."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from linli.cases import services
from linli.cases.choices import OPEN_STATUSES, Satisfaction, Status
from linli.cases.models import Case, CaseEvent, Whistle
from linli.cases.selectors import kpis
from linli.cases.workflow import TRANSITIONS
from linli.core.errors import DomainError

pytestmark = pytest.mark.django_db

REOPENED_FROM = {Status.RESOLVED, Status.CLOSED}


class CaseLoop(RuleBasedStateMachine):
    world = None  # set by the test

    def __init__(self):
        super().__init__()
        self.case_ids: list[int] = []
        self.seen: dict[int, list[tuple]] = {}  # case → its timeline as last read

    # ------------------------------------------------------------ helpers

    def _case(self, i: int) -> Case:
        return Case.objects.get(pk=self.case_ids[i % len(self.case_ids)])

    def _try(self, action: str, case: Case, call, *, own_state: bool = False) -> None:
        """Run one service call; success or refusal must both agree with the transition table.

        `own_state`: the step also depends on a state of its own (a whistle's), so a refusal may come from it."""
        before = case.status
        rule_ = TRANSITIONS.get(action)
        try:
            call()
        except DomainError as exc:
            if rule_ is not None and exc.code == "invalid_transition" and not own_state:
                assert before not in rule_.sources, (action, before)
            return
        if rule_ is not None:
            assert before in rule_.sources, f"{action} succeeded from {before}"

    # ------------------------------------------------------------ rules

    @rule(urgent=st.booleans())
    def intake(self, urgent):
        w = self.world
        case = services.case_create(
            actor=w.secretary,
            title="楼道堆物占用消防通道",
            category=w.drain,
            lat=39.111,
            lon=117.201,
            urgency="urgent" if urgent else "normal",
            reporter_name="刘阿姨",
            reporter_phone="13812345678",
        )
        self.case_ids.append(case.pk)

    @precondition(lambda self: self.case_ids)
    @rule(i=st.integers(0, 50))
    def assign(self, i):
        case = self._case(i)
        self._try(
            "assign",
            case,
            lambda: services.case_assign(case=case, actor=self.world.secretary, assignee=self.world.owner),
        )

    @precondition(lambda self: self.case_ids)
    @rule(i=st.integers(0, 50))
    def respond(self, i):
        case = self._case(i)
        self._try(
            "respond", case, lambda: services.case_respond(case=case, actor=self.world.owner, note="已到场")
        )

    @precondition(lambda self: self.case_ids)
    @rule(i=st.integers(0, 50))
    def whistle(self, i):
        case = self._case(i)
        due = timezone.now() + timedelta(days=2)
        self._try(
            "whistle",
            case,
            lambda: services.whistle_blow(
                case=case,
                actor=self.world.owner,
                department=self.world.chengguan,
                reason="需执法",
                due_at=due,
            ),
        )

    @precondition(lambda self: self.case_ids)
    @rule(i=st.integers(0, 50), step=st.sampled_from(["report_in", "answer", "accept", "reject"]))
    def whistle_step(self, i, step):
        case = self._case(i)
        whistle = Whistle.objects.filter(case=case).order_by("-pk").first()
        if whistle is None:
            return
        w = self.world
        calls = {
            "report_in": lambda: services.whistle_report_in(whistle=whistle, actor=w.dept, note="已报到"),
            "answer": lambda: services.whistle_answer(whistle=whistle, actor=w.dept, answer="已处置"),
            "accept": lambda: services.whistle_accept(whistle=whistle, actor=w.owner, note="认可"),
            "reject": lambda: services.whistle_reject(whistle=whistle, actor=w.owner, note="未处置到位"),
        }
        action = {"accept": "whistle_accept", "reject": "whistle_reject"}.get(step, "")
        self._try(action, case, calls[step], own_state=True)

    @precondition(lambda self: self.case_ids)
    @rule(i=st.integers(0, 50))
    def resolve(self, i):
        case = self._case(i)
        self._try(
            "resolve", case, lambda: services.case_resolve(case=case, actor=self.world.owner, result="已清理")
        )

    @precondition(lambda self: self.case_ids)
    @rule(i=st.integers(0, 50), passed=st.booleans())
    def verify(self, i, passed):
        case = self._case(i)
        self._try(
            "verify", case, lambda: services.case_verify(case=case, actor=self.world.secretary, passed=passed)
        )

    @precondition(lambda self: self.case_ids)
    @rule(i=st.integers(0, 50), solved=st.booleans(), satisfaction=st.sampled_from(Satisfaction.values))
    def feedback(self, i, solved, satisfaction):
        case = self._case(i)
        self._try(
            "feedback",
            case,
            lambda: services.case_record_feedback(
                case=case, actor=None, solved=solved, satisfaction=satisfaction
            ),
        )

    @precondition(lambda self: self.case_ids)
    @rule(i=st.integers(0, 50))
    def reopen(self, i):
        case = self._case(i)
        self._try(
            "reopen", case, lambda: services.case_reopen(case=case, actor=self.world.secretary, note="复发")
        )

    @precondition(lambda self: self.case_ids)
    @rule(i=st.integers(0, 50))
    def close(self, i):
        case = self._case(i)
        self._try("close", case, lambda: services.case_close(case=case, actor=self.world.secretary))

    @precondition(lambda self: len(self.case_ids) >= 2)
    @rule(i=st.integers(0, 50), j=st.integers(0, 50))
    def merge(self, i, j):
        case, into = self._case(i), self._case(j)
        if case.pk == into.pk:
            return
        self._try("merge", case, lambda: services.case_merge(case=case, actor=self.world.owner, into=into))

    @precondition(lambda self: self.case_ids)
    @rule(i=st.integers(0, 50))
    def reject(self, i):
        case = self._case(i)
        self._try(
            "reject", case, lambda: services.case_reject(case=case, actor=self.world.secretary, reason="重复")
        )

    @precondition(lambda self: self.case_ids)
    @rule(i=st.integers(0, 50), stale=st.booleans())
    def note(self, i, stale):
        case = self._case(i)
        version = case.version - 1 if stale and case.version > 1 else case.version
        try:
            services.case_add_note(case=case, actor=self.world.owner, note="巡查记录", version=version)
        except DomainError as exc:
            assert exc.code in {"stale_version", "invalid_transition"}, exc.code
            if exc.code == "stale_version":
                assert version != case.version

    # ------------------------------------------------------------ invariants

    @invariant()
    def every_case_is_consistent(self):
        for case in Case.objects.filter(pk__in=self.case_ids):
            assert case.status in Status.values
            assert case.response_due_at and case.resolution_due_at and case.received_at
            events = list(
                CaseEvent.objects.filter(case=case)
                .order_by("id")
                .values_list("id", "action", "from_status", "to_status", "created_at")
            )
            assert events and events[0][1] == "create"
            before = self.seen.get(case.pk, [])
            assert events[: len(before)] == before, "the timeline lost or changed an entry"
            self.seen[case.pk] = events
            for prev, nxt in zip(events, events[1:], strict=False):
                assert nxt[4] >= prev[4], "the timeline is out of order"
                assert nxt[2] == prev[3], f"{nxt[1]} starts from {nxt[2]}, but {prev[1]} left {prev[3]}"
            assert events[-1][3] == case.status
            reopenings = sum(1 for e in events if e[2] in REOPENED_FROM and e[3] == Status.IN_PROGRESS)
            assert case.reopen_count == reopenings

    @invariant()
    def kpis_agree_with_the_cases(self):
        cases = Case.objects.filter(pk__in=self.case_ids)
        got = kpis(cases)
        rows = list(cases)
        assert got["received"] == len(rows)
        assert got["open"] == sum(c.status in OPEN_STATUSES for c in rows)
        assert 0 <= got["responded_on_time"] <= got["received"]
        assert got["solved"] <= got["with_verdict"] <= got["received"]
        assert got["satisfied"] <= got["rated"] == sum(bool(c.satisfaction) for c in rows)
        for name in ("response_rate", "resolution_rate", "satisfaction_rate"):
            assert got[name] is None or 0.0 <= got[name] <= 100.0


def test_the_case_loop_keeps_its_invariants_under_any_sequence_of_actions(world):
    CaseLoop.world = world
    run_state_machine_as_test(
        CaseLoop,
        settings=settings(
            max_examples=25,
            stateful_step_count=25,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
            # Bounded for CI: a failing sequence is reported as found, not shrunk (shrinking DB work takes long).
            phases=[Phase.explicit, Phase.reuse, Phase.generate],
        ),
    )
