"""Mixed load through a real gunicorn on loopback, then a burst on the public endpoints (SECURITY.md RE-01/RL-01).

Phase 1 (--seconds, default 60): --clients load-generator processes, each looping over a weighted mix of
  staff reading the case list and case pages (API, token), staff intake (POST /api/v1/cases/ with an
  Idempotency-Key), residents reporting on /r/ (GET the form, POST it with its CSRF token; each resident from its
  own loopback address 127.0.0.x, as phones behind different addresses) and residents opening their track page.
  Prints requests per second, p50/p95 per request kind and the error rate (any 5xx, or an unexpected 4xx).
Phase 2 (burst): one client hammers the public report and track endpoints as fast as it can; it must get 429s
  and never a 5xx. Prints the status histogram.

Exits non-zero on any 5xx, or if the burst was never throttled. The last line printed is one JSON object.

    .venv/bin/python bench/load.py --seconds 60            # SQLite
    .venv/bin/python bench/load.py --db postgres --seconds 60
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import random
import re
import sys
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    Server,
    bench_env,
    emit_json,
    log,
    percentile,
    rounded,
    run_python,
    scratch_db,
)

SEED = 20261201
MIX = [("case_list", 30), ("case_page", 30), ("intake", 15), ("public_report", 10), ("track", 15)]
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
BURST_REQUESTS = 400
SEEDED_CASES = 300


# ================================================================ inside Django (a subprocess)


def build_world() -> dict:
    """The intake bench's world (50 grids, their workers, a secretary with a token) plus seeded cases."""
    from intake import build_world as intake_world
    from intake import random_case

    from linli.accounts.models import User
    from linli.cases.services import case_create

    world = intake_world()
    secretary = User.objects.get(pk=world["secretary"])
    rng = random.Random(SEED)
    codes, ids = [], []
    from linli.cases.models import Category

    category = Category.objects.get(code=world["category_code"])
    for _ in range(SEEDED_CASES):
        body, _grid = random_case(rng, world)
        case = case_create(
            actor=secretary,
            title=body["title"],
            category=category,
            lat=body["lat"],
            lon=body["lon"],
            description=body.get("description", ""),
        )
        ids.append(case.pk)
        codes.append(case.tracking_code)
    world["case_ids"] = ids
    world["tracking_codes"] = [c for c in codes if c]
    return world


# ================================================================ the load generators (plain http.client)


class Client:
    """One keep-alive HTTP/1.1 connection to the server, optionally from a chosen loopback address."""

    def __init__(self, port: int, source: str = "127.0.0.1"):
        self.port, self.source = port, source
        self.conn: http.client.HTTPConnection | None = None
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(
                    "127.0.0.1", self.port, timeout=30, source_address=(self.source, 0)
                )
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    return 599, b"", {}
                continue
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key.strip()] = rest.split(";", 1)[0]
            if response.getheader("Connection", "").lower() == "close":
                self.conn.close()
                self.conn = None
            return response.status, data, dict(response.getheaders())
        return 599, b"", {}


def _expected(kind: str, status: int) -> bool:
    if kind == "public_report":
        return status in (302, 429)  # success redirects to the track page; a busy address is throttled
    if kind == "public_form":
        return status in (200, 429)
    if kind == "track":
        return status in (200, 429)
    if kind == "intake":
        return status == 201
    return status == 200


def load_client(idx: int, port: int, world: dict, deadline: float, out) -> None:
    rng = random.Random(SEED + idx)
    staff = Client(port)
    auth = {"Authorization": f"Token {world['token']}", "Accept": "application/json"}
    samples: list[tuple[str, int, float]] = []
    kinds = [k for k, w in MIX for _ in range(w)]
    grids = world["grids"]
    resident_no = 0
    while time.monotonic() < deadline:
        kind = rng.choice(kinds)
        t0 = time.perf_counter()
        if kind == "case_list":
            page = rng.randint(1, 4)
            status, _, _ = staff.request("GET", f"/api/v1/cases/?page={page}", headers=auth)
        elif kind == "case_page":
            status, _, _ = staff.request(
                "GET", f"/api/v1/cases/{rng.choice(world['case_ids'])}/", headers=auth
            )
        elif kind == "intake":
            grid = rng.choice(grids)
            body = {
                "title": "楼道堆物",
                "category": world["category_code"],
                "lat": grid["lat"] + 0.001,
                "lon": grid["lon"] + 0.001,
            }
            headers = {**auth, "Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex}
            status, _, _ = staff.request("POST", "/api/v1/cases/", json.dumps(body).encode(), headers)
        elif kind == "track":
            code = rng.choice(world["tracking_codes"])
            resident = Client(port, f"127.0.{idx + 1}.{rng.randint(2, 250)}")
            status, _, _ = resident.request("GET", f"/r/t/{code}/")
        else:  # a resident from a fresh address: the form, then the report
            resident_no += 1
            address = f"127.{10 + idx}.{resident_no // 250 % 250}.{resident_no % 250 + 2}"
            resident = Client(port, address)
            status, page, _ = resident.request("GET", "/r/")
            samples.append(("public_form", status, time.perf_counter() - t0))
            match = CSRF_INPUT.search(page.decode("utf-8", "replace")) if status == 200 else None
            if match is None:
                continue
            grid = rng.choice(grids)
            form = {
                "csrfmiddlewaretoken": match.group(1),
                "category": world["category"],
                "description": "楼道里堆满了杂物，挡住了消防通道",
                "lat": grid["lat"] + 0.002,
                "lon": grid["lon"] + 0.002,
                "reporter_phone": f"139{idx:02d}{resident_no:06d}"[:11],
            }
            t0 = time.perf_counter()
            status, _, _ = resident.request(
                "POST",
                "/r/",
                urlencode(form).encode(),
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Referer": f"http://127.0.0.1:{port}/r/",
                },
            )
        samples.append((kind, status, time.perf_counter() - t0))
    out.put(samples)


def burst_client(port: int, world: dict, out) -> None:
    """One address as fast as it can: the report form posted again and again, and one track page."""
    client = Client(port, "127.0.0.99")
    histogram: Counter = Counter()
    status, page, _ = client.request("GET", "/r/")
    token_match = CSRF_INPUT.search(page.decode("utf-8", "replace"))
    token = token_match.group(1) if token_match else ""
    grid = world["grids"][0]
    code = world["tracking_codes"][0]
    for i in range(BURST_REQUESTS):
        if i % 2 == 0:
            form = {
                "csrfmiddlewaretoken": token,
                "category": world["category"],
                "description": "同一个地址连续提交",
                "lat": grid["lat"] + 0.002,
                "lon": grid["lon"] + 0.002,
            }
            status, _, _ = client.request(
                "POST",
                "/r/",
                urlencode(form).encode(),
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Referer": f"http://127.0.0.1:{port}/r/",
                },
            )
            histogram[f"POST /r/ {status}"] += 1
        else:
            status, _, _ = client.request("GET", f"/r/t/{code}/")
            histogram[f"GET /r/t/ {status}"] += 1
    out.put(dict(histogram))


# ================================================================ driver


def _run_processes(target, args_list) -> list:
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    procs = [ctx.Process(target=target, args=(*args, queue)) for args in args_list]
    for p in procs:
        p.start()
    results = [queue.get(timeout=900) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the mixed phase (default 60)")
    parser.add_argument("--clients", type=int, default=6, help="load-generator processes (default 6)")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (default 4)")
    if len(sys.argv) > 1 and sys.argv[1] == "--build-world":
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
        import django

        django.setup()
        print(json.dumps(build_world()))
        return
    opts = parser.parse_args()
    opts.seconds = max(5.0, min(opts.seconds, 600.0))  # bounded: the loop always stops by itself

    db = scratch_db(opts.db)
    server = None
    try:
        env = bench_env(db)
        log(
            f"load: {opts.db}, gunicorn {opts.workers}x{opts.threads}, {opts.clients} clients, {opts.seconds:.0f}s"
        )
        # A shared 2-core machine can take minutes to migrate a fresh database: allow it.
        run_python(["-m", "linli.cli", "migrate", "--noinput", "-v", "0"], env, timeout=1200)
        world = json.loads(
            run_python([str(Path(__file__)), "--build-world"], env, timeout=600).splitlines()[-1]
        )
        log(f"  world: {len(world['grids'])} grids, {len(world['case_ids'])} cases seeded")
        server = Server(env, workers=opts.workers, threads=opts.threads)
        server.wait_ready()

        deadline = time.monotonic() + opts.seconds
        t0 = time.monotonic()
        batches = _run_processes(
            load_client, [(i, server.port, world, deadline) for i in range(opts.clients)]
        )
        elapsed = time.monotonic() - t0
        samples = [s for batch in batches for s in batch]
        by_kind: dict[str, list[float]] = defaultdict(list)
        statuses: dict[str, Counter] = defaultdict(Counter)
        unexpected = 0
        server_errors = 0
        for kind, status, seconds in samples:
            by_kind[kind].append(seconds * 1000)
            statuses[kind][status] += 1
            unexpected += not _expected(kind, status)
            server_errors += status >= 500
        total = len(samples)
        log(f"  mixed phase: {total} requests in {elapsed:.1f}s = {total / elapsed:.1f} req/s")
        log(f"  {'kind':<14} {'count':>6} {'p50 ms':>8} {'p95 ms':>8}  statuses")
        kinds_out = {}
        for kind in sorted(by_kind):
            values = sorted(by_kind[kind])
            p50, p95 = percentile(values, 50), percentile(values, 95)
            hist = dict(sorted(statuses[kind].items()))
            log(f"  {kind:<14} {len(values):>6} {p50:>8.1f} {p95:>8.1f}  {hist}")
            kinds_out[kind] = {
                "count": len(values),
                "p50_ms": rounded(p50),
                "p95_ms": rounded(p95),
                "statuses": hist,
            }
        error_rate = unexpected / total if total else 0.0
        log(f"  error rate: {100 * error_rate:.2f}% ({unexpected} unexpected answers, {server_errors} 5xx)")

        [burst] = _run_processes(burst_client, [(server.port, world)])
        log("  burst on public endpoints (one address):")
        for key, count in sorted(burst.items()):
            log(f"    {key:<20} {count}")
        burst_5xx = sum(n for k, n in burst.items() if int(k.rsplit(" ", 1)[1]) >= 500)
        burst_429 = sum(n for k, n in burst.items() if k.endswith(" 429"))
        ok = server_errors == 0 and burst_5xx == 0 and burst_429 > 0
        emit_json(
            {
                "bench": "load",
                "db": opts.db,
                "seconds": round(elapsed, 1),
                "requests": total,
                "requests_per_s": round(total / elapsed, 1) if elapsed else None,
                "error_rate": round(error_rate, 4),
                "server_errors": server_errors,
                "kinds": kinds_out,
                "burst": burst,
                "burst_429": burst_429,
                "burst_5xx": burst_5xx,
                "ok": ok,
            }
        )
        if not ok:
            if server is not None:
                log(server.log_tail())
            sys.exit(1)
    finally:
        if server is not None:
            server.stop()
        db.drop()


if __name__ == "__main__":
    main()
