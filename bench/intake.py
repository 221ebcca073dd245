"""Case intake throughput: POST /api/v1/cases/ through a real gunicorn server vs raw driver inserts of the same rows.

Run: .venv/bin/python bench/intake.py [--db sqlite|postgres|both] [--seconds N] [--clients N] [--workers N]
     .venv/bin/python bench/intake.py --profile      (where the time of one intake request goes, PostgreSQL)

For each database: a fresh scratch database (SQLite file in a temp dir; PostgreSQL `linli_bench`, dropped and
recreated), `linli migrate`, a world of one community with 50 square grids and a grid worker each, then

* api: gunicorn (gthread workers, keep-alive) on loopback, driven by --clients load-generator *processes*, each
  with one persistent HTTP/1.1 connection, POSTing cases at random points inside the grids as fast as answers
  come back (closed loop).  Latency is measured per request at the client; any non-201 answer is an error.
  After the run the number of rows in cases_case must equal the number of 201 answers.
* api+idem: the same with an Idempotency-Key header on every request (a second, shorter figure).
* raw: the same number of processes, each with its own driver connection (sqlite3 / psycopg), writing the rows
  one intake writes — the case, its number, its timeline entry and the assignee's notification — in one
  transaction per case.

cost_ratio = raw cases/s ÷ api cases/s: what the whole intake costs relative to bare inserts.
The last line printed is JSON.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    REPO,
    ScratchDB,
    Server,
    bench_env,
    emit_json,
    log,
    machine_cpu,
    migrate,
    percentile,
    postgres_backend_cpu_seconds,
    rounded,
    run_python,
    scratch_db,
)

SEED = 20250601
COLS, ROWS = 10, 5  # 50 grids
SIZE = 0.004  # degrees, about 340 m x 440 m in Tianjin
LON0, LAT0 = 117.200, 39.100
CATEGORY_CODE = "ENV-DRAIN"
TARGET_CASES_PER_S = 600
TARGET_P99_MS = 50
SHANGHAI = timezone(timedelta(hours=8))  # case numbers use the local date; no DST in China since 1991
TITLES = [
    "楼道堆物",
    "下水道堵塞",
    "路灯不亮",
    "垃圾未清运",
    "井盖松动",
    "噪音扰民",
    "电动车飞线充电",
    "墙皮脱落",
]
PLACES = ["吉利花园", "西宁道", "南营门", "大沽北路", "宁夏路", "福州道"]


# ================================================================ inside Django (subprocess modes)


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()


def square(lon: float, lat: float, size: float = SIZE) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [
            [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
        ],
    }


def build_world() -> dict:
    """One district/street/community, COLS x ROWS square grids each with a grid worker, a category and a
    secretary of the community holding an API token.  Returns the ids the load generators need."""
    from django.db import transaction
    from rest_framework.authtoken.models import Token

    from linli.accounts.choices import Role
    from linli.accounts.models import RoleAssignment, User
    from linli.cases.models import Category
    from linli.org.models import Community, District, Grid, Street

    with transaction.atomic():
        district = District.objects.create(code="120101", name="和平区")
        street = Street.objects.create(district=district, code="120101006", name="南营门街道")
        community = Community.objects.create(street=street, code="XND", name="西宁道社区")
        grids = []
        for j in range(ROWS):
            for i in range(COLS):
                lon, lat = LON0 + i * SIZE, LAT0 + j * SIZE
                grid = Grid.objects.create(
                    community=community,
                    code=f"XND-{j:02d}{i:02d}",
                    name=f"第{j * COLS + i + 1}网格",
                    geometry=square(lon, lat),
                )
                worker = User.objects.create_user(
                    username=f"grid{j:02d}{i:02d}", display_name=f"网格员{j * COLS + i + 1}"
                )
                RoleAssignment.objects.create(user=worker, role=Role.GRID_WORKER, grid=grid)
                grids.append({"id": grid.pk, "lon": lon, "lat": lat, "worker": worker.pk})
        category = Category.objects.create(
            code=CATEGORY_CODE, name="下水道堵塞", response_minutes=60, resolution_working_days=3
        )
        secretary = User.objects.create_user(username="secretary", display_name="张书记")
        RoleAssignment.objects.create(user=secretary, role=Role.SECRETARY, community=community)
        token = Token.objects.create(user=secretary)
    return {
        "token": token.key,
        "secretary": secretary.pk,
        "category": category.pk,
        "category_code": category.code,
        "response_minutes": category.response_minutes,
        "community": community.pk,
        "street": street.pk,
        "grids": grids,
    }


def count_rows() -> dict:
    from linli.cases.models import Case, CaseEvent
    from linli.core.models import IdempotencyRecord, Notification

    return {
        "cases": Case.objects.count(),
        "events": CaseEvent.objects.count(),
        "notifications": Notification.objects.count(),
        "idempotency_records": IdempotencyRecord.objects.count(),
    }


# ================================================================ request bodies and rows


def random_case(rng: random.Random, world: dict) -> tuple[dict, dict]:
    """A case body for the API and the grid it falls in (points keep 5 % off the grid edges)."""
    grid = rng.choice(world["grids"])
    lon = grid["lon"] + SIZE * rng.uniform(0.05, 0.95)
    lat = grid["lat"] + SIZE * rng.uniform(0.05, 0.95)
    place = rng.choice(PLACES)
    body = {
        "title": f"{place}{rng.randint(1, 30)}号楼{rng.choice(TITLES)}",
        "description": "居民来电反映，情况已持续两天，请尽快处理。",
        "category": world["category_code"],
        "channel": "phone",
        "lat": round(lat, 6),
        "lon": round(lon, 6),
        "reporter_name": "刘阿姨",
        "reporter_phone": f"138{rng.randint(0, 99_999_999):08d}",
    }
    return body, grid


# ================================================================ load generators (forked processes)


def _wait_until(t: float) -> None:
    delay = t - time.monotonic()
    if delay > 0:
        time.sleep(delay)


def api_client(idx: int, port: int, world: dict, idem: str, clock: tuple[float, float, float], out) -> None:
    """One closed-loop client on one keep-alive connection."""
    t_start, t_measure, t_end = clock
    rng = random.Random(SEED * 1000 + idx)
    headers = {
        "Authorization": f"Token {world['token']}",
        "Content-Type": "application/json",
        "Accept": "application/json",
    }
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    latencies: list[float] = []
    created = errors = 0
    samples: list[str] = []
    seq = 0
    _wait_until(t_start)
    cpu0 = time.process_time()
    while True:
        started = time.monotonic()
        if started >= t_end:
            break
        body, _grid = random_case(rng, world)
        data = json.dumps(body, ensure_ascii=False).encode()
        h = headers
        if idem:
            seq += 1
            h = {**headers, "Idempotency-Key": f"{idem}-{idx}-{seq}"}
        t0 = time.perf_counter()
        try:
            conn.request("POST", "/api/v1/cases/", data, h)
            resp = conn.getresponse()
            payload = resp.read()
            status = resp.status
        except (OSError, http.client.HTTPException) as exc:
            status, payload = None, repr(exc).encode()
            conn.close()
        elapsed = time.perf_counter() - t0
        done = time.monotonic()
        if status == 201:
            created += 1
        else:
            errors += 1
            if len(samples) < 3:
                samples.append(f"{status}: {payload[:300].decode(errors='replace')}")
        if started >= t_measure and done <= t_end and status == 201:
            latencies.append(elapsed * 1000.0)
    conn.close()
    out.put(
        {
            "latencies": latencies,
            "created": created,
            "errors": errors,
            "samples": samples,
            "cpu": time.process_time() - cpu0,
        }
    )


def _deadlines(now: datetime, world: dict) -> tuple[datetime, datetime]:
    return now + timedelta(minutes=world["response_minutes"]), now + timedelta(days=5)


CASE_COLUMNS = (
    "title, description, category_id, channel, urgency, status, street_id, community_id, grid_id, address, lat, lon, "
    "reporter_name, reporter_phone, created_by_id, assignee_id, received_at, assigned_at, response_due_at, "
    "resolution_due_at, deadline_estimated, result, satisfaction, feedback_comment, reopen_count, reject_reason, "
    "version, updated_at"
)


def _case_params(body: dict, grid: dict, world: dict, now, response_due, resolution_due) -> tuple:
    return (
        body["title"],
        body["description"],
        world["category"],
        body["channel"],
        "normal",
        "assigned",
        world["street"],
        world["community"],
        grid["id"],
        "",
        body["lat"],
        body["lon"],
        body["reporter_name"],
        body["reporter_phone"],
        world["secretary"],
        grid["worker"],
        now,
        now,
        response_due,
        resolution_due,
        False,
        "",
        "",
        "",
        0,
        "",
        1,
        now,
    )


def _number(now: datetime, pk: int) -> str:
    local = now.astimezone(SHANGHAI)
    return f"{local:%Y%m%d}{pk:07d}"


def raw_client(idx: int, db: dict, world: dict, clock: tuple[float, float, float], out) -> None:
    """Write the rows of one intake per transaction, straight through the driver, on one connection."""
    t_start, t_measure, t_end = clock
    rng = random.Random(SEED * 1000 + idx)
    if db["kind"] == "postgres":
        import psycopg
        from psycopg.types.json import Jsonb

        conn = psycopg.connect(db["dsn"])
        ph = "%s"
    else:
        import sqlite3

        conn = sqlite3.connect(db["path"], timeout=20, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        ph = "?"
    n_case = CASE_COLUMNS.count(",") + 1
    insert_case = f"INSERT INTO cases_case ({CASE_COLUMNS}) VALUES ({', '.join([ph] * n_case)})"
    set_number = f"UPDATE cases_case SET number = {ph} WHERE id = {ph}"
    insert_event = (
        "INSERT INTO cases_caseevent (case_id, action, actor_id, created_at, from_status, to_status, note, data) "
        f"VALUES ({', '.join([ph] * 8)})"
    )
    insert_note = (
        "INSERT INTO core_notification (recipient_id, kind, message, url, created_at) "
        f"VALUES ({', '.join([ph] * 5)})"
    )
    latencies: list[float] = []
    created = errors = 0
    samples: list[str] = []
    _wait_until(t_start)
    cpu0 = time.process_time()
    while True:
        started = time.monotonic()
        if started >= t_end:
            break
        body, grid = random_case(rng, world)
        t0 = time.perf_counter()
        now = datetime.now(UTC)
        response_due, resolution_due = _deadlines(now, world)
        event_data = {"grid": grid["id"], "assignee": grid["worker"], "channel": body["channel"]}
        try:
            if db["kind"] == "postgres":
                with conn.transaction():
                    cur = conn.execute(
                        insert_case + " RETURNING id",
                        _case_params(body, grid, world, now, response_due, resolution_due),
                    )
                    pk = cur.fetchone()[0]
                    number = _number(now, pk)
                    conn.execute(set_number, (number, pk))
                    conn.execute(
                        insert_event,
                        (pk, "create", world["secretary"], now, "", "assigned", "", Jsonb(event_data)),
                    )
                    conn.execute(
                        insert_note,
                        (
                            grid["worker"],
                            "assigned",
                            f"New case {number}: {body['title']}",
                            f"/cases/{pk}/",
                            now,
                        ),
                    )
            else:
                stamp = now.replace(tzinfo=None).isoformat(" ")
                params = _case_params(
                    body,
                    grid,
                    world,
                    stamp,
                    response_due.replace(tzinfo=None).isoformat(" "),
                    resolution_due.replace(tzinfo=None).isoformat(" "),
                )
                conn.execute("BEGIN IMMEDIATE")
                try:
                    pk = conn.execute(insert_case, params).lastrowid
                    number = _number(now, pk)
                    conn.execute(set_number, (number, pk))
                    conn.execute(
                        insert_event,
                        (pk, "create", world["secretary"], stamp, "", "assigned", "", json.dumps(event_data)),
                    )
                    conn.execute(
                        insert_note,
                        (
                            grid["worker"],
                            "assigned",
                            f"New case {number}: {body['title']}",
                            f"/cases/{pk}/",
                            stamp,
                        ),
                    )
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
            ok = True
        except Exception as exc:
            ok = False
            errors += 1
            if len(samples) < 3:
                samples.append(repr(exc)[:300])
        elapsed = time.perf_counter() - t0
        done = time.monotonic()
        if ok:
            created += 1
            if started >= t_measure and done <= t_end:
                latencies.append(elapsed * 1000.0)
    conn.close()
    out.put(
        {
            "latencies": latencies,
            "created": created,
            "errors": errors,
            "samples": samples,
            "cpu": time.process_time() - cpu0,
        }
    )


# ================================================================ driving a phase


def _collect(out, procs) -> list[dict]:
    """One result per client process; fail fast when a client died without reporting."""
    import queue

    results: list[dict] = []
    deadline = time.monotonic() + 120
    while len(results) < len(procs):
        try:
            results.append(out.get(timeout=1.0))
        except queue.Empty:
            dead = [p for p in procs if not p.is_alive() and p.exitcode != 0]
            if dead or time.monotonic() > deadline:
                raise RuntimeError(f"{len(dead)} load-generator process(es) died without a result") from None
    return results


def run_phase(
    name: str, target, args_for, *, clients: int, warmup: float, seconds: float, cpu_probe=None
) -> dict:
    """Start `clients` forked processes running target(*args_for(i), clock, out), collect and summarise."""
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    t_start = time.monotonic() + 0.5
    clock = (t_start, t_start + warmup, t_start + warmup + seconds)
    procs = [ctx.Process(target=target, args=(*args_for(i), clock, out), daemon=True) for i in range(clients)]
    for p in procs:
        p.start()
    try:
        _wait_until(clock[1])
        busy0, total0 = machine_cpu()
        probe0 = cpu_probe() if cpu_probe else {}
        _wait_until(clock[2])
        busy1, total1 = machine_cpu()
        probe1 = cpu_probe() if cpu_probe else {}
        results = _collect(out, procs)
    finally:
        for p in procs:
            p.join(timeout=10)
            if p.is_alive():
                p.kill()
    latencies = sorted(x for r in results for x in r["latencies"])
    wall = clock[2] - clock[1]
    summary = {
        "cases_per_s": len(latencies) / wall,
        "p50_ms": percentile(latencies, 50),
        "p90_ms": percentile(latencies, 90),
        "p99_ms": percentile(latencies, 99),
        "max_ms": latencies[-1] if latencies else float("nan"),
        "measured": len(latencies),
        "created": sum(r["created"] for r in results),
        "errors": sum(r["errors"] for r in results),
        "error_samples": [s for r in results for s in r["samples"]][:5],
        # every core's busy time over the measured window, in cores (2.0 = both cores saturated)
        "machine_cores_busy": (busy1 - busy0) / wall,
        "machine_cores": (total1 - total0) / wall,
        # client CPU is over warm-up + measurement
        "client_cores": sum(r["cpu"] for r in results) / (warmup + seconds),
    }
    for key in probe1:
        summary[f"{key}_cores"] = (probe1[key] - probe0.get(key, 0.0)) / wall
    log(
        f"  {name:9s} {summary['cases_per_s']:7.1f} cases/s  p50 {summary['p50_ms']:6.2f} ms  "
        f"p90 {summary['p90_ms']:6.2f} ms  p99 {summary['p99_ms']:6.2f} ms  max {summary['max_ms']:7.1f} ms  "
        f"errors {summary['errors']}  cpu: machine {summary['machine_cores_busy']:.2f}/{summary['machine_cores']:.0f} cores, "
        f"clients {summary['client_cores']:.2f}"
        + "".join(f", {k} {summary[f'{k}_cores']:.2f}" for k in probe1)
    )
    for sample in summary["error_samples"]:
        log(f"    error: {sample}")
    return summary


def bench_database(kind: str, opts) -> dict:
    log(f"== {kind}")
    t0 = time.monotonic()
    db: ScratchDB = scratch_db(kind)
    server: Server | None = None
    try:
        env = bench_env(db)
        migrate(env)
        world = json.loads(run_python([__file__, "_world"], env).strip().splitlines()[-1])
        log(f"  scratch database {db.url}, migrated and seeded in {time.monotonic() - t0:.1f}s")

        server = Server(env, workers=opts.workers, threads=opts.threads)
        server.wait_ready()

        def probe() -> dict:
            values = {"server": server.cpu_seconds()}
            if kind == "postgres":
                values["postgres"] = postgres_backend_cpu_seconds(db.pg_dbname)
            return values

        log(
            f"  gunicorn: {opts.workers} gthread workers x {opts.threads} threads; {opts.clients} client processes"
        )
        api = run_phase(
            "api",
            api_client,
            lambda i: (i, server.port, world, ""),
            clients=opts.clients,
            warmup=opts.warmup,
            seconds=opts.seconds,
            cpu_probe=probe,
        )
        counts = json.loads(run_python([__file__, "_count"], env).strip().splitlines()[-1])
        verified = counts["cases"] == api["created"] and counts["events"] == api["created"]
        log(
            f"  rows: {counts['cases']} cases, {counts['events']} events for {api['created']} answers 201 → "
            + ("consistent" if verified else "MISMATCH")
        )

        idem = None
        if opts.idem_seconds > 0:
            before = counts["cases"]
            idem = run_phase(
                "api+idem",
                api_client,
                lambda i: (i, server.port, world, f"k{int(time.time())}"),
                clients=opts.clients,
                warmup=min(1.0, opts.warmup),
                seconds=opts.idem_seconds,
                cpu_probe=probe,
            )
            counts = json.loads(run_python([__file__, "_count"], env).strip().splitlines()[-1])
            idem_ok = (
                counts["cases"] - before == idem["created"]
                and counts["idempotency_records"] == idem["created"]
            )
            verified = verified and idem_ok
            log(
                f"  rows: +{counts['cases'] - before} cases, {counts['idempotency_records']} idempotency records "
                f"for {idem['created']} answers 201 → " + ("consistent" if idem_ok else "MISMATCH")
            )
        server.stop()
        server = None

        driver = {"kind": kind, "dsn": db.pg_dsn if kind == "postgres" else None, "path": db.sqlite_path}
        raw = run_phase(
            "raw",
            raw_client,
            lambda i: (i, driver, world),
            clients=opts.clients,
            warmup=min(1.0, opts.warmup),
            seconds=opts.seconds,
            cpu_probe=(lambda: {"postgres": postgres_backend_cpu_seconds(db.pg_dbname)})
            if kind == "postgres"
            else None,
        )
    finally:
        if server is not None:
            server.stop()
        db.drop()
    ratio = raw["cases_per_s"] / api["cases_per_s"] if api["cases_per_s"] else float("nan")
    log(f"  cost ratio raw/api = {ratio:.2f}   ({time.monotonic() - t0:.0f}s)")
    result = {
        "api_cases_per_s": rounded(api["cases_per_s"], 1),
        "api_p50_ms": rounded(api["p50_ms"]),
        "api_p99_ms": rounded(api["p99_ms"]),
        "raw_cases_per_s": rounded(raw["cases_per_s"], 1),
        "raw_p50_ms": rounded(raw["p50_ms"]),
        "raw_p99_ms": rounded(raw["p99_ms"]),
        "cost_ratio": rounded(ratio),
        "errors": api["errors"] + raw["errors"] + (idem["errors"] if idem else 0),
        "rows_verified": verified,
        "clients": opts.clients,
        "workers": opts.workers,
        "threads": opts.threads,
        "seconds": opts.seconds,
        "api_server_cores": rounded(api.get("server_cores", float("nan"))),
        "api_client_cores": rounded(api["client_cores"]),
        "api_machine_cores_busy": rounded(api["machine_cores_busy"]),
    }
    if kind == "postgres":
        result["api_postgres_cores"] = rounded(api.get("postgres_cores", float("nan")))
        result["meets_target"] = bool(
            api["cases_per_s"] >= TARGET_CASES_PER_S and api["p99_ms"] < TARGET_P99_MS and api["errors"] == 0
        )
    if idem:
        result.update(
            idem_cases_per_s=rounded(idem["cases_per_s"], 1),
            idem_p50_ms=rounded(idem["p50_ms"]),
            idem_p99_ms=rounded(idem["p99_ms"]),
        )
    return result


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] in ("_world", "_count", "_profile"):
        _django()
        mode = sys.argv[1]
        if mode == "_world":
            print(json.dumps(build_world()))
        elif mode == "_count":
            print(json.dumps(count_rows()))
        else:
            profile_main(sys.argv[2:])
        return

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=15.0, help="measured seconds per phase (default 15)")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds before each phase")
    parser.add_argument(
        "--idem-seconds", type=float, default=5.0, help="seconds of the Idempotency-Key run (0: skip)"
    )
    parser.add_argument("--clients", type=int, default=8, help="load-generator processes (default 8)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (default 4)")
    parser.add_argument(
        "--profile", action="store_true", help="profile one intake request on PostgreSQL instead"
    )
    parser.add_argument("--profile-requests", type=int, default=500)
    opts = parser.parse_args()

    if opts.profile:
        run_profile(opts.profile_requests)
        return

    kinds = ["sqlite", "postgres"] if opts.db == "both" else [opts.db]
    log(f"intake benchmark: {os.cpu_count()} CPUs, {opts.seconds:.0f}s measured per phase")
    results = {kind: bench_database(kind, opts) for kind in kinds}
    emit_json({"bench": "intake", "results": results})


# ================================================================ profile (in-process, PostgreSQL)


def run_profile(n: int) -> None:
    db = scratch_db("postgres")
    try:
        env = bench_env(db)
        migrate(env)
        run_python([__file__, "_world"], env)
        proc = run_python([__file__, "_profile", str(n)], env, timeout=600)
        print(proc, end="")
    finally:
        db.drop()


def profile_main(argv: list[str]) -> None:
    """N in-process POSTs through APIClient: the SQL of one request, and where the time goes."""
    import cProfile
    import pstats

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from linli.accounts.models import User
    from linli.cases.models import Category

    n = int(argv[0]) if argv else 500
    secretary = User.objects.get(username="secretary")
    from rest_framework.authtoken.models import Token

    token = Token.objects.get(user=secretary).key
    category = Category.objects.get(code=CATEGORY_CODE)
    from linli.org.models import Grid

    grids = []
    for g in Grid.objects.order_by("id"):
        lon, lat = g.geometry["coordinates"][0][0]
        grids.append({"id": g.pk, "lon": lon, "lat": lat})
    world = {"grids": grids, "category_code": category.code}
    rng = random.Random(SEED)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    def post(idem: str | None = None):
        body, _grid = random_case(rng, world)
        extra = {"HTTP_IDEMPOTENCY_KEY": idem} if idem else {}
        resp = client.post("/api/v1/cases/", body, format="json", **extra)
        assert resp.status_code == 201, (resp.status_code, resp.content[:300])
        return resp

    for _ in range(50):  # warm caches: locator index, calendar snapshot, DB connection
        post()

    for label, idem in (("plain POST", None), ("POST with Idempotency-Key", "profile-key-1")):
        with CaptureQueriesContext(connection) as ctx:
            post(idem)
        print(f"\n== SQL of one {label}: {len(ctx.captured_queries)} statements")
        for i, q in enumerate(ctx.captured_queries, 1):
            sql = q["sql"]
            print(f"{i:2d}. [{float(q['time']) * 1000:5.2f} ms] {sql[:260]}{' …' if len(sql) > 260 else ''}")

    # wall time per request, and the share spent waiting on the database
    import psycopg

    db_time = [0.0]
    orig_execute = psycopg.Cursor.execute

    def timed_execute(self, *a, **kw):
        t = time.perf_counter()
        try:
            return orig_execute(self, *a, **kw)
        finally:
            db_time[0] += time.perf_counter() - t

    psycopg.Cursor.execute = timed_execute
    t = time.perf_counter()
    for _ in range(n):
        post()
    wall = time.perf_counter() - t
    psycopg.Cursor.execute = orig_execute
    print(
        f"\n== {n} plain POSTs in process: {wall / n * 1000:.2f} ms each, of which {db_time[0] / n * 1000:.2f} ms "
        f"inside cursor.execute (SQL round trips) → {n / wall:.0f}/s on one core"
    )

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        post()
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = stats.total_tt
    print(f"\n== cProfile of {n} POSTs: {total / n * 1000:.2f} ms per request under the profiler")
    watch = [
        ("rest_framework/authentication.py", "authenticate_credentials", "token auth (Token+User query)"),
        ("linli/accounts/scope.py", "for_user", "Scope.for_user (RoleAssignment query)"),
        ("linli/cases/api.py", "_parse", "CaseCreateIn validation (category query)"),
        ("linli/cases/services.py", "case_create", "services.case_create total"),
        ("linli/org/locator.py", "locate_grid_id", "  locate_grid_id"),
        ("linli/cases/services.py", "grid_worker_for", "  grid_worker_for (query)"),
        ("linli/cases/services.py", "compute_deadlines", "  compute_deadlines"),
        ("linli/cases/services.py", "_event", "  _event (INSERT caseevent)"),
        ("linli/cases/services.py", "_notify", "  _notify (reverse + INSERT notification)"),
        ("django/db/transaction.py", "__exit__", "  transaction commit (Atomic.__exit__)"),
        ("linli/cases/api.py", "case_body", "case_body (re-fetch + serialise)"),
        ("rest_framework/serializers.py", "data", "  serializer .data"),
        ("linli/cases/selectors.py", "may_see_reporter_contact", "  may_see_reporter_contact"),
        ("rest_framework/response.py", "rendered_content", "JSON render"),
        ("django/core/handlers/base.py", "get_response", "whole Django handler"),
        ("psycopg/cursor.py", "execute", "psycopg Cursor.execute (all SQL)"),
        ("django/db/models/sql/compiler.py", "as_sql", "ORM SQL compilation (as_sql)"),
    ]
    rows = []
    for (filename, _line, func), (_cc, ncalls, _tt, ct, _callers) in stats.stats.items():
        for suffix, name, label in watch:
            if filename.endswith(suffix) and func == name:
                rows.append((label, ncalls / n, ct / n * 1000))
    order = {label: i for i, (_s, _f, label) in enumerate(watch)}
    seen = set()
    for label, calls, ms in sorted(rows, key=lambda r: order[r[0]]):
        if label in seen:
            continue
        seen.add(label)
        print(f"  {label:45s} {calls:5.1f} calls  {ms:6.2f} ms cumulative")
    print("\n== top 25 functions by cumulative time")
    stats.sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
