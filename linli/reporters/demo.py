"""The reporters of the loaded demo: a profile for every REPORTER account, points for their accepted reports
(through the same ledger function as live cases) and one redemption, so that tallies and balances show."""

from __future__ import annotations

from django.db import transaction

from linli.accounts.choices import Role
from linli.accounts.models import RoleAssignment, User
from linli.cases.models import Case

from . import services
from .choices import EntryKind, Occupation
from .models import PointsEntry, Reporter
from .selectors import balance_of

# Who the riders and couriers work for, in turn (the seeds name 美团 and 饿了么 riders and 顺丰 couriers).
EMPLOYERS = {
    Occupation.DELIVERY: ("美团", "饿了么"),
    Occupation.COURIER: ("顺丰", "京东物流", "中通"),
    Occupation.TAXI: ("出租车公司",),
    Occupation.OTHER: ("",),
}
REDEMPTION_NOTE = "社区积分兑换：爱心超市生活用品一份"


def _occupation(display_name: str) -> str:
    if "外卖" in display_name:
        return Occupation.DELIVERY
    if "快递" in display_name:
        return Occupation.COURIER
    if "出租" in display_name:
        return Occupation.TAXI
    return Occupation.OTHER


def _phone(user: User, n: int) -> str:
    """The account's own mobile if it is free, else 1390000xxxx."""
    if services.MOBILE.match(user.phone or "") and not Reporter.objects.by_phone(user.phone).exists():
        return user.phone
    while True:
        phone = f"1390000{n:04d}"
        if not Reporter.objects.by_phone(phone).exists():
            return phone
        n += 1


def _secretary(community_id: int) -> User | None:
    assignment = (
        RoleAssignment.objects.filter(role=Role.SECRETARY, community_id=community_id)
        .select_related("user")
        .order_by("id")
        .first()
    )
    return assignment.user if assignment else None


@transaction.atomic
def build_demo() -> dict:
    """Give the demo's reporters their profiles, points and one redemption. Safe to run again."""
    assignments = (
        RoleAssignment.objects.filter(role=Role.REPORTER, community__isnull=False)
        .exclude(user__reporter_profile__isnull=False)
        .select_related("user", "community")
        .order_by("user__username", "id")
    )
    profiles = 0
    seen: set[int] = set()
    for n, assignment in enumerate(assignments):
        user = assignment.user
        if user.pk in seen:  # a reporter for two communities reports for the first
            continue
        seen.add(user.pk)
        occupation = _occupation(user.display_name)
        employers = EMPLOYERS[occupation]
        services.reporter_enrol(
            user=user,
            community=assignment.community,
            name=user.display_name or user.username,
            phone=_phone(user, n + 1),
            occupation=occupation,
            employer=employers[n % len(employers)],
            invited_by=_secretary(assignment.community_id),
        )
        # The profile holds the phone, encrypted; the account's plaintext copy from the demo builder goes.
        User.objects.filter(pk=user.pk).update(phone="")
        profiles += 1

    reporters = list(Reporter.objects.select_related("user", "community"))
    awards = 0
    cases = Case.objects.filter(
        reported_by_id__in=[r.user_id for r in reporters], responded_at__isnull=False
    ).order_by("responded_at", "id")
    for case in cases:
        entry = services.points_settle_case(case=case, at=case.responded_at)
        awards += entry is not None and entry.kind == EntryKind.AWARD

    redemptions = 0
    if not PointsEntry.objects.filter(kind=EntryKind.REDEMPTION).exists():
        # The best-scoring reporter (the fixed demo login "reporter" on a tie) exchanges some points.
        ranked = sorted(reporters, key=lambda r: (-balance_of(r), r.user.username != "reporter"))
        for reporter in ranked[:1]:
            balance = balance_of(reporter)
            secretary = _secretary(reporter.community_id)
            if balance > 0 and secretary is not None:
                services.points_redeem(
                    reporter=reporter,
                    actor=secretary,
                    points=max(1, min(50, balance // 2)),
                    note=REDEMPTION_NOTE,
                )
                redemptions += 1
    return {
        "reporters": len(reporters),
        "profiles_created": profiles,
        "awards": awards,
        "redemptions": redemptions,
    }
