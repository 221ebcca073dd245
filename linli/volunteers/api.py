"""REST endpoints of the volunteers app (under /api/v1/): teams, volunteers, service records, certificates.

Scoped like cases: the community's staff see its volunteers, street officers their street's, everyone else
gets 404. ID numbers and phones are masked; a full value needs the audited reveal endpoint."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.urls import path
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from linli.core.api import parse_input
from linli.core.errors import InvalidInput
from linli.core.idempotency import idempotent
from linli.core.validators import mask_id_number, mask_phone
from linli.org.models import Community

from . import selectors, services
from .choices import MemberRole, RecordStatus, TeamKind, VolunteerKind
from .models import ServiceRecord, Skill, Team, Volunteer


def may_use_volunteers(user) -> bool:
    """Staff with a community, grid or street scope (or an administrator)."""
    scope = user.scope
    return bool(scope.is_admin or scope.community_ids or scope.grid_ids or scope.street_ids)


class VolunteersView(GenericAPIView):
    """Staff endpoints: 404 for anyone without a community, grid or street; answers never cached (PI)."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not may_use_volunteers(request.user):
            raise Http404

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)
        return response


def _community_for(user, pk) -> Community:
    if pk is None:
        default = user.scope.default_community_id()
        if default is None:
            raise InvalidInput(_("Choose the community."), field="community")
        pk = default
    if int(pk) not in selectors.community_ids_for(user):
        raise InvalidInput(_("Choose a community you work for."), field="community")
    return Community.objects.get(pk=pk)


# ---------------------------------------------------------------- output


class VolunteerSkillOut(serializers.ModelSerializer):
    class Meta:
        model = Skill
        fields = ["code", "name"]


class VolunteerOut(serializers.ModelSerializer):
    id_number = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()
    skills = VolunteerSkillOut(many=True, read_only=True)
    community_name = serializers.CharField(source="community.name", read_only=True)
    hours = serializers.SerializerMethodField()
    star = serializers.SerializerMethodField()

    class Meta:
        model = Volunteer
        fields = [
            "id",
            "community",
            "community_name",
            "kind",
            "resident",
            "name",
            "gender",
            "birth_date",
            "id_number",
            "phone",
            "work_unit",
            "skills",
            "registered_at",
            "is_active",
            "hours",
            "star",
            "version",
        ]

    def get_id_number(self, obj) -> str:
        return mask_id_number(obj.id_number)

    def get_phone(self, obj) -> str:
        return mask_phone(obj.phone)

    def _hours(self, obj):
        totals = self.context.get("hours")
        if totals is not None:
            return totals.get(obj.pk, 0)
        return selectors.hours_total(volunteer=obj)

    def get_hours(self, obj) -> str:
        return f"{self._hours(obj):.2f}"

    def get_star(self, obj) -> int:
        return selectors.star_level(self._hours(obj))


class VolunteerTeamMembershipOut(serializers.Serializer):
    volunteer = serializers.IntegerField(source="volunteer_id")
    name = serializers.CharField(source="volunteer.name")
    role = serializers.CharField()
    joined_on = serializers.DateField()
    left_on = serializers.DateField(allow_null=True)


class VolunteerTeamOut(serializers.ModelSerializer):
    community_name = serializers.CharField(source="community.name", read_only=True)

    class Meta:
        model = Team
        fields = [
            "id",
            "community",
            "community_name",
            "name",
            "kind",
            "colour",
            "focus",
            "description",
            "is_active",
            "version",
            "created_at",
        ]


class VolunteerTeamMonthHours(serializers.Serializer):
    month = serializers.CharField()
    hours = serializers.DecimalField(max_digits=10, decimal_places=2)


class VolunteerTeamStatsOut(serializers.Serializer):
    members = serializers.IntegerField()
    ages = serializers.DictField(child=serializers.IntegerField())
    ages_unknown = serializers.IntegerField()
    silver_share = serializers.FloatField()
    active_members = serializers.IntegerField()
    active_days = serializers.IntegerField()
    hours_by_month = VolunteerTeamMonthHours(many=True)
    hours_total = serializers.DecimalField(max_digits=10, decimal_places=2)


class VolunteerTeamDetailOut(VolunteerTeamOut):
    members = serializers.SerializerMethodField()
    stats = serializers.SerializerMethodField()

    class Meta(VolunteerTeamOut.Meta):
        fields = VolunteerTeamOut.Meta.fields + ["members", "stats"]

    @extend_schema_field(VolunteerTeamMembershipOut(many=True))
    def get_members(self, obj) -> list[dict]:
        return VolunteerTeamMembershipOut(selectors.current_members(obj), many=True).data

    @extend_schema_field(VolunteerTeamStatsOut)
    def get_stats(self, obj) -> dict:
        return VolunteerTeamStatsOut(selectors.team_stats(obj)).data


class ServiceRecordOut(serializers.ModelSerializer):
    volunteer_name = serializers.CharField(source="volunteer.name", read_only=True)
    team_name = serializers.CharField(source="team.name", read_only=True, allow_null=True, default=None)

    class Meta:
        model = ServiceRecord
        fields = [
            "id",
            "volunteer",
            "volunteer_name",
            "community",
            "team",
            "team_name",
            "occurrence",
            "content",
            "started_at",
            "ended_at",
            "hours",
            "training",
            "awards",
            "evaluation",
            "status",
            "corrects",
            "correction_reason",
            "recorded_by",
            "recorded_by_volunteer",
            "recorded_at",
            "confirmed_by",
            "confirmed_by_volunteer",
            "confirmed_at",
        ]


# ---------------------------------------------------------------- input


class VolunteerIn(serializers.Serializer):
    community = serializers.IntegerField(required=False)
    name = serializers.CharField(max_length=50)
    id_number = serializers.CharField(max_length=30)
    phone = serializers.CharField(max_length=20)
    kind = serializers.ChoiceField(choices=VolunteerKind.choices)
    work_unit = serializers.CharField(max_length=100, required=False, allow_blank=True)
    skills = serializers.ListField(child=serializers.CharField(max_length=30), required=False)


class VolunteerPatch(serializers.Serializer):
    version = serializers.IntegerField()
    name = serializers.CharField(max_length=50, required=False)
    phone = serializers.CharField(max_length=20, required=False)
    kind = serializers.ChoiceField(choices=VolunteerKind.choices, required=False)
    work_unit = serializers.CharField(max_length=100, required=False, allow_blank=True)
    skills = serializers.ListField(child=serializers.CharField(max_length=30), required=False)
    is_active = serializers.BooleanField(required=False)


class VolunteerRevealIn(serializers.Serializer):
    field = serializers.ChoiceField(choices=[("id_number", "id_number"), ("phone", "phone")])
    reason = serializers.CharField(max_length=200)


class VolunteerRevealOut(serializers.Serializer):
    field = serializers.CharField()
    value = serializers.CharField()


class VolunteerTeamIn(serializers.Serializer):
    community = serializers.IntegerField(required=False)
    name = serializers.CharField(max_length=50)
    kind = serializers.ChoiceField(choices=TeamKind.choices, default=TeamKind.SERVICE)
    colour = serializers.CharField(max_length=7, required=False, allow_blank=True)
    focus = serializers.CharField(max_length=100, required=False, allow_blank=True)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class VolunteerTeamPatch(serializers.Serializer):
    version = serializers.IntegerField()
    name = serializers.CharField(max_length=50, required=False)
    kind = serializers.ChoiceField(choices=TeamKind.choices, required=False)
    colour = serializers.CharField(max_length=7, required=False, allow_blank=True)
    focus = serializers.CharField(max_length=100, required=False, allow_blank=True)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


class VolunteerTeamMemberIn(serializers.Serializer):
    volunteer = serializers.IntegerField()
    role = serializers.ChoiceField(choices=MemberRole.choices, default=MemberRole.MEMBER)


class ServiceRecordIn(serializers.Serializer):
    volunteer = serializers.IntegerField()
    team = serializers.IntegerField(required=False, allow_null=True)
    content = serializers.CharField(max_length=200)
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField()
    hours = serializers.DecimalField(max_digits=6, decimal_places=2)
    training = serializers.CharField(max_length=200, required=False, allow_blank=True)
    awards = serializers.CharField(max_length=200, required=False, allow_blank=True)
    evaluation = serializers.CharField(max_length=200, required=False, allow_blank=True)
    confirm = serializers.BooleanField(default=False)


class ServiceRecordCorrectionIn(serializers.Serializer):
    hours_delta = serializers.DecimalField(max_digits=6, decimal_places=2)
    reason = serializers.CharField(max_length=200)


# ---------------------------------------------------------------- volunteers


class VolunteerList(VolunteersView):
    serializer_class = VolunteerIn

    @extend_schema(
        operation_id="volunteers_list",
        parameters=[
            OpenApiParameter("community", int),
            OpenApiParameter("team", int),
            OpenApiParameter("q", str, description="name contains"),
        ],
        responses={200: VolunteerOut(many=True)},
    )
    def get(self, request):
        qs = selectors.volunteers_for(request.user).prefetch_related("skills")
        if request.query_params.get("community"):
            qs = qs.filter(community_id=_int(request.query_params["community"], "community"))
        if request.query_params.get("team"):
            qs = qs.filter(
                memberships__team_id=_int(request.query_params["team"], "team"),
                memberships__left_on__isnull=True,
            )
        if request.query_params.get("q"):
            qs = qs.filter(name__contains=request.query_params["q"][:50])
        page = self.paginate_queryset(qs)
        hours = selectors.hours_by_volunteer(v.pk for v in page)
        return self.get_paginated_response(VolunteerOut(page, many=True, context={"hours": hours}).data)

    @extend_schema(request=VolunteerIn, responses={201: VolunteerOut})
    def post(self, request):
        def handler():
            data = parse_input(VolunteerIn, request)
            community = _community_for(request.user, data.pop("community", None))
            volunteer = services.volunteer_register(
                actor=request.user, community=community, request=request, **data
            )
            return Response(VolunteerOut(volunteer).data, status=status.HTTP_201_CREATED)

        return idempotent(request, scope="volunteer_create", handler=handler)


class VolunteerDetail(VolunteersView):
    serializer_class = VolunteerPatch

    @extend_schema(responses={200: VolunteerOut})
    def get(self, request, pk: int):
        return Response(VolunteerOut(selectors.get_volunteer_for_user(request.user, pk)).data)

    @extend_schema(request=VolunteerPatch, responses={200: VolunteerOut})
    def patch(self, request, pk: int):
        volunteer = selectors.get_volunteer_for_user(request.user, pk)
        data = parse_input(VolunteerPatch, request)
        version = data.pop("version")
        volunteer = services.volunteer_update(
            actor=request.user, volunteer=volunteer, version=version, request=request, **data
        )
        return Response(VolunteerOut(volunteer).data)


class VolunteerReveal(VolunteersView):
    serializer_class = VolunteerRevealIn

    @extend_schema(request=VolunteerRevealIn, responses={200: VolunteerRevealOut})
    def post(self, request, pk: int):
        volunteer = selectors.get_volunteer_for_user(request.user, pk)
        data = parse_input(VolunteerRevealIn, request)
        value = services.volunteer_reveal(
            actor=request.user,
            volunteer=volunteer,
            field=data["field"],
            reason=data["reason"],
            request=request,
        )
        return Response({"field": data["field"], "value": value})


class VolunteerCertificate(VolunteersView):
    @extend_schema(
        operation_id="volunteers_certificate",
        parameters=[OpenApiParameter("from", OpenApiTypes.DATE), OpenApiParameter("to", OpenApiTypes.DATE)],
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    def get(self, request, pk: int):
        volunteer = selectors.get_volunteer_for_user(request.user, pk)
        start = _date(request.query_params.get("from"), "from")
        end = _date(request.query_params.get("to"), "to")
        cert, content = services.certificate_issue(
            volunteer=volunteer, actor=request.user, start=start, end=end, request=request
        )
        return pdf_response(content, cert.number)


def pdf_response(content: bytes, number: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{number}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    add_never_cache_headers(response)
    return response


def _int(value, field: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidInput(_("Give a number."), field=field) from None


def _date(value, field: str):
    from datetime import date

    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(_("Give the date as YYYY-MM-DD."), field=field) from None


# ---------------------------------------------------------------- teams


class TeamList(VolunteersView):
    serializer_class = VolunteerTeamIn

    @extend_schema(
        operation_id="volunteer_teams_list",
        parameters=[OpenApiParameter("community", int)],
        responses={200: VolunteerTeamOut(many=True)},
    )
    def get(self, request):
        qs = selectors.teams_for(request.user)
        if request.query_params.get("community"):
            qs = qs.filter(community_id=_int(request.query_params["community"], "community"))
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(VolunteerTeamOut(page, many=True).data)

    @extend_schema(request=VolunteerTeamIn, responses={201: VolunteerTeamDetailOut})
    def post(self, request):
        def handler():
            data = parse_input(VolunteerTeamIn, request)
            community = _community_for(request.user, data.pop("community", None))
            team = services.team_create(actor=request.user, community=community, request=request, **data)
            return Response(VolunteerTeamDetailOut(team).data, status=status.HTTP_201_CREATED)

        return idempotent(request, scope="volunteer_team_create", handler=handler)


class TeamDetail(VolunteersView):
    serializer_class = VolunteerTeamPatch

    @extend_schema(responses={200: VolunteerTeamDetailOut})
    def get(self, request, pk: int):
        return Response(VolunteerTeamDetailOut(selectors.get_team_for_user(request.user, pk)).data)

    @extend_schema(request=VolunteerTeamPatch, responses={200: VolunteerTeamDetailOut})
    def patch(self, request, pk: int):
        team = selectors.get_team_for_user(request.user, pk)
        data = parse_input(VolunteerTeamPatch, request)
        version = data.pop("version")
        team = services.team_update(actor=request.user, team=team, version=version, request=request, **data)
        return Response(VolunteerTeamDetailOut(team).data)


class TeamMembers(VolunteersView):
    serializer_class = VolunteerTeamMemberIn

    @extend_schema(request=VolunteerTeamMemberIn, responses={201: VolunteerTeamMembershipOut})
    def post(self, request, pk: int):
        team = selectors.get_team_for_user(request.user, pk)

        def handler():
            data = parse_input(VolunteerTeamMemberIn, request)
            volunteer = selectors.get_volunteer_for_user(request.user, data["volunteer"])
            membership = services.team_member_add(
                actor=request.user, team=team, volunteer=volunteer, role=data["role"], request=request
            )
            return Response(VolunteerTeamMembershipOut(membership).data, status=status.HTTP_201_CREATED)

        return idempotent(request, scope=f"volunteer_team_member:{team.pk}", handler=handler)


class TeamMember(VolunteersView):
    @extend_schema(request=None, responses={200: VolunteerTeamMembershipOut})
    def delete(self, request, pk: int, volunteer_id: int):
        team = selectors.get_team_for_user(request.user, pk)
        volunteer = selectors.get_volunteer_for_user(request.user, volunteer_id)
        membership = services.team_member_remove(
            actor=request.user, team=team, volunteer=volunteer, request=request
        )
        return Response(VolunteerTeamMembershipOut(membership).data)


# ---------------------------------------------------------------- service records


class RecordList(VolunteersView):
    serializer_class = ServiceRecordIn

    @extend_schema(
        operation_id="service_records_list",
        parameters=[
            OpenApiParameter("volunteer", int),
            OpenApiParameter("team", int),
            OpenApiParameter("from", OpenApiTypes.DATE),
            OpenApiParameter("to", OpenApiTypes.DATE),
            OpenApiParameter("status", str, enum=RecordStatus.values),
        ],
        responses={200: ServiceRecordOut(many=True)},
    )
    def get(self, request):
        params = request.query_params
        wanted = params.get("status", "")
        if wanted and wanted not in RecordStatus.values:
            raise InvalidInput(_("Unknown status."), field="status")
        qs = selectors.filter_records(
            selectors.records_for(request.user),
            volunteer=_int(params["volunteer"], "volunteer") if params.get("volunteer") else None,
            team=_int(params["team"], "team") if params.get("team") else None,
            start=_date(params.get("from"), "from"),
            end=_date(params.get("to"), "to"),
            status=wanted,
        )
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(ServiceRecordOut(page, many=True).data)

    @extend_schema(request=ServiceRecordIn, responses={201: ServiceRecordOut})
    def post(self, request):
        def handler():
            data = parse_input(ServiceRecordIn, request)
            volunteer = selectors.get_volunteer_for_user(request.user, data.pop("volunteer"))
            team_id = data.pop("team", None)
            team = selectors.get_team_for_user(request.user, team_id) if team_id else None
            record = services.service_record_create(
                volunteer=volunteer, team=team, actor=request.user, request=request, **data
            )
            return Response(ServiceRecordOut(record).data, status=status.HTTP_201_CREATED)

        return idempotent(request, scope="service_record_create", handler=handler)


class RecordDetail(VolunteersView):
    @extend_schema(responses={200: ServiceRecordOut})
    def get(self, request, pk: int):
        return Response(ServiceRecordOut(selectors.get_record_for_user(request.user, pk)).data)


class RecordConfirm(VolunteersView):
    serializer_class = ServiceRecordOut  # OPTIONS describes the answer; the POST takes no body

    @extend_schema(request=None, responses={200: ServiceRecordOut})
    def post(self, request, pk: int):
        record = selectors.get_record_for_user(request.user, pk)
        record = services.service_record_confirm(record=record, actor=request.user, request=request)
        return Response(ServiceRecordOut(record).data)


class RecordCorrections(VolunteersView):
    serializer_class = ServiceRecordCorrectionIn

    @extend_schema(request=ServiceRecordCorrectionIn, responses={201: ServiceRecordOut})
    def post(self, request, pk: int):
        record = selectors.get_record_for_user(request.user, pk)

        def handler():
            data = parse_input(ServiceRecordCorrectionIn, request)
            correction = services.service_record_correct(
                record=record, actor=request.user, request=request, **data
            )
            return Response(ServiceRecordOut(correction).data, status=status.HTTP_201_CREATED)

        return idempotent(request, scope=f"service_record_correct:{record.pk}", handler=handler)


urlpatterns = [
    path("teams/", TeamList.as_view(), name="volunteer-teams"),
    path("teams/<int:pk>/", TeamDetail.as_view(), name="volunteer-team"),
    path("teams/<int:pk>/members/", TeamMembers.as_view(), name="volunteer-team-members"),
    path("teams/<int:pk>/members/<int:volunteer_id>/", TeamMember.as_view(), name="volunteer-team-member"),
    path("volunteers/", VolunteerList.as_view(), name="volunteers"),
    path("volunteers/<int:pk>/", VolunteerDetail.as_view(), name="volunteer"),
    path("volunteers/<int:pk>/reveal/", VolunteerReveal.as_view(), name="volunteer-reveal"),
    path("volunteers/<int:pk>/certificate.pdf", VolunteerCertificate.as_view(), name="volunteer-certificate"),
    path("service-records/", RecordList.as_view(), name="service-records"),
    path("service-records/<int:pk>/", RecordDetail.as_view(), name="service-record"),
    path("service-records/<int:pk>/confirm/", RecordConfirm.as_view(), name="service-record-confirm"),
    path(
        "service-records/<int:pk>/corrections/",
        RecordCorrections.as_view(),
        name="service-record-corrections",
    ),
]
