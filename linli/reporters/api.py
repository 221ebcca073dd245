"""REST endpoints of the reporters app (under /api/v1/): thin views that parse, fetch through the accessors and
call one service. Phones leave masked."""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404
from django.urls import path
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.response import Response

from linli.cases.models import Case
from linli.core.api import parse_input
from linli.core.errors import InvalidInput
from linli.core.idempotency import idempotent
from linli.core.validators import mask_phone
from linli.org.models import Community

from . import selectors, services
from .choices import EntryKind, FlagKind, Occupation
from .models import Flag, PointsEntry, Reporter

# ---------------------------------------------------------------- output


class ReporterOut(serializers.ModelSerializer):
    phone = serializers.SerializerMethodField(help_text="masked, e.g. 139****6688")
    community_name = serializers.CharField(source="community.name", read_only=True)
    tally = serializers.SerializerMethodField(help_text="reports accepted, not merged or rejected")
    balance = serializers.SerializerMethodField(help_text="points: the sum of the ledger")
    open_flags = serializers.SerializerMethodField()

    class Meta:
        model = Reporter
        fields = [
            "id",
            "name",
            "phone",
            "occupation",
            "employer",
            "community",
            "community_name",
            "is_active",
            "invited_at",
            "invite_sent_at",
            "first_login_at",
            "tally",
            "balance",
            "open_flags",
        ]

    def get_phone(self, obj) -> str:
        return mask_phone(obj.phone)

    # reporter_rows() annotates these; a single reporter is counted here.
    def get_tally(self, obj) -> int:
        return obj.tally if hasattr(obj, "tally") else selectors.tally_of(obj.user_id)

    def get_balance(self, obj) -> int:
        return obj.balance if hasattr(obj, "balance") else selectors.balance_of(obj)

    def get_open_flags(self, obj) -> int:
        return obj.open_flags if hasattr(obj, "open_flags") else obj.flags.open().count()


class PointsEntryOut(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=EntryKind.choices)
    case_number = serializers.SerializerMethodField()

    class Meta:
        model = PointsEntry
        fields = ["id", "kind", "points", "case", "case_number", "note", "created_at"]

    def get_case_number(self, obj) -> str | None:
        return obj.case.number if obj.case_id else None


class FlagOut(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=FlagKind.choices)
    detail = serializers.SerializerMethodField()

    class Meta:
        model = Flag
        fields = ["id", "kind", "case", "detail", "created_at", "cleared_at"]

    def get_detail(self, obj) -> str:
        return selectors.describe_flag(obj)


class ReporterDetailOut(ReporterOut):
    ledger = serializers.SerializerMethodField()
    flags = serializers.SerializerMethodField()

    class Meta(ReporterOut.Meta):
        fields = ReporterOut.Meta.fields + ["ledger", "flags"]

    @extend_schema_field(PointsEntryOut(many=True))
    def get_ledger(self, obj):
        return PointsEntryOut(selectors.ledger_of(obj)[:100], many=True).data

    @extend_schema_field(FlagOut(many=True))
    def get_flags(self, obj):
        return FlagOut(obj.flags.all()[:100], many=True).data


class MyReportOut(serializers.ModelSerializer):
    category_name = serializers.CharField(source="category.name", read_only=True)

    class Meta:
        model = Case
        fields = ["id", "number", "title", "category_name", "status", "received_at", "responded_at"]


class MeOut(serializers.Serializer):
    name = serializers.CharField()
    community_name = serializers.CharField()
    tally = serializers.IntegerField(
        help_text="已帮助社区发现解决问题: reports accepted, not merged or rejected"
    )
    balance = serializers.IntegerField()
    reports = MyReportOut(many=True, help_text="the 20 most recent")


# ---------------------------------------------------------------- input


class InviteIn(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    phone = serializers.CharField(max_length=20, help_text="a mainland mobile number: codes go out by SMS")
    occupation = serializers.ChoiceField(choices=Occupation.choices, default=Occupation.DELIVERY)
    employer = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    community = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="left out: the caller's only community"
    )


class RedeemIn(serializers.Serializer):
    points = serializers.IntegerField(min_value=1, max_value=1_000_000)
    note = serializers.CharField(max_length=200, help_text="what the points were redeemed for")


# ---------------------------------------------------------------- views


def _no_store(response):
    add_never_cache_headers(response)
    return response


# Staff who may see reporters (404 for everyone else, reporters included). A comment, not a docstring:
# drf-spectacular would print a docstring as every endpoint's description.
class StaffView(GenericAPIView):
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not selectors.may_see_reporters(request.user):
            raise Http404


def _community_for_invite(user, community_id: int | None) -> Community:
    """The community named, if the caller may invite for it; else the caller's only one."""
    scope = user.scope
    communities = Community.objects.all()
    if not scope.is_admin:
        communities = communities.filter(Q(pk__in=scope.community_ids) | Q(pk__in=scope.grid_community_ids))
    if community_id is not None:
        found = communities.filter(pk=community_id).first()
        if found is None:
            raise InvalidInput(_("You may not invite reporters for this community."), field="community")
        return found
    only = list(communities[:2])
    if len(only) != 1:
        raise InvalidInput(_("Say which community the reporter reports for."), field="community")
    return only[0]


class ReporterListCreate(StaffView, ListAPIView):
    serializer_class = ReporterOut

    def get_queryset(self):
        return selectors.reporter_rows(self.request.user)

    def get(self, request, *args, **kwargs):
        return _no_store(super().get(request, *args, **kwargs))

    @extend_schema(request=InviteIn, responses={201: ReporterOut})
    def post(self, request):
        def handler():
            data = parse_input(InviteIn, request)
            community = _community_for_invite(request.user, data.pop("community"))
            reporter = services.reporter_invite(
                actor=request.user, community=community, request=request, **data
            )
            return Response(ReporterOut(reporter).data, status=status.HTTP_201_CREATED)

        return idempotent(request, scope="reporter_invite", handler=handler)


class ReporterDetail(StaffView):
    serializer_class = ReporterDetailOut

    def get(self, request, pk: int):
        reporter = selectors.get_reporter_for_user(request.user, pk)
        return _no_store(Response(ReporterDetailOut(reporter).data))


class ReporterRedeem(StaffView):
    serializer_class = PointsEntryOut

    @extend_schema(request=RedeemIn, responses={201: PointsEntryOut})
    def post(self, request, pk: int):
        reporter = selectors.get_reporter_for_user(request.user, pk, write=True)

        def handler():
            data = parse_input(RedeemIn, request)
            entry = services.points_redeem(reporter=reporter, actor=request.user, request=request, **data)
            return Response(PointsEntryOut(entry).data, status=status.HTTP_201_CREATED)

        return idempotent(request, scope=f"reporter_redeem:{reporter.pk}", handler=handler)


class ReporterMe(GenericAPIView):
    serializer_class = MeOut

    def get(self, request):
        reporter = selectors.reporter_of(request.user)
        if reporter is None:
            raise Http404
        body = {
            "name": reporter.name,
            "community_name": reporter.community.name,
            "tally": selectors.tally_of(reporter.user_id),
            "balance": selectors.balance_of(reporter),
            "reports": selectors.my_reports(request.user)[:20],
        }
        return _no_store(Response(MeOut(body).data))


urlpatterns = [
    path("reporters/", ReporterListCreate.as_view(), name="reporters"),
    path("reporters/me/", ReporterMe.as_view(), name="reporter-me"),
    path("reporters/<int:pk>/", ReporterDetail.as_view(), name="reporter"),
    path("reporters/<int:pk>/redeem/", ReporterRedeem.as_view(), name="reporter-redeem"),
]
