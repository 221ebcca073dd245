"""Replaying the planned year through the case services, in time order, with the clock set to each step.

Every step runs with `django.utils.timezone.now` set to its moment, so the services stamp timelines, deadlines,
overdue flags and notifications exactly as if the year had happened; the deadline monitor's sweep runs just
after each deadline a case is still waiting at. Steps later than "now" are dropped."""

from __future__ import annotations

import heapq
from collections.abc import Callable
from contextlib import contextmanager
from datetime import datetime, timedelta
from unittest import mock

from linli.cases import services
from linli.cases.choices import Status
from linli.cases.models import Case
from linli.core.workdays import add_working_days

from .builder import World
from .history import Plan

# ----------------------------------------------------------------------------- the clock


class Clock:
    """Stands in for django.utils.timezone.now while the history is replayed."""

    def __init__(self, moment: datetime):
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


@contextmanager
def replay_clock(start: datetime):
    """Patch `django.utils.timezone.now`, which the services, auto_now fields and notifications all read.

    A plain callable is much cheaper than time-machine or a MagicMock for the ~15,000 steps of a full load."""
    clock = Clock(start)
    with mock.patch("django.utils.timezone.now", clock):
        yield clock


# ----------------------------------------------------------------------------- replay


class Replayer:
    """Runs every plan's steps through the services, in global time order, with the clock set to each step."""

    def __init__(self, world: World, plans: list[Plan], now: datetime, clock: Clock):
        self.world = world
        self.plans = plans
        self.now = now
        self.clock = clock
        self.by_idx = {p.idx: p for p in plans}
        self.sweeps = 0
        self.steps = 0
        self._handlers: dict[str, Callable] = {
            "create": self.create,
            "assign": lambda p, a: services.case_assign(
                case=p.case, actor=a["actor"], assignee=a["assignee"]
            ),
            "respond": lambda p, a: services.case_respond(case=p.case, actor=a["actor"], note=a["note"]),
            "note": lambda p, a: services.case_add_note(case=p.case, actor=a["actor"], note=a["note"]),
            "resolve": lambda p, a: services.case_resolve(case=p.case, actor=a["actor"], result=a["result"]),
            "verify": lambda p, a: services.case_verify(
                case=p.case, actor=a["actor"], passed=a["passed"], note=a["note"]
            ),
            "feedback": lambda p, a: services.case_record_feedback(
                case=p.case,
                actor=a["actor"],
                solved=a["solved"],
                satisfaction=a["satisfaction"],
                comment=a["comment"],
            ),
            "close": lambda p, a: services.case_close(case=p.case, actor=a["actor"], note=a["note"]),
            "reopen": lambda p, a: services.case_reopen(case=p.case, actor=a["actor"], note=a["note"]),
            "reject": lambda p, a: services.case_reject(case=p.case, actor=a["actor"], reason=a["reason"]),
            "merge": self.merge,
            "whistle": self.whistle,
            "report_in": lambda p, a: self.whistle_step(p, a, "report_in"),
            "answer": lambda p, a: self.whistle_step(p, a, "answer"),
            "w_reject": lambda p, a: self.whistle_step(p, a, "w_reject"),
            "w_accept": lambda p, a: self.whistle_step(p, a, "w_accept"),
        }

    def run(self) -> None:
        heap: list[tuple[datetime, int, int]] = []
        for plan in self.plans:
            if plan.steps and plan.steps[0][0] <= self.now:
                heap.append((plan.steps[0][0], plan.idx, 0))
        heapq.heapify(heap)
        sweep_seq = -1
        while heap:
            at, idx, k = heapq.heappop(heap)
            self.clock.moment = at
            if idx < 0:
                services.sweep_deadlines(now=at)
                self.sweeps += 1
                continue
            plan = self.by_idx[idx]
            kind, args = plan.steps[k][1], plan.steps[k][2]
            try:
                result = self._handlers[kind](plan, args)
            except Exception as exc:
                raise RuntimeError(
                    f"demo case {plan.idx} «{plan.title}», step {k} {kind} at {at}: {exc!r}"
                ) from exc
            if isinstance(result, Case):
                plan.case = result
            self.steps += 1
            following = plan.steps[k + 1][0] if k + 1 < len(plan.steps) else None
            if following is not None and following <= self.now:
                heapq.heappush(heap, (following, idx, k + 1))
            until = min(following, self.now) if following is not None else self.now
            for due in self.late_deadlines(plan, at, until):
                sweep_seq -= 1
                heapq.heappush(heap, (due, sweep_seq, 0))
        self.clock.moment = self.now
        services.sweep_deadlines(now=self.now)

    def late_deadlines(self, plan: Plan, at: datetime, until: datetime) -> list[datetime]:
        """Moments just after a deadline the case will still be waiting at: the monitor's sweep runs then."""
        case = plan.case
        moments = []
        if case is None or case.status not in (
            Status.RECEIVED,
            Status.ASSIGNED,
            Status.IN_PROGRESS,
            Status.ESCALATED,
        ):
            return moments
        for kind, due, waiting in (
            ("response", case.response_due_at, case.status in (Status.RECEIVED, Status.ASSIGNED)),
            ("resolution", case.resolution_due_at, True),
        ):
            if waiting and kind not in plan.flagged and due < until:
                plan.flagged.add(kind)
                sweep_at = max(due, at) + timedelta(minutes=2)
                if sweep_at <= self.now:
                    moments.append(sweep_at)
        return moments

    # ---------------------------------------------------------------- step handlers

    def create(self, plan: Plan, args: dict) -> Case:
        lat, lon = plan.point if plan.point else (None, None)
        return services.case_create(
            actor=plan.creator,
            title=plan.title,
            description=plan.description,
            category=plan.category,
            channel=plan.channel,
            urgency=plan.urgency,
            lat=lat,
            lon=lon,
            address=plan.address,
            building=plan.building,
            community=plan.info.community,
            reporter_name=plan.reporter_name,
            reporter_phone=plan.reporter_phone,
            received_at=plan.received_at,
        )

    def merge(self, plan: Plan, args: dict) -> Case:
        master = self.by_idx[args["into"]].case
        master.refresh_from_db(fields=["status", "community", "street"])
        note = args["note"].format(n=master.number)
        return services.case_merge(case=plan.case, actor=args["actor"], into=master, note=note)

    def whistle(self, plan: Plan, args: dict) -> None:
        due = add_working_days(self.clock.moment, args["days"]).due
        whistle = services.whistle_blow(
            case=plan.case,
            actor=args["actor"],
            department=self.world.departments[args["dept"]],
            reason=args["reason"],
            due_at=due,
        )
        plan.whistles.append(whistle)

    def whistle_step(self, plan: Plan, args: dict, kind: str) -> None:
        w = args["w"]
        whistle = plan.whistles[w]
        actor = args["actor"]
        if kind == "answer":
            whistle = services.whistle_answer(whistle=whistle, actor=actor, answer=args["answer"])
        elif kind == "report_in":
            whistle = services.whistle_report_in(whistle=whistle, actor=actor, note=args["note"])
        elif kind == "w_reject":
            whistle = services.whistle_reject(whistle=whistle, actor=actor, note=args["note"])
        else:
            whistle = services.whistle_accept(whistle=whistle, actor=actor, note=args["note"])
        plan.whistles[w] = whistle
