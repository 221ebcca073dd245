"""Shared plumbing for the end-to-end benchmarks: scratch databases, `linli` subprocesses, a gunicorn server,
CPU accounting and the final JSON line.

Nothing here imports Django: the driver process stays small so it can fork load-generator processes cheaply.
"""

from __future__ import annotations

import json
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = REPO / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable
GUNICORN = str(VENV_BIN / "gunicorn")

PG_HOST = os.environ.get("BENCH_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("BENCH_PG_PORT", "5432"))
PG_USER = os.environ.get("BENCH_PG_USER", "postgres")
PG_MAINTENANCE_DB = os.environ.get("BENCH_PG_MAINTENANCE_DB", "postgres")

CLK_TCK = os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- statistics and output


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100) of already sorted values, nearest-rank; nan when empty."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q / 100.0 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def rounded(value: float, digits: int = 2) -> float | None:
    return None if value is None or math.isnan(value) else round(value, digits)


def emit_json(payload: dict) -> None:
    """The benchmark's contract: the last line printed is one JSON object."""
    sys.stdout.flush()
    print(json.dumps(payload, ensure_ascii=False, sort_keys=False), flush=True)


def log(*parts: object) -> None:
    print(*parts, flush=True)


# ---------------------------------------------------------------- scratch databases


@dataclass
class ScratchDB:
    """A freshly created database and how to reach it (DATABASE_URL for Django, plus driver parameters)."""

    kind: str  # "sqlite" | "postgres"
    url: str
    sqlite_path: str | None = None
    pg_dbname: str | None = None
    _tmpdir: tempfile.TemporaryDirectory | None = field(default=None, repr=False)

    @property
    def pg_dsn(self) -> str:
        return f"host={PG_HOST} port={PG_PORT} user={PG_USER} dbname={self.pg_dbname}"

    def drop(self) -> None:
        if self.kind == "postgres" and self.pg_dbname:
            _pg_drop(self.pg_dbname)
        if self._tmpdir is not None:
            self._tmpdir.cleanup()
            self._tmpdir = None


def _pg_admin():
    import psycopg

    return psycopg.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=PG_MAINTENANCE_DB, autocommit=True, connect_timeout=5
    )


def _pg_drop(dbname: str) -> None:
    from psycopg import sql

    with _pg_admin() as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname)))


def scratch_sqlite() -> ScratchDB:
    tmp = tempfile.TemporaryDirectory(prefix="linli-bench-")
    path = str(Path(tmp.name) / "bench.sqlite3")
    return ScratchDB(kind="sqlite", url=f"sqlite:///{path}", sqlite_path=path, _tmpdir=tmp)


def scratch_postgres(dbname: str = "linli_bench") -> ScratchDB:
    from psycopg import sql

    _pg_drop(dbname)
    with _pg_admin() as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
    return ScratchDB(
        kind="postgres", url=f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{dbname}", pg_dbname=dbname
    )


def scratch_db(kind: str) -> ScratchDB:
    return scratch_sqlite() if kind == "sqlite" else scratch_postgres()


# ---------------------------------------------------------------- subprocesses


def bench_env(db: ScratchDB, **extra: str) -> dict[str, str]:
    """Environment for every Linli process of a run: the scratch database, DEBUG off, quiet logs."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=db.url,
        DJANGO_SETTINGS_MODULE="linli.settings",
        LINLI_ENV="benchmark",
        LINLI_DEBUG="0",
        LINLI_LOG_LEVEL="ERROR",
        PYTHONPATH=str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""),
    )
    env.update(extra)
    return env


def run_python(args: Sequence[str], env: dict[str, str], *, timeout: float = 300) -> str:
    """Run the venv's python with `args`, fail loudly, return stdout."""
    proc = subprocess.run(
        [PYTHON, *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def migrate(env: dict[str, str]) -> None:
    run_python(["-m", "linli.cli", "migrate", "--noinput", "-v", "0"], env)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A gunicorn process group on loopback; always stop() it (the benchmarks use try/finally)."""

    def __init__(
        self,
        env: dict[str, str],
        *,
        workers: int,
        threads: int,
        app: str = "linli.wsgi:application",
        extra_args: Sequence[str] = (),
        nice: int = 0,
    ):
        self.port = free_port()
        self.workers = workers
        self.threads = threads
        cmd = [
            *(["nice", "-n", str(nice)] if nice else []),
            GUNICORN,
            app,
            "-b",
            f"127.0.0.1:{self.port}",
            "-w",
            str(workers),
            "--threads",
            str(threads),
            "--worker-class",
            "gthread",  # keep-alive needs gthread; sync workers close every connection
            "--keep-alive",
            "120",
            "--backlog",
            "2048",
            "--log-level",
            "error",
            "--timeout",
            "120",
            *extra_args,
        ]
        self._log = tempfile.NamedTemporaryFile(prefix="linli-bench-gunicorn-", suffix=".log", delete=False)
        self.log_path = self._log.name
        self.proc = subprocess.Popen(
            cmd, env=env, cwd=REPO, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def wait_ready(self, path: str = "/api/v1/categories/", timeout: float = 30.0) -> None:
        """Until the server answers HTTP at all (a 401 for an anonymous API call is an answer)."""
        import http.client

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", path)
                conn.getresponse().read()
                conn.close()
                # and every worker has booted
                if len(self.worker_pids()) >= self.workers:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not answer within {timeout}s:\n{self.log_tail()}")

    def worker_pids(self) -> list[int]:
        try:
            text = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        except OSError:
            return []
        return [int(p) for p in text.split()]

    def cpu_seconds(self) -> float:
        """User+system CPU of the master and its live workers."""
        return sum(proc_cpu_seconds(pid) for pid in [self.proc.pid, *self.worker_pids()])

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(Path(self.log_path).read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=5)
        self._log.close()
        try:
            os.unlink(self.log_path)
        except OSError:
            pass


# ---------------------------------------------------------------- CPU accounting


def proc_cpu_seconds(pid: int) -> float:
    """utime+stime of one process from /proc (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    parts = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    values = [int(v) for v in parts]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    total = sum(values[:8])
    return (total - idle) / CLK_TCK, total / CLK_TCK


def postgres_backend_cpu_seconds(dbname: str) -> float:
    """CPU of every postgres backend serving `dbname` (from /proc, matched on the process title)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if cmdline.startswith("postgres: ") and f" {dbname} " in cmdline:
            total += proc_cpu_seconds(int(entry.name))
    return total
