"""The care-call webhook under load: signed SOS calls per second with p50/p99 latency, alone and while staff
dashboards hammer the same server, against a bare Django insert endpoint on the same stack.

Run: .venv/bin/python bench/care_calls.py [--db postgres|sqlite] [--seconds N] [--callers N] [--viewers N]

A fresh scratch database (PostgreSQL `linli_bench_care` by default, or a SQLite file), `linli migrate`, then a
world: one community with 20 grids, a grid worker each, 2,000 residents living alone (独居老人) with a care worker,
two emergency contacts each and a call terminal of the platform `bench`; a secretary with an API token.
gunicorn (gthread, keep-alive) on loopback, and closed-loop load-generator *processes*:

* sos:        --callers processes POST /api/v1/care/calls/ — a new call id per request, an SOS from a random
              terminal, signed (X-Linli-Provider / -Timestamp / -Signature, HMAC-SHA256) — as fast as answers come.
              Any answer but 201 is an error. Afterwards care_carecall and the urgent cases must number the 201s.
* sos+board:  the same callers, plus --viewers processes reading what a dashboard reads, as the secretary:
              GET /api/v1/care/calls/?waiting=1 and GET /api/v1/cases/?overdue=1 in turn. The webhook's p99 is the
              figure that matters: an SOS must never wait behind a dashboard.
* bare:       the callers POST to bench/intake.py's bare endpoint (one ORM INSERT of a case, no checks) on the
              same settings and middleware: the floor a Django endpoint that writes a row costs.

bare_ratio = bare calls/s ÷ sos calls/s; board_p99_ratio = sos+board p99 ÷ sos p99.  The last line is JSON.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.client
import json
import multiprocessing as mp
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    REPO,
    Server,
    bench_env,
    emit_json,
    log,
    migrate,
    percentile,
    rounded,
    run_python,
    scratch_db,
    scratch_postgres,
)

SECRET = "bench-platform-secret"
PLATFORM = "bench"
RESIDENTS = 2000
GRIDS = 20
WEBHOOK = "/api/v1/care/calls/"
BARE = "/bench/bare/"


# ================================================================ inside Django (the _world subprocess)


def build_world() -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from datetime import date

    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from linli.accounts.choices import Role
    from linli.accounts.models import RoleAssignment, User
    from linli.care.services import terminal_provider_create, terminal_register
    from linli.cases.models import Category
    from linli.org.models import Building, Community, Compound, District, Grid, Street
    from linli.residents.models import EmergencyContact, Household, Resident, Tag, TagAssignment

    district = District.objects.create(code="120101", name="和平区")
    street = Street.objects.create(district=district, code="120101006", name="南营门街道")
    community = Community.objects.create(street=street, code="XND", name="西宁道社区")
    Category.objects.create(code="ENV-DRAIN", name="下水道堵塞")  # the bare endpoint's category
    Category.objects.create(
        code="ZL-JJ", name="紧急求助（助救）", urgent_response_minutes=10, is_public=False
    )
    compound = Compound.objects.create(community=community, name="吉利花园")
    secretary = User.objects.create_user(
        "secretary", password="x", display_name="张书记", phone="13900000001"
    )
    RoleAssignment.objects.create(user=secretary, role=Role.SECRETARY, community=community)
    token = Token.objects.create(user=secretary).key
    alone = Tag.objects.get(name="独居老人")
    now = timezone.now()
    provider, _secret = terminal_provider_create(code=PLATFORM, name="电子保姆（bench）", secret=SECRET)
    devices = []
    per_grid = RESIDENTS // GRIDS
    for g in range(GRIDS):
        lon, lat = 117.2 + 0.004 * g, 39.1
        square = [[lon, lat], [lon + 0.004, lat], [lon + 0.004, lat + 0.004], [lon, lat + 0.004], [lon, lat]]
        grid = Grid.objects.create(
            community=community,
            code=f"XND-{g:02d}",
            name=f"第{g + 1}网格",
            geometry={"type": "Polygon", "coordinates": [square]},
        )
        worker = User.objects.create_user(
            f"grid{g}", password="x", display_name=f"网格员{g}", phone=f"1380000{g:04d}"
        )
        RoleAssignment.objects.create(user=worker, role=Role.GRID_WORKER, grid=grid)
        building = Building.objects.create(
            compound=compound, name=f"{g + 1}号楼", grid=grid, lat=lat + 0.002, lon=lon + 0.002
        )
        for n in range(per_grid):
            household = Household.objects.create(
                building=building,
                grid=grid,
                community=community,
                street=street,
                floor=n // 10 + 1,
                room=f"{n // 10 + 1}0{n % 10 + 1}",
                address=f"吉利花园{g + 1}号楼{n}",
            )
            resident = Resident.objects.create(
                household=household,
                community=community,
                name=f"居民{g}-{n}",
                gender="female",
                birth_date=date(1940 + n % 15, 1 + n % 12, 1 + n % 28),
                phone=f"139{g:04d}{n:04d}",
                care_worker=worker,
                visit_every_days=7,
            )
            TagAssignment.objects.create(resident=resident, tag=alone, added_by=worker, added_at=now)
            for k, relation in enumerate(("女儿", "儿子")):
                EmergencyContact.objects.create(
                    resident=resident,
                    name=f"家属{k}",
                    relation=relation,
                    phone=f"137{g:04d}{n:03d}{k}",
                    priority=k + 1,
                )
            device = f"DZBM-{g:02d}-{n:04d}"
            terminal_register(
                actor=worker, resident=resident, provider=provider, device_id=device, model="Y1"
            )
            devices.append(device)
    return {"devices": devices, "token": token}


# ================================================================ load generators (no Django)


def _sign(body: bytes) -> dict[str, str]:
    ts = str(int(time.time()))
    signature = hmac.new(SECRET.encode(), ts.encode() + b"\n" + body, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/json",
        "X-Linli-Provider": PLATFORM,
        "X-Linli-Timestamp": ts,
        "X-Linli-Signature": signature,
    }


def caller(idx: int, port: int, path: str, devices: list[str], clock: tuple[float, float], out) -> None:
    """POST signed SOS calls (or bare rows) one after another on one keep-alive connection; latencies after warm-up."""
    t_measure, t_end = clock
    rng = random.Random(idx)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies, created, errors, n = [], 0, 0, 0
    while True:
        now = time.monotonic()
        if now >= t_end:
            break
        n += 1
        if path == WEBHOOK:
            body = json.dumps(
                {"call_id": f"c{idx}-{n}-{os.getpid()}", "device_id": rng.choice(devices), "event": "sos"}
            ).encode()
            headers = _sign(body)
        else:
            body = json.dumps({"title": "独居老人紧急呼叫", "channel": "care_call"}).encode()
            headers = {"Content-Type": "application/json"}
        start = time.monotonic()
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        took = time.monotonic() - start
        if response.status == 201:
            created += 1
            if start >= t_measure:
                latencies.append(took * 1000)
        else:
            errors += 1
    conn.close()
    out.put(("caller", latencies, created, errors))


def viewer(idx: int, port: int, token: str, clock: tuple[float, float], out) -> None:
    """Read what the secretary's dashboards read, in turn, as fast as answers come."""
    t_measure, t_end = clock
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    paths = ["/api/v1/care/calls/?waiting=1", "/api/v1/cases/?overdue=1"]
    reads, n = 0, 0
    while time.monotonic() < t_end:
        conn.request("GET", paths[n % 2], headers={"Authorization": f"Token {token}"})
        response = conn.getresponse()
        response.read()
        n += 1
        reads += response.status == 200
    conn.close()
    out.put(("viewer", [], reads, n - reads))


def run_phase(
    port: int,
    path: str,
    world: dict,
    *,
    callers: int,
    viewers: int,
    seconds: float,
    viewer_port: int | None = None,
) -> dict:
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    start = time.monotonic() + 0.5
    clock = (start + 1.0, start + 1.0 + seconds)  # one second of warm-up, not measured
    procs = [
        ctx.Process(target=caller, args=(i, port, path, world["devices"], clock, out)) for i in range(callers)
    ]
    procs += [
        ctx.Process(target=viewer, args=(i, viewer_port or port, world["token"], clock, out))
        for i in range(viewers)
    ]
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    latencies = sorted(x for kind, lat, *_ in results if kind == "caller" for x in lat)
    created = sum(r[2] for r in results if r[0] == "caller")
    errors = sum(r[3] for r in results if r[0] == "caller")
    reads = sum(r[2] for r in results if r[0] == "viewer")
    return {
        "calls_per_s": len(latencies) / seconds,
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "created": created,
        "errors": errors,
        "dashboard_reads_per_s": reads / seconds,
    }


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_world":
        print(json.dumps(build_world()))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "_count":
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
        sys.path.insert(0, str(REPO))
        import django

        django.setup()
        from linli.care.models import CareCall
        from linli.cases.models import Case

        print(
            json.dumps(
                {
                    "calls": CareCall.objects.count(),
                    "urgent_cases": Case.objects.filter(channel="care_call").count(),
                }
            )
        )
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--callers", type=int, default=4)
    parser.add_argument("--viewers", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    db = scratch_postgres("linli_bench_care") if args.db == "postgres" else scratch_db("sqlite")
    try:
        env = bench_env(db, LINLI_CARE_WEBHOOK_RATE="100000/m")  # the load itself, not the platform limit
        migrate(env)
        started = time.monotonic()
        world = json.loads(run_python([__file__, "_world"], env, timeout=900).strip().splitlines()[-1])
        log(
            f"world: {len(world['devices'])} residents living alone with terminals ({time.monotonic() - started:.0f}s)"
        )
        results = {}
        server = Server(env, workers=args.workers, threads=args.threads)
        try:
            server.wait_ready()
            for name, viewers in (("sos", 0), ("sos+board", args.viewers)):
                r = run_phase(
                    server.port, WEBHOOK, world, callers=args.callers, viewers=viewers, seconds=args.seconds
                )
                results[name] = r
                log(
                    f"{name:10s} {r['calls_per_s']:7.1f} calls/s  p50 {r['p50_ms']:6.2f}  p99 {r['p99_ms']:6.2f} ms"
                    f"  errors {r['errors']}"
                    + (f"  dashboard reads {r['dashboard_reads_per_s']:.1f}/s" if viewers else "")
                )
        finally:
            server.stop()
        # The deployment docs/care.md recommends: the webhook on a gunicorn pool of its own (the proxy routes
        # /api/v1/care/calls/ there), the pages and the rest of the API on another at a lower CPU priority.
        half = max(1, args.workers // 2)
        calls_pool = Server(env, workers=half, threads=args.threads)
        pages_pool = Server(env, workers=half, threads=args.threads, nice=10)
        try:
            calls_pool.wait_ready()
            pages_pool.wait_ready()
            r = run_phase(
                calls_pool.port,
                WEBHOOK,
                world,
                callers=args.callers,
                viewers=args.viewers,
                seconds=args.seconds,
                viewer_port=pages_pool.port,
            )
            results["sos+board/own pool"] = r
            log(
                f"{'own pool':10s} {r['calls_per_s']:7.1f} calls/s  p50 {r['p50_ms']:6.2f}  p99 {r['p99_ms']:6.2f} ms"
                f"  errors {r['errors']}  dashboard reads {r['dashboard_reads_per_s']:.1f}/s"
            )
        finally:
            calls_pool.stop()
            pages_pool.stop()
        counts = json.loads(run_python([__file__, "_count"], env).strip().splitlines()[-1])
        sent = sum(results[k]["created"] for k in ("sos", "sos+board", "sos+board/own pool"))
        verified = counts["calls"] == sent == counts["urgent_cases"]
        log(
            f"rows: {counts['calls']} calls, {counts['urgent_cases']} urgent cases for {sent} answers 201 — {'ok' if verified else 'MISMATCH'}"
        )
        bare_server = Server(
            env,
            workers=args.workers,
            threads=args.threads,
            app="intake:bare_application",
            extra_args=["--pythonpath", str(REPO / "bench")],
        )
        try:
            bare_server.wait_ready(path=BARE)
            results["bare"] = run_phase(
                bare_server.port, BARE, world, callers=args.callers, viewers=0, seconds=args.seconds
            )
            r = results["bare"]
            log(
                f"{'bare':10s} {r['calls_per_s']:7.1f} rows/s   p50 {r['p50_ms']:6.2f}  p99 {r['p99_ms']:6.2f} ms  errors {r['errors']}"
            )
        finally:
            bare_server.stop()
        sos, board, bare = results["sos"], results["sos+board"], results["bare"]
        own = results["sos+board/own pool"]
        bare_ratio = bare["calls_per_s"] / sos["calls_per_s"] if sos["calls_per_s"] else None
        board_ratio = board["p99_ms"] / sos["p99_ms"] if sos["p99_ms"] else None
        own_ratio = own["p99_ms"] / sos["p99_ms"] if sos["p99_ms"] else None
        log(
            f"bare/sos = {bare_ratio:.2f}, p99 with dashboards / alone = {board_ratio:.2f} "
            f"(shared pool), {own_ratio:.2f} (own pool)"
        )
        emit_json(
            {
                "bench": "care_calls",
                "db": args.db,
                "callers": args.callers,
                "viewers": args.viewers,
                "workers": args.workers,
                "threads": args.threads,
                "seconds": args.seconds,
                "sos_calls_per_s": rounded(sos["calls_per_s"], 1),
                "sos_p50_ms": rounded(sos["p50_ms"]),
                "sos_p99_ms": rounded(sos["p99_ms"]),
                "board_sos_calls_per_s": rounded(board["calls_per_s"], 1),
                "board_sos_p99_ms": rounded(board["p99_ms"]),
                "board_reads_per_s": rounded(board["dashboard_reads_per_s"], 1),
                "bare_rows_per_s": rounded(bare["calls_per_s"], 1),
                "bare_ratio": rounded(bare_ratio),
                "board_p99_ratio": rounded(board_ratio),
                "own_pool_sos_calls_per_s": rounded(own["calls_per_s"], 1),
                "own_pool_sos_p99_ms": rounded(own["p99_ms"]),
                "own_pool_reads_per_s": rounded(own["dashboard_reads_per_s"], 1),
                "own_pool_p99_ratio": rounded(own_ratio),
                "errors": sos["errors"] + board["errors"] + own["errors"] + bare["errors"],
                "rows_verified": verified,
            }
        )
    finally:
        db.drop()


if __name__ == "__main__":
    main()
