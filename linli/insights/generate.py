"""Synthetic history for benchmarks (`linli generate`): an org tree, categories, N cases over some years, whistles,
and the roll-ups built in bulk.  Never for a database with real cases.

Numbers are drawn with numpy in chunks, written to two UNLOGGED staging tables (PostgreSQL: COPY through
psycopg's cursor.copy(); SQLite: executemany), then moved into the real tables with one INSERT … SELECT each,
which also derives the number, the timestamps and (PostgreSQL) the case facts in SQL.  Deadlines are
approximate (resolution working days counted as 7/5 calendar days): the figures need stored deadlines, not the
holiday calendar.  No timeline entries are written."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from linli.accounts.choices import Role
from linli.accounts.models import RoleAssignment, User
from linli.cases.choices import Channel
from linli.cases.models import Case, Category, Whistle
from linli.core.errors import Conflict
from linli.org.models import Community, Department, District, Grid, Street

from . import facts
from .models import CaseFact, Histogram, Rollup

GRIDS_PER_COMMUNITY = 20
COMMUNITIES_PER_STREET = 25
CHUNK = 200_000

CATEGORIES = [
    # code, name, response minutes, resolution working days, weight
    ("BENCH-ENV", "环境卫生", 120, 5, 18),
    ("BENCH-DRAIN", "下水道堵塞", 60, 3, 10),
    ("BENCH-LIGHT", "路灯损坏", 120, 5, 8),
    ("BENCH-PARK", "停车秩序", 120, 5, 12),
    ("BENCH-NOISE", "噪音扰民", 60, 3, 9),
    ("BENCH-HEAT", "供暖不热", 30, 2, 7),
    ("BENCH-WATER", "停水漏水", 30, 2, 8),
    ("BENCH-PROP", "物业服务", 120, 10, 10),
    ("BENCH-FIRE", "消防隐患", 30, 2, 4),
    ("BENCH-EBIKE", "飞线充电", 60, 3, 5),
    ("BENCH-CARE", "助老服务", 10, 1, 4),
    ("BENCH-DISPUTE", "邻里纠纷", 120, 10, 5),
]
CHANNELS = [
    (Channel.PHONE, 30),
    (Channel.HOTLINE_12345, 25),
    (Channel.RESIDENT_WEB, 15),
    (Channel.WALK_IN, 10),
    (Channel.PATROL, 10),
    (Channel.PART_TIME_REPORTER, 5),
    (Channel.MEETING, 2),
    (Channel.OPEN311, 2),
    (Channel.CARE_CALL, 1),
]
DEPARTMENTS = [
    ("BENCH-CGW", "城管委"),
    ("BENCH-GR", "供热公司"),
    ("BENCH-GS", "供水集团"),
    ("BENCH-WY", "物业公司"),
    ("BENCH-PCS", "派出所"),
    ("BENCH-ZJ", "住建委"),
    ("BENCH-SC", "市场监管所"),
    ("BENCH-HB", "生态环境局"),
]

CASE_STAGE = "insights_gen_case"
WHISTLE_STAGE = "insights_gen_whistle"
CASE_STAGE_COLUMNS = [
    ("id", "bigint"),
    ("category_id", "integer"),
    ("channel", "text"),
    ("urgent", "integer"),
    ("status", "text"),
    ("street_id", "integer"),
    ("community_id", "integer"),
    ("grid_id", "integer"),
    ("lat", "double precision"),
    ("lon", "double precision"),
    ("received", "bigint"),
    ("responded", "bigint"),
    ("resolved", "bigint"),
    ("closed", "bigint"),
    ("response_due", "bigint"),
    ("resolution_due", "bigint"),
    ("verification_passed", "integer"),
    ("feedback_solved", "integer"),
    ("satisfaction", "text"),
    ("reopen_count", "integer"),
]
WHISTLE_STAGE_COLUMNS = [
    ("id", "bigint"),
    ("case_id", "bigint"),
    ("department_id", "integer"),
    ("created", "bigint"),
    ("due", "bigint"),
    ("reported_in", "bigint"),
    ("answered", "bigint"),
    ("decided", "bigint"),
    ("status", "text"),
    ("rejections", "integer"),
]


@dataclass
class Tree:
    district_id: int
    grid_ids: np.ndarray
    grid_community: np.ndarray
    grid_street: np.ndarray
    grid_lat: np.ndarray
    grid_lon: np.ndarray


def real_cases_exist() -> bool:
    return Case.objects.exists()


def build_tree(grids: int, *, run: str) -> Tree:
    """A district → streets → communities → grids tree (square grids on a lattice), in bulk."""
    n_comm = math.ceil(grids / GRIDS_PER_COMMUNITY)
    n_street = math.ceil(n_comm / COMMUNITIES_PER_STREET)
    district = District.objects.create(code=f"G{run}", name=f"基准区 {run}")
    streets = Street.objects.bulk_create(
        [Street(district=district, code=f"G{run}-S{i:03d}", name=f"基准街道{i}") for i in range(n_street)]
    )
    communities = Community.objects.bulk_create(
        [
            Community(
                street=streets[i // COMMUNITIES_PER_STREET], code=f"G{run}-C{i:04d}", name=f"基准社区{i}"
            )
            for i in range(n_comm)
        ]
    )
    side = math.ceil(math.sqrt(grids))
    size = 0.004
    rows = []
    for i in range(grids):
        lon, lat = 117.0 + (i % side) * size, 39.0 + (i // side) * size
        geometry = {
            "type": "Polygon",
            "coordinates": [
                [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
            ],
        }
        rows.append(
            Grid(
                community=communities[i // GRIDS_PER_COMMUNITY],
                code=f"G{run}-{i:05d}",
                name=f"网格{i}",
                geometry=geometry,
            )
        )
    made = Grid.objects.bulk_create(rows, batch_size=2000)
    if made[0].pk is None:  # backends that do not return ids
        made = list(Grid.objects.filter(code__startswith=f"G{run}-").order_by("code"))
    grid_ids = np.array([g.pk for g in made], dtype=np.int64)
    comm = np.array([g.community_id for g in made], dtype=np.int64)
    street_of = {c.pk: c.street_id for c in communities}
    return Tree(
        district_id=district.pk,
        grid_ids=grid_ids,
        grid_community=comm,
        grid_street=np.array([street_of[c] for c in comm], dtype=np.int64),
        grid_lat=np.array([39.0 + (i // side) * size + size / 2 for i in range(grids)]),
        grid_lon=np.array([117.0 + (i % side) * size + size / 2 for i in range(grids)]),
    )


def _categories():
    cats = []
    for code, name, resp, days, _w in CATEGORIES:
        cat, _ = Category.objects.get_or_create(
            code=code, defaults={"name": name, "response_minutes": resp, "resolution_working_days": days}
        )
        cats.append(cat)
    return cats


def _reserve_ids(model, n: int) -> int:
    """The first of n ids reserved for `model` (the sequence moves past them)."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT COALESCE(MAX(id), 0) FROM " + table)
            start = cursor.fetchone()[0] + 1
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, start + n])
            return start
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM " + table)
        return cursor.fetchone()[0] + 1


def draw_chunk(rng, n: int, first_id: int, tree: Tree, cats, now_s: int, years: float, dept_ids):
    """One chunk of synthetic cases (column arrays) and their whistles."""
    span = int(years * 365.25 * 86400)
    received = now_s - rng.integers(0, span, n)
    gi = rng.zipf(1.3, n) % len(tree.grid_ids)  # a few busy grids, a long tail of quiet ones
    gi = rng.permutation(len(tree.grid_ids))[gi] if n else gi
    grid = tree.grid_ids[gi]
    community = tree.grid_community[gi]
    street = tree.grid_street[gi]
    lat = tree.grid_lat[gi] + rng.uniform(-0.0015, 0.0015, n)
    lon = tree.grid_lon[gi] + rng.uniform(-0.0015, 0.0015, n)
    no_grid = rng.random(n) < 0.02
    grid = np.where(no_grid, 0, grid)
    weights = np.array([c[4] for c in CATEGORIES], dtype=float)
    ci = rng.choice(len(cats), n, p=weights / weights.sum())
    cat_ids = np.array([c.pk for c in cats])[ci]
    resp_min = np.array([c.response_minutes for c in cats])[ci]
    res_days = np.array([c.resolution_working_days for c in cats])[ci]
    urgent = rng.random(n) < 0.05
    response_due = received + np.where(urgent, 10, resp_min) * 60
    resolution_due = received + (res_days * 7 / 5 * 86400).astype(np.int64)
    ch_w = np.array([w for _c, w in CHANNELS], dtype=float)
    channel = np.array([str(c) for c, _w in CHANNELS], dtype=object)[
        rng.choice(len(CHANNELS), n, p=ch_w / ch_w.sum())
    ]

    age_days = (now_s - received) / 86400
    done = rng.random(n) < 1 - np.exp(-age_days / 4)
    r = rng.random(n)
    merged = r < 0.02
    rejected = (r >= 0.02) & (r < 0.035)
    respond_s = np.exp(rng.normal(math.log(25 * 60), 1.0, n)).astype(np.int64)
    resolve_s = respond_s + np.exp(rng.normal(math.log(1.6 * 86400), 0.9, n)).astype(np.int64)
    responded_at = received + respond_s
    resolved_at = received + resolve_s
    # Open cases are the young ones: a case is responded to / resolved only once its time has come.
    has_resp = ~merged & ~rejected & (responded_at <= now_s)
    has_res = has_resp & done & (resolved_at <= now_s)
    feedback = has_res & (rng.random(n) < 0.7)
    solved = rng.random(n) < 0.93
    s = rng.random(n)
    satisfaction = np.where(s < 0.75, "satisfied", np.where(s < 0.93, "basically_satisfied", "dissatisfied"))
    reopen = (feedback & ((~solved) | (satisfaction == "dissatisfied")) & (rng.random(n) < 0.5)) | (
        has_res & (rng.random(n) < 0.01)
    )
    closed_at = resolved_at + rng.integers(3600, 3 * 86400, n)
    is_closed = has_res & (closed_at <= now_s) & (~feedback | solved) & (rng.random(n) < 0.95)
    status = np.where(
        merged,
        "merged",
        np.where(
            rejected,
            "rejected",
            np.where(
                is_closed,
                "closed",
                np.where(has_res, "resolved", np.where(has_resp, "in_progress", "assigned")),
            ),
        ),
    )
    status = np.where((status == "assigned") & (grid == 0), "received", status)
    verification = has_res & (rng.random(n) < 0.2)
    ids = np.arange(first_id, first_id + n, dtype=np.int64)

    whistled = ~merged & ~rejected & has_resp & (rng.random(n) < 0.035)
    w_idx = np.nonzero(whistled)[0]
    m = len(w_idx)
    w_created = responded_at[w_idx] + rng.integers(600, 86400, m)
    w_created = np.minimum(w_created, now_s - 60)
    w_report = w_created + np.exp(rng.normal(math.log(90 * 60), 1.0, m)).astype(np.int64)
    w_answer = w_report + np.exp(rng.normal(math.log(86400), 0.8, m)).astype(np.int64)
    case_open = np.isin(status[w_idx], ["in_progress", "assigned", "received"])
    w_reported = np.where(w_report <= now_s, w_report, -1)
    w_answered = np.where(w_answer <= now_s, w_answer, -1)
    w_decided = np.where((w_answered > 0) & ~case_open, w_answer + 7200, -1)
    w_status = np.where(
        w_decided > 0,
        "accepted",
        np.where(w_answered > 0, "answered", np.where(w_reported > 0, "reported_in", "open")),
    )
    # A case with an unfinished whistle is escalated.
    escalated = np.zeros(n, dtype=bool)
    escalated[w_idx[w_status != "accepted"]] = True
    status = np.where(escalated & (status == "in_progress"), "escalated", status)
    w_status = np.where((w_status != "accepted") & (status[w_idx] != "escalated"), "accepted", w_status)
    w_decided = np.where(
        (w_status == "accepted") & (w_decided < 0), np.maximum(w_answered, w_created) + 7200, w_decided
    )
    w_answered = np.where((w_status == "accepted") & (w_answered < 0), w_created + 3600, w_answered)
    w_reported = np.where((w_status == "accepted") & (w_reported < 0), w_created + 1800, w_reported)
    w_rej = (rng.random(m) < 0.1).astype(np.int64)
    w_dept = np.array(dept_ids)[rng.integers(0, len(dept_ids), m)]

    def opt(a, mask):
        return [int(v) if k else None for v, k in zip(a, mask, strict=True)]

    cases = list(
        zip(
            ids.tolist(),
            cat_ids.tolist(),
            channel.tolist(),
            urgent.astype(int).tolist(),
            status.tolist(),
            street.tolist(),
            community.tolist(),
            grid.tolist(),
            lat.tolist(),
            lon.tolist(),
            received.tolist(),
            opt(responded_at, has_resp),
            opt(resolved_at, has_res & ~reopen),
            opt(closed_at, is_closed | merged | rejected),
            response_due.tolist(),
            resolution_due.tolist(),
            [1 if v else None for v in verification],
            [(1 if so else 0) if f else None for f, so in zip(feedback, solved, strict=True)],
            [sa if f else "" for f, sa in zip(feedback, satisfaction, strict=True)],
            reopen.astype(int).tolist(),
            strict=True,
        )
    )
    # Fix up what the vectorised draw cannot say per row: merged/rejected closed at intake + a few hours.
    for k in np.nonzero(merged | rejected)[0]:
        row = list(cases[k])
        row[13] = int(received[k]) + 3600
        cases[k] = tuple(row)
    for k in np.nonzero(reopen & has_res)[0]:  # reopened: back in progress unless resolved again later
        row = list(cases[k])
        if row[4] in ("resolved",):
            row[4] = "in_progress"
        if row[4] == "closed":
            row[12] = int(resolved_at[k])  # resolved again and closed
        cases[k] = tuple(row)
    whistles = list(
        zip(
            ids[w_idx].tolist(),
            w_dept.tolist(),
            w_created.tolist(),
            (w_created + 2 * 86400).tolist(),
            [int(v) if v > 0 else None for v in w_reported],
            [int(v) if v > 0 else None for v in w_answered],
            [int(v) if v > 0 else None for v in w_decided],
            w_status.tolist(),
            w_rej.tolist(),
            strict=True,
        )
    )
    return cases, whistles


def _create_stages(cursor) -> None:
    unlogged = "UNLOGGED " if connection.vendor == "postgresql" else ""
    for table, cols in ((CASE_STAGE, CASE_STAGE_COLUMNS), (WHISTLE_STAGE, WHISTLE_STAGE_COLUMNS)):
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(f"CREATE {unlogged}TABLE {table} ({', '.join(f'{c} {t}' for c, t in cols)})")


def _write_stage(cursor, table, cols, rows) -> None:
    names = [c for c, _t in cols]
    if connection.vendor == "postgresql":
        raw = cursor.cursor if hasattr(cursor, "cursor") else cursor
        with raw.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join(["%s"] * len(names))
        cursor.executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})", rows)


def _skip_foreign_key_triggers(cursor) -> None:
    """PostgreSQL checks every foreign key of every row by trigger; the generated ids are consistent by
    construction, so a superuser's load skips those checks for this transaction (others keep them)."""
    if connection.vendor != "postgresql":
        return
    from django.db import DatabaseError

    try:
        with transaction.atomic():
            cursor.execute("SET LOCAL session_replication_role = replica")
    except DatabaseError:
        pass


def _ts(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"to_timestamp({column})"
    return f"CASE WHEN {column} IS NULL THEN NULL ELSE datetime({column}, 'unixepoch') END"


def _move_stages(cursor, actor_id: int) -> None:
    """Staging rows → cases_case and cases_whistle, one INSERT … SELECT each."""
    pg = connection.vendor == "postgresql"
    number = (
        "to_char(to_timestamp(received) AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') || lpad(id::text, 7, '0')"
        if pg
        else "strftime('%Y%m%d', received, 'unixepoch', '+8 hours') || printf('%07d', id)"
    )
    boolean = (lambda c: f"({c} = 1)") if pg else (lambda c: c)
    now = "now()" if pg else "strftime('%Y-%m-%d %H:%M:%f', 'now')"
    grid = "NULLIF(grid_id, 0)"
    cursor.execute(
        f"""INSERT INTO {Case._meta.db_table} (id, number, title, description, category_id, channel, urgency, status,
        street_id, community_id, grid_id, address, lat, lon, reporter_name, reporter_phone, reporter_phone_index,
        received_at, assigned_at, responded_at, resolved_at, closed_at, response_due_at, resolution_due_at,
        deadline_estimated, result, verification_passed, feedback_solved, satisfaction, feedback_comment, feedback_at,
        reopen_count, reject_reason, attributes, version, updated_at)
        SELECT id, {number}, 'synthetic case', '', category_id, channel,
        CASE WHEN urgent = 1 THEN 'urgent' ELSE 'normal' END, status, street_id, community_id, {grid}, '', lat, lon,
        '', '', '', {_ts("received")}, CASE WHEN grid_id = 0 THEN NULL ELSE {_ts("received")} END,
        {_ts("responded")}, {_ts("resolved")}, {_ts("closed")}, {_ts("response_due")}, {_ts("resolution_due")},
        {"false" if pg else "0"}, CASE WHEN resolved IS NULL THEN '' ELSE 'done' END,
        {boolean("verification_passed")}, {boolean("feedback_solved")}, satisfaction, '',
        CASE WHEN satisfaction = '' THEN NULL ELSE {_ts("resolved + 86400")} END, reopen_count,
        CASE WHEN status = 'rejected' THEN 'not ours' ELSE '' END, '{{}}', 1, {now}
        FROM {CASE_STAGE}"""
    )
    cursor.execute(
        f"""INSERT INTO {Whistle._meta.db_table} (case_id, department_id, reason, due_at, status, created_by_id,
        created_at, reported_in_at, answer, answered_at, decided_at, decision_note, rejections)
        SELECT case_id, department_id, 'synthetic whistle', {_ts("due")}, status, {actor_id}, {_ts("created")},
        {_ts("reported_in")}, CASE WHEN answered IS NULL THEN '' ELSE 'done' END, {_ts("answered")},
        {_ts("decided")}, '', rejections FROM {WHISTLE_STAGE}"""
    )
    cursor.execute(f"DELETE FROM {CASE_STAGE}")
    cursor.execute(f"DELETE FROM {WHISTLE_STAGE}")


def facts_sql() -> str:
    """INSERT … SELECT of every case's fact on PostgreSQL: facts.fact_of in SQL (the rebuild test keeps them equal)."""
    c, ft = Case._meta.db_table, CaseFact._meta.db_table
    counted = "c.status <> 'merged'"
    resp_on_time = "c.responded_at IS NOT NULL AND c.responded_at <= c.response_due_at"
    res_on_time = "c.resolved_at IS NOT NULL AND c.resolved_at <= c.resolution_due_at"
    verdict = "c.feedback_solved IS NOT NULL OR c.verification_passed IS NOT NULL"
    solved = "c.feedback_solved IS TRUE OR (c.feedback_solved IS NULL AND c.verification_passed IS TRUE)"

    def flag(cond):
        return f"(CASE WHEN {counted} AND ({cond}) THEN 1 ELSE 0 END)"

    def minutes(col):
        return (
            f"(CASE WHEN {counted} AND c.{col} IS NOT NULL THEN "
            f"GREATEST(0, floor(extract(epoch FROM c.{col} - c.received_at) / 60))::int END)"
        )

    day = "(c.received_at AT TIME ZONE 'Asia/Shanghai')::date"
    return f"""INSERT INTO {ft} (case_id, grid_id, community_id, street_id, district_id, category_id, channel, day,
    month, received, responded, responded_on_time, with_verdict, solved, rated, satisfied, resolved, resolved_on_time,
    open, awaiting, reopened, whistled, respond_minutes, resolve_minutes, response_due_at, resolution_due_at)
    SELECT c.id, COALESCE(c.grid_id, 0), COALESCE(c.community_id, 0), COALESCE(c.street_id, 0),
    COALESCE(s.district_id, 0), c.category_id, c.channel, {day}, date_trunc('month', {day})::date,
    {flag("true")}, {flag("c.responded_at IS NOT NULL")}, {flag(resp_on_time)}, {flag(verdict)}, {flag(solved)},
    {flag("c.satisfaction <> ''")}, {flag("c.satisfaction IN ('satisfied', 'basically_satisfied')")},
    {flag("c.resolved_at IS NOT NULL")}, {flag(res_on_time)},
    {flag("c.status IN ('received', 'assigned', 'in_progress', 'escalated')")},
    {flag("c.status IN ('received', 'assigned')")}, {flag("c.reopen_count > 0")},
    {flag(f"EXISTS (SELECT 1 FROM {Whistle._meta.db_table} w WHERE w.case_id = c.id)")},
    {minutes("responded_at")}, {minutes("resolved_at")}, c.response_due_at, c.resolution_due_at
    FROM {c} c LEFT JOIN {Street._meta.db_table} s ON s.id = c.street_id"""


def generate(
    *, cases: int, grids: int = 10_000, years: float = 3.0, seed: int = 2026, yes: bool = False, log=print
):
    """Create the synthetic history and its roll-ups; returns timings and rows per second."""
    if real_cases_exist() and not yes:
        raise Conflict(
            "The database already holds cases: pass --yes to add synthetic ones anyway.", code="not_empty"
        )
    rng = np.random.default_rng(seed)
    run = f"{int(time.time()) % 100000:05d}"
    t0 = time.perf_counter()
    with transaction.atomic():
        tree = build_tree(grids, run=run)
        cats = _categories()
        dept_ids = [
            Department.objects.get_or_create(code=code, defaults={"name": name})[0].pk
            for code, name in DEPARTMENTS
        ]
        actor, _ = User.objects.get_or_create(username=f"bench-{run}", defaults={"display_name": "基准书记"})
        RoleAssignment.objects.get_or_create(user=actor, role=Role.ADMIN)
    t_tree = time.perf_counter() - t0
    first = _reserve_ids(Case, cases)
    now_s = int(timezone.now().timestamp())
    t1 = time.perf_counter()
    written = whistles = 0
    with connection.cursor() as cursor:
        _create_stages(cursor)
        for start in range(0, cases, CHUNK):
            n = min(CHUNK, cases - start)
            case_rows, whistle_rows = draw_chunk(rng, n, first + start, tree, cats, now_s, years, dept_ids)
            with transaction.atomic():
                _skip_foreign_key_triggers(cursor)
                _write_stage(cursor, CASE_STAGE, CASE_STAGE_COLUMNS, case_rows)
                _write_stage(cursor, WHISTLE_STAGE, WHISTLE_STAGE_COLUMNS, [(None, *w) for w in whistle_rows])
                _move_stages(cursor, actor.pk)
            written += n
            whistles += len(whistle_rows)
            elapsed = time.perf_counter() - t1
            log(f"  {written:,} cases, {whistles:,} whistles, {written / elapsed:,.0f} cases/s")
        cursor.execute(f"DROP TABLE {CASE_STAGE}")
        cursor.execute(f"DROP TABLE {WHISTLE_STAGE}")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT MAX(id) FROM "
                + Case._meta.db_table
                + "))",
                [Case._meta.db_table],
            )
    t_cases = time.perf_counter() - t1
    t2 = time.perf_counter()
    with transaction.atomic():
        Histogram.objects.all().delete()
        Rollup.objects.all().delete()
        CaseFact.objects.all().delete()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(facts_sql())
        else:
            CaseFact.objects.bulk_create((CaseFact(**f) for f in facts.facts_from_cases()), batch_size=5000)
        t_facts = time.perf_counter() - t2
        facts.build_rollups_from_facts()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (Case, Whistle, CaseFact, Rollup, Histogram):
                cursor.execute(f"ANALYZE {model._meta.db_table}")
    t_rollups = time.perf_counter() - t2 - t_facts
    total = time.perf_counter() - t0
    return {
        "cases": cases,
        "whistles": whistles,
        "grids": grids,
        "tree_s": round(t_tree, 2),
        "cases_s": round(t_cases, 2),
        "facts_s": round(t_facts, 2),
        "rollups_s": round(t_rollups, 2),
        "total_s": round(total, 2),
        "cases_per_s": round(cases / t_cases) if t_cases else None,
        "rows_per_s": round(cases / total) if total else None,
    }
