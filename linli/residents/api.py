"""REST endpoints of the registry: thin views that parse, fetch through the accessors and call one service.

Personal data leaves masked (``present_resident``); a full value only through ``reveal``, with a reason, audited.
No personal data travels in a URL: lookups by phone or ID number are POSTs."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.response import Response

from linli.core.api import parse_input
from linli.core.errors import Conflict, InvalidInput
from linli.core.idempotency import idempotent
from linli.org.models import Building
from linli.org.selectors import communities_for

from . import selectors, services
from .choices import Field, Gender, Occupancy, Relationship, RequestKind, Tenure, VisitKind
from .models import DataSubjectRequest, Tag, TagAssignment


# An endpoint of the registry: signed in (401 otherwise) and holding a registry role (404 otherwise). A comment,
# not a docstring: drf-spectacular would print a docstring as every endpoint's description.
class RegistryView(GenericAPIView):
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not selectors.may_use_registry(request.user):
            raise Http404


class RegistryListView(RegistryView, ListAPIView):
    pass


def _no_store(response):
    add_never_cache_headers(response)
    return response


# ---------------------------------------------------------------- output


class TagOut(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    grade = serializers.CharField()
    sensitive = serializers.BooleanField()
    derived = serializers.BooleanField()
    on_household = serializers.BooleanField()


class ResidentOut(serializers.Serializer):
    """A resident as the viewer may see them: ID number and phone always masked, the name masked for
    viewers who do not handle the place, sensitive tags only for roles they are granted to."""

    id = serializers.IntegerField(source="resident.pk")
    household = serializers.IntegerField(source="resident.household_id")
    community = serializers.IntegerField(source="resident.community_id")
    grid = serializers.IntegerField(source="resident.household.grid_id", allow_null=True)
    name = serializers.CharField()
    gender = serializers.CharField(source="resident.gender")
    birth_date = serializers.DateField(allow_null=True)
    age = serializers.IntegerField(allow_null=True)
    id_number = serializers.CharField(help_text="masked, e.g. 110101********1234")
    phone = serializers.CharField(help_text="masked, e.g. 138****5678")
    relationship = serializers.CharField(source="resident.relationship")
    moved_in = serializers.DateField(source="resident.moved_in", allow_null=True)
    moved_out = serializers.DateField(source="resident.moved_out", allow_null=True)
    tags = TagOut(many=True)
    care_worker = serializers.IntegerField(source="resident.care_worker_id", allow_null=True)
    visit_every_days = serializers.IntegerField(source="resident.visit_every_days", allow_null=True)
    next_visit_due = serializers.DateField(source="resident.next_visit_due", allow_null=True)
    can_reveal = serializers.BooleanField(source="handler")
    version = serializers.IntegerField(source="resident.version")


class HouseholdOut(serializers.Serializer):
    id = serializers.IntegerField()
    building = serializers.IntegerField(source="building_id")
    building_name = serializers.CharField(source="building.name")
    compound_name = serializers.CharField(source="building.compound.name")
    unit = serializers.CharField(source="unit.name", default="")
    floor = serializers.IntegerField(allow_null=True)
    address = serializers.SerializerMethodField(
        help_text="the room masked unless the viewer handles the place"
    )
    grid = serializers.IntegerField(source="grid_id", allow_null=True)
    community = serializers.IntegerField(source="community_id")
    tenure = serializers.CharField()
    occupancy = serializers.CharField()
    people = serializers.IntegerField(required=False)
    version = serializers.IntegerField()

    def get_address(self, obj) -> str:
        return selectors.household_address(self.context["request"].user, obj)


def resident_out(request, residents) -> list[dict]:
    today = timezone.localdate()
    return ResidentOut(
        [selectors.present_resident(request.user, r, on=today) for r in residents], many=True
    ).data


# ---------------------------------------------------------------- input


class HouseholdIn(serializers.Serializer):
    building = serializers.PrimaryKeyRelatedField(
        queryset=Building.objects.select_related("compound__community")
    )
    unit = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    floor = serializers.IntegerField(required=False, allow_null=True, min_value=-5, max_value=200)
    room = serializers.CharField(max_length=20)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    tenure = serializers.ChoiceField(choices=Tenure.choices, default=Tenure.OWNER)
    occupancy = serializers.ChoiceField(choices=Occupancy.choices, default=Occupancy.OCCUPIED)
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ResidentFieldsIn(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    gender = serializers.ChoiceField(choices=Gender.choices, required=False, allow_blank=True)
    birth_date = serializers.DateField(required=False, allow_null=True)
    id_number = serializers.CharField(max_length=18, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    relationship = serializers.ChoiceField(choices=Relationship.choices, required=False)
    moved_in = serializers.DateField(required=False, allow_null=True)
    moved_out = serializers.DateField(required=False, allow_null=True)
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ResidentCreateIn(ResidentFieldsIn):
    household = serializers.IntegerField()


class ResidentUpdateIn(ResidentFieldsIn):
    version = serializers.IntegerField(min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].required = False


class RevealIn(serializers.Serializer):
    field = serializers.ChoiceField(choices=[(Field.ID_NUMBER, "id_number"), (Field.PHONE, "phone")])
    reason = serializers.CharField(max_length=300)


class RevealAddressIn(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class LookupIn(serializers.Serializer):
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    id_number = serializers.CharField(max_length=18, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        if not (attrs["phone"].strip() or attrs["id_number"].strip()):
            raise serializers.ValidationError({"phone": [_("Give a phone number or an ID number.")]})
        return attrs


class TagIn(serializers.Serializer):
    tag = serializers.SlugRelatedField(slug_field="code", queryset=Tag.objects.all())
    grade = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class VisitIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=VisitKind.choices, default=VisitKind.HOME)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    visited_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class DataRequestIn(serializers.Serializer):
    resident = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=RequestKind.choices)
    details = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class DataRequestCloseIn(serializers.Serializer):
    outcome = serializers.CharField(max_length=2000)
    refuse = serializers.BooleanField(default=False)
    corrections = ResidentFieldsIn(required=False, partial=True)


class DataRequestOut(serializers.ModelSerializer):
    resident_name = serializers.SerializerMethodField()
    days_left = serializers.SerializerMethodField()

    class Meta:
        model = DataSubjectRequest
        fields = [
            "id",
            "kind",
            "status",
            "resident",
            "resident_name",
            "details",
            "received_at",
            "due_date",
            "due_estimated",
            "days_left",
            "closed_at",
            "outcome",
        ]

    def get_resident_name(self, obj) -> str:
        return selectors.present_resident(self.context["request"].user, obj.resident).name

    def get_days_left(self, obj) -> int:
        return selectors.due_in_days(obj)


class ExportIn(serializers.Serializer):
    grid = serializers.IntegerField(required=False, allow_null=True)
    building = serializers.IntegerField(required=False, allow_null=True)
    tag = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    include_moved_out = serializers.BooleanField(default=False)
    unmasked = serializers.BooleanField(default=False)
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


# ---------------------------------------------------------------- views

LIST_PARAMETERS = [
    OpenApiParameter("grid", int),
    OpenApiParameter("building", int),
    OpenApiParameter("tag", str, description="tag code, e.g. dujulaoren; gaoling = aged 80 or more"),
    OpenApiParameter("name", str, description="name contains"),
    OpenApiParameter("include_moved_out", bool),
]


def _int_param(request, name: str) -> int | None:
    value = request.query_params.get(name, "")
    if not value:
        return None
    if not value.isdigit():
        raise InvalidInput(_("Give a number."), field=name)
    return int(value)


class HouseholdListCreate(RegistryListView):
    serializer_class = HouseholdOut

    def get_queryset(self):
        return selectors.household_list(
            self.request.user,
            grid=_int_param(self.request, "grid"),
            building=_int_param(self.request, "building"),
        )

    @extend_schema(parameters=LIST_PARAMETERS[:2])
    def get(self, request, *args, **kwargs):
        return _no_store(super().get(request, *args, **kwargs))

    @extend_schema(request=HouseholdIn, responses={201: HouseholdOut})
    def post(self, request):

        def handler():
            data = parse_input(HouseholdIn, request)
            unit_name = data.pop("unit").strip()
            building = data["building"]
            unit = building.units.get_or_create(name=unit_name)[0] if unit_name else None
            household = services.household_create(actor=request.user, unit=unit, request=request, **data)
            body = HouseholdOut(household, context={"request": request}).data
            return Response(body, status=status.HTTP_201_CREATED)

        return idempotent(request, scope="household_create", handler=handler)


class HouseholdDetail(RegistryView):
    serializer_class = HouseholdOut

    def get(self, request, pk: int):
        household = selectors.get_household_for_user(request.user, pk)
        body = HouseholdOut(household, context={"request": request}).data
        body["residents"] = resident_out(request, selectors.with_live_tags(household.residents.current()))
        return _no_store(Response(body))


class HouseholdReveal(RegistryView):
    serializer_class = RevealAddressIn

    @extend_schema(request=RevealAddressIn, responses={200: dict})
    def post(self, request, pk: int):
        household = selectors.get_household_for_user(request.user, pk)
        data = parse_input(RevealAddressIn, request)
        value = services.field_reveal(
            actor=request.user, subject=household, field=Field.ADDRESS, reason=data["reason"], request=request
        )
        return _no_store(Response({"field": Field.ADDRESS, "value": value}))


class ResidentListCreate(RegistryListView):
    serializer_class = ResidentOut

    def get_queryset(self):
        params = self.request.query_params
        return selectors.resident_list(
            self.request.user,
            grid=_int_param(self.request, "grid"),
            building=_int_param(self.request, "building"),
            tag=params.get("tag") or None,
            name=params.get("name", ""),
            include_moved_out=params.get("include_moved_out") in {"1", "true", "yes"},
        )

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return _no_store(self.get_paginated_response(resident_out(request, page)))

    @extend_schema(parameters=LIST_PARAMETERS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=ResidentCreateIn, responses={201: ResidentOut})
    def post(self, request):

        def handler():
            data = parse_input(ResidentCreateIn, request)
            household = selectors.get_household_for_user(request.user, data.pop("household"))
            resident = services.resident_create(
                actor=request.user, household=household, request=request, **data
            )
            return Response(resident_out(request, [resident])[0], status=status.HTTP_201_CREATED)

        return idempotent(request, scope="resident_create", handler=handler)


class ResidentDetail(RegistryView):
    serializer_class = ResidentOut

    def get(self, request, pk: int):
        resident = selectors.get_resident_for_user(request.user, pk)
        body = resident_out(request, [resident])[0]
        body["emergency_contacts"] = selectors.emergency_contacts_seen_by(request.user, resident)
        body["cases"] = list(
            selectors.resident_cases(request.user, resident).values("id", "number", "title", "status")
        )
        return _no_store(Response(body))

    @extend_schema(request=ResidentUpdateIn, responses={200: ResidentOut, 409: dict})
    def patch(self, request, pk: int):
        resident = selectors.get_resident_for_user(request.user, pk)
        data = parse_input(ResidentUpdateIn, request, partial=True)
        version = data.pop("version", None)
        if version is None:
            raise InvalidInput(_("Send the version you last read."), field="version")
        try:
            resident = services.resident_update(
                actor=request.user, resident=resident, version=version, request=request, **data
            )
        except Conflict as exc:
            if exc.field != "version":
                raise
            # A stale version answers with the record as it is now, so the editor can merge and retry (RE-02).
            current = selectors.get_resident_for_user(request.user, pk)
            body = {"code": "stale_version", "message": str(exc.message), "field": "version"}
            body["resident"] = resident_out(request, [current])[0]
            return _no_store(Response(body, status=status.HTTP_409_CONFLICT))
        return _no_store(Response(resident_out(request, [resident])[0]))


class ResidentReveal(RegistryView):
    serializer_class = RevealIn

    @extend_schema(
        request=RevealIn,
        responses={
            200: inline_serializer(
                "RevealOut", {"field": serializers.CharField(), "value": serializers.CharField()}
            )
        },
    )
    def post(self, request, pk: int):
        resident = selectors.get_resident_for_user(request.user, pk)
        data = parse_input(RevealIn, request)
        value = services.field_reveal(
            actor=request.user, subject=resident, field=data["field"], reason=data["reason"], request=request
        )
        return _no_store(Response({"field": data["field"], "value": value}))


class ResidentLookup(RegistryView):
    """Find residents by phone or ID number (exact, through the blind index) within the viewer's scope."""

    serializer_class = LookupIn
    pagination_class = None  # the few residents with that phone or ID number, not a page

    @extend_schema(request=LookupIn, responses={200: ResidentOut(many=True)})
    def post(self, request):
        data = parse_input(LookupIn, request)
        qs = selectors.resident_list(request.user, phone=data["phone"]) if data["phone"] else None
        if data["id_number"]:
            by_id = selectors.resident_list(request.user).by_id_number(data["id_number"])
            qs = by_id if qs is None else qs & by_id
        found = list(qs[:20])
        body = resident_out(request, found)
        for item, resident in zip(body, found, strict=True):
            item["household_address"] = selectors.household_address(request.user, resident.household)
            item["urgent_by_default"] = selectors.needs_urgent_care(resident)
        return _no_store(Response(body))


class ResidentTags(RegistryView):
    serializer_class = TagIn

    @extend_schema(request=TagIn, responses={201: ResidentOut})
    def post(self, request, pk: int):
        resident = selectors.get_resident_for_user(request.user, pk)

        def handler():
            data = parse_input(TagIn, request)
            tag = data.pop("tag")
            subject = (
                {"household": resident.household} if tag.target == "household" else {"resident": resident}
            )
            services.tag_add(actor=request.user, tag=tag, request=request, **subject, **data)
            fresh = selectors.get_resident_for_user(request.user, pk)
            return Response(resident_out(request, [fresh])[0], status=status.HTTP_201_CREATED)

        return idempotent(request, scope=f"resident_tag:{resident.pk}", handler=handler)


class TagAssignmentRemove(RegistryView):
    serializer_class = ResidentOut

    @extend_schema(request=None, responses={200: dict})
    def post(self, request, pk: int):
        try:
            assignment = TagAssignment.objects.select_related("resident__household", "household", "tag").get(
                pk=pk
            )
        except TagAssignment.DoesNotExist as exc:
            raise Http404 from exc
        place = assignment.household or assignment.resident.household
        selectors.get_household_for_user(request.user, place.pk)  # 404 outside the viewer's scope
        if not assignment.tag.visible_for(selectors.roles_here(request.user, place)):
            raise Http404
        assignment = services.tag_remove(actor=request.user, assignment=assignment, request=request)
        return Response({"id": assignment.pk, "removed_at": assignment.removed_at})


class TagDefinitionOut(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    target = serializers.CharField()
    sensitivity = serializers.CharField()
    derived = serializers.BooleanField()
    has_grade = serializers.BooleanField()


class TagList(RegistryListView):
    serializer_class = TagDefinitionOut
    pagination_class = None

    def get_queryset(self):
        return Tag.objects.all()

    def list(self, request, *args, **kwargs):
        rows = self.get_queryset().values("code", "name", "target", "sensitivity", "derived", "has_grade")
        return Response(list(rows))


class ResidentVisits(RegistryView):
    serializer_class = VisitIn

    @extend_schema(request=VisitIn, responses={201: ResidentOut})
    def post(self, request, pk: int):
        resident = selectors.get_resident_for_user(request.user, pk)

        def handler():
            data = parse_input(VisitIn, request)
            services.visit_record(actor=request.user, resident=resident, **data)
            resident.refresh_from_db()
            return Response(resident_out(request, [resident])[0], status=status.HTTP_201_CREATED)

        return idempotent(request, scope=f"resident_visit:{resident.pk}", handler=handler)


class VisitsDue(RegistryListView):
    serializer_class = ResidentOut

    def get_queryset(self):
        return selectors.visits_due(self.request.user)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return _no_store(self.get_paginated_response(resident_out(request, page)))


class CommunityProfileOut(serializers.Serializer):
    community = serializers.IntegerField()
    name = serializers.CharField()
    area_km2 = serializers.DecimalField(max_digits=8, decimal_places=3, allow_null=True)
    compounds = serializers.IntegerField()
    buildings = serializers.IntegerField()
    households = serializers.IntegerField()
    occupied_households = serializers.IntegerField()
    population = serializers.IntegerField()
    elderly = serializers.IntegerField()
    elderly_share = serializers.FloatField(
        allow_null=True, help_text="per cent of the population aged 60 or more"
    )
    very_old = serializers.IntegerField(help_text="aged 80 or more (高龄)")
    party_members = serializers.IntegerField()
    living_alone = serializers.IntegerField()
    as_of = serializers.DateField()


class CommunityProfile(RegistryView):
    """社区档案: computed from the registry and the org tree, never typed."""

    serializer_class = CommunityProfileOut

    def get(self, request, pk: int):
        community = communities_for(request.user).filter(pk=pk).first()
        if community is None:
            raise Http404
        figures = selectors.community_profile(community)
        figures["community"], figures["name"] = community.pk, community.name
        return Response(self.serializer_class(figures).data)


class DataRequestListCreate(RegistryListView):
    serializer_class = DataRequestOut

    def get_queryset(self):
        return selectors.data_requests_for(self.request.user)

    @extend_schema(request=DataRequestIn, responses={201: DataRequestOut})
    def post(self, request):

        def handler():
            data = parse_input(DataRequestIn, request)
            resident = selectors.get_resident_for_user(request.user, data.pop("resident"))
            dsr = services.data_request_create(actor=request.user, resident=resident, request=request, **data)
            return Response(
                DataRequestOut(dsr, context={"request": request}).data, status=status.HTTP_201_CREATED
            )

        return idempotent(request, scope="data_request_create", handler=handler)


class DataRequestExport(RegistryView):
    serializer_class = DataRequestOut

    @extend_schema(responses={200: dict})
    def get(self, request, pk: int):
        dsr = selectors.get_data_request_for_user(request.user, pk)
        return _no_store(Response(services.data_request_export(actor=request.user, dsr=dsr, request=request)))


class DataRequestClose(RegistryView):
    serializer_class = DataRequestCloseIn

    @extend_schema(request=DataRequestCloseIn, responses={200: DataRequestOut})
    def post(self, request, pk: int):
        dsr = selectors.get_data_request_for_user(request.user, pk)
        data = parse_input(DataRequestCloseIn, request)
        dsr = services.data_request_close(actor=request.user, dsr=dsr, request=request, **data)
        return Response(DataRequestOut(dsr, context={"request": request}).data)


class ResidentExport(RegistryView):
    """The filtered list as .xlsx; masked unless ``unmasked`` with a reason; above the cap it waits for approval."""

    serializer_class = ExportIn

    @extend_schema(
        request=ExportIn,
        responses={
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): bytes,
            403: dict,
        },
    )
    def post(self, request):
        data = parse_input(ExportIn, request)
        unmasked, reason = data.pop("unmasked"), data.pop("reason")
        filters = {k: v for k, v in data.items() if v not in (None, "", False)}
        residents = selectors.resident_list(request.user, **{**filters, "tag": filters.get("tag")})
        body = services.registry_export(
            actor=request.user,
            residents=residents,
            filters=filters,
            unmasked=unmasked,
            reason=reason,
            request=request,
        )
        response = HttpResponse(body, content_type=XLSX)
        response["Content-Disposition"] = (
            f'attachment; filename="residents-{timezone.localdate():%Y%m%d}.xlsx"'
        )
        return _no_store(response)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

urlpatterns = [
    path("households/", HouseholdListCreate.as_view(), name="households"),
    path("households/<int:pk>/", HouseholdDetail.as_view(), name="household"),
    path("households/<int:pk>/reveal/", HouseholdReveal.as_view(), name="household-reveal"),
    path("residents/", ResidentListCreate.as_view(), name="residents"),
    path("residents/lookup/", ResidentLookup.as_view(), name="resident-lookup"),
    path("residents/export/", ResidentExport.as_view(), name="resident-export"),
    path("residents/visits-due/", VisitsDue.as_view(), name="visits-due"),
    path("residents/<int:pk>/", ResidentDetail.as_view(), name="resident"),
    path("residents/<int:pk>/reveal/", ResidentReveal.as_view(), name="resident-reveal"),
    path("residents/<int:pk>/tags/", ResidentTags.as_view(), name="resident-tags"),
    path("residents/<int:pk>/visits/", ResidentVisits.as_view(), name="resident-visits"),
    path("tag-assignments/<int:pk>/remove/", TagAssignmentRemove.as_view(), name="tag-assignment-remove"),
    path("tags/", TagList.as_view(), name="tags"),
    path("communities/<int:pk>/profile/", CommunityProfile.as_view(), name="community-profile"),
    path("data-requests/", DataRequestListCreate.as_view(), name="data-requests"),
    path("data-requests/<int:pk>/export/", DataRequestExport.as_view(), name="data-request-export"),
    path("data-requests/<int:pk>/close/", DataRequestClose.as_view(), name="data-request-close"),
]
