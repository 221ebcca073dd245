"""Synthetic history for benchmarks (`linli generate`): an org tree, categories, N cases over some years, whistles,
and the roll-ups built in bulk.  Never for a database with real cases.

Numbers are drawn with numpy in chunks, written to two UNLOGGED staging tables of numbers only (PostgreSQL: one
binary COPY per chunk, laid out by numpy; SQLite: executemany), then moved into the real tables with one
INSERT … SELECT each, which also derives the number, the texts and the timestamps in SQL.  The load is one
transaction, with the tables' secondary indexes dropped; the facts, roll-ups and indexes are built afterwards on
two connections (run_jobs).  Deadlines are approximate (resolution working days counted as 7/5 calendar days):
the figures need stored deadlines, not the holiday calendar.  No timeline entries are written."""

from __future__ import annotations

import math
import struct
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
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
from .models import CaseFact, Histogram, Rollup, WhistleFact

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
# The staging tables are all numbers, so a chunk goes to PostgreSQL as one binary COPY made by numpy: text is a
# code (an index into the tuples below), and -1 stands for NULL.
STATUSES = ("received", "assigned", "in_progress", "escalated", "resolved", "closed", "merged", "rejected")
SATISFACTIONS = ("", "satisfied", "basically_satisfied", "dissatisfied")
WHISTLE_STATUSES = ("open", "reported_in", "answered", "accepted")
CHANNEL_VALUES = tuple(str(c) for c, _w in CHANNELS)
I8, I4, I2, F8 = np.dtype(np.int64), np.dtype(np.int32), np.dtype(np.int16), np.dtype(np.float64)
CASE_STAGE_COLUMNS = [
    ("id", I8),
    ("category_id", I4),
    ("channel", I2),
    ("urgent", I2),
    ("status", I2),
    ("street_id", I4),
    ("community_id", I4),
    ("grid_id", I4),
    ("lat", F8),
    ("lon", F8),
    ("received", I8),
    ("responded", I8),
    ("resolved", I8),
    ("closed", I8),
    ("response_due", I8),
    ("resolution_due", I8),
    ("verification_passed", I2),
    ("feedback_solved", I2),
    ("satisfaction", I2),
    ("reopen_count", I2),
]
WHISTLE_STAGE_COLUMNS = [
    ("case_id", I8),
    ("department_id", I4),
    ("created", I8),
    ("due", I8),
    ("reported_in", I8),
    ("answered", I8),
    ("decided", I8),
    ("status", I2),
    ("rejections", I2),
]
SQL_TYPES = {I8: "bigint", I4: "integer", I2: "smallint", F8: "double precision"}


@dataclass
class Tree:
    district_id: int
    grid_ids: np.ndarray
    grid_community: np.ndarray
    grid_street: np.ndarray
    grid_lat: np.ndarray
    grid_lon: np.ndarray
    grid_share: np.ndarray  # each grid's share of the cases (sums to 1)


def real_cases_exist() -> bool:
    return Case.objects.exists()


def build_tree(grids: int, *, run: str, rng) -> Tree:
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
        # Log-normal: a few grids several times busier than the mean (the busiest of 10,000 about 14x), a long
        # tail of quiet ones.
        grid_share=_shares(rng.lognormal(0.0, 0.8, grids)),
    )


def _shares(weights: np.ndarray) -> np.ndarray:
    return weights / weights.sum()


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
    """One chunk of synthetic cases and their whistles, as column arrays named like the staging columns."""
    span = int(years * 365.25 * 86400)
    received = now_s - rng.integers(0, span, n)
    gi = rng.choice(len(tree.grid_ids), n, p=tree.grid_share)
    grid = tree.grid_ids[gi]
    community = tree.grid_community[gi]
    street = tree.grid_street[gi]
    lat = tree.grid_lat[gi] + rng.uniform(-0.0015, 0.0015, n)
    lon = tree.grid_lon[gi] + rng.uniform(-0.0015, 0.0015, n)
    no_grid = rng.random(n) < 0.02
    grid = np.where(no_grid, 0, grid)
    ci = rng.choice(len(cats), n, p=_shares(np.array([c[4] for c in CATEGORIES], dtype=float)))
    cat_ids = np.array([c.pk for c in cats])[ci]
    resp_min = np.array([c.response_minutes for c in cats])[ci]
    res_days = np.array([c.resolution_working_days for c in cats])[ci]
    urgent = rng.random(n) < 0.05
    response_due = received + np.where(urgent, 10, resp_min) * 60
    resolution_due = received + (res_days * 7 / 5 * 86400).astype(np.int64)
    channel = rng.choice(len(CHANNELS), n, p=_shares(np.array([w for _c, w in CHANNELS], dtype=float)))

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
    satisfaction = np.where(s < 0.75, 1, np.where(s < 0.93, 2, 3))  # SATISFACTIONS
    reopen = (feedback & ((~solved) | (satisfaction == 3)) & (rng.random(n) < 0.5)) | (
        has_res & (rng.random(n) < 0.01)
    )
    closed_at = resolved_at + rng.integers(3600, 3 * 86400, n)
    is_closed = has_res & (closed_at <= now_s) & (~feedback | solved) & (rng.random(n) < 0.95)
    code = {name: i for i, name in enumerate(STATUSES)}
    status = np.select(
        [merged, rejected, is_closed, has_res, has_resp],
        [code["merged"], code["rejected"], code["closed"], code["resolved"], code["in_progress"]],
        code["assigned"],
    )
    status = np.where((status == code["assigned"]) & (grid == 0), code["received"], status)
    verification = has_res & (rng.random(n) < 0.2)

    whistled = ~merged & ~rejected & has_resp & (rng.random(n) < 0.035)
    w_idx = np.nonzero(whistled)[0]
    m = len(w_idx)
    w_created = responded_at[w_idx] + rng.integers(600, 86400, m)
    w_created = np.minimum(w_created, now_s - 60)
    w_report = w_created + np.exp(rng.normal(math.log(90 * 60), 1.0, m)).astype(np.int64)
    w_answer = w_report + np.exp(rng.normal(math.log(86400), 0.8, m)).astype(np.int64)
    case_open = np.isin(status[w_idx], [code["in_progress"], code["assigned"], code["received"]])
    w_reported = np.where(w_report <= now_s, w_report, -1)
    w_answered = np.where(w_answer <= now_s, w_answer, -1)
    w_decided = np.where((w_answered > 0) & ~case_open, w_answer + 7200, -1)
    w_status = np.select([w_decided > 0, w_answered > 0, w_reported > 0], [3, 2, 1], 0)  # WHISTLE_STATUSES
    # A case with an unfinished whistle is escalated.
    escalated = np.zeros(n, dtype=bool)
    escalated[w_idx[w_status != 3]] = True
    status = np.where(escalated & (status == code["in_progress"]), code["escalated"], status)
    w_status = np.where((w_status != 3) & (status[w_idx] != code["escalated"]), 3, w_status)
    accepted = w_status == 3
    w_decided = np.where(accepted & (w_decided < 0), np.maximum(w_answered, w_created) + 7200, w_decided)
    w_answered = np.where(accepted & (w_answered < 0), w_created + 3600, w_answered)
    w_reported = np.where(accepted & (w_reported < 0), w_created + 1800, w_reported)

    # Reopened within the last 30 days and not closed: back in progress.  Older reopened cases were resolved again
    # (kept at their first resolution time): a backlog of cases reopened years ago is no city's history.
    reopened_open = reopen & (status == code["resolved"]) & (resolved_at > now_s - 30 * 86400)
    status = np.where(reopened_open, code["in_progress"], status)
    # merged/rejected: closed at intake + 1 h.
    closed = np.where(is_closed, closed_at, -1)
    closed = np.where(merged | rejected, received + 3600, closed)
    cases = {
        "id": np.arange(first_id, first_id + n, dtype=np.int64),
        "category_id": cat_ids,
        "channel": channel,
        "urgent": urgent,
        "status": status,
        "street_id": street,
        "community_id": community,
        "grid_id": grid,
        "lat": lat,
        "lon": lon,
        "received": received,
        "responded": np.where(has_resp, responded_at, -1),
        "resolved": np.where(has_res & ~reopened_open, resolved_at, -1),
        "closed": closed,
        "response_due": response_due,
        "resolution_due": resolution_due,
        "verification_passed": np.where(verification, 1, -1),
        "feedback_solved": np.where(feedback, solved, -1),
        "satisfaction": np.where(feedback, satisfaction, 0),
        "reopen_count": reopen,
    }
    whistles = {
        "case_id": cases["id"][w_idx],
        "department_id": np.array(dept_ids)[rng.integers(0, len(dept_ids), m)],
        "created": w_created,
        "due": w_created + 2 * 86400,
        "reported_in": w_reported,
        "answered": w_answered,
        "decided": w_decided,
        "status": w_status,
        "rejections": rng.random(m) < 0.1,
    }
    return cases, whistles


def _create_stages(cursor) -> None:
    unlogged = "UNLOGGED " if connection.vendor == "postgresql" else ""
    for table, cols in ((CASE_STAGE, CASE_STAGE_COLUMNS), (WHISTLE_STAGE, WHISTLE_STAGE_COLUMNS)):
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        columns = ", ".join(f"{c} {SQL_TYPES[t]}" for c, t in cols)
        cursor.execute(f"CREATE {unlogged}TABLE {table} ({columns})")


COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)  # PostgreSQL's binary COPY header
COPY_TRAILER = struct.pack(">h", -1)


def binary_copy_payload(cols, data: dict[str, np.ndarray]) -> bytes:
    """Rows of fixed-width, non-null numbers in PostgreSQL's binary COPY format, laid out by numpy in one go: per
    row a field count, then each field's length and its big-endian value."""
    layout = [("fields", ">i2")]
    for name, dtype in cols:
        layout += [(f"{name}__len", ">i4"), (name, dtype.newbyteorder(">"))]
    rows = np.empty(len(data[cols[0][0]]), dtype=layout)
    rows["fields"] = len(cols)
    for name, dtype in cols:
        rows[f"{name}__len"] = dtype.itemsize
        rows[name] = data[name]
    return COPY_SIGNATURE + rows.tobytes() + COPY_TRAILER


def _write_stage(cursor, table, cols, data: dict[str, np.ndarray]) -> None:
    names = ", ".join(c for c, _t in cols)
    if connection.vendor == "postgresql":
        raw = cursor.cursor if hasattr(cursor, "cursor") else cursor
        with raw.copy(f"COPY {table} ({names}) FROM STDIN WITH (FORMAT binary)") as copy:
            copy.write(binary_copy_payload(cols, data))
    else:
        rows = zip(*(data[c].astype(t).tolist() for c, t in cols), strict=True)
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(cols))})", rows)


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
    """A staged epoch (or -1 for none) as a timestamp."""
    if connection.vendor == "postgresql":
        return f"to_timestamp(NULLIF({column}, -1))"
    return f"CASE WHEN {column} = -1 THEN NULL ELSE datetime({column}, 'unixepoch') END"


def _decode(column: str, values) -> str:
    """A staged code back to its text."""
    whens = " ".join(f"WHEN {i} THEN '{v}'" for i, v in enumerate(values))
    return f"CASE {column} {whens} END"


def _move_stages(cursor, actor_id: int) -> None:
    """Staging rows → cases_case and cases_whistle, one INSERT … SELECT each."""
    pg = connection.vendor == "postgresql"
    number = (
        "to_char(to_timestamp(received) AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') "
        "|| lpad(id::text, GREATEST(7, length(id::text)), '0')"  # at least 7 digits, as case_number (lpad cuts)
        if pg
        else "strftime('%Y%m%d', received, 'unixepoch', '+8 hours') || printf('%07d', id)"
    )

    def boolean(column):
        return f"CASE {column} WHEN -1 THEN NULL WHEN 1 THEN {'true' if pg else '1'} ELSE {'false' if pg else '0'} END"

    now = "now()" if pg else "strftime('%Y-%m-%d %H:%M:%f', 'now')"
    cursor.execute(
        f"""INSERT INTO {Case._meta.db_table} (id, number, title, description, category_id, channel, urgency, status,
        street_id, community_id, grid_id, address, lat, lon, reporter_name, reporter_phone, reporter_phone_index,
        received_at, assigned_at, responded_at, resolved_at, closed_at, response_due_at, resolution_due_at,
        deadline_estimated, result, verification_passed, feedback_solved, satisfaction, feedback_comment, feedback_at,
        reopen_count, reject_reason, attributes, version, updated_at)
        SELECT id, {number}, 'synthetic case', '', category_id, {_decode("channel", CHANNEL_VALUES)},
        CASE WHEN urgent = 1 THEN 'urgent' ELSE 'normal' END, {_decode("status", STATUSES)}, street_id, community_id,
        NULLIF(grid_id, 0), '', lat, lon, '', '', '', {_ts("received")},
        CASE WHEN grid_id = 0 THEN NULL ELSE {_ts("received")} END, {_ts("responded")}, {_ts("resolved")},
        {_ts("closed")}, {_ts("response_due")}, {_ts("resolution_due")}, {"false" if pg else "0"},
        CASE WHEN resolved = -1 THEN '' ELSE 'done' END, {boolean("verification_passed")},
        {boolean("feedback_solved")}, {_decode("satisfaction", SATISFACTIONS)}, '',
        CASE WHEN satisfaction = 0 OR resolved = -1 THEN NULL ELSE {_ts("resolved + 86400")} END, reopen_count,
        CASE WHEN status = {STATUSES.index("rejected")} THEN 'not ours' ELSE '' END, '{{}}', 1, {now}
        FROM {CASE_STAGE}"""
    )
    cursor.execute(
        f"""INSERT INTO {Whistle._meta.db_table} (case_id, department_id, reason, due_at, status, created_by_id,
        created_at, reported_in_at, answer, answered_at, decided_at, decision_note, rejections)
        SELECT case_id, department_id, 'synthetic whistle', {_ts("due")}, {_decode("status", WHISTLE_STATUSES)},
        {actor_id}, {_ts("created")}, {_ts("reported_in")}, CASE WHEN answered = -1 THEN '' ELSE 'done' END,
        {_ts("answered")}, {_ts("decided")}, '', rejections FROM {WHISTLE_STAGE}"""
    )
    # TRUNCATE on PostgreSQL: a DELETE's dead rows stay until the load commits, and each chunk's INSERT … SELECT
    # would scan every chunk before it.
    empty = "TRUNCATE" if pg else "DELETE FROM"
    cursor.execute(f"{empty} {CASE_STAGE}")
    cursor.execute(f"{empty} {WHISTLE_STAGE}")


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


SUSPENDED_MODELS = (Case, Whistle, CaseFact, Rollup, Histogram, WhistleFact)


def _suspend_indexes(cursor, models) -> tuple[list[tuple[str, str, str]], list[str]]:
    """Drop the secondary indexes and unique constraints of the models' tables; returns the (table, index name,
    CREATE INDEX) that build them again, and the ALTER TABLEs that then make the unique ones constraints again.  Building
    an index once over the loaded rows is many times faster than keeping 22 of them up to date row by row, which
    is where a load into cases_case spent its time.  Primary keys stay, and so does
    any index a foreign key relies on.  Run in the load's transaction: if the load fails, the drops roll back."""
    if connection.vendor != "postgresql":
        return [], []
    cursor.execute(
        """SELECT ci.relname, pg_get_indexdef(i.indexrelid), i.indrelid::regclass::text, con.conname,
        pg_get_constraintdef(con.oid)
        FROM pg_index i JOIN pg_class ci ON ci.oid = i.indexrelid
        LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid
        WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary AND (con.oid IS NULL OR con.contype = 'u')
        AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = i.indexrelid)
        ORDER BY ci.relname""",
        [[m._meta.db_table for m in models]],
    )
    qn = connection.ops.quote_name
    indexes, attach = [], []
    for index, index_def, table, constraint, constraint_def in cursor.fetchall():
        if constraint:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {qn(constraint)}")
            # The index first (it locks out writers only), then the constraint takes it over in a moment: the
            # constraint alone would lock the table against the facts' long read of it.
            # DEFERRABLE …, if any (the columns and INCLUDE are the index's)
            options = constraint_def[constraint_def.rindex(")") + 1 :].strip()
            attach.append(
                f"ALTER TABLE {table} ADD CONSTRAINT {qn(constraint)} UNIQUE USING INDEX {qn(index)} {options}"
            )
        else:
            cursor.execute(f"DROP INDEX {qn(index)}")
        indexes.append((table, index, index_def))
    return indexes, attach


def _tune_for_bulk(cursor) -> None:
    """Memory for the load's sorts and hash aggregates, and no parallel workers of PostgreSQL's own: the two job
    connections already keep both cores busy, and an index build's two helpers beside them would crowd six
    processes onto two cores (this connection only: it is closed afterwards)."""
    if connection.vendor == "postgresql":
        cursor.execute("SET work_mem = '256MB'")
        cursor.execute("SET maintenance_work_mem = '1GB'")
        cursor.execute("SET max_parallel_maintenance_workers = 0")
        cursor.execute("SET max_parallel_workers_per_gather = 0")


def _facts_job() -> None:
    """Every case's fact, the roll-ups and whistle facts emptied (their own jobs fill them afterwards)."""
    with transaction.atomic(), connection.cursor() as cursor:
        _tune_for_bulk(cursor)
        Histogram.objects.all().delete()
        Rollup.objects.all().delete()
        CaseFact.objects.all().delete()
        WhistleFact.objects.all().delete()
        if connection.vendor == "postgresql":
            cursor.execute(facts_sql())
        else:
            CaseFact.objects.bulk_create((CaseFact(**f) for f in facts.facts_from_cases()), batch_size=5000)


def whistle_facts_sql() -> str:
    """INSERT … SELECT of every whistle's fact on PostgreSQL: facts.whistle_fact_of in SQL (test_generate compares
    the result with the rebuild's)."""
    w, c, s = Whistle._meta.db_table, Case._meta.db_table, Street._meta.db_table

    def minutes(col):
        return (
            f"(CASE WHEN w.{col} IS NOT NULL THEN "
            f"GREATEST(0, floor(extract(epoch FROM w.{col} - w.created_at) / 60))::int END)"
        )

    return f"""INSERT INTO {WhistleFact._meta.db_table} (whistle_id, case_id, department_id, grid_id, community_id,
    street_id, district_id, created_at, report_in_minutes, answer_minutes, accepted, rejections)
    SELECT w.id, w.case_id, w.department_id, COALESCE(c.grid_id, 0), COALESCE(c.community_id, 0),
    COALESCE(c.street_id, 0), COALESCE(s.district_id, 0), w.created_at, {minutes("reported_in_at")},
    {minutes("answered_at")}, CASE WHEN w.status = 'accepted' THEN 1 ELSE 0 END, w.rejections
    FROM {w} w JOIN {c} c ON c.id = w.case_id LEFT JOIN {s} s ON s.id = c.street_id"""


def _whistle_facts_job() -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(whistle_facts_sql())
        else:
            facts.build_whistle_facts()


def _statements_job(statements) -> Callable[[], None]:
    def job():
        with transaction.atomic(), connection.cursor() as cursor:
            _tune_for_bulk(cursor)
            for statement in statements:
                cursor.execute(statement)

    return job


@dataclass
class Job:
    name: str
    run: Callable[[], None]
    after: tuple[str, ...] = ()


def run_jobs(jobs: list[Job], workers: int = 2) -> dict[str, float]:
    """Run the jobs, each once every job it comes after is done; returns each job's seconds.

    On PostgreSQL, outside a caller's transaction, `workers` threads each take the first ready job in list order
    (so put the long chains first), each on a connection of its own: both cores work until the list is done.
    Inside a caller's transaction (a test's), or on SQLite, the jobs run one after the other in list order on this
    connection.  Either way a job must be listed after the jobs it comes after (ValueError).  The first failure
    stops the workers taking more jobs and is raised."""
    names = [job.name for job in jobs]
    for i, job in enumerate(jobs):
        if not set(job.after) <= set(names[:i]):
            raise ValueError(f"{job.name} must be listed after the jobs it comes after: {job.after}")
    took: dict[str, float] = {}

    def timed(job):
        started = time.perf_counter()
        job.run()
        took[job.name] = round(time.perf_counter() - started, 2)

    if connection.vendor != "postgresql" or connection.in_atomic_block:
        for job in jobs:
            timed(job)
        return took
    pending = list(jobs)
    failures: list[BaseException] = []
    ready = threading.Condition()

    def worker():
        try:
            while True:
                with ready:
                    while True:
                        if failures or not pending:
                            return
                        job = next((j for j in pending if all(n in took for n in j.after)), None)
                        if job is not None:
                            pending.remove(job)
                            break
                        ready.wait()
                try:
                    timed(job)
                except BaseException as error:  # noqa: BLE001 - raised again in the caller's thread
                    failures.append(error)
                with ready:
                    ready.notify_all()
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=worker, name=f"generate-{i}") for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return took


def finish_jobs(indexes: list[tuple[str, str, str]]) -> list[Job]:
    """The work after the load: the facts, the roll-up passes over them, and every suspended index, each index
    once its table is written; longest chain first (facts → passes → the roll-ups' indexes)."""
    fact_table, rollup_table, hist_table, whistle_table = (
        m._meta.db_table for m in (CaseFact, Rollup, Histogram, WhistleFact)
    )
    passes = facts.rollup_passes()
    writers = {
        rollup_table: tuple(name for name, _s in passes if name.startswith("rollups_")),
        hist_table: tuple(name for name, _s in passes if name.startswith("histograms_")),
        fact_table: ("facts",),
        whistle_table: ("whistle_facts",),
    }
    jobs = [Job("facts", _facts_job)]
    jobs += [Job(name, _statements_job(statements), after=("facts",)) for name, statements in passes]
    jobs.append(Job("whistle_facts", _whistle_facts_job, after=("facts",)))  # the facts job empties the table
    for table, name, sql in sorted(indexes, key=lambda index: index[0] not in writers):
        jobs.append(Job(f"index {name}", _statements_job([sql]), after=writers.get(table, ())))
    return jobs


def generate(
    *, cases: int, grids: int = 10_000, years: float = 3.0, seed: int = 2026, yes: bool = False, log=print
):
    """Create the synthetic history, then its indexes, facts and roll-ups; returns timings and rows per second.

    The cases and whistles load in one transaction, with the tables' secondary indexes dropped.  After it commits,
    two connections share the rest (run_jobs): the facts, the roll-up passes over them, and every index.  Each of
    those commits on its own, so if one fails the database holds the cases without all their indexes or roll-ups:
    drop it (it is a benchmark database) and run again."""
    if real_cases_exist() and not yes:
        raise Conflict(
            "The database already holds cases: pass --yes to add synthetic ones anyway.", code="not_empty"
        )
    rng = np.random.default_rng(seed)
    run = f"{int(time.time()) % 100000:05d}"
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        tree = build_tree(grids, run=run, rng=rng)
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
        _skip_foreign_key_triggers(cursor)
        indexes, constraints = _suspend_indexes(cursor, SUSPENDED_MODELS)
        t1 = time.perf_counter()
        written = whistles = 0
        _create_stages(cursor)

        def draw(start):
            n = min(CHUNK, cases - start)
            return n, draw_chunk(rng, n, first + start, tree, cats, now_s, years, dept_ids)

        # numpy draws the next chunk while PostgreSQL moves this one (one worker: the draws stay in seed order).
        with ThreadPoolExecutor(max_workers=1) as pool:
            starts = iter(range(0, cases, CHUNK))
            pending = pool.submit(draw, next(starts))
            while pending is not None:
                n, (case_cols, whistle_cols) = pending.result()
                following = next(starts, None)
                pending = pool.submit(draw, following) if following is not None else None
                _write_stage(cursor, CASE_STAGE, CASE_STAGE_COLUMNS, case_cols)
                _write_stage(cursor, WHISTLE_STAGE, WHISTLE_STAGE_COLUMNS, whistle_cols)
                _move_stages(cursor, actor.pk)
                written += n
                whistles += len(whistle_cols["case_id"])
                elapsed = time.perf_counter() - t1
                log(f"  {written:,} cases, {whistles:,} whistles, {written / elapsed:,.0f} cases/s")
        cursor.execute(f"DROP TABLE {CASE_STAGE}")
        cursor.execute(f"DROP TABLE {WHISTLE_STAGE}")
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT MAX(id) FROM "
                + Case._meta.db_table
                + "))",
                [Case._meta.db_table],
            )
    t_cases = time.perf_counter() - t1
    t2 = time.perf_counter()
    took = run_jobs(finish_jobs(indexes))
    with connection.cursor() as cursor:
        # The unique indexes become constraints again now that no job reads the tables (a moment's lock each).
        for sql in constraints:
            cursor.execute(sql)
        if connection.vendor == "postgresql":
            for model in SUSPENDED_MODELS:
                cursor.execute(f"ANALYZE {model._meta.db_table}")
    t_finish = time.perf_counter() - t2
    total = time.perf_counter() - t0
    return {
        "cases": cases,
        "whistles": whistles,
        "grids": grids,
        "tree_s": round(t_tree, 2),
        "cases_s": round(t_cases, 2),
        "finish_s": round(t_finish, 2),
        "facts_s": took["facts"],
        "passes_s": round(sum(v for k, v in took.items() if k.startswith(("rollups_", "histograms_"))), 2),
        "indexes_s": round(sum(v for k, v in took.items() if k.startswith("index ")), 2),
        "busy_s": round(sum(took.values()), 2),
        "total_s": round(total, 2),
        "cases_per_s": round(cases / t_cases) if t_cases else None,
        "rows_per_s": round(cases / total) if total else None,
        "jobs": took,
    }
