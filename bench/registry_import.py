"""Registry import throughput: a 100,000-row resident sheet through ``registry_import`` against just reading it.

Run: .venv/bin/python bench/registry_import.py [--rows N] [--db sqlite|postgres|both]

The driver generates a realistic sheet with openpyxl (write_only): one community, compound 吉利花园 with 40
buildings × 6 units × as many floors as needed × 6 rooms, 1–4 residents per household (valid ID numbers, phones,
relationships, some tags), and a second copy in which every resident's notes (and most phones) changed. Then, for
each database, a fresh scratch database (SQLite file in a temp dir; PostgreSQL ``linli_bench_registry``, dropped
and recreated), ``linli migrate``, the community's buildings, grids and secretary, and these phases, each in its
own Python process (so each has its own peak RSS), timing only the call itself:

* read:      python_calamine opens the sheet and reads every row (``to_python``): the floor, no Django at all;
* dry_run:   ``registry_import(commit=False)`` — read, check and plan everything, write nothing;
* commit:    ``registry_import(commit=True)`` into the empty registry: every household and resident is new;
* reimport:  the same sheet again: every row is found, nothing changed, nothing written;
* changed:   the changed copy: every resident is found and updated (notes, and phones for most).

Row counts are verified after each committing phase (residents == rows, households == generated households).
commit_vs_read = read rows/s ÷ commit rows/s: how many times slower than just reading the sheet an import is.
The last line printed is JSON.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import resource
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    REPO,
    bench_env,
    emit_json,
    log,
    migrate,
    rounded,
    run_python,
    scratch_postgres,
    scratch_sqlite,
)  # noqa: E402

SEED = 20250601
BUILDINGS, UNITS, ROOMS_PER_FLOOR = 40, 6, 6
GRIDS = 10  # four buildings each
PG_DBNAME = "linli_bench_registry"
COMMUNITY_CODE = "XND"
SECRETARY = "secretary"
# The importer's columns (linli.residents.importer.HEADERS; the setup phase checks they still agree).
HEADERS = (
    "小区",
    "楼栋",
    "单元",
    "楼层",
    "房号",
    "住房性质",
    "居住状态",
    "姓名",
    "性别",
    "出生日期",
    "身份证号",
    "手机号",
    "与户主关系",
    "入住日期",
    "迁出日期",
    "标签",
    "残疾等级",
    "备注",
)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "秀兰建国桂英淑珍玉梅志强海燕丽华文静春生德明国庆红霞宝山金凤立新雪梅晓东子涵浩然雨萱俊杰欣怡"
REGIONS = ("120101", "120102", "120103", "120104", "120105", "120106")
TENURES = (("自有", 70), ("租住", 20), ("公房", 8), ("其他", 2))
GRADES = ("肢体一级", "肢体二级", "视力二级", "听力三级", "智力四级")


# ================================================================ the sheet


def _check_char(first17: str) -> str:
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from linli.core.validators import id_check_char

    return id_check_char(first17)


class _People:
    """Random but valid residents: unique ID numbers whose birth date and sex agree with the other columns."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.ids: set[str] = set()
        self.today = date(2025, 6, 1)

    def id_number(self, birth: date, female: bool) -> str:
        rng = self.rng
        while True:
            seq = rng.randrange(100) * 10 + rng.choice((0, 2, 4, 6, 8) if female else (1, 3, 5, 7, 9))
            body = f"{rng.choice(REGIONS)}{birth:%Y%m%d}{seq:03d}"
            number = body + _check_char(body)
            if number not in self.ids:
                self.ids.add(number)
                return number

    def birth(self, low: int, high: int) -> date:
        age_days = self.rng.randint(low * 365 + 1, high * 365)
        return self.today - timedelta(days=age_days)

    def name(self) -> str:
        rng = self.rng
        return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))

    def phone(self) -> str:
        return f"1{self.rng.choice('3589')}{self.rng.randrange(10)}{self.rng.randrange(100_000_000):08d}"


def _household(rng: random.Random, people: _People) -> list[dict]:
    """The residents of one household: a householder, maybe a spouse, children or a parent."""
    size = rng.choices((1, 2, 3, 4), weights=(22, 30, 28, 20))[0]
    head_age = rng.choices(((25, 45), (45, 65), (65, 95)), weights=(35, 40, 25))[0]
    members = []
    head_female = rng.random() < 0.5
    head_birth = people.birth(*head_age)
    members.append(("户主", head_female, head_birth))
    if size >= 2:
        spouse_birth = head_birth + timedelta(days=rng.randint(-1500, 1500))
        members.append(("配偶", not head_female, min(spouse_birth, people.today - timedelta(days=18 * 366))))
    for _ in range(size - len(members)):
        if head_birth.year < 1965 and rng.random() < 0.5:
            members.append(("孙子女", rng.random() < 0.5, people.birth(1, 17)))
        elif head_birth.year > 1975 and rng.random() < 0.4:
            members.append(("父母", rng.random() < 0.5, people.birth(65, 90)))
        else:
            youngest = max(0, people.today.year - head_birth.year - 40)
            members.append(
                (
                    "子女",
                    rng.random() < 0.5,
                    people.birth(youngest, max(youngest + 1, people.today.year - head_birth.year - 20)),
                )
            )
    old = [people.today.year - b.year >= 60 for _, _, b in members]
    rows = []
    for i, (relationship, female, birth) in enumerate(members):
        age = people.today.year - birth.year
        tags = []
        if size == 1 and age >= 65 and rng.random() < 0.6:
            tags.append("独居老人")
        if i == 0 and size == 2 and all(old) and rng.random() < 0.4:
            tags.append("空巢")
        if i == 0 and rng.random() < 0.03:
            tags.append("低保")
        if age >= 18 and rng.random() < 0.06:
            tags.append("党员")
        if age >= 30 and rng.random() < 0.01:
            tags.append("退役军人")
        grade = None
        if rng.random() < 0.02:
            tags.append("残疾")
            grade = rng.choice(GRADES)
        has_id = age >= 16 or rng.random() < 0.7
        rows.append(
            {
                "姓名": people.name(),
                "性别": "女" if female else "男",
                "出生日期": birth.isoformat(),
                "身份证号": people.id_number(birth, female) if has_id else None,
                "手机号": people.phone() if age >= 14 and rng.random() < 0.85 else None,
                "与户主关系": relationship,
                "入住日期": (
                    birth + timedelta(days=rng.randint(0, max(1, (people.today - birth).days)))
                ).isoformat(),
                "标签": "、".join(tags) or None,
                "残疾等级": grade,
            }
        )
    return rows


def generate(path: Path, rows: int, *, seed: int = SEED, changed: bool = False) -> dict:
    """Write the sheet; `changed` writes the same residents with new notes and (most) phones changed."""
    from openpyxl import Workbook

    rng = random.Random(seed)
    people = _People(rng)
    households_needed = rows / 2.45
    floors = max(1, math.ceil(households_needed / (BUILDINGS * UNITS * ROOMS_PER_FLOOR)))
    book = Workbook(write_only=True)
    sheet = book.create_sheet("居民信息")
    sheet.append(list(HEADERS))
    written = households = 0
    done = False
    for building in range(1, BUILDINGS + 1):
        for unit in range(1, UNITS + 1):
            for floor in range(1, floors + 1):
                for room in range(1, ROOMS_PER_FLOOR + 1):
                    tenure = rng.choices([t for t, _ in TENURES], weights=[w for _, w in TENURES])[0]
                    members = _household(rng, people)
                    households += 1
                    for member in members:
                        phone = member["手机号"]
                        if changed and phone:
                            phone = "15" + phone[2:]
                        values = {
                            "小区": "吉利花园",
                            "楼栋": f"{building}号楼",
                            "单元": f"{unit}单元",
                            "楼层": floor,
                            "房号": f"{floor}{room:02d}",
                            "住房性质": tenure,
                            "居住状态": "居住",
                            **member,
                            "手机号": phone,
                            "备注": "2025年复核" if changed else None,
                        }
                        sheet.append([values.get(h) for h in HEADERS])
                        written += 1
                        if written == rows:
                            done = True
                            break
                    if done:
                        break
                if done:
                    break
            if done:
                break
        if done:
            break
    book.save(path)
    return {"rows": written, "households": households, "floors": floors, "bytes": path.stat().st_size}


# ================================================================ inside Django (child processes)


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    import django

    django.setup()


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def setup_world() -> dict:
    """District, street, community, GRIDS grids with a worker each, compound 吉利花园 with its buildings and the
    community's secretary. Units are left for the import to create."""
    from django.db import transaction

    from linli.accounts.choices import Role
    from linli.accounts.models import RoleAssignment, User
    from linli.org.models import Building, Community, Compound, District, Grid, Street
    from linli.residents.importer import HEADERS as IMPORTER_HEADERS

    assert tuple(IMPORTER_HEADERS) == HEADERS, "bench/registry_import.py HEADERS differ from the importer's"
    with transaction.atomic():
        district = District.objects.create(code="120101", name="和平区")
        street = Street.objects.create(district=district, code="120101006", name="南营门街道")
        community = Community.objects.create(street=street, code=COMMUNITY_CODE, name="西宁道社区")
        compound = Compound.objects.create(community=community, name="吉利花园")
        grids = []
        for n in range(1, GRIDS + 1):
            grid = Grid.objects.create(community=community, code=f"XND-{n:02d}", name=f"第{n}网格")
            worker = User.objects.create_user(username=f"grid{n:02d}", display_name=f"网格员{n}")
            RoleAssignment.objects.create(user=worker, role=Role.GRID_WORKER, grid=grid)
            grids.append(grid)
        for b in range(1, BUILDINGS + 1):
            Building.objects.create(
                compound=compound, name=f"{b}号楼", grid=grids[(b - 1) * GRIDS // BUILDINGS]
            )
        secretary = User.objects.create_user(username=SECRETARY, display_name="张书记")
        RoleAssignment.objects.create(user=secretary, role=Role.SECRETARY, community=community)
    return {"community": community.pk, "secretary": secretary.pk}


def import_phase(path: str, commit: bool) -> dict:
    """One registry_import call, timed, with the time of its three steps (read, plan, write)."""
    from linli.accounts.models import User
    from linli.org.models import Community
    from linli.residents import importer

    parts: dict[str, float] = {}

    def timed(name, fn):
        def inner(*args, **kwargs):
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                parts[name] = parts.get(name, 0.0) + time.perf_counter() - t

        return inner

    for name in ("read", "plan", "write"):
        setattr(importer._Import, name, timed(name, getattr(importer._Import, name)))
    community = Community.objects.get(code=COMMUNITY_CODE)
    actor = User.objects.get(username=SECRETARY)
    actor.scope  # noqa: B018 - load the scope outside the timing
    t0 = time.perf_counter()
    report = importer.registry_import(actor=actor, community=community, file=path, commit=commit)
    seconds = time.perf_counter() - t0
    return {
        "seconds": seconds,
        "parts": {k: round(v, 2) for k, v in parts.items()},
        "rows": report.rows,
        "problems": len(report.problems),
        "first_problems": [f"{p.row} {p.column} {p.message}" for p in report.problems[:5]],
        "committed": report.committed,
        "households_created": report.households_created,
        "households_updated": report.households_updated,
        "residents_created": report.residents_created,
        "residents_updated": report.residents_updated,
        "residents_unchanged": report.residents_unchanged,
        "units_created": report.units_created,
        "tags_added": report.tags_added,
        "peak_rss_mb": _peak_rss_mb(),
    }


def count_rows() -> dict:
    from linli.core.models import AuditEntry
    from linli.org.models import Unit
    from linli.residents.models import Household, Resident, TagAssignment

    return {
        "households": Household.objects.count(),
        "residents": Resident.objects.count(),
        "units": Unit.objects.count(),
        "tag_assignments": TagAssignment.objects.count(),
        "audit_entries": AuditEntry.objects.filter(event="registry.import").count(),
    }


def read_phase(path: str) -> dict:
    """The baseline: python_calamine reads the sheet, nothing else (no Django in this process)."""
    from python_calamine import CalamineWorkbook

    t0 = time.perf_counter()
    book = CalamineWorkbook.from_path(path)
    cells = book.get_sheet_by_index(0).to_python()
    book.close()
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "rows": len(cells) - 1, "peak_rss_mb": _peak_rss_mb()}


def child_main(mode: str, args: list[str]) -> None:
    if mode == "_read":
        print(json.dumps(read_phase(args[0])))
        return
    _django()
    if mode == "_setup":
        print(json.dumps(setup_world()))
    elif mode == "_import":
        print(json.dumps(import_phase(args[0], commit=args[1] == "commit")))
    elif mode == "_count":
        print(json.dumps(count_rows()))


# ================================================================ the driver


def _child(env: dict, *args: str) -> dict:
    return json.loads(run_python([__file__, *args], env, timeout=3600).strip().splitlines()[-1])


def bench_database(kind: str, sheets: dict, expected: dict) -> dict:
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from linli.core.crypto import KeyRing

    db = scratch_sqlite() if kind == "sqlite" else scratch_postgres(PG_DBNAME)
    log(f"\n== {kind}")
    try:
        env = bench_env(db, LINLI_KEYRING=KeyRing.generate().to_json())
        migrate(env)
        _child(env, "_setup")
        phases = {"read": _child(env, "_read", sheets["base"])}
        log(
            f"  read      {phases['read']['seconds']:7.2f} s  (python_calamine, {phases['read']['rows']} rows)"
        )
        verified = True
        plan = (
            ("dry_run", "base", "dry", 0),
            ("commit", "base", "commit", 1),
            ("reimport", "base", "commit", 2),
            ("changed", "changed", "commit", 3),
        )
        for phase, sheet, mode, audits in plan:
            result = _child(env, "_import", sheets[sheet], mode)
            phases[phase] = result
            counts = _child(env, "_count")
            households = expected["households"] if audits else 0
            residents = expected["rows"] if audits else 0
            ok = (
                result["problems"] == 0
                and counts["residents"] == residents
                and counts["households"] == households
                and counts["audit_entries"] == audits
                and (phase != "changed" or result["residents_updated"] == expected["rows"])
                and (phase != "reimport" or result["residents_created"] == result["residents_updated"] == 0)
            )
            verified = verified and ok
            log(
                f"  {phase:9s} {result['seconds']:7.2f} s  {result['rows'] / result['seconds']:8.0f} rows/s"
                f"  created {result['residents_created']:6d}  updated {result['residents_updated']:6d}"
                f"  peak RSS {result['peak_rss_mb']:5.0f} MB  parts {result['parts']}"
                f"  {'ok' if ok else 'NOT VERIFIED ' + json.dumps(counts) + ' ' + str(result['first_problems'])}"
            )
    finally:
        db.drop()

    def rate(phase: str) -> float:
        return phases[phase]["rows"] / phases[phase]["seconds"]

    result = {f"{phase}_rows_per_s": rounded(rate(phase), 0) for phase in phases}
    result.update({f"{phase}_seconds": rounded(phases[phase]["seconds"]) for phase in phases})
    result.update({f"{phase}_peak_rss_mb": rounded(phases[phase]["peak_rss_mb"], 0) for phase in phases})
    result.update(
        commit_vs_read=rounded(rate("read") / rate("commit")),
        dry_run_vs_read=rounded(rate("read") / rate("dry_run")),
        reimport_vs_read=rounded(rate("read") / rate("reimport")),
        changed_vs_read=rounded(rate("read") / rate("changed")),
        commit_parts=phases["commit"]["parts"],
        changed_parts=phases["changed"]["parts"],
        rows_verified=verified,
    )
    log(f"  commit_vs_read = {result['commit_vs_read']}")
    return result


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1].startswith("_"):
        child_main(sys.argv[1], sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--rows", type=int, default=100_000, help="resident rows in the sheet (default 100000)"
    )
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--seed", type=int, default=SEED)
    opts = parser.parse_args()

    log(f"registry import benchmark: {opts.rows} rows, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="linli-bench-registry-") as tmp:
        sheets = {
            "base": str(Path(tmp) / "registry.xlsx"),
            "changed": str(Path(tmp) / "registry-changed.xlsx"),
        }
        t0 = time.perf_counter()
        expected = generate(Path(sheets["base"]), opts.rows, seed=opts.seed)
        generate_seconds = time.perf_counter() - t0
        generate(Path(sheets["changed"]), opts.rows, seed=opts.seed, changed=True)
        log(
            f"  generated {expected['rows']} rows in {expected['households']} households ({expected['floors']} floors)"
            f" in {generate_seconds:.1f} s, {expected['bytes'] / 1e6:.1f} MB"
        )
        kinds = ["sqlite", "postgres"] if opts.db == "both" else [opts.db]
        results = {kind: bench_database(kind, sheets, expected) for kind in kinds}
    emit_json(
        {
            "bench": "registry_import",
            "rows": expected["rows"],
            "households": expected["households"],
            "generate_seconds": rounded(generate_seconds),
            "generate_rows_per_s": rounded(expected["rows"] / generate_seconds, 0),
            "results": results,
        }
    )


if __name__ == "__main__":
    main()
