"""REST endpoints of the PDF reports (under /api/v1/insights/reports/): ask for one, follow it, download it."""

from __future__ import annotations

from django.db import transaction
from django.http import Http404
from django.urls import path, reverse
from django.utils.translation import get_language
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from linli.core.api import parse_input
from linli.core.audit import audit
from linli.core.files import serve_stored_file
from linli.core.idempotency import idempotent

from . import reports
from .report_models import ReportKind, ReportStatus


class ReportIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    unit = serializers.CharField(
        max_length=40, help_text="community:ID for a monthly report, street:ID or district:ID"
    )
    month = serializers.RegexField(r"^\d{4}-\d{2}$", help_text="YYYY-MM")


class ReportOut(serializers.Serializer):
    id = serializers.UUIDField(source="uuid")
    kind = serializers.CharField()
    unit = serializers.CharField(source="unit_ref")
    unit_name = serializers.CharField()
    period_from = serializers.DateField(source="period_start")
    period_to = serializers.DateField(source="period_end")
    status = serializers.ChoiceField(choices=ReportStatus.choices)
    error = serializers.CharField()
    size = serializers.IntegerField()
    language = serializers.CharField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    file_url = serializers.SerializerMethodField()

    def get_file_url(self, obj) -> str | None:
        if obj.status != ReportStatus.DONE:
            return None
        return reverse("api:insights-report-file", args=[obj.uuid])


class ReportList(GenericAPIView):
    """GET: the reports the caller asked for, newest first. POST: ask for one (built in the background)."""

    serializer_class = ReportOut

    def get_queryset(self):
        return reports.reports_for_user(self.request.user)

    @extend_schema(operation_id="insights_reports_list", responses=ReportOut(many=True))
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ReportOut(page, many=True).data)

    @extend_schema(operation_id="insights_reports_create", request=ReportIn, responses={202: ReportOut})
    def post(self, request):
        def handler():
            data = parse_input(ReportIn, request)
            month = reports.parse_month(data["month"])
            report = reports.request_report(
                actor=request.user,
                kind=data["kind"],
                unit_ref=data["unit"],
                month=month,
                language=get_language() or "zh-hans",
            )
            return Response(ReportOut(report).data, status=status.HTTP_202_ACCEPTED)

        return idempotent(request, scope="insights_report_create", handler=handler)


class ReportDetail(GenericAPIView):
    serializer_class = ReportOut

    @extend_schema(operation_id="insights_reports_retrieve", responses=ReportOut)
    def get(self, request, uuid):
        return Response(ReportOut(reports.get_report_for_user(request.user, uuid)).data)


class ReportFile(GenericAPIView):
    serializer_class = ReportOut

    @extend_schema(
        operation_id="insights_reports_file",
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
    )
    def get(self, request, uuid):
        report = reports.get_report_for_user(request.user, uuid)
        if report.status != ReportStatus.DONE or not report.file:
            raise Http404
        with transaction.atomic():
            audit("export", request=request, obj=report, kind=report.kind, unit=report.unit_ref, format="pdf")
        return serve_stored_file(request, report)


urlpatterns = [
    path("insights/reports/", ReportList.as_view(), name="insights-reports"),
    path("insights/reports/<uuid:uuid>/", ReportDetail.as_view(), name="insights-report"),
    path("insights/reports/<uuid:uuid>/file/", ReportFile.as_view(), name="insights-report-file"),
]
