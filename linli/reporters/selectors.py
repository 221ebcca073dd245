"""Reads of the reporters app, always through the viewer: staff see their area's reporters, a reporter their own
reports, tally and points."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext as _

from linli.cases.choices import Status
from linli.cases.models import Case, Category
from linli.core.errors import NotAllowed
from linli.core.fields import index_candidates
from linli.core.validators import normalize_phone
from linli.org.models import Building

from .choices import FlagKind
from .models import Flag, PointsEntry, Reporter

NOT_CONFIRMED = (Status.MERGED, Status.REJECTED)


# ---------------------------------------------------------------- who may do what


def may_see_reporters(user) -> bool:
    """Staff of a community, grid or street (and administrators) see the reporters of their area."""
    scope = user.scope
    return scope.is_admin or bool(scope.community_ids or scope.grid_ids or scope.street_ids)


def may_manage(user, community_id: int | None) -> bool:
    """Who may invite, deactivate, redeem and clear flags: the community's secretary and grid staff, admins."""
    scope = user.scope
    return scope.is_admin or (
        community_id is not None
        and (community_id in scope.community_ids or community_id in scope.grid_community_ids)
    )


def get_reporter_for_user(user, pk, *, write: bool = False) -> Reporter:
    """The reporter if the user may see them (404 otherwise); with `write`, also manage them (403 otherwise)."""
    try:
        reporter = Reporter.objects.visible_to(user).select_related("community", "user").get(pk=int(pk))
    except (Reporter.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if write and not may_manage(user, reporter.community_id):
        raise NotAllowed(_("You may not manage this reporter."))
    return reporter


def get_flag_for_user(user, pk) -> Flag:
    try:
        return Flag.objects.visible_to(user).select_related("reporter", "case").get(pk=int(pk))
    except (Flag.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def reporter_of(user) -> Reporter | None:
    """The signed-in person's own reporter profile, if they are an active reporter."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Reporter.objects.select_related("community").filter(user_id=user.pk, is_active=True).first()


def login_phone_indexes(phone: str) -> list[str]:
    """The blind indexes a sign-in looks the phone up by (kept in the session instead of the number)."""
    return index_candidates("phone", phone, normalize_phone)


# ---------------------------------------------------------------- tallies and balances


def confirmed_reports(user_id: int) -> QuerySet[Case]:
    """已帮助社区发现解决问题: the person's reports that were accepted (responded to), not merged or rejected."""
    return Case.objects.filter(reported_by_id=user_id, responded_at__isnull=False).exclude(
        status__in=NOT_CONFIRMED
    )


def tally_of(user_id: int) -> int:
    return confirmed_reports(user_id).count()


def balance_of(reporter: Reporter) -> int:
    return PointsEntry.objects.filter(reporter=reporter).aggregate(s=Sum("points"))["s"] or 0


def reporter_rows(user) -> QuerySet[Reporter]:
    """The reporters the staff member may see, each with `tally`, `balance` and `open_flags` (one query)."""
    tally = (
        confirmed_reports(OuterRef("user_id"))
        .order_by()
        .values("reported_by_id")
        .annotate(n=Count("id"))
        .values("n")[:1]
    )
    balance = (
        PointsEntry.objects.filter(reporter=OuterRef("pk"))
        .order_by()
        .values("reporter")
        .annotate(s=Sum("points"))
        .values("s")[:1]
    )
    open_flags = (
        Flag.objects.open()
        .filter(reporter=OuterRef("pk"))
        .order_by()
        .values("reporter")
        .annotate(n=Count("id"))
        .values("n")[:1]
    )
    zero = Value(0, output_field=IntegerField())
    return (
        Reporter.objects.visible_to(user)
        .select_related("community")
        .annotate(
            tally=Coalesce(Subquery(tally, output_field=IntegerField()), zero),
            balance=Coalesce(Subquery(balance, output_field=IntegerField()), zero),
            open_flags=Coalesce(Subquery(open_flags, output_field=IntegerField()), zero),
        )
        .order_by("-is_active", "community__name", "name", "id")
    )


def ledger_of(reporter: Reporter) -> QuerySet[PointsEntry]:
    return PointsEntry.objects.filter(reporter=reporter).select_related("case", "created_by")


def flags_to_review(user) -> QuerySet[Flag]:
    return Flag.objects.visible_to(user).open().select_related("reporter__community", "case")


def describe_flag(flag: Flag) -> str:
    """What the flag is about, in the viewer's language."""
    data = flag.data or {}
    if flag.kind == FlagKind.FAR_FROM_PHOTO and "metres" in data:
        return _("The photo was taken %(m)d m from the place given.") % {"m": data["metres"]}
    if flag.kind == FlagKind.BURST and "count" in data:
        return _("Tried to send more than %(n)d reports within %(min)d minutes.") % {
            "n": data["count"],
            "min": data["minutes"],
        }
    return flag.detail


# ---------------------------------------------------------------- the reporter's own pages


def my_reports(user) -> QuerySet[Case]:
    return (
        Case.objects.filter(reported_by_id=user.pk).select_related("category").order_by("-received_at", "-id")
    )


def get_my_report(user, pk) -> Case:
    """One of the signed-in reporter's own reports; 404 for anything else."""
    try:
        return my_reports(user).get(pk=int(pk))
    except (Case.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def report_categories() -> QuerySet[Category]:
    """The categories a reporter picks from: active ones without active sub-categories."""
    return (
        Category.objects.filter(is_active=True)
        .exclude(children__is_active=True)
        .select_related("parent")
        .order_by("parent__name", "name")
    )


def buildings_of(reporter: Reporter) -> QuerySet[Building]:
    return (
        Building.objects.filter(compound__community_id=reporter.community_id)
        .select_related("compound")
        .order_by("compound__name", "name")
    )
