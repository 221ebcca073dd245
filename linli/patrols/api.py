"""REST endpoints of the patrols app (under /api/v1/): thin views that parse, fetch through the accessors and call
one service. Inspections are scoped like cases; an out-of-scope id answers 404, an out-of-scope place in a body
answers 400 on `place` (the same answer as a place that does not exist)."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.response import Response

from linli.cases.api import ActiveCategoryField
from linli.core.api import parse_input
from linli.core.errors import InvalidInput
from linli.core.idempotency import idempotent
from linli.core.images import clean_photos
from linli.core.uploads import check_uploads

from . import selectors, services
from .choices import OPEN_HAZARD_STATUSES, ItemResult, PlaceKind
from .models import (
    Campaign,
    ChecklistItem,
    ChecklistTemplate,
    Hazard,
    Inspection,
    InspectionPhoto,
    InspectionResult,
    PatrolRound,
    RoundOccurrence,
)

# ---------------------------------------------------------------- output


def _place_out(place) -> dict | None:
    if place is None:
        return None
    return {"kind": selectors.place_kind_of(place), "id": place.pk, "name": str(place)}


class ChecklistItemOut(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = ChecklistItem
        fields = ["id", "order", "text", "finding", "category"]


class ChecklistOut(serializers.ModelSerializer):
    items = ChecklistItemOut(many=True, read_only=True)

    class Meta:
        model = ChecklistTemplate
        fields = ["id", "code", "name", "kind", "place_kind", "description", "items"]


class PhotoOut(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name")
    url = serializers.SerializerMethodField()

    class Meta:
        model = InspectionPhoto
        fields = ["id", "kind", "name", "content_type", "size", "url"]

    def get_url(self, obj) -> str:
        return reverse("patrols:photo", args=[obj.uuid])


class HazardOut(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    item = serializers.IntegerField(source="result.item_id", read_only=True)
    case_number = serializers.SerializerMethodField()
    after_photos = PhotoOut(many=True, read_only=True)

    class Meta:
        model = Hazard
        fields = [
            "id",
            "item",
            "category",
            "description",
            "status",
            "case",
            "case_number",
            "found_at",
            "case_opened_at",
            "fixed_at",
            "fix_note",
            "after_photos",
        ]

    def get_case_number(self, obj) -> str | None:
        return obj.case.number if obj.case_id else None


class ResultOut(serializers.ModelSerializer):
    text = serializers.CharField(source="item.text", read_only=True)
    photos = PhotoOut(many=True, read_only=True)
    hazard = serializers.SerializerMethodField()

    class Meta:
        model = InspectionResult
        fields = ["item", "text", "result", "note", "photos", "hazard"]

    def get_hazard(self, obj) -> int | None:
        return obj.hazard.pk if hasattr(obj, "hazard") else None


class InspectionSummaryOut(serializers.ModelSerializer):
    template = serializers.SlugRelatedField(slug_field="code", read_only=True)
    template_name = serializers.CharField(source="template.name", read_only=True)
    place = serializers.SerializerMethodField()
    inspector_name = serializers.SerializerMethodField()
    hazards_found = serializers.IntegerField(read_only=True)
    hazards_open = serializers.IntegerField(read_only=True)

    class Meta:
        model = Inspection
        fields = [
            "id",
            "template",
            "template_name",
            "place",
            "compound",
            "community",
            "grid",
            "occurrence",
            "inspector",
            "inspector_name",
            "started_at",
            "finished_at",
            "lat",
            "lon",
            "note",
            "hazards_found",
            "hazards_open",
        ]

    def get_place(self, obj) -> dict:
        return _place_out(obj.place)

    def get_inspector_name(self, obj) -> str:
        return str(obj.inspector)


class InspectionOut(InspectionSummaryOut):
    results = serializers.SerializerMethodField()
    hazards = serializers.SerializerMethodField()

    class Meta(InspectionSummaryOut.Meta):
        fields = InspectionSummaryOut.Meta.fields + ["results", "hazards"]

    def get_results(self, obj) -> list[dict]:
        return ResultOut(selectors.inspection_results(obj), many=True).data

    def get_hazards(self, obj) -> list[dict]:
        hazards = obj.hazards.select_related("category", "case", "result").prefetch_related("after_photos")
        return HazardOut(hazards, many=True).data


def _with_counts(qs):
    return qs.annotate(
        hazards_found=Count("hazards"),
        hazards_open=Count("hazards", filter=Q(hazards__status__in=OPEN_HAZARD_STATUSES)),
    )


def inspection_body(pk: int) -> dict:
    """The inspection as the detail endpoint answers it, read afresh."""
    return InspectionOut(_with_counts(Inspection.objects.with_related()).get(pk=pk)).data


class RoundOut(serializers.ModelSerializer):
    template = serializers.SlugRelatedField(slug_field="code", read_only=True)
    assignee_name = serializers.SerializerMethodField()
    places = serializers.SerializerMethodField()
    due_dates = serializers.SerializerMethodField()

    class Meta:
        model = PatrolRound
        fields = [
            "id",
            "title",
            "template",
            "assignee",
            "assignee_name",
            "community",
            "rrule",
            "starts_on",
            "ends_on",
            "campaign",
            "is_active",
            "places",
            "due_dates",
        ]

    def get_assignee_name(self, obj) -> str:
        return str(obj.assignee)

    def get_places(self, obj) -> list[dict]:
        return [_place_out(p.building or p.shop or p.compound) for p in obj.places.all()]

    def get_due_dates(self, obj) -> list[dict]:
        """The due dates around today (the last two weeks, the next four), each with its inspections."""
        return [
            {"id": o.pk, "due_on": o.due_on.isoformat(), "inspections": [i.pk for i in o.inspections.all()]}
            for o in obj.nearby_occurrences
        ]


class CampaignOut(serializers.ModelSerializer):
    templates = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Campaign
        fields = ["id", "name", "description", "community", "starts_on", "ends_on", "templates"]


_FIGURES = [
    "buildings_total",
    "buildings_checked",
    "shops_total",
    "shops_checked",
    "inspections",
    "hazards_found",
    "hazards_fixed",
    "hazards_open",
    "cases_opened",
]


def _figures_out(row) -> dict:
    return {name: getattr(row, name) for name in _FIGURES} | {"checked_percent": row.checked_percent}


# ---------------------------------------------------------------- input


class TickIn(serializers.Serializer):
    item = serializers.IntegerField()
    result = serializers.ChoiceField(choices=ItemResult.choices)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


@extend_schema_field(TickIn(many=True))
class TicksField(serializers.Field):
    """The ticked items: a JSON list of {item, result, note}, or that list as a JSON string (in multipart)."""

    default_error_messages = {
        "invalid": gettext_lazy("Give the results as a list of items, each with item, result and note.")
    }

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                self.fail("invalid")
        if not isinstance(data, list) or not data:
            self.fail("invalid")
        ticks = TickIn(data=data, many=True)
        if not ticks.is_valid():
            raise serializers.ValidationError(ticks.errors)
        return [services.ItemTick(t["item"], t["result"], t["note"]) for t in ticks.validated_data]

    def to_representation(self, value):  # input only
        return value


class InspectionIn(serializers.Serializer):
    template = serializers.SlugRelatedField(
        slug_field="code", queryset=ChecklistTemplate.objects.filter(is_active=True)
    )
    place = serializers.CharField(
        max_length=40, help_text='the place inspected: "building:<id>", "shop:<id>" or "compound:<id>"'
    )
    results = TicksField(help_text="every item of the checklist: [{item, result: ok|hazard|na, note}]")
    lat = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90)
    lon = serializers.FloatField(required=False, allow_null=True, min_value=-180, max_value=180)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    started_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    occurrence = serializers.IntegerField(required=False, allow_null=True, default=None)

    def validate_place(self, value):
        place = selectors.find_place_for_user(self.context["request"].user, value)
        if place is None:
            raise serializers.ValidationError(_("No such place in your area."))
        return place

    def validate_occurrence(self, value):
        if value is None:
            return None
        try:
            return selectors.get_occurrence_for_user(self.context["request"].user, value)
        except Http404:
            raise serializers.ValidationError(_("No such round due date.")) from None

    def validate(self, attrs):
        if (attrs.get("lat") is None) != (attrs.get("lon") is None):
            field = "lon" if attrs.get("lon") is None else "lat"
            raise serializers.ValidationError({field: [_("Give both latitude and longitude, or neither.")]})
        return attrs


class HazardCasesIn(serializers.Serializer):
    hazard = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="only this hazard; all open ones if left out"
    )
    category = ActiveCategoryField(
        required=False, allow_null=True, default=None, help_text="for hazards whose item has no category"
    )


class HazardFixIn(serializers.Serializer):
    note = serializers.CharField(max_length=500)


_PHOTO_FIELD = re.compile(r"^photo_(\d{1,18})$")


def _item_photos(request) -> dict[int, list]:
    """Multipart photos named photo_<item id>, checked and re-encoded without their EXIF (FU-01/03)."""
    photos = {}
    for name in request.FILES:
        match = _PHOTO_FIELD.match(name)
        if match is None:
            raise InvalidInput(_("Photos go in fields named photo_<item id>."), field=name)
        photos[int(match.group(1))] = clean_photos(
            check_uploads(request.FILES.getlist(name), field=name), field=name
        )
    return photos


# ---------------------------------------------------------------- views


class ChecklistList(GenericAPIView):
    serializer_class = ChecklistOut
    pagination_class = None

    @extend_schema(responses=ChecklistOut(many=True))
    def get(self, request):
        return Response(ChecklistOut(selectors.active_templates(), many=True).data)


class InspectionListCreate(ListAPIView):
    serializer_class = InspectionSummaryOut

    def get_queryset(self):
        qs = Inspection.objects.visible_to(self.request.user).with_related()
        return _with_counts(qs).order_by("-finished_at", "-id")

    def filter_queryset(self, qs):
        params = self.request.query_params
        if value := params.get("place"):
            kind, _sep, pk = value.partition(":")
            if kind not in PlaceKind.values or not pk.isdigit():
                raise InvalidInput(
                    _('Name a place as "building:<id>", "shop:<id>" or "compound:<id>".'), field="place"
                )
            qs = qs.filter(place_kind=kind, **{kind: int(pk)})
        if value := params.get("compound"):
            if not value.isdigit():
                raise InvalidInput(_("compound must be a compound id."), field="compound")
            qs = qs.filter(compound_id=int(value))
        if value := params.get("template"):
            qs = qs.filter(template__code=value)
        if value := params.get("hazards"):
            if value == "open":
                qs = qs.filter(hazards__status__in=OPEN_HAZARD_STATUSES).distinct()
            else:
                raise InvalidInput(_("hazards can only be open."), field="hazards")
        return qs

    @extend_schema(
        parameters=[
            OpenApiParameter("place", str, description='"building:<id>", "shop:<id>" or "compound:<id>"'),
            OpenApiParameter("compound", int),
            OpenApiParameter("template", str, description="checklist code"),
            OpenApiParameter("hazards", str, description="open: only inspections with hazards still open"),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=InspectionIn,
        responses={201: InspectionOut},
        description="JSON, or multipart with `results` as a JSON string and photos in fields photo_<item id>.",
    )
    def post(self, request):
        def handler():
            data = parse_input(InspectionIn, request, context={"request": request})
            photos = _item_photos(request)
            inspection = services.inspection_record(
                actor=request.user,
                template=data["template"],
                place=data["place"],
                ticks=data["results"],
                photos=photos,
                lat=data.get("lat"),
                lon=data.get("lon"),
                note=data["note"],
                occurrence=data["occurrence"],
                started_at=data["started_at"],
            )
            return Response(inspection_body(inspection.pk), status=status.HTTP_201_CREATED)

        return idempotent(request, scope="inspection_create", handler=handler)


class InspectionDetail(GenericAPIView):
    serializer_class = InspectionOut

    def get(self, request, pk: int):
        inspection = selectors.get_inspection_for_user(request.user, pk)
        return Response(inspection_body(inspection.pk))


_CASES_OUT = inline_serializer(
    "HazardCasesOut",
    {
        "cases": serializers.ListField(child=serializers.DictField()),
        "inspection": InspectionOut(),
    },
)


class InspectionCases(GenericAPIView):
    serializer_class = InspectionOut

    @extend_schema(request=HazardCasesIn, responses={201: _CASES_OUT})
    def post(self, request, pk: int):
        inspection = selectors.get_inspection_for_user(request.user, pk)

        def handler():
            data = parse_input(HazardCasesIn, request)
            if data["hazard"] is not None:
                hazard = inspection.hazards.filter(pk=data["hazard"]).first()
                if hazard is None:
                    raise InvalidInput(_("No such hazard in this inspection."), field="hazard")
                cases = [
                    services.hazard_open_case(
                        hazard=hazard, actor=request.user, category=data["category"], request=request
                    )
                ]
            else:
                cases = services.inspection_open_cases(
                    inspection=inspection,
                    actor=request.user,
                    fallback_category=data["category"],
                    request=request,
                )
            hazards = dict(Hazard.objects.filter(case__in=cases).values_list("case_id", "pk"))
            body = {
                "cases": [{"hazard": hazards.get(c.pk), "case": c.pk, "number": c.number} for c in cases],
                "inspection": inspection_body(inspection.pk),
            }
            return Response(body, status=status.HTTP_201_CREATED)

        return idempotent(request, scope=f"inspection_cases:{inspection.pk}", handler=handler)


class HazardFix(GenericAPIView):
    serializer_class = HazardOut

    @extend_schema(request=HazardFixIn, responses={200: HazardOut})
    def post(self, request, pk: int):
        hazard = selectors.get_hazard_for_user(request.user, pk)
        data = parse_input(HazardFixIn, request)
        photos = clean_photos(check_uploads(request.FILES.getlist("photos")))
        hazard = services.hazard_fix(hazard=hazard, actor=request.user, note=data["note"], photos=photos)
        fresh = Hazard.objects.select_related("category", "case", "result").get(pk=hazard.pk)
        return Response(HazardOut(fresh).data)


class RoundList(ListAPIView):
    serializer_class = RoundOut

    def get_queryset(self):
        today = timezone.localdate()
        nearby = RoundOccurrence.objects.filter(
            due_on__gte=today - timedelta(days=selectors.OVERDUE_DAYS), due_on__lte=today + timedelta(days=28)
        ).prefetch_related("inspections")
        qs = PatrolRound.objects.visible_to(self.request.user).select_related("template", "assignee")
        qs = qs.prefetch_related(
            "places__building__compound",
            "places__shop__compound",
            "places__compound",
            Prefetch("occurrences", queryset=nearby, to_attr="nearby_occurrences"),
        )
        if self.request.query_params.get("mine") in ("1", "true", "yes"):
            qs = qs.filter(assignee=self.request.user)
        return qs.order_by("id")

    @extend_schema(parameters=[OpenApiParameter("mine", bool, description="only rounds assigned to me")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class CampaignList(ListAPIView):
    serializer_class = CampaignOut

    def get_queryset(self):
        return (
            Campaign.objects.visible_to(self.request.user)
            .prefetch_related("templates")
            .order_by("-starts_on", "id")
        )


_CAMPAIGN_OUT = inline_serializer(
    "CampaignFiguresOut",
    {
        "campaign": CampaignOut(),
        "compounds": serializers.ListField(child=serializers.DictField()),
        "total": serializers.DictField(),
    },
)


class CampaignDetail(GenericAPIView):
    serializer_class = CampaignOut

    @extend_schema(responses={200: _CAMPAIGN_OUT})
    def get(self, request, pk: int):
        campaign = selectors.get_campaign_for_user(request.user, pk)
        rows, total = selectors.campaign_figures(campaign)
        return Response(
            {
                "campaign": CampaignOut(campaign).data,
                "compounds": [{"compound": r.compound_id, "name": r.name} | _figures_out(r) for r in rows],
                "total": _figures_out(total),
            }
        )


urlpatterns = [
    path("checklists/", ChecklistList.as_view(), name="checklists"),
    path("inspections/", InspectionListCreate.as_view(), name="inspections"),
    path("inspections/<int:pk>/", InspectionDetail.as_view(), name="inspection"),
    path("inspections/<int:pk>/cases/", InspectionCases.as_view(), name="inspection-cases"),
    path("hazards/<int:pk>/fix/", HazardFix.as_view(), name="hazard-fix"),
    path("patrol-rounds/", RoundList.as_view(), name="patrol-rounds"),
    path("campaigns/", CampaignList.as_view(), name="campaigns"),
    path("campaigns/<int:pk>/", CampaignDetail.as_view(), name="campaign"),
]
