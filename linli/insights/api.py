"""REST endpoints of the insights app (under /api/v1/): figures, trend, breakdown and departments of an org unit.

`unit` names an org unit: `grid:ID`, `community:ID`, `street:ID`, `district:ID`, or a bare ID meaning a
community. A viewer may ask only for units wholly inside their scope; any other unit answers 404."""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from linli.core.errors import InvalidInput

from . import selectors
from .definitions import DEFINITIONS_VERSION, definitions_payload
from .params import parse_choice, parse_period

UNIT = OpenApiParameter(
    "unit", str, required=True, description="grid:ID, community:ID, street:ID, district:ID, or a community ID"
)
FROM = OpenApiParameter("from", str, description="first day received, YYYY-MM-DD (default: this month)")
TO = OpenApiParameter("to", str, description="last day received, YYYY-MM-DD, included")


class UnitOut(serializers.Serializer):
    ref = serializers.CharField()
    level = serializers.CharField()
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()


class RatesOut(serializers.Serializer):
    received = serializers.IntegerField()
    response_rate = serializers.FloatField(allow_null=True)
    on_time_response_rate = serializers.FloatField(allow_null=True)
    resolution_rate = serializers.FloatField(allow_null=True)
    satisfaction_rate = serializers.FloatField(allow_null=True)
    on_time_resolution_rate = serializers.FloatField(allow_null=True)
    backlog = serializers.IntegerField()
    reopen_rate = serializers.FloatField(allow_null=True)
    whistle_rate = serializers.FloatField(allow_null=True)


class KpisOut(RatesOut):
    unit = UnitOut()
    period_from = serializers.DateField(source="start")
    period_to = serializers.DateField(source="end")
    overdue = serializers.IntegerField()
    median_response_minutes = serializers.FloatField(allow_null=True)
    median_resolution_minutes = serializers.FloatField(allow_null=True)
    whistle_rate_warning = serializers.CharField(allow_null=True)
    counts = serializers.DictField(child=serializers.IntegerField())
    definitions_version = serializers.CharField()
    definitions = serializers.DictField()


class TrendRowOut(RatesOut):
    period = serializers.DateField()


class TrendOut(serializers.Serializer):
    unit = UnitOut()
    by = serializers.CharField()
    definitions_version = serializers.CharField()
    rows = TrendRowOut(many=True)


class BreakdownRowOut(RatesOut):
    key = serializers.CharField()
    name = serializers.CharField()


class BreakdownOut(serializers.Serializer):
    unit = UnitOut()
    by = serializers.CharField()
    definitions_version = serializers.CharField()
    rows = BreakdownRowOut(many=True)


class DepartmentRowOut(serializers.Serializer):
    department = serializers.IntegerField()
    name = serializers.CharField()
    whistles = serializers.IntegerField()
    reported_in = serializers.IntegerField()
    answered = serializers.IntegerField()
    median_report_in_minutes = serializers.FloatField(allow_null=True)
    median_answer_minutes = serializers.FloatField(allow_null=True)
    accepted = serializers.IntegerField()
    rejected = serializers.IntegerField()
    acceptance_rate = serializers.FloatField(allow_null=True)


class DepartmentsOut(serializers.Serializer):
    unit = UnitOut()
    definitions_version = serializers.CharField()
    rows = DepartmentRowOut(many=True)


def _unit(request):
    value = request.query_params.get("unit")
    if not value:
        raise InvalidInput(_("Name the org unit, e.g. community:12."), field="unit")
    return selectors.get_unit_for_user(request.user, value)


class Kpis(GenericAPIView):
    """The figures of a unit's cases received in the period, with the definitions' version."""

    serializer_class = KpisOut
    pagination_class = None

    @extend_schema(operation_id="insights_kpis", parameters=[UNIT, FROM, TO], responses=KpisOut)
    def get(self, request):
        unit = _unit(request)
        start, end = parse_period(request.query_params)
        figures = selectors.unit_kpis(unit, start, end)
        body = {**figures, "unit": unit, "start": start, "end": end, "definitions": definitions_payload()}
        return Response(KpisOut(body).data)


class Trend(GenericAPIView):
    serializer_class = TrendOut
    pagination_class = None

    @extend_schema(
        operation_id="insights_trend",
        parameters=[UNIT, FROM, TO, OpenApiParameter("by", str, enum=["week", "month"])],
        responses=TrendOut,
    )
    def get(self, request):
        unit = _unit(request)
        start, end = parse_period(request.query_params)
        by = parse_choice(request.query_params, "by", ("week", "month"), "month")
        rows = selectors.trend(unit, start, end, by)
        body = {"unit": unit, "by": by, "definitions_version": DEFINITIONS_VERSION, "rows": rows}
        return Response(TrendOut(body).data)


BREAKDOWNS = ("category", "channel", "grid", "community")


class Breakdown(GenericAPIView):
    serializer_class = BreakdownOut
    pagination_class = None

    @extend_schema(
        operation_id="insights_breakdown",
        parameters=[UNIT, FROM, TO, OpenApiParameter("by", str, enum=list(BREAKDOWNS))],
        responses=BreakdownOut,
    )
    def get(self, request):
        unit = _unit(request)
        start, end = parse_period(request.query_params)
        by = parse_choice(request.query_params, "by", BREAKDOWNS, "category")
        if by in ("grid", "community") and (unit.level == "g" or (unit.level == "c" and by == "community")):
            raise InvalidInput(_("A unit can only be broken down into smaller units."), field="by")
        rows = selectors.breakdown(unit, start, end, by)
        body = {"unit": unit, "by": by, "definitions_version": DEFINITIONS_VERSION, "rows": rows}
        return Response(BreakdownOut(body).data)


class Departments(GenericAPIView):
    serializer_class = DepartmentsOut
    pagination_class = None

    @extend_schema(operation_id="insights_departments", parameters=[UNIT, FROM, TO], responses=DepartmentsOut)
    def get(self, request):
        unit = _unit(request)
        start, end = parse_period(request.query_params)
        rows = selectors.departments(unit, start, end)
        body = {"unit": unit, "definitions_version": DEFINITIONS_VERSION, "rows": rows}
        return Response(DepartmentsOut(body).data)


urlpatterns = [
    path("insights/kpis/", Kpis.as_view(), name="insights-kpis"),
    path("insights/trend/", Trend.as_view(), name="insights-trend"),
    path("insights/breakdown/", Breakdown.as_view(), name="insights-breakdown"),
    path("insights/departments/", Departments.as_view(), name="insights-departments"),
]
