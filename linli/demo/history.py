"""A year of cases, planned as timed steps (create, respond, whistle, resolve, feedback, close…) per case.

`replay.Replayer` then runs all plans' steps through the case services in time order. Steps later than "now"
are dropped there, which leaves the recent cases in every open state."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone

from linli.accounts.models import User
from linli.cases import services
from linli.cases.choices import Channel, Satisfaction, Urgency
from linli.cases.models import Case, Whistle
from linli.org.models import Building, Grid

from . import stories as S
from .builder import CommunityInfo, World
from .geo import point_inside

# Odds behind the demo's rates: response, resolution and satisfaction rates come out in the mid-90s.
P_LATE_RESPONSE = 0.025
P_NEGATIVE = 0.11
P_REJECT = 0.015
P_VERIFY_FAIL = 0.05
P_MANUAL_REOPEN = 0.006
P_EXTRA_VERIFY = 0.12
DUPLICATE_SCALE = 0.5  # of each story's `dup` probability
DUPLICATE_WORDS = (
    (Channel.PHONE, "{who}来电反映：TITLE，希望尽快处理。"),
    (Channel.PHONE, "{who}来电：TITLE，楼里好几家都一样。"),
    (Channel.RESIDENT_WEB, "{who}通过居民服务码反映：TITLE。"),
    (Channel.HOTLINE_12345, "12345热线转来：{who}反映TITLE，请社区核实处理。"),
)


# ----------------------------------------------------------------------------- plans


@dataclass
class Plan:
    idx: int
    story: S.Story
    info: CommunityInfo
    grid: Grid | None
    building: Building | None  # passed to intake (None when the case is located by a point or not at all)
    text_building: Building  # the building the case's text talks about
    point: tuple[float, float] | None
    address: str
    creator: User
    handler: User  # grid worker who works the case
    channel: str
    urgency: str
    title: str
    description: str
    reporter_name: str
    reporter_phone: str
    received_at: datetime
    response_due: datetime
    resolution_due: datetime
    ctx: dict
    steps: list[tuple[datetime, str, dict]] = field(default_factory=list)
    close_at: datetime | None = None  # when the case leaves the open states for good (None: never)
    case: Case | None = None
    whistles: list[Whistle] = field(default_factory=list)
    flagged: set[str] = field(default_factory=set)

    @property
    def category(self):
        return self.ctx["category"]

    @property
    def secretary(self) -> User:
        return self.info.secretary

    def add(self, at: datetime, kind: str, **args) -> datetime:
        if self.steps and at <= self.steps[-1][0]:
            at = self.steps[-1][0] + timedelta(seconds=30)
        self.steps.append((at, kind, args))
        return at


class Planner:
    """Draws the cases of the demo year; deterministic for a given seed and `now`."""

    def __init__(self, world: World, rng: random.Random, now: datetime, total: int):
        self.world = world
        self.rng = rng
        self.now = now
        self.total = total
        self.plans: list[Plan] = []
        self.projects: list[Plan] = []
        self.counter = 0
        self.local_now = timezone.localtime(now)
        self.community_list = list(world.communities.values())
        self.community_weights = [c.spec.weight for c in self.community_list]

    # ---------------------------------------------------------------- helpers

    def u(self, lo: float, hi: float) -> float:
        return self.rng.uniform(lo, hi)

    def hours(self, t: datetime, lo: float, hi: float, *, daytime: bool = True) -> datetime:
        t = t + timedelta(hours=self.u(lo, hi))
        return self.daytime(t) if daytime else t

    def minutes(self, t: datetime, lo: float, hi: float) -> datetime:
        return t + timedelta(minutes=self.u(lo, hi))

    def daytime(self, t: datetime) -> datetime:
        """Office-hours work: anything planned at night moves to the next morning."""
        local = timezone.localtime(t)
        if local.hour < 8:
            return local.replace(hour=8, minute=self.rng.randrange(0, 50))
        if local.hour >= 21:
            return (local + timedelta(days=1)).replace(hour=8, minute=self.rng.randrange(0, 50))
        return t

    def pick(self, options):
        return self.rng.choice(options)

    def weighted(self, mapping: dict):
        keys = list(mapping)
        return self.rng.choices(keys, weights=[mapping[k] for k in keys])[0]

    def manager(self, plan: Plan) -> User:
        """Who closes and verifies: the grid leader where there is one, else the secretary."""
        leader = self.world.leaders.get(plan.grid.pk) if plan.grid else None
        if leader is not None and self.rng.random() < 0.5:
            return leader
        return plan.secretary

    def dept(self, plan: Plan, code: str) -> str:
        return plan.info.spec.property_company if code == "PROPERTY" else code

    def fmt(self, template: str, ctx: dict) -> str:
        return template.format_map(ctx)

    # ---------------------------------------------------------------- people and places

    def person(self, elderly: bool) -> tuple[str, str, str]:
        """(reporter name, how the case text calls them, mobile number)."""
        rng = self.rng
        surname = rng.choice(S.SURNAMES)
        female = rng.random() < 0.58
        old = elderly or rng.random() < 0.5
        names = S.GIVEN_FEMALE if female else S.GIVEN_MALE
        given = rng.choice(names[: S.OLDER_GIVEN_NAMES] if old else names)
        if elderly and rng.random() < 0.7:
            who = surname + ("奶奶" if female else "大爷")
        elif old:
            who = surname + rng.choice(("阿姨", "女士") if female else ("师傅", "先生"))
        else:
            who = surname + ("女士" if female else "先生")
        name = surname + given if rng.random() < 0.7 else who
        phone = rng.choice(S.MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        return name, who, phone

    def place(
        self, story: S.Story, info: CommunityInfo, grid: Grid | None = None, building: Building | None = None
    ):
        """(grid, building passed to intake, point passed to intake, the building the text talks about)."""
        rng = self.rng
        if story.place == "none" and grid is None:
            any_grid = rng.choice(info.grids)
            return None, None, None, rng.choice(self.world.buildings[any_grid.pk])
        if grid is None:
            weights = [len(self.world.buildings[g.pk]) for g in info.grids]
            grid = rng.choices(info.grids, weights=weights)[0]
        if building is None:
            building = rng.choice(self.world.buildings[grid.pk])
        if story.place == "point":
            shape = self.world.grid_shapes[grid.pk]
            lat, lon = point_inside(
                shape.intersection(_disc(building.lon, building.lat, 0.0006)), rng, 0.00005
            )
            return grid, None, (lat, lon), building
        return grid, building, None, building

    def new_plan(
        self,
        story: S.Story,
        info: CommunityInfo,
        received_at: datetime,
        *,
        grid: Grid | None = None,
        building: Building | None = None,
        channel: str | None = None,
        urgency: str | None = None,
        person: tuple[str, str, str] | None = None,
        texts: tuple[str, str] | None = None,
        variant: int | None = None,
    ) -> Plan:
        rng = self.rng
        world = self.world
        grid, intake_building, point, text_building = self.place(story, info, grid, building)
        # the variant first: a description in a courier's or a patrol's words decides the channel
        if variant is None:
            variants = list(range(len(story.variants)))
            if channel is not None:
                variants = [
                    i for i in variants if S.voice(story.variants[i][1]) in (None, channel)
                ] or variants
            variant = rng.choice(variants)
        texts_of_variant = story.variants[variant]
        if channel is None:
            voice = S.voice(texts_of_variant[1])
            channel = voice or self.weighted(story.channels)
            if channel == Channel.PART_TIME_REPORTER and voice != channel:
                # couriers report what they see themselves; a resident's complaint reaches the grid worker
                channel = Channel.PATROL if grid is not None else Channel.PHONE
        if channel == Channel.PART_TIME_REPORTER and info.reporter is None:
            channel = Channel.PATROL if grid is not None else Channel.PHONE
        if channel == Channel.PATROL and grid is None:
            channel = Channel.WALK_IN
        handler = world.workers[grid.pk] if grid is not None else world.workers[rng.choice(info.grids).pk]
        if channel == Channel.PATROL:
            creator = handler
        elif channel == Channel.PART_TIME_REPORTER:
            creator = info.reporter
        elif channel == Channel.HOTLINE_12345:
            creator = world.street_officers[info.spec.street]
        elif channel == Channel.PHONE and grid is not None and rng.random() < 0.4:
            creator = handler
        else:
            creator = info.secretary
        if urgency is None:
            urgency = Urgency.URGENT if rng.random() < story.urgent else Urgency.NORMAL
        if person is None:
            person = self.person(story.elderly)
        name, who, phone = person
        if channel == Channel.PATROL and S.voice((texts or texts_of_variant)[1]) == Channel.PATROL:
            name, phone = "", ""  # found on the rounds: no resident to call back
        elif channel == Channel.PART_TIME_REPORTER:
            name, phone = info.reporter.display_name, info.reporter.phone
        compound = text_building.compound
        unit = f"{rng.randint(1, 4)}门"
        floor = rng.randint(
            2, 18 if compound.name in ("吉利花园", "银泰公寓", "金辰园", "荣兴温泉公寓") else 6
        )
        ctx = {
            "c": compound.name,
            "b": text_building.name,
            "u": unit,
            "f": floor,
            "room": f"{unit}{floor}0{rng.randint(1, 4)}",
            "who": who,
            "road": rng.choice(info.spec.roads),
            "comm": info.spec.name,
            "n": rng.randint(12, 40),
            "category": world.categories[story.category],
        }
        title, description = (self.fmt(t, ctx) for t in (texts or texts_of_variant[:2]))
        ctx["result"] = self.fmt(texts_of_variant[2], ctx)
        ctx["variant"] = variant
        if intake_building is not None:
            address = f"{compound.name}{text_building.name}{unit}"
        elif point is not None:
            address = (
                f"{ctx['road']}{compound.name}"
                if rng.random() < 0.5
                else f"{compound.name}{text_building.name}附近"
            )
        else:
            address = ""
        deadlines = services.compute_deadlines(
            category=ctx["category"], urgency=urgency, received_at=received_at
        )
        self.counter += 1
        plan = Plan(
            idx=self.counter,
            story=story,
            info=info,
            grid=grid,
            building=intake_building,
            text_building=text_building,
            point=point,
            address=address,
            creator=creator,
            handler=handler,
            channel=channel,
            urgency=urgency,
            title=title,
            description=description,
            reporter_name=name,
            reporter_phone=phone,
            received_at=received_at,
            response_due=deadlines["response_due_at"],
            resolution_due=deadlines["resolution_due_at"],
            ctx=ctx,
        )
        plan.add(received_at, "create")
        self.plans.append(plan)
        return plan

    # ---------------------------------------------------------------- the life of an ordinary case

    def intake(self, plan: Plan) -> datetime:
        """Triage assignment for unlocated cases; returns when the handler has the case."""
        t = plan.received_at
        if plan.grid is None:
            window = (plan.response_due - t).total_seconds() / 60
            t = plan.add(
                self.minutes(t, 2, max(3, window * 0.35)),
                "assign",
                actor=plan.secretary,
                assignee=plan.handler,
            )
        return t

    def respond(self, plan: Plan, t: datetime, *, late: bool | None = None) -> datetime:
        if late is None:
            late = self.rng.random() < P_LATE_RESPONSE
        window = (plan.response_due - t).total_seconds() / 60
        if late or window <= 1:
            t = plan.response_due + timedelta(minutes=self.u(3, max(15, window * 1.5)))
        else:
            t = t + timedelta(minutes=window * self.u(0.15, 0.9))
        return plan.add(t, "respond", actor=plan.handler, note=self.pick(S.RESPOND_NOTES))

    def whistle_cycle(
        self, plan: Plan, t: datetime, code: str, *, finish: bool = True, reason: str = ""
    ) -> datetime:
        """吹哨 → 报到 → 答复 (→ 退回 → 再答复) → 认可."""
        rng = self.rng
        code = self.dept(plan, code)
        blower = plan.secretary if rng.random() < 0.8 else plan.handler
        reason = reason or self.fmt(
            self.pick(plan.story.reasons or S.WHISTLE_REASONS.get(code, S.WHISTLE_REASONS["CGW"])), plan.ctx
        )
        t = plan.add(
            self.hours(t, 0.3, 6),
            "whistle",
            actor=blower,
            dept=code,
            reason=reason,
            days=self.pick((2, 3, 3, 5)),
        )
        dept_user = self.world.dept_users[code]
        answers = plan.story.answers or S.WHISTLE_ANSWERS.get(code, S.WHISTLE_ANSWERS["CGW"])
        w = len([s for s in plan.steps if s[1] == "whistle"]) - 1
        if not finish and rng.random() < 0.3:
            return t
        if rng.random() < 0.75:
            t = plan.add(
                self.hours(t, 0.3, 6), "report_in", actor=dept_user, w=w, note=self.pick(S.REPORT_IN_NOTES)
            )
        if not finish and rng.random() < 0.4:
            return t
        t = plan.add(
            self.hours(t, 3, 60),
            "answer",
            actor=dept_user,
            w=w,
            answer=self.fmt(self.pick(answers), plan.ctx),
        )
        if not finish:
            return t
        if rng.random() < 0.12:
            t = plan.add(
                self.hours(t, 1, 20),
                "w_reject",
                actor=plan.secretary,
                w=w,
                note=self.pick(S.WHISTLE_REJECT_NOTES),
            )
            t = plan.add(
                self.hours(t, 10, 60),
                "answer",
                actor=dept_user,
                w=w,
                answer=self.fmt(self.pick(answers), plan.ctx),
            )
        return plan.add(
            self.hours(t, 0.5, 10), "w_accept", actor=blower, w=w, note=self.pick(S.WHISTLE_ACCEPT_NOTES)
        )

    def work(self, plan: Plan, t: datetime) -> datetime:
        """From response to the first resolution."""
        rng = self.rng
        story = plan.story
        if story.whistle and rng.random() < story.whistle_p:
            depts = list(story.whistle)
            rng.shuffle(depts)
            for code in depts[: 2 if len(depts) > 1 and rng.random() < 0.25 else 1]:
                t = self.whistle_cycle(plan, t, code)
            return plan.add(self.hours(t, 1, 20), "resolve", actor=plan.handler, result=self.result(plan))
        lo, hi = story.hours
        done = t + timedelta(hours=self.u(lo, hi))
        room = (plan.resolution_due - t).total_seconds() / 3600
        if done > plan.resolution_due and room > 0.5 and rng.random() < 0.8:
            done = t + timedelta(hours=room * self.u(0.3, 0.95))
        if done - t > timedelta(hours=8):
            done = self.daytime(done)
        note_at = self.daytime(t + (done - t) * self.u(0.2, 0.6))
        if hi > 20 and rng.random() < 0.5 and note_at < done:
            plan.add(note_at, "note", actor=plan.handler, note=self.pick(S.PROGRESS_NOTES))
        return plan.add(
            done,
            "resolve",
            actor=plan.handler,
            result=self.result(plan),
        )

    def result(self, plan: Plan) -> str:
        return plan.ctx["result"]

    def after_resolve(
        self, plan: Plan, t: datetime, *, second: bool = False, negative: bool = False, recheck: bool = False
    ) -> None:
        """核查, 回访, 销号 — or a resident who is not satisfied."""
        rng = self.rng
        physical = plan.story.category.split("-")[0] in ("SZ", "HJ", "XF", "FW", "GY")
        extra = physical and rng.random() < P_EXTRA_VERIFY
        if plan.ctx.setdefault("verifies", plan.category.requires_verification or extra):
            verifier = self.manager(plan)
            t = self.hours(t, 1, 20)
            if not second and rng.random() < P_VERIFY_FAIL:
                t = plan.add(t, "verify", actor=verifier, passed=False, note=self.pick(S.VERIFY_FAIL_NOTES))
                t = plan.add(self.hours(t, 4, 40), "resolve", actor=plan.handler, result=self.result(plan))
                t = self.hours(t, 1, 12)
            t = plan.add(t, "verify", actor=verifier, passed=True, note=self.pick(S.VERIFY_PASS_NOTES))
        caller = plan.secretary if rng.random() < 0.6 else plan.handler
        wants_feedback = plan.channel != Channel.PATROL or rng.random() < 0.1
        # after a 不满意 the resident is always called back again: a stale "not solved" would block 销号
        if recheck or (wants_feedback and rng.random() < plan.story.feedback):
            t = self.hours(t, 2, 60)
            if negative:
                solved, satisfaction = self.pick(
                    ((False, Satisfaction.DISSATISFIED),) * 7
                    + ((False, Satisfaction.BASICALLY_SATISFIED),) * 7
                    + ((True, Satisfaction.DISSATISFIED),) * 6
                )
                t = plan.add(
                    t,
                    "feedback",
                    actor=caller,
                    solved=solved,
                    satisfaction=satisfaction,
                    comment=self.pick(S.FEEDBACK_BAD),
                )
                self.unsatisfied(plan, t)
                return
            if rng.random() < 0.86:
                satisfaction, comment = Satisfaction.SATISFIED, self.pick(S.FEEDBACK_GOOD)
            else:
                satisfaction, comment = Satisfaction.BASICALLY_SATISFIED, self.pick(S.FEEDBACK_BASIC)
            t = plan.add(t, "feedback", actor=caller, solved=True, satisfaction=satisfaction, comment=comment)
        t = plan.add(self.hours(t, 1, 40), "close", actor=self.manager(plan), note=self.pick(S.CLOSE_NOTES))
        if not second and rng.random() < P_MANUAL_REOPEN:
            t = plan.add(
                self.hours(t, 48, 240), "reopen", actor=plan.secretary, note=self.pick(S.REOPEN_NOTES)
            )
            t = plan.add(self.hours(t, 4, 72), "resolve", actor=plan.handler, result=self.result(plan))
            self.after_resolve(plan, t, second=True)
            return
        plan.close_at = t

    def unsatisfied(self, plan: Plan, t: datetime) -> None:
        """The resident says it is not solved (or is dissatisfied): the case is back at work."""
        rng = self.rng
        age = self.now - t
        project = None if age < timedelta(days=30) else self.project_for(plan, t)
        escalate = 0.2 if plan.story.whistle else 0
        if age < timedelta(days=30):
            modes = {"recover": 0.25, "open": 0.25, "escalate": escalate, "resolved": 0.3}
        elif age < timedelta(days=120):
            modes = {"recover": 0.3, "open": 0.05, "escalate": escalate / 4, "resolved": 0.35}
        else:  # months later, a complaint is either solved, waiting for its second 回访, or part of a project
            modes = {"recover": 0.3, "resolved": 0.3}
        if project is not None:
            modes["project"] = 1.0
        mode = self.weighted(modes)
        if mode == "recover":
            t = plan.add(
                self.hours(t, 2, 24), "note", actor=plan.handler, note="已重新上门处理，向居民说明进展。"
            )
            t = plan.add(
                self.hours(t, 24, 120),
                "resolve",
                actor=plan.handler,
                result=self.result(plan) + "（二次处理）",
            )
            self.after_resolve(plan, t, second=True, recheck=True)
        elif mode == "open":
            plan.add(
                self.hours(t, 4, 48), "note", actor=plan.handler, note="已向居民解释情况，继续协调处理。"
            )
        elif mode == "escalate":
            self.whistle_cycle(plan, self.hours(t, 12, 72), rng.choice(plan.story.whistle), finish=False)
        elif mode == "resolved":
            t = plan.add(
                self.hours(t, 24, 96),
                "resolve",
                actor=plan.handler,
                result=self.result(plan) + "（二次处理）",
            )
        else:
            note = self.pick(S.PROJECT_MERGE_NOTES)
            plan.add(self.hours(t, 24, 120), "merge", actor=plan.secretary, into=project.idx, note=note)

    def project_for(self, plan: Plan, t: datetime) -> Plan | None:
        for project in self.projects:
            if (
                project.info is plan.info
                and plan.story.category in S.PROJECT_ABSORBS[project.story.key]
                and project.received_at < t
                and (project.close_at is None or project.close_at > t + timedelta(days=6))
            ):
                return project
        return None

    def ordinary(self, plan: Plan, *, reject: bool = False, negative: bool = False) -> None:
        t = self.intake(plan)
        if reject:
            plan.add(
                self.minutes(t, 10, 90), "reject", actor=plan.secretary, reason=self.pick(S.REJECT_REASONS)
            )
            plan.close_at = plan.steps[-1][0]
            return
        t = self.respond(plan, t)
        t = self.work(plan, t)
        self.after_resolve(plan, t, negative=negative)

    def duplicates(self, master: Plan, limit: int) -> list[Plan]:
        """Neighbours reporting the same leak: merged into the first report within the hour."""
        rng = self.rng
        dups: list[Plan] = []
        end = master.close_at or (self.now + timedelta(days=365))
        for _ in range(min(limit, rng.choice((1, 1, 1, 2)))):
            received = self.minutes(master.received_at, 5, 90)
            merge_at = self.minutes(received, 8, 70)
            if merge_at >= end - timedelta(minutes=5) or received >= self.now:
                break
            # a neighbour reporting the same thing (same place and variant, another reporter, own words)
            channel, words = self.pick(DUPLICATE_WORDS)
            dup = self.new_plan(
                master.story,
                master.info,
                received,
                grid=master.grid,
                building=master.text_building,
                channel=channel,
                variant=master.ctx["variant"],
                texts=(master.title, words.replace("TITLE", master.title)),
            )
            t = self.intake(dup)
            if rng.random() < 0.7:
                t = self.respond(dup, t, late=False)
            merger = dup.handler if rng.random() < 0.6 else dup.secretary
            dup.add(
                max(merge_at, t + timedelta(minutes=3)),
                "merge",
                actor=merger,
                into=master.idx,
                note=self.pick(S.DUPLICATE_NOTES),
            )
            dup.close_at = dup.steps[-1][0]
            dups.append(dup)
        return dups

    # ---------------------------------------------------------------- drawing the year

    def received_times(self, count: int) -> list[datetime]:
        """Times over the last year: slowly growing use, fewer on Sundays, mostly office hours."""
        rng = self.rng
        hour_weights = [1, 0.5, 0.3, 0.3, 0.4, 0.8, 2, 5, 9, 10, 9, 7, 5, 6, 8, 8, 7, 6, 5, 4, 3, 2.5, 2, 1.5]
        start = self.now - timedelta(days=365)
        times = []
        while len(times) < count:
            x = rng.random()
            if rng.random() > 0.65 + 0.7 * x:  # density rising from 0.65 to 1.35 across the year
                continue
            day = start + timedelta(days=x * 365)
            local = timezone.localtime(day)
            if local.weekday() == 6 and rng.random() < 0.35:
                continue
            hour = rng.choices(range(24), weights=hour_weights)[0]
            moment = local.replace(
                hour=hour, minute=rng.randrange(60), second=rng.randrange(60), microsecond=0
            )
            if moment < self.now - timedelta(minutes=30):
                times.append(moment)
        return sorted(times)

    def story_for(self, moment: datetime) -> S.Story:
        month = timezone.localtime(moment).month
        # 供暖 runs 15 November – 15 March in Tianjin
        local = timezone.localtime(moment)
        heating = month in (12, 1, 2) or (month == 11 and local.day >= 15) or (month == 3 and local.day <= 15)
        options = [s for s in S.STORIES if month in s.months and (s.months is not S.HEATING or heating)]
        return self.rng.choices(options, weights=[s.weight for s in options])[0]

    def build(self) -> list[Plan]:
        from .showcase import featured, projects, showcase

        featured(self)
        projects(self, max(3, round(self.total * 0.008)))
        showcase(self)
        times = self.received_times(max(0, self.total - len(self.plans)))
        self.rng.shuffle(times)  # duplicates take some of the slots: drop random times, not the latest ones
        for moment in times:
            if len(self.plans) >= self.total:
                break
            story = self.story_for(moment)
            info = self.rng.choices(self.community_list, weights=self.community_weights)[0]
            plan = self.new_plan(story, info, moment)
            risky = plan.urgency == Urgency.URGENT or story.elderly
            reject = self.rng.random() < P_REJECT and not risky
            self.ordinary(plan, reject=reject, negative=self.rng.random() < P_NEGATIVE)
            if not reject and story.dup and self.rng.random() < story.dup * DUPLICATE_SCALE:
                self.duplicates(plan, self.total - len(self.plans))
        self.plans.sort(key=lambda p: p.received_at)
        return self.plans


def _disc(lon: float, lat: float, radius: float):
    from shapely.geometry import Point

    return Point(lon, lat).buffer(radius)
