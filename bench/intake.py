"""Case intake throughput: POST /api/v1/cases/ through a real gunicorn server vs raw driver inserts of the same rows.

Run: .venv/bin/python bench/intake.py [--db sqlite|postgres|both] [--seconds N] [--clients N] [--workers N]
     .venv/bin/python bench/intake.py --profile      (where the time of one intake request goes, PostgreSQL)

For each database: a fresh scratch database (SQLite file in a temp dir; PostgreSQL `linli_bench`, dropped and
recreated), `linli migrate`, a world of one community with 50 square grids and a grid worker each, then

* api: gunicorn (gthread workers, keep-alive) on loopback, driven by --clients load-generator *processes*, each
  with one persistent HTTP/1.1 connection, POSTing cases at random points inside the grids as fast as answers
  come back (closed loop).  Latency is measured per request at the client; any non-201 answer is an error.
  Afterwards the number of rows in cases_case (and cases_caseevent) must equal the number of 201 answers.
* api+idem: the same with an Idempotency-Key header on every request (a second, shorter figure).
* bare: the same server stack (gunicorn, every middleware) with one plain Django view that parses the JSON and
  does one ORM INSERT of a case row — the "bare Django insert endpoint" the intake target is relative to.
* raw: the same number of processes, each with its own driver connection (sqlite3 / psycopg), writing the rows
  one intake writes — the case, its number, its timeline entry and the assignee's notification — in one
  transaction per case.

cost_ratio = raw cases/s / api cases/s (the whole intake against bare driver inserts);
bare_ratio = bare cases/s / api cases/s (the intake against a bare Django insert endpoint; target ≤ 1.7).
The last line printed is JSON.
"""

from __future__ import annotations

import argparse
import functools
import http.client
import json
import multiprocessing as mp
import os
import random
import sys
import threading
import time
from collections import defaultdict
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
    proc_cpu_seconds,
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
TARGET_BARE_RATIO = 1.7
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
CASES_PATH = "/api/v1/cases/"
BARE_PATH = "/bench/bare/"


# ================================================================ inside Django (subprocess modes, server app)


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    if str(REPO) not in sys.path:
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
                n = j * COLS + i + 1
                lon, lat = LON0 + i * SIZE, LAT0 + j * SIZE
                grid = Grid.objects.create(
                    community=community, code=f"XND-{n:02d}", name=f"第{n}网格", geometry=square(lon, lat)
                )
                worker = User.objects.create_user(
                    username=f"grid{n:02d}", display_name=f"网格员{n}"
                )  # no password
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


# ---------------------------------------------------------------- the bare Django insert endpoint

_bare_ids: dict = {}


def bare_insert_view(request):
    """Parse the JSON body, INSERT one case row through the ORM (autocommit), answer 201 {"id": …}.

    No authentication, no validation, no lookups: the floor a Django endpoint that writes a row costs."""
    from django.http import JsonResponse
    from django.utils import timezone as dj_timezone

    from linli.cases.models import Case, Category
    from linli.org.models import Community

    if not _bare_ids:
        category = Category.objects.get(code=CATEGORY_CODE)
        community = Community.objects.get(code="XND")
        _bare_ids.update(category=category.pk, community=community.pk, street=community.street_id)
    body = json.loads(request.body)
    now = dj_timezone.now()
    case = Case.objects.create(
        title=body["title"],
        description=body.get("description", ""),
        category_id=_bare_ids["category"],
        channel=body.get("channel", "phone"),
        street_id=_bare_ids["street"],
        community_id=_bare_ids["community"],
        lat=body.get("lat"),
        lon=body.get("lon"),
        reporter_name=body.get("reporter_name", ""),
        reporter_phone=body.get("reporter_phone", ""),
        received_at=now,
        response_due_at=now + timedelta(hours=2),
        resolution_due_at=now + timedelta(days=5),
    )
    return JsonResponse({"id": case.pk}, status=201)


def __getattr__(name: str):
    """This module doubles as the bare app's URLconf (built lazily, so the driver never imports Django)."""
    if name == "urlpatterns":
        from django.urls import path
        from django.views.decorators.csrf import csrf_exempt

        return [path(BARE_PATH.strip("/") + "/", csrf_exempt(bare_insert_view))]
    raise AttributeError(name)


_bare_lock = threading.Lock()
_bare_app = None


def bare_application(environ, start_response):
    """WSGI app for gunicorn (`--pythonpath bench intake:bare_application`): Linli's settings and middleware,
    this module as the URLconf."""
    global _bare_app
    if _bare_app is None:
        with _bare_lock:
            if _bare_app is None:
                _django()
                from django.conf import settings
                from django.core.wsgi import get_wsgi_application

                settings.ROOT_URLCONF = __name__
                _bare_app = get_wsgi_application()
    return _bare_app(environ, start_response)


# ================================================================ request bodies


def random_case(rng: random.Random, world: dict) -> tuple[dict, dict]:
    """A case body for the API and the grid it falls in (points keep 5 % off the grid edges)."""
    grid = rng.choice(world["grids"])
    lon = grid["lon"] + SIZE * rng.uniform(0.05, 0.95)
    lat = grid["lat"] + SIZE * rng.uniform(0.05, 0.95)
    body = {
        "title": f"{rng.choice(PLACES)}{rng.randint(1, 30)}号楼{rng.choice(TITLES)}",
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


def _report(out, latencies, created, errors, samples, cpu0) -> None:
    out.put(
        {
            "latencies": latencies,
            "created": created,
            "errors": errors,
            "samples": samples,
            "cpu": time.process_time() - cpu0,
        }
    )


def http_client(
    idx: int, port: int, path: str, world: dict, idem: str, clock: tuple[float, float, float], out
) -> None:
    """One closed-loop client on one keep-alive HTTP/1.1 connection."""
    t_start, t_measure, t_end = clock
    rng = random.Random(SEED * 1000 + idx)
    headers = {
        "Authorization": f"Token {world['token']}",
        "Content-Type": "application/json",
        "Accept": "application/json",
    }
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    latencies: list[float] = []
    created = errors = seq = 0
    samples: list[str] = []
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
            conn.request("POST", path, data, h)
            resp = conn.getresponse()
            payload = resp.read()
            status = resp.status
        except (OSError, http.client.HTTPException) as exc:
            status, payload = None, repr(exc).encode()
            conn.close()
        elapsed = time.perf_counter() - t0
        if status == 201:
            created += 1
            if started >= t_measure and time.monotonic() <= t_end:
                latencies.append(elapsed * 1000.0)
        else:
            errors += 1
            if len(samples) < 3:
                samples.append(f"{status}: {payload[:300].decode(errors='replace')}")
    _wait_until(t_end + 0.5)  # keep the connection (and its backend) until the CPU probe has run
    conn.close()
    _report(out, latencies, created, errors, samples, cpu0)


CASE_COLUMNS = (
    "title",
    "description",
    "category_id",
    "channel",
    "urgency",
    "status",
    "street_id",
    "community_id",
    "grid_id",
    "address",
    "lat",
    "lon",
    "reporter_name",
    "reporter_phone",
    "reporter_phone_index",
    "created_by_id",
    "assignee_id",
    "received_at",
    "assigned_at",
    "response_due_at",
    "resolution_due_at",
    "deadline_estimated",
    "result",
    "satisfaction",
    "feedback_comment",
    "reopen_count",
    "reject_reason",
    "version",
    "updated_at",
    "tracking_code",
    "attributes",
)


_RAW_KEYS = (os.urandom(16), os.urandom(32))  # this process's own SM4 and HMAC keys: the same work, any key


def _protected_phone(phone: str) -> tuple[str, str]:
    """The phone as intake stores it: SM4-GCM ciphertext and its HMAC-SM3 blind index (core.crypto's format)."""
    import base64

    from cryptography.hazmat.primitives import hashes, hmac
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    nonce = os.urandom(12)
    encryptor = Cipher(algorithms.SM4(_RAW_KEYS[0]), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(b"cases.case.reporter_phone")
    body = encryptor.update(phone.encode()) + encryptor.finalize()
    mac = hmac.HMAC(_RAW_KEYS[1], hashes.SM3())
    mac.update(b"phone\x00" + phone.encode())
    return (
        "d1:" + base64.b64encode(nonce + body + encryptor.tag).decode(),
        "i1." + mac.finalize()[:20].hex(),
    )


def _case_params(body: dict, grid: dict, world: dict, now, response_due, resolution_due) -> tuple:
    """Values for CASE_COLUMNS: what case_create writes for a located, auto-assigned phone case."""
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
        *_protected_phone(body["reporter_phone"]),
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
        _tracking_code(),
        "{}",
    )


def _tracking_code() -> str:
    """A tracking code as intake draws it (cases.services.new_tracking_code)."""
    import secrets

    return "".join(secrets.choice("23456789ABCDEFGHJKMNPQRSTUVWXYZ") for _ in range(10))


def raw_client(idx: int, db: dict, world: dict, clock: tuple[float, float, float], out) -> None:
    """Write the rows of one intake per transaction straight through the driver, on one connection:
    INSERT case, UPDATE its number, INSERT its timeline entry, INSERT the assignee's notification."""
    t_start, t_measure, t_end = clock
    rng = random.Random(SEED * 1000 + idx)
    postgres = db["kind"] == "postgres"
    if postgres:
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
    insert_case = (
        f"INSERT INTO cases_case ({', '.join(CASE_COLUMNS)}) VALUES ({', '.join([ph] * len(CASE_COLUMNS))})"
        + (" RETURNING id" if postgres else "")
    )
    set_number = f"UPDATE cases_case SET number = {ph} WHERE id = {ph}"
    insert_event = (
        "INSERT INTO cases_caseevent (case_id, action, actor_id, created_at, from_status, to_status, note, data) "
        f"VALUES ({', '.join([ph] * 8)})"
    )
    insert_note = f"INSERT INTO core_notification (recipient_id, kind, message, url, created_at) VALUES ({', '.join([ph] * 5)})"
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
        response_due = now + timedelta(minutes=world["response_minutes"])
        resolution_due = now + timedelta(days=5)
        event_data = {"grid": grid["id"], "assignee": grid["worker"], "channel": body["channel"]}
        try:
            if postgres:
                with conn.transaction():
                    params = _case_params(body, grid, world, now, response_due, resolution_due)
                    pk = conn.execute(insert_case, params).fetchone()[0]
                    number = f"{now.astimezone(SHANGHAI):%Y%m%d}{pk:07d}"
                    conn.execute(set_number, (number, pk))
                    conn.execute(
                        insert_event,
                        (pk, "create", world["secretary"], now, "", "assigned", "", Jsonb(event_data)),
                    )
                    message = f"New case {number}: {body['title']}"
                    conn.execute(insert_note, (grid["worker"], "assigned", message, f"/cases/{pk}/", now))
            else:
                # Django's SQLite format: naive UTC "YYYY-MM-DD HH:MM:SS.ffffff"
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
                    number = f"{now.astimezone(SHANGHAI):%Y%m%d}{pk:07d}"
                    conn.execute(set_number, (number, pk))
                    conn.execute(
                        insert_event,
                        (pk, "create", world["secretary"], stamp, "", "assigned", "", json.dumps(event_data)),
                    )
                    message = f"New case {number}: {body['title']}"
                    conn.execute(insert_note, (grid["worker"], "assigned", message, f"/cases/{pk}/", stamp))
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
        except Exception as exc:
            errors += 1
            if len(samples) < 3:
                samples.append(repr(exc)[:300])
            continue
        elapsed = time.perf_counter() - t0
        created += 1
        if started >= t_measure and time.monotonic() <= t_end:
            latencies.append(elapsed * 1000.0)
    _wait_until(t_end + 0.5)  # keep the connection (and its backend) until the CPU probe has run
    conn.close()
    _report(out, latencies, created, errors, samples, cpu0)


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
    """Fork `clients` processes running target(*args_for(i), clock, out); summarise the measured window."""
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    t_start = time.monotonic() + 0.3
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
        "created": sum(r["created"] for r in results),
        "errors": sum(r["errors"] for r in results),
        "error_samples": [s for r in results for s in r["samples"]][:5],
        # busy time of all cores over the measured window, in cores (2.0 = both cores saturated)
        "machine_cores_busy": (busy1 - busy0) / wall,
        "machine_cores": (total1 - total0) / wall,
        # load generators over warm-up + measurement
        "client_cores": sum(r["cpu"] for r in results) / (warmup + seconds),
    }
    for key in probe1:
        summary[f"{key}_cores"] = (probe1[key] - probe0.get(key, 0.0)) / wall
    # whatever else ran on the machine meanwhile (other test runs skew every figure: check this is ~0)
    summary["other_cores"] = max(
        0.0,
        summary["machine_cores_busy"] - summary["client_cores"] - sum(summary[f"{k}_cores"] for k in probe1),
    )
    extra = (
        "".join(f", {k} {summary[f'{k}_cores']:.2f}" for k in probe1)
        + f", other {summary['other_cores']:.2f}"
    )
    log(
        f"  {name:9s} {summary['cases_per_s']:7.1f} cases/s  p50 {summary['p50_ms']:6.2f}  "
        f"p90 {summary['p90_ms']:6.2f}  p99 {summary['p99_ms']:6.2f}  max {summary['max_ms']:7.1f} ms  "
        f"errors {summary['errors']}  | cores busy: machine {summary['machine_cores_busy']:.2f}"
        f"/{summary['machine_cores']:.0f}, clients {summary['client_cores']:.2f}{extra}"
    )
    for sample in summary["error_samples"]:
        log(f"    error: {sample}")
    return summary


def _counts(env: dict) -> dict:
    return json.loads(run_python([__file__, "_count"], env).strip().splitlines()[-1])


def bench_database(kind: str, opts) -> dict:
    log(f"== {kind}")
    t0 = time.monotonic()
    db: ScratchDB = scratch_db(kind)
    server: Server | None = None
    phase = functools.partial(run_phase, clients=opts.clients)
    try:
        env = bench_env(db)
        migrate(env)
        world = json.loads(run_python([__file__, "_world"], env).strip().splitlines()[-1])
        log(f"  scratch database {db.url}: migrated and seeded in {time.monotonic() - t0:.1f}s")

        def probe() -> dict:
            values = {"server": server.cpu_seconds()}
            if kind == "postgres":
                values["postgres"] = postgres_backend_cpu_seconds(db.pg_dbname)
            return values

        server = Server(env, workers=opts.workers, threads=opts.threads)
        server.wait_ready()
        log(
            f"  gunicorn: {opts.workers} gthread workers x {opts.threads} threads, {opts.clients} client processes"
        )
        api = phase(
            "api",
            http_client,
            lambda i: (i, server.port, CASES_PATH, world, ""),
            warmup=opts.warmup,
            seconds=opts.seconds,
            cpu_probe=probe,
        )
        counts = _counts(env)
        verified = counts["cases"] == api["created"] and counts["events"] == api["created"]
        log(
            f"  rows: {counts['cases']} cases, {counts['events']} timeline entries for {api['created']} answers 201 "
            + ("-> consistent" if verified else "-> MISMATCH")
        )

        idem = None
        if opts.idem_seconds > 0:
            before = counts["cases"]
            run_id = f"k{time.time_ns()}"
            idem = phase(
                "api+idem",
                http_client,
                lambda i: (i, server.port, CASES_PATH, world, run_id),
                warmup=min(1.0, opts.warmup),
                seconds=opts.idem_seconds,
                cpu_probe=probe,
            )
            counts = _counts(env)
            ok = counts["cases"] - before == idem["created"] == counts["idempotency_records"]
            verified = verified and ok
            log(
                f"  rows: +{counts['cases'] - before} cases, {counts['idempotency_records']} idempotency records "
                f"for {idem['created']} answers 201 " + ("-> consistent" if ok else "-> MISMATCH")
            )
        server.stop()
        server = None

        bare = None
        if opts.bare_seconds > 0:
            before = counts["cases"]
            server = Server(
                env,
                workers=opts.workers,
                threads=opts.threads,
                app="intake:bare_application",
                extra_args=["--pythonpath", str(Path(__file__).resolve().parent)],
            )
            server.wait_ready(path="/")  # a 404 from the bare URLconf
            bare = phase(
                "bare",
                http_client,
                lambda i: (i, server.port, BARE_PATH, world, ""),
                warmup=min(1.0, opts.warmup),
                seconds=opts.bare_seconds,
                cpu_probe=probe,
            )
            server.stop()
            server = None
            counts = _counts(env)
            ok = counts["cases"] - before == bare["created"]
            verified = verified and ok

        driver = {"kind": kind, "dsn": db.pg_dsn if kind == "postgres" else None, "path": db.sqlite_path}
        raw = phase(
            "raw",
            raw_client,
            lambda i: (i, driver, world),
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

    def ratio(a: dict | None) -> float:
        return a["cases_per_s"] / api["cases_per_s"] if a and api["cases_per_s"] else float("nan")

    log(
        f"  raw/api = {ratio(raw):.2f}"
        + (f", bare/api = {ratio(bare):.2f} (target <= {TARGET_BARE_RATIO})" if bare else "")
        + f"   ({time.monotonic() - t0:.0f}s)"
    )
    result = {
        "api_cases_per_s": rounded(api["cases_per_s"], 1),
        "api_p50_ms": rounded(api["p50_ms"]),
        "api_p99_ms": rounded(api["p99_ms"]),
        "raw_cases_per_s": rounded(raw["cases_per_s"], 1),
        "raw_p50_ms": rounded(raw["p50_ms"]),
        "raw_p99_ms": rounded(raw["p99_ms"]),
        "cost_ratio": rounded(ratio(raw)),
        "errors": api["errors"] + raw["errors"] + sum(p["errors"] for p in (idem, bare) if p),
        "rows_verified": verified,
        "clients": opts.clients,
        "workers": opts.workers,
        "threads": opts.threads,
        "seconds": opts.seconds,
        "api_server_cores": rounded(api["server_cores"]),
        "api_client_cores": rounded(api["client_cores"]),
        "api_machine_cores_busy": rounded(api["machine_cores_busy"]),
        "api_other_cores": rounded(api["other_cores"]),
    }
    if kind == "postgres":
        result["api_postgres_cores"] = rounded(api["postgres_cores"])
    if idem:
        result.update(
            idem_cases_per_s=rounded(idem["cases_per_s"], 1),
            idem_p50_ms=rounded(idem["p50_ms"]),
            idem_p99_ms=rounded(idem["p99_ms"]),
        )
    if bare:
        result.update(
            bare_cases_per_s=rounded(bare["cases_per_s"], 1),
            bare_p50_ms=rounded(bare["p50_ms"]),
            bare_p99_ms=rounded(bare["p99_ms"]),
            bare_ratio=rounded(ratio(bare)),
        )
    if kind == "postgres":
        result["meets_target"] = bool(
            api["cases_per_s"] >= TARGET_CASES_PER_S and api["p99_ms"] < TARGET_P99_MS and api["errors"] == 0
        )
    return result


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] in ("_world", "_count", "_profile"):
        _django()
        if sys.argv[1] == "_world":
            print(json.dumps(build_world()))
        elif sys.argv[1] == "_count":
            print(json.dumps(count_rows()))
        else:
            profile_main(int(sys.argv[2]) if len(sys.argv) > 2 else 300)
        return

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument(
        "--seconds", type=float, default=15.0, help="measured seconds of the api and raw phases"
    )
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds before the api phase")
    parser.add_argument(
        "--idem-seconds", type=float, default=5.0, help="seconds of the Idempotency-Key run (0 skips)"
    )
    parser.add_argument(
        "--bare-seconds", type=float, default=5.0, help="seconds of the bare-endpoint run (0 skips)"
    )
    parser.add_argument("--clients", type=int, default=8, help="load-generator processes (default 8)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (default 4)")
    parser.add_argument(
        "--profile", action="store_true", help="profile intake requests in process instead (PostgreSQL)"
    )
    parser.add_argument("--profile-requests", type=int, default=300)
    opts = parser.parse_args()

    if opts.profile:
        run_profile(opts.profile_requests)
        return
    kinds = ["sqlite", "postgres"] if opts.db == "both" else [opts.db]
    log(
        f"intake benchmark: {os.cpu_count()} CPUs, {opts.seconds:g}s measured per phase, load average {os.getloadavg()[0]:.2f}"
    )
    results = {kind: bench_database(kind, opts) for kind in kinds}
    emit_json({"bench": "intake", "results": results})


# ================================================================ profile (in process, PostgreSQL)


def run_profile(n: int) -> None:
    db = scratch_db("postgres")
    try:
        env = bench_env(db)
        migrate(env)
        run_python([__file__, "_world"], env)
        print(run_python([__file__, "_profile", str(n)], env, timeout=900), end="", flush=True)
    finally:
        db.drop()


class _Parts:
    """Inclusive wall time, SQL time and statement count per wrapped function, per request."""

    def __init__(self) -> None:
        self.stack: list[str] = []
        self.order: list[str] = []
        self.wall: dict[str, float] = defaultdict(float)
        self.sql: dict[str, float] = defaultdict(float)
        self.stmts: dict[str, int] = defaultdict(int)
        self.calls: dict[str, int] = defaultdict(int)
        self.by_statement: dict[str, list[float]] = defaultdict(list)
        self.enabled = False

    def wrap(self, label: str, fn):
        self.order.append(label)

        @functools.wraps(fn)
        def inner(*args, **kwargs):
            if not self.enabled:
                return fn(*args, **kwargs)
            self.stack.append(label)
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.wall[label] += time.perf_counter() - t
                self.calls[label] += 1
                self.stack.pop()

        return inner

    def execute_wrapper(self, execute, sql, params, many, context):
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            if self.enabled:
                elapsed = time.perf_counter() - t
                for label in set(self.stack):
                    self.sql[label] += elapsed
                    self.stmts[label] += 1
                self.by_statement[_statement_label(sql)].append(elapsed)


def _statement_label(sql: str) -> str:
    import re

    words = sql.split()
    verb = words[0].upper()
    tables = re.findall(r'(?:FROM|INTO|UPDATE|JOIN)\s+"(\w+)"', sql)
    where = re.search(r"WHERE (.*?)(?: ORDER BY| LIMIT| RETURNING|$)", sql)
    cond = re.sub(r"\d+", "?", re.sub(r"'[^']*'", "'?'", where.group(1)))[:70] if where else ""
    joined = f" +{len(tables) - 1} joins" if verb == "SELECT" and len(tables) > 1 else ""
    return f"{verb} {tables[0] if tables else ''}{joined}" + (f" WHERE {cond}" if cond else "")


def profile_main(n: int) -> None:
    """N in-process POSTs through APIClient (every middleware, DEBUG off): the SQL of one request, where the
    time goes by part, Python vs PostgreSQL CPU, and the same for the bare insert endpoint."""
    import cProfile
    import pstats

    from django.db import connection
    from django.test import override_settings
    from django.test.utils import CaptureQueriesContext
    from rest_framework import authentication
    from rest_framework.authtoken.models import Token
    from rest_framework.response import Response
    from rest_framework.test import APIClient

    from linli.accounts.scope import Scope
    from linli.cases import api, services
    from linli.org.models import Grid

    grids = []
    for g in Grid.objects.order_by("id"):
        lon, lat = g.geometry["coordinates"][0][0]
        grids.append({"id": g.pk, "lon": lon, "lat": lat})
    world = {"grids": grids, "category_code": CATEGORY_CODE}
    rng = random.Random(SEED)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get(user__username='secretary').key}")

    def post(path: str = CASES_PATH, idem: str | None = None):
        body, _grid = random_case(rng, world)
        extra = {"HTTP_IDEMPOTENCY_KEY": idem} if idem else {}
        resp = client.post(path, body, format="json", **extra)
        assert resp.status_code == 201, (resp.status_code, resp.content[:300])

    def measure(label: str, path: str) -> float:
        """Best of 3: wall, Python CPU and the PostgreSQL backend's CPU per request."""
        for _ in range(30):
            post(path)
        backend = connection.connection.info.backend_pid
        best = None
        for _ in range(3):
            w, c, pg = time.perf_counter(), time.process_time(), proc_cpu_seconds(backend)
            for _ in range(n):
                post(path)
            sample = (
                (time.perf_counter() - w) / n * 1000,
                (time.process_time() - c) / n * 1000,
                (proc_cpu_seconds(backend) - pg) / n * 1000,
            )
            best = sample if best is None or sample[0] < best[0] else best
        print(
            f"  {label:34s} wall {best[0]:6.2f} ms   Python CPU {best[1]:6.2f} ms   PostgreSQL CPU {best[2]:5.2f} ms"
            f"   → at most {2000 / (best[1] + best[2]):4.0f}/s on 2 cores"
        )
        return best[0]

    for _ in range(50):  # warm: locator index, calendar snapshot, connection
        post()

    for label, idem in (("plain POST", None), ("POST with Idempotency-Key", "profile-key-1")):
        with CaptureQueriesContext(connection) as ctx:
            post(idem=idem)
        print(f"\n== SQL of one {label} {CASES_PATH}: {len(ctx.captured_queries)} statements")
        for i, q in enumerate(ctx.captured_queries, 1):
            sql = " ".join(q["sql"].split())
            print(f"  {i:2d}. {sql[:200]}{' …' if len(sql) > 200 else ''}")

    print(f"\n== cost per request, in process ({n} requests, best of 3)")
    api_ms = measure("intake POST /api/v1/cases/", CASES_PATH)
    with override_settings(ROOT_URLCONF="__main__"):
        bare_ms = measure("bare insert view (1 ORM INSERT)", BARE_PATH)
    print(f"  intake / bare = {api_ms / bare_ms:.1f}x (target {TARGET_BARE_RATIO}x)")

    parts = _Parts()
    timed_post = parts.wrap("whole request (APIClient → response)", post)
    auth_cls = authentication.TokenAuthentication
    patches = [
        (auth_cls, "authenticate", parts.wrap("token authentication (cached)", auth_cls.authenticate)),
        (
            Scope,
            "for_user",
            classmethod(parts.wrap("Scope.for_user (cached)", Scope.for_user.__func__)),
        ),
        (api, "idempotent", parts.wrap("idempotent() (no key: pass-through)", api.idempotent)),
        (api, "parse_input", parts.wrap("CaseCreateIn validation (cached Category)", api.parse_input)),
        (services, "case_create", parts.wrap("services.case_create", services.case_create)),
        (services, "locate_place", parts.wrap("  locate_place (GridIndex)", services.locate_place)),
        (services, "grid_worker", parts.wrap("  grid_worker (locator snapshot)", services.grid_worker)),
        (
            services,
            "compute_deadlines",
            parts.wrap("  compute_deadlines (workdays)", services.compute_deadlines),
        ),
        (services, "_write_new_case", parts.wrap("  _write_new_case (the rows)", services._write_new_case)),
        (api, "case_out", parts.wrap("case_out (201 body)", api.case_out)),
        (
            Response,
            "rendered_content",
            property(parts.wrap("JSON rendering", Response.rendered_content.fget)),
        ),
    ]
    saved = [(obj, name, obj.__dict__[name]) for obj, name, _new in patches]
    for obj, name, new in patches:
        setattr(obj, name, new)
    try:
        with connection.execute_wrapper(parts.execute_wrapper):
            parts.enabled = True
            for _ in range(n):
                timed_post()
            parts.enabled = False
    finally:
        for obj, name, old in saved:
            setattr(obj, name, old)

    print(f"\n== where the time goes (mean over {n} POSTs; inclusive; SQL = time inside cursor.execute)")
    print(f"  {'part':42s} {'calls':>5s} {'wall ms':>8s} {'SQL ms':>7s} {'stmts':>5s}")
    for label in parts.order:
        if parts.calls[label]:
            print(
                f"  {label:42s} {parts.calls[label] / n:5.1f} {parts.wall[label] / n * 1000:8.2f} "
                f"{parts.sql[label] / n * 1000:7.2f} {parts.stmts[label] / n:5.1f}"
            )
    print("\n== statements per request (mean time inside cursor.execute)")
    for label, times in sorted(parts.by_statement.items(), key=lambda kv: -sum(kv[1])):
        print(f"  {len(times) / n:4.1f} x {sum(times) / len(times) * 1000:6.3f} ms  {label}")

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        post()
    profiler.disable()
    print(f"\n== cProfile: top functions by own time over {n} POSTs")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    main()
