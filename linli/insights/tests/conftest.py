"""Helpers of the insights tests: the figures computed straight from case rows, and random case workflows."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from linli.cases import services
from linli.cases.choices import AWAITING_RESPONSE, OPEN_STATUSES, Channel, Satisfaction, Status
from linli.cases.models import Case, Whistle
from linli.insights.facts import local_day


def _rate(num, den):
    return round(100.0 * num / den, 1) if den else None


def _median(values):
    if not values:
        return None
    values = sorted(values)
    n = len(values)
    return (values[(n - 1) // 2] + values[n // 2]) / 2


def _minutes(a, b):
    return max(0, int((b - a).total_seconds() // 60))


def direct_figures(rows, *, whistled_ids, now):
    """Every figure from plain case dicts (as the API lists them or values() reads them), by the definitions."""
    rows = [r for r in rows if r["status"] != Status.MERGED]
    n = len(rows)
    responded = [r for r in rows if r["responded_at"]]
    on_time = [r for r in responded if r["responded_at"] <= r["response_due_at"]]
    verdict = [r for r in rows if r["feedback_solved"] is not None or r["verification_passed"] is not None]
    solved = [
        r
        for r in rows
        if r["feedback_solved"] is True or (r["feedback_solved"] is None and r["verification_passed"] is True)
    ]
    rated = [r for r in rows if r["satisfaction"]]
    satisfied = [
        r for r in rated if r["satisfaction"] in (Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED)
    ]
    resolved = [r for r in rows if r["resolved_at"]]
    resolved_on_time = [r for r in resolved if r["resolved_at"] <= r["resolution_due_at"]]
    open_ = [r for r in rows if r["status"] in OPEN_STATUSES]
    overdue = [
        r
        for r in open_
        if (r["status"] in AWAITING_RESPONSE and r["response_due_at"] < now) or r["resolution_due_at"] < now
    ]
    return {
        "received": n,
        "response_rate": _rate(len(on_time), n),
        "on_time_response_rate": _rate(len(on_time), len(responded)),
        "resolution_rate": _rate(len(solved), len(verdict)),
        "satisfaction_rate": _rate(len(satisfied), len(rated)),
        "on_time_resolution_rate": _rate(len(resolved_on_time), len(resolved)),
        "backlog": len(open_),
        "overdue": len(overdue),
        "reopen_rate": _rate(len([r for r in rows if r["reopen_count"] > 0]), n),
        "whistle_rate": _rate(len([r for r in rows if r["id"] in whistled_ids]), n),
        "median_response_minutes": _median(
            [_minutes(r["received_at"], r["responded_at"]) for r in responded]
        ),
        "median_resolution_minutes": _median(
            [_minutes(r["received_at"], r["resolved_at"]) for r in resolved]
        ),
    }


FIELDS = (
    "id",
    "status",
    "received_at",
    "responded_at",
    "resolved_at",
    "response_due_at",
    "resolution_due_at",
    "feedback_solved",
    "verification_passed",
    "satisfaction",
    "reopen_count",
    "grid_id",
    "community_id",
    "street_id",
    "street__district_id",
    "category_id",
    "channel",
)


def direct_for(unit, start, end, *, now):
    """The figures of a unit and period straight from the cases table."""
    column = {"g": "grid_id", "c": "community_id", "s": "street_id", "d": "street__district_id"}[unit.level]
    rows = [
        r
        for r in Case.objects.filter(**{column: unit.pk}).values(*FIELDS)
        if start <= local_day(r["received_at"]) <= end
    ]
    whistled = set(Whistle.objects.values_list("case_id", flat=True))
    return direct_figures(rows, whistled_ids=whistled, now=now)


COMPARED = (
    "received",
    "response_rate",
    "on_time_response_rate",
    "resolution_rate",
    "satisfaction_rate",
    "on_time_resolution_rate",
    "backlog",
    "overdue",
    "reopen_rate",
    "whistle_rate",
    "median_response_minutes",
    "median_resolution_minutes",
)


def pick(figures):
    return {k: figures[k] for k in COMPARED}


class Workflow:
    """Drive cases through the real services with random steps and random durations (time travels forward)."""

    def __init__(self, world, seed=7):
        self.w = world
        self.rng = random.Random(seed)

    def secretary_of(self, case):
        return self.w.secretary if case.community_id == self.w.xiningdao.pk else self.w.outsider_secretary

    def run(self, n_cases: int, start: datetime):
        rng, w = self.rng, self.w
        places = [
            (39.111, 117.201, w.secretary),  # grid A
            (39.111, 117.205, w.secretary),  # grid B
            (39.162, 117.182, w.outsider_secretary),  # grid Y
            (39.5, 117.9, w.secretary),  # no grid: the community's triage queue
        ]
        clock = start
        cases = []
        with time_machine.travel(clock, tick=False) as traveller:
            for i in range(n_cases):
                clock += timedelta(minutes=rng.randint(20, 60 * 14))
                traveller.move_to(clock)
                lat, lon, actor = rng.choice(places)
                case = services.case_create(
                    actor=actor,
                    title=f"事项 {i}",
                    category=rng.choice([w.drain, w.fire, w.drain]),
                    channel=rng.choice([Channel.PHONE, Channel.WALK_IN, Channel.PATROL]),
                    lat=lat,
                    lon=lon,
                )
                cases.append(case.pk)
                if rng.random() < 0.5:  # a prompt first step, so some promises are kept
                    clock += timedelta(minutes=rng.randint(1, 90))
                    traveller.move_to(clock)
                    self.step(Case.objects.get(pk=case.pk), cases)
                # Move a few open cases a step at each intake: their steps interleave like a real day.
                for pk in rng.sample(cases, min(len(cases), 3)):
                    clock += timedelta(minutes=rng.choice([1, 5, 30, 90, 400, 1500]))
                    traveller.move_to(clock)
                    self.step(Case.objects.get(pk=pk), cases)
        return cases, clock

    def step(self, case, all_cases):
        rng, w = self.rng, self.w
        sec = self.secretary_of(case)
        s = case.status
        try:
            if s == Status.RECEIVED:
                worker = w.owner if case.community_id == w.xiningdao.pk else w.outsider
                grid = w.grid_a if case.community_id == w.xiningdao.pk else w.grid_y
                r = rng.random()
                if r < 0.15:
                    services.case_reject(case=case, actor=sec, reason="不属于本社区")
                else:
                    services.case_assign(case=case, actor=sec, assignee=worker)
                    del grid
            elif s == Status.ASSIGNED:
                r = rng.random()
                if r < 0.7:
                    services.case_respond(case=case, actor=sec)
                elif r < 0.8:
                    services.case_answer_directly(case=case, actor=sec, answer="已电话答复") if (
                        not case.category.requires_verification
                    ) else services.case_respond(case=case, actor=sec)
                elif r < 0.9:
                    others = [
                        c
                        for c in Case.objects.filter(
                            community_id=case.community_id, status__in=(Status.ASSIGNED, Status.IN_PROGRESS)
                        ).exclude(pk=case.pk)[:1]
                    ]
                    if others:
                        services.case_merge(case=case, actor=sec, into=others[0])
                # else: nothing yet, so it may run late
            elif s == Status.IN_PROGRESS:
                r = rng.random()
                if r < 0.6:
                    services.case_resolve(case=case, actor=sec, result="已处理")
                elif r < 0.75 and case.community_id == w.xiningdao.pk:
                    services.whistle_blow(
                        case=case,
                        actor=sec,
                        department=w.chengguan,
                        reason="需要城管委处理",
                        due_at=timezone.now() + timedelta(days=2),
                    )
            elif s == Status.ESCALATED:
                wh = Whistle.objects.filter(case=case).exclude(status="accepted").first()
                if wh is None:
                    return
                if wh.status == "open":
                    services.whistle_report_in(whistle=wh, actor=w.dept)
                elif wh.status == "reported_in":
                    services.whistle_answer(whistle=wh, actor=w.dept, answer="已处理完毕")
                elif wh.status == "answered":
                    if rng.random() < 0.7:
                        services.whistle_accept(whistle=wh, actor=sec)
                    else:
                        services.whistle_reject(whistle=wh, actor=sec, note="未彻底解决")
            elif s == Status.RESOLVED:
                r = rng.random()
                if case.category.requires_verification and case.verification_passed is None and r < 0.5:
                    verifier = w.street if case.community_id == w.xiningdao.pk else w.admin
                    services.case_verify(case=case, actor=verifier, passed=rng.random() < 0.8)
                elif r < 0.8:
                    services.case_record_feedback(
                        case=case,
                        actor=sec,
                        solved=rng.random() < 0.85,
                        satisfaction=rng.choice(list(Satisfaction.values) + [Satisfaction.SATISFIED]),
                    )
                else:
                    services.case_close(case=case, actor=sec)
            elif s == Status.CLOSED and rng.random() < 0.1:
                services.case_reopen(case=case, actor=sec, note="居民再次反映")
        except Exception as exc:  # a refused step (role, state) is part of a real day; anything else is not
            from linli.core.errors import DomainError

            if not isinstance(exc, DomainError):
                raise


@pytest.fixture
def workflow(world):
    return Workflow(world)
