"""`linli load_demo`: the demo district of the seed pages, with a year of cases replayed through the services."""

from __future__ import annotations

import random
import time
import unicodedata
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count, F, ProtectedError
from django.utils import timezone

from linli.accounts.choices import Role
from linli.accounts.models import RoleAssignment, User
from linli.care.demo import DEMO_SECRET as CARE_SECRET
from linli.care.demo import PLATFORM_CODE as CARE_PLATFORM
from linli.cases.choices import Status
from linli.cases.models import Case
from linli.cases.selectors import kpis
from linli.core.models import Notification
from linli.demo import places
from linli.demo.builder import PASSWORD, build_world, delete_demo, existing_demo_objects
from linli.demo.channels import build_channels
from linli.demo.fieldwork import build_fieldwork
from linli.demo.history import Planner
from linli.demo.linkage import build_linkage
from linli.demo.registry import build_registry
from linli.demo.replay import Replayer, replay_clock
from linli.open311.demo import DEMO_KEY as DEMO_OPEN311_KEY
from linli.org.locator import locator

SEED = 20260
MIN_CASES = 40

ROLE_ZH = {
    Role.ADMIN: "系统管理员",
    Role.STREET_OFFICER: "街道干部",
    Role.SECRETARY: "社区书记",
    Role.GRID_WORKER: "网格员",
    Role.GRID_LEADER: "网格长",
    Role.DEPARTMENT: "部门人员",
    Role.REPORTER: "兼职网格员",
    Role.SYSTEM_ADMIN: "系统管理员",
    Role.SECURITY_ADMIN: "安全管理员",
    Role.AUDITOR: "安全审计员",
}
ROLE_EN = {
    Role.ADMIN: "administrator",
    Role.STREET_OFFICER: "street officer",
    Role.SECRETARY: "community secretary",
    Role.GRID_WORKER: "grid worker",
    Role.GRID_LEADER: "grid leader",
    Role.DEPARTMENT: "department staff",
    Role.REPORTER: "part-time reporter",
    Role.SYSTEM_ADMIN: "system administrator",
    Role.SECURITY_ADMIN: "security administrator",
    Role.AUDITOR: "security auditor",
}
STATUS_ZH = {
    Status.RECEIVED: "受理",
    Status.ASSIGNED: "派遣",
    Status.IN_PROGRESS: "处置中",
    Status.ESCALATED: "吹哨",
    Status.RESOLVED: "办结",
    Status.CLOSED: "结案",
    Status.MERGED: "合并",
    Status.REJECTED: "不予受理",
}


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


class Command(BaseCommand):
    help = (
        "Load the demo district from the seed pages (10 Tianjin communities, their grids, people and departments) "
        "with about a year of cases. Refuses if the database already holds cases, unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--cases", type=int, default=2000, help="How many cases to create (default 2000)."
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Delete the previous demo data (matched by the demo's codes and usernames) and load again.",
        )
        parser.add_argument("--seed", type=int, default=SEED, help="Random seed (default %(default)s).")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Load only into an empty database; otherwise say so and succeed (used by `make demo`).",
        )

    def handle(self, *args, **options):
        total = options["cases"]
        if total < MIN_CASES:
            raise CommandError(f"--cases must be at least {MIN_CASES}.")
        force = options["force"]
        has_cases = Case.objects.exists()
        taken = existing_demo_objects()
        if (has_cases or taken) and options["if_empty"]:
            self.stdout.write(
                "演示数据已装入。Demo data already loaded (delete var/linli.sqlite3 to start over)."
            )
            self.print_logins()
            return
        if (has_cases or taken) and not force:
            what = "cases" if has_cases else "demo " + ", ".join(taken)
            raise CommandError(
                f"数据库中已有数据（{what}），演示数据只能装入空数据库。"
                f"\nThe database already holds {what}. Use a fresh database "
                "(e.g. delete var/linli.sqlite3 and run `linli migrate`), or run `linli load_demo --force` "
                "to delete the previous demo data first."
            )
        started = time.monotonic()
        now = timezone.now().replace(microsecond=0)
        rng = random.Random(options["seed"])
        try:
            with transaction.atomic():
                if force:
                    delete_demo()
                world = build_world(rng)
                plans = Planner(world, rng, now, total).build()
                with replay_clock(now) as clock:
                    replayer = Replayer(world, plans, now, clock)
                    replayer.run()
                # the resident registry, after the cases so that it leaves their random draws as they were
                registry = build_registry(world, random.Random(f"registry-{options['seed']}"), now)
                channels = build_channels()
                fieldwork = build_fieldwork()
                linkage = build_linkage()
                # what staff have long since seen is read; the last two days stay unread
                Notification.objects.filter(created_at__lt=now - timedelta(days=2), read_at=None).update(
                    read_at=F("created_at") + timedelta(hours=2)
                )
        except ProtectedError as exc:
            raise CommandError(
                "Other data still refers to the demo's places, people or categories; "
                f"use a fresh database instead of --force. ({exc.args[0]})"
            ) from exc
        locator.invalidate()
        elapsed = time.monotonic() - started
        self.report(world, replayer, registry, channels, fieldwork, linkage, elapsed)

    # ---------------------------------------------------------------- the summary

    def report(self, world, replayer, registry, channels, fieldwork, linkage, elapsed: float) -> None:
        out = self.stdout.write
        counts = dict(Case.objects.values_list("status").annotate(n=Count("id")))
        rates = kpis(Case.objects.all())
        out(
            self.style.SUCCESS(
                f"演示数据已装入 / Demo data loaded: {len(world.communities)} communities, "
                f"{sum(len(c.grids) for c in world.communities.values())} grids, {len(world.users)} accounts, "
                f"{sum(counts.values())} cases, {replayer.steps} steps, in {elapsed:.1f} s."
            )
        )
        out("  " + "  ".join(f"{STATUS_ZH[s]} {s.value}: {counts.get(s.value, 0)}" for s in Status))
        out(
            f"  响应率 response rate {rates['response_rate']}%  ·  解决率 resolution rate {rates['resolution_rate']}%"
            f"  ·  满意率 satisfaction rate {rates['satisfaction_rate']}%  ·  超时 overdue open {rates['overdue']}"
        )
        self.report_registry(registry)
        self.report_channels(channels)
        self.report_fieldwork(fieldwork)
        self.report_linkage(linkage)
        self.print_logins()

    def report_registry(self, registry) -> None:
        out = self.stdout.write
        out(
            f"  居民登记 resident registry: {registry.households} 户 households, {registry.residents} 名居民 current "
            f"residents (+{registry.moved_out} 已迁出 moved out), {registry.units} 个单元 units, "
            f"{registry.visits} 次探访 visits, {registry.contacts} 个紧急联系人 emergency contacts, "
            f"in {registry.seconds:.1f} s."
        )
        width = max(_width(row.name) for row in registry.communities)
        for row in registry.communities:
            out(
                f"    {_pad(row.name, width)}  {row.households:5d} 户 households  {row.residents:5d} 人 residents"
                f"  60岁以上 aged 60+ {row.elderly_share:4.1f}%  独居老人 living alone {row.alone}"
            )
        out("  标签 tags: " + "  ".join(f"{name} {n}" for name, n in registry.tags.items()))
        out(
            f"  已撤销的标签 removed tags (history) {registry.removed_tags}  ·  今天到期或逾期的探访 visits due or "
            f"overdue today {registry.due}  ·  关联到居民的案件 cases linked to their resident {registry.linked_cases}"
        )
        for named in registry.named:
            out(f"  见报居民 resident from the seed pages: {named}")

    def report_channels(self, channels) -> None:
        out = self.stdout.write
        if channels.poster_url:
            out(
                f"  二维码海报 QR poster of 吉利花园 1号楼 (sign in as grid1 or secretary): {channels.poster_url}"
            )
            out(f"  居民上报页 the resident's report page it opens: {channels.report_url}")
        for name, community, tally, points in channels.reporters:
            out(
                f"  兼职网格员 part-time reporter {name}（{community}）: 已帮助社区发现解决问题 {tally} 条, 积分 {points}"
            )
        out(f"  Open311: /open311/v2/discovery.json, API key {DEMO_OPEN311_KEY}")
        out("  " + ", ".join(f"{k} {v}" for k, v in channels.counts.items()))

    def report_fieldwork(self, fieldwork) -> None:
        out = self.stdout.write
        out(f"  助老 care: 电子保姆 platform {CARE_PLATFORM} (secret {CARE_SECRET}), care board at /care/")
        if fieldwork.campaign:
            out(f"  巡查 campaign {fieldwork.campaign}:")
            width = max(_width(row[0]) for row in fieldwork.compounds)
            for name, b_done, b_all, s_done, s_all, found, fixed in fieldwork.compounds:
                out(
                    f"    {_pad(name, width)}  楼栋 buildings {b_done}/{b_all}  商铺 shops {s_done}/{s_all}"
                    f"  隐患 hazards found {found}, fixed {fixed}"
                )
        out("  " + ", ".join(f"{k} {v}" for k, v in fieldwork.counts.items()))

    def report_linkage(self, linkage) -> None:
        out = self.stdout.write
        out(
            "  五社联动 five linkages: teams /volunteers/teams/, activities /activities/, partners /partners/,"
            " donations /charity/"
        )
        out("  " + ", ".join(f"{k} {v}" for k, v in linkage.counts.items()))

    def print_logins(self) -> None:
        """The fixed demo logins with their roles and units, read back from the database."""
        out = self.stdout.write
        out("")
        rows = [("用户名 / Username", "角色 / Role", "单位 / Unit")]
        assignments = {
            a.user.username: a
            for a in RoleAssignment.objects.filter(user__username__in=places.FIXED_LOGINS).select_related(
                "user", "grid", "community", "street", "department"
            )
        }
        for username in places.FIXED_LOGINS:
            a = assignments.get(username)
            if a is None:
                continue
            rows.append((username, f"{ROLE_ZH[a.role]} / {ROLE_EN[a.role]}", str(a.unit or "—")))
        widths = [max(_width(r[i]) for r in rows) for i in range(3)]
        for n, row in enumerate(rows):
            out(("  " + "  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row))).rstrip())
            if n == 0:
                out("  " + "  ".join("-" * w for w in widths))
        others = User.objects.count() - len(assignments)
        out("")
        out(f"  密码 / Password: {PASSWORD}")
        out(
            f"  另有 {others} 个演示账号（各社区书记、网格员、网格长、街道和部门人员、兼职网格员，如 xtd_secretary、"
            "jcy_grid1、gridleader、dept_gr、xuchao），密码相同。"
        )
        out(
            f"  {others} more demo accounts (secretaries, grid workers and leaders, street and department staff, "
            "part-time reporters, e.g. xtd_secretary, jcy_grid1, gridleader, dept_gr, xuchao) use the same password."
        )
