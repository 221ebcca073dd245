"""Hand-written cases: the seed pages' own stories, the long-running projects, and a fresh set of open cases.

The featured cases retell the seed pages (李奶奶's blocked drain in 河滨花苑, 徐女士's unpaved gate in 丹江里,
the broken fire-cabinet glass and the lift door of 吉利花园, 徐超's report of a sewage overflow in 湘潭道).
The showcase puts one case in every open state in 西宁道社区's first two grids, so that the fixed demo logins
(grid1, grid2, secretary, dept) find real work waiting for them whatever the size of the load."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from linli.cases.choices import Channel, Satisfaction, Urgency

from . import stories as S

if TYPE_CHECKING:
    from .history import Plan, Planner

STORY = {s.key: s for s in S.STORIES}
PROJECT = {s.key: s for s in S.PROJECTS}


def _last(planner: Planner, month: int, day: int, hour: int, minute: int) -> datetime:
    """The most recent month/day at that local time that is at least three weeks ago."""
    local = planner.local_now.replace(month=month, day=day, hour=hour, minute=minute, second=0, microsecond=0)
    if local > planner.local_now - timedelta(days=21):
        local = local.replace(year=local.year - 1)
    return local


def _building(planner: Planner, community: str, compound: str, name: str):
    info = planner.world.communities[community]
    for grid in info.grids:
        for b in planner.world.buildings[grid.pk]:
            if b.compound.name == compound and b.name == name:
                return info, grid, b
    raise LookupError(f"{community} {compound} {name}")


def _at(t: datetime, **delta) -> datetime:
    return t + timedelta(**delta)


# ----------------------------------------------------------------------------- the seed pages' stories


def featured(planner: Planner) -> None:
    world = planner.world

    # 河滨花苑社区: 李奶奶's blocked drain on a freezing evening (seed page 000)
    info, grid, building = _building(planner, "HBHY", "河滨花苑", "3号楼")
    t = _last(planner, 1, 14, 19, 40)
    plan = planner.new_plan(
        STORY["drain_kitchen"],
        info,
        t,
        building=building,
        grid=grid,
        channel=Channel.PHONE,
        urgency=Urgency.URGENT,
        person=("李奶奶", "李奶奶", "13602183347"),
        texts=(
            "河滨花苑{b}李奶奶家操作台下水管堵塞，阳台积水",
            "“您好，请问是居委会吗？我家操作台下面的水管堵了。现在家里就我一个人，阳台都是水，能过来帮我一下吗？”"
            "李奶奶反映操作台旁边洗衣机下面的下水管堵了，溢出好多水。",
        ),
    )
    sec = plan.secretary
    plan.add(_at(t, minutes=7), "respond", actor=sec, note="书记、副书记放下手中工作，已赶往李奶奶家。")
    plan.add(
        _at(t, minutes=25),
        "note",
        actor=sec,
        note="社区书记兼网格长已联系网格员和物业管家，在楼门群、网格群发出住户家下水管堵塞、请居民配合暂停用水的通知；"
        "书记、副书记与物业管家轮流扫水。",
    )
    plan.add(
        _at(t, minutes=70),
        "note",
        actor=sec,
        note="维修人员判断可能是使用不当造成堵塞，加之连日低温下水管被冻住，楼上一用水楼下就外溢，需明天白天解冻疏通。"
        "已联系物业经理安排夜间值守的门岗人员在老人家盯守，有水及时扫。",
    )
    plan.add(
        _at(t, hours=15, minutes=10),
        "resolve",
        actor=plan.handler,
        result="次日一早维修人员上门解冻疏通，解决了李奶奶家的下水问题，去掉了老人的心病。",
    )
    plan.add(
        _at(t, hours=19),
        "feedback",
        actor=sec,
        solved=True,
        satisfaction=Satisfaction.SATISFIED,
        comment="太感谢您了书记，给您添大麻烦了！",
    )
    plan.close_at = plan.add(_at(t, hours=20), "close", actor=sec, note="居民确认解决，销号。")

    # 丹江里社区: 徐女士 asks for the new paving to reach the compound gate; 吹哨 公共管理办 and 城管委 (page 002)
    info, grid, building = _building(planner, "DJL", "丹江里", "1号楼")
    t = _last(planner, 6, 9, 9, 30)
    plan = planner.new_plan(
        STORY["road_unpaved"],
        info,
        t,
        building=building,
        grid=grid,
        channel=Channel.PHONE,
        urgency=Urgency.NORMAL,
        person=("徐女士", "徐女士", "13821746652"),
        texts=(
            "丹江里小区门口路面未铺设，一直积水",
            "居民徐女士反映：该社区近期重新铺设了路面，但没有铺到丹江里小区门口，小区门口一直因路面不平存在积水问题，"
            "询问是否能请施工队把丹江里小区门口也进行铺设。",
        ),
    )
    sec = plan.secretary
    gggl, cgw = world.dept_users["GGGLB"], world.dept_users["CGW"]
    plan.add(
        _at(t, minutes=40), "respond", actor=plan.handler, note="已到小区门口查看，积水属实，已报告书记。"
    )
    plan.add(
        _at(t, hours=2),
        "whistle",
        actor=sec,
        dept="GGGLB",
        reason="社区重新铺设的路面没有铺到丹江里小区门口，门口路面不平长期积水，请月牙河街公共管理办协调。",
        days=3,
    )
    plan.add(_at(t, hours=3), "report_in", actor=gggl, w=0, note="收到，马上与城管委相关负责人联系。")
    plan.add(
        _at(t, hours=6),
        "answer",
        actor=gggl,
        w=0,
        answer="已与城管委相关负责人取得联系，城管委将对施工队提出要求。",
    )
    plan.add(_at(t, hours=7), "w_accept", actor=sec, w=0, note="同意，请城管委跟进。")
    plan.add(
        _at(t, hours=7, minutes=20),
        "whistle",
        actor=sec,
        dept="CGW",
        reason="请城管委对施工队下达施工要求，把丹江里小区门口一并铺设。",
        days=5,
    )
    plan.add(_at(t, hours=24), "report_in", actor=cgw, w=1, note="城管委已了解居民困难。")
    plan.add(
        _at(t, days=5, hours=3),
        "answer",
        actor=cgw,
        w=1,
        answer="已对施工队下达新的施工要求，丹江里小区门口路面已重新铺设。",
    )
    plan.add(_at(t, days=5, hours=6), "w_accept", actor=sec, w=1, note="现场查看，路面已铺到小区门口。")
    plan.add(
        _at(t, days=5, hours=7),
        "resolve",
        actor=plan.handler,
        result="丹江里小区门口的路面已重新铺设，整体路面升高，避免了路面积水，方便了小区居民通行。",
    )
    plan.add(
        _at(t, days=6, hours=1),
        "feedback",
        actor=sec,
        solved=True,
        satisfaction=Satisfaction.SATISFIED,
        comment="感谢社区和城管委，门口再也不积水了！",
    )
    plan.close_at = plan.add(_at(t, days=6, hours=2), "close", actor=sec, note="居民表扬感谢，销号。")

    # 西宁道社区: the 红管家服务队 finds broken fire-cabinet glass in 吉利花园 1–4号楼 (page 000)
    info, grid, building = _building(planner, "XND", "吉利花园", "1号楼")
    t = _last(planner, 3, 18, 10, 15)
    plan = planner.new_plan(
        STORY["fire_cabinet_glass"],
        info,
        t,
        building=building,
        grid=grid,
        channel=Channel.PATROL,
        urgency=Urgency.NORMAL,
        texts=(
            "吉利花园1-4号楼高层楼消防柜玻璃均有破损",
            "红管家服务队日常巡视发现，吉利花园小区1-4号楼高层楼消防柜玻璃均有破损，存在安全隐患。",
        ),
    )
    leader = world.leaders[grid.pk]
    plan.add(
        _at(t, minutes=5), "respond", actor=plan.handler, note="红管家服务队巡视发现，网格员现场拍照登记。"
    )
    plan.add(
        _at(t, hours=3),
        "note",
        actor=plan.secretary,
        note="社区第一时间链接资源，与辖区爱心企业协商沟通更换事宜。",
    )
    plan.add(
        _at(t, days=2, hours=5),
        "resolve",
        actor=plan.handler,
        result="与辖区爱心企业协商，将吉利花园1-4号楼破损的消防柜玻璃统一更换，并为各楼层增设灭火器械设备；"
        "社区通过微信公众号向居民推送家庭消防、医疗等安全知识。",
    )
    plan.add(
        _at(t, days=2, hours=8),
        "verify",
        actor=leader,
        passed=True,
        note="网格长现场核查：1-4号楼各楼层消防柜玻璃已更换，灭火器已配齐。",
    )
    plan.close_at = plan.add(_at(t, days=3), "close", actor=plan.secretary, note="核查合格，销号。")

    # 湘潭道社区: the courier 徐超, a part-time grid worker, reports a sewage overflow in 湘潭东里 (page 002)
    info, grid, building = _building(planner, "XTD", "湘潭东里", "5号楼")
    t = _last(planner, 4, 21, 11, 5)
    plan = planner.new_plan(
        STORY["sewage_overflow"],
        info,
        t,
        building=building,
        grid=grid,
        channel=Channel.PART_TIME_REPORTER,
        urgency=Urgency.NORMAL,
        texts=(
            "湘潭东里{b}旁污水跑冒",
            "刚送完快递，在湘潭东里{b}旁发现一处污水跑冒，污水流到路面上，已拍照上报。",
        ),
    )
    plan.add(_at(t, minutes=12), "respond", actor=plan.handler, note="收到徐超上报，马上到现场。")
    plan.add(
        _at(t, hours=3),
        "resolve",
        actor=plan.handler,
        result="居委会工作人员协调维修人员，第一时间找到污水跑冒点位、进行处理，已疏通并冲洗路面。",
    )
    plan.close_at = plan.add(_at(t, hours=26), "close", actor=plan.secretary, note="已办结，销号。")


# ----------------------------------------------------------------------------- long-running projects


def projects(planner: Planner, count: int) -> None:
    """Matters a community carries for months, with departments whistled in; about half are finished."""
    rng = planner.rng
    infos = [planner.world.communities["XND"]] + [c for c in planner.community_list if c.code != "XND"]
    others = [s for s in S.PROJECTS if s.key != "project_lift_door"]
    for n in range(count):
        info = infos[n % len(infos)]
        if n == 0:
            story = PROJECT["project_lift_door"]
            info, grid, building = _building(planner, "XND", "吉利花园", "1号楼")
            received = _last(planner, 1, 20, 19, 30)  # 和平夜话 on a winter evening
            finish = True
        else:
            story = others[(n - 1 + rng.randrange(len(others))) % len(others)]
            grid = rng.choice(info.grids)
            building = rng.choice(planner.world.buildings[grid.pk])
            received = planner.daytime(planner.now - timedelta(days=rng.uniform(70, 330))).replace(
                microsecond=0
            )
            finish = rng.random() < 0.5
        plan = planner.new_plan(
            story,
            info,
            received,
            grid=grid,
            building=building,
            channel=Channel.MEETING,
            variant=0 if n == 0 else None,
        )
        if n == 0:
            plan.ctx["result"] = (
                "经红管家服务队、物业和电梯维保单位多方协调，吉利花园1号楼十余年未更换的电梯防风安全门已更换，检验合格。"
            )
        _project_steps(planner, plan, finish=finish, lift_door=n == 0)
        planner.projects.append(plan)


def _project_steps(planner: Planner, plan: Plan, *, finish: bool, lift_door: bool) -> None:
    rng = planner.rng
    meeting = plan.info.spec.meeting_name
    t = planner.respond(plan, plan.received_at, late=False)
    t = plan.add(
        planner.hours(t, 24, 72),
        "note",
        actor=plan.secretary,
        note=f"已召开{meeting}，听取居民意见，形成问题清单，明确牵头人和时限。",
    )
    depts = list(plan.story.whistle)
    rng.shuffle(depts)
    for w, code in enumerate(depts[: 2 if len(depts) > 1 else 1]):
        code = planner.dept(plan, code)
        dept_user = planner.world.dept_users[code]
        answers = plan.story.answers or S.WHISTLE_ANSWERS[code]
        t = plan.add(
            planner.hours(t, 48, 240),
            "whistle",
            actor=plan.secretary,
            dept=code,
            reason=planner.fmt(rng.choice(plan.story.reasons or S.WHISTLE_REASONS[code]), plan.ctx),
            days=10,
        )
        t = plan.add(
            planner.hours(t, 12, 48), "report_in", actor=dept_user, w=w, note="收到，已安排专人对接。"
        )
        t = plan.add(
            planner.hours(t, 120, 480),
            "answer",
            actor=dept_user,
            w=w,
            answer=planner.fmt(rng.choice(answers), plan.ctx),
        )
        if rng.random() < 0.5 or not finish:
            t = plan.add(
                planner.hours(t, 24, 120),
                "w_reject",
                actor=plan.secretary,
                w=w,
                note="居民仍在等待，请明确实施时间表。",
            )
            t = plan.add(
                planner.hours(t, 240, 720),
                "answer",
                actor=dept_user,
                w=w,
                answer=planner.fmt(rng.choice(answers), plan.ctx),
            )
        if not finish and w == len(depts[:2]) - 1:
            return  # still escalated: the last answer waits for the community's decision
        t = plan.add(
            planner.hours(t, 24, 120),
            "w_accept",
            actor=plan.secretary,
            w=w,
            note="同意实施方案，请按时推进。",
        )
    t = plan.add(
        planner.hours(t, 24 * 10, 24 * 40),
        "note",
        actor=plan.handler,
        note="施工单位已进场，网格员每日巡查进度。",
    )
    t = plan.add(
        planner.hours(t, 24 * 5, 24 * 20), "resolve", actor=plan.handler, result=planner.result(plan)
    )
    if plan.category.requires_verification:
        t = plan.add(
            planner.hours(t, 4, 48), "verify", actor=planner.manager(plan), passed=True, note="现场核查合格。"
        )
    t = plan.add(
        planner.hours(t, 24, 96),
        "feedback",
        actor=plan.secretary,
        solved=True,
        satisfaction=Satisfaction.SATISFIED,
        comment="居民高度评价，感谢社区办实事。" if lift_door else planner.pick(S.FEEDBACK_GOOD),
    )
    t = plan.add(planner.hours(t, 4, 48), "close", actor=plan.secretary, note="问题清单销号。")
    plan.close_at = t if t <= planner.now else None


# ----------------------------------------------------------------------------- open work for the demo logins


def showcase(planner: Planner) -> None:
    now = planner.now
    world = planner.world
    info = world.communities["XND"]
    g1, g2 = info.grids[0], info.grids[1]

    def b(grid, compound):
        return next(x for x in world.buildings[grid.pk] if x.compound.name == compound)

    def new(story, received, grid=None, building=None, **kw):
        return planner.new_plan(STORY[story], info, received, grid=grid, building=building, **kw)

    # 受理: a walk-in question nobody has triaged yet
    new("policy_consult", now - timedelta(minutes=20), channel=Channel.WALK_IN)
    # 派遣: just reported, waiting for grid1 to respond
    new(
        "corridor_light",
        now - timedelta(minutes=12),
        g1,
        b(g1, "康宁里"),
        channel=Channel.PHONE,
        urgency=Urgency.NORMAL,
    )
    # 派遣, urgent: the 10-minute promise is running
    new(
        "lift_breakdown",
        now - timedelta(minutes=4),
        g1,
        b(g1, "吉利花园"),
        channel=Channel.PHONE,
        urgency=Urgency.URGENT,
        texts=("{c}{b}电梯困人", "{c}{b}电梯卡在{f}层，里面有人，请赶快联系维修。"),
    )
    # 处置中
    p = new(
        "drain_kitchen",
        now - timedelta(hours=3),
        g2,
        b(g2, "吉利花园"),
        channel=Channel.PHONE,
        urgency=Urgency.NORMAL,
    )
    p.add(_at(p.received_at, minutes=12), "respond", actor=p.handler, note="已电话联系居民，正在前往。")
    p.add(
        _at(p.received_at, hours=1),
        "note",
        actor=p.handler,
        note="物业管家已到场，正在扫水，维修师傅下午上门。",
    )
    # 吹哨, waiting for 城管委 to report in (the `dept` login)
    p = new(
        "sewage_overflow", now - timedelta(hours=26), g1, b(g1, "康宁里"), channel=Channel.PART_TIME_REPORTER
    )
    p.add(_at(p.received_at, minutes=15), "respond", actor=p.handler, note="已到现场拍照取证。")
    p.add(
        now - timedelta(hours=3),
        "whistle",
        actor=p.secretary,
        dept="CGW",
        reason="污水井属市政管网，社区无法自行处理，请城管委协调排水单位到场清掏。",
        days=3,
    )
    # 吹哨, 供热 has answered and waits for the community
    p = new(
        "heating_cold",
        now - timedelta(days=2),
        g2,
        b(g2, "贵州里"),
        channel=Channel.HOTLINE_12345,
        urgency=Urgency.NORMAL,
    )
    p.add(_at(p.received_at, minutes=25), "respond", actor=p.handler, note="已入户查看，室温16℃。")
    gr = world.dept_users["GR"]
    p.add(
        now - timedelta(hours=40),
        "whistle",
        actor=p.secretary,
        dept="GR",
        reason="居民家中室温不达标，请供热单位入户测温处理。",
        days=2,
    )
    p.add(now - timedelta(hours=30), "report_in", actor=gr, w=0, note="收到，明天上午入户。")
    p.add(now - timedelta(hours=1), "answer", actor=gr, w=0, answer="已入户排气、调节阀门，复测室温20℃。")
    # 办结, waiting for the 回访
    p = new("corridor_clutter", now - timedelta(hours=28), g1, b(g1, "康宁里"), channel=Channel.PHONE)
    p.add(_at(p.received_at, minutes=30), "respond", actor=p.handler, note="")
    p.add(
        now - timedelta(hours=2),
        "resolve",
        actor=p.handler,
        result="网格员上门劝导，住户自行清理，楼道已畅通。",
    )
    # 重办: the resident said it was not solved
    p = new(
        "unit_door",
        now - timedelta(days=7),
        g1,
        b(g1, "吉利花园"),
        channel=Channel.PHONE,
        urgency=Urgency.NORMAL,
    )
    p.add(_at(p.received_at, minutes=40), "respond", actor=p.handler, note="")
    p.add(now - timedelta(days=5), "resolve", actor=p.handler, result="物业更换了闭门器。")
    p.add(
        now - timedelta(days=1),
        "feedback",
        actor=p.secretary,
        solved=False,
        satisfaction=Satisfaction.DISSATISFIED,
        comment="门禁还是坏的，外人随便进。",
    )
    p.add(now - timedelta(hours=20), "note", actor=p.handler, note="已约物业明天更换门禁控制器。")
    # 不予受理
    p = new("policy_consult", now - timedelta(days=2), channel=Channel.PHONE)
    p.add(_at(p.received_at, minutes=35), "reject", actor=p.secretary, reason=S.REJECT_REASONS[0])
    # 合并: neighbours report the same water stoppage
    master = new(
        "water_stop",
        now - timedelta(hours=5),
        g2,
        b(g2, "贵州里"),
        channel=Channel.PHONE,
        urgency=Urgency.NORMAL,
    )
    master.add(
        _at(master.received_at, minutes=10),
        "respond",
        actor=master.handler,
        note="已联系自来水公司了解原因。",
    )
    dup = new(
        "water_stop",
        now - timedelta(hours=4, minutes=30),
        g2,
        master.text_building,
        channel=Channel.RESIDENT_WEB,
    )
    dup.add(now - timedelta(hours=4), "merge", actor=dup.handler, into=master.idx, note=S.DUPLICATE_NOTES[0])
    # 超时: a garbage complaint past its one-working-day deadline
    p = new("garbage_overflow", now - timedelta(days=4), g1, b(g1, "吉利花园"), channel=Channel.PHONE)
    p.add(_at(p.received_at, minutes=20), "respond", actor=p.handler, note="已联系保洁公司。")
    p.add(_at(p.received_at, hours=5), "note", actor=p.handler, note="环卫车辆故障，清运推迟。")
    # 结案 yesterday
    p = new("streetlight", now - timedelta(days=3), g1, b(g1, "康宁里"), channel=Channel.PHONE)
    p.add(_at(p.received_at, minutes=50), "respond", actor=p.handler, note="")
    p.add(
        now - timedelta(days=1, hours=6),
        "resolve",
        actor=p.handler,
        result="物业电工更换灯泡和镇流器，路灯已亮。",
    )
    p.add(
        now - timedelta(days=1, hours=2),
        "feedback",
        actor=p.secretary,
        solved=True,
        satisfaction=Satisfaction.SATISFIED,
        comment="晚上出门亮堂了，谢谢！",
    )
    p.add(now - timedelta(hours=5), "close", actor=world.leaders[g1.pk], note="居民确认解决，销号。")
