"""REST endpoints of the case loop: thin views that parse, fetch through the accessors and call one service."""

from __future__ import annotations

from datetime import datetime, time

from django.db import DEFAULT_DB_ALIAS
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.response import Response

from linli.accounts.models import User
from linli.core.api import parse_input
from linli.core.cache import ProcessCache
from linli.core.errors import Conflict, DomainError, InvalidInput, NotAllowed
from linli.core.idempotency import idempotent
from linli.core.uploads import check_uploads
from linli.core.validators import mask_name, mask_phone, validate_phone
from linli.org.models import Building, Department, Grid
from linli.residents.models import Resident

from . import services
from .choices import AWAITING_RESPONSE, OPEN_STATUSES, Channel, Satisfaction, Status, Urgency
from .models import Attachment, Case, CaseEvent, Category, Whistle
from .selectors import (
    case_timeline,
    find_case_for_user,
    get_case_for_user,
    get_whistle_for_user,
    may_see_reporter_contact,
    reporter_contact,
)
from .workflow import API_ACTIONS, allowed_actions

# ---------------------------------------------------------------- output


class AttachmentOut(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name")
    url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "name", "content_type", "size", "url"]

    def get_url(self, obj) -> str:
        from django.urls import reverse

        return reverse("cases:attachment", args=[obj.uuid])


class EventOut(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()
    at = serializers.DateTimeField(source="created_at")
    attachments = AttachmentOut(many=True, read_only=True)

    class Meta:
        model = CaseEvent
        fields = ["id", "action", "actor", "at", "from_status", "to_status", "note", "data", "attachments"]

    def get_actor(self, obj) -> str | None:
        return str(obj.actor) if obj.actor_id else None


class WhistleOut(serializers.ModelSerializer):
    department = serializers.SlugRelatedField(slug_field="code", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)
    case = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Whistle
        fields = [
            "id",
            "case",
            "department",
            "department_name",
            "reason",
            "due_at",
            "status",
            "created_at",
            "reported_in_at",
            "answer",
            "answered_at",
            "decided_at",
            "decision_note",
            "rejections",
        ]


class CaseOut(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    grid_name = serializers.SerializerMethodField()
    community_name = serializers.SerializerMethodField()
    assignee_name = serializers.SerializerMethodField()
    reporter_name = serializers.SerializerMethodField()
    reporter_phone = serializers.SerializerMethodField()
    tracking_code = serializers.SerializerMethodField()
    response_overdue = serializers.SerializerMethodField()
    resolution_overdue = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "title",
            "description",
            "category",
            "category_name",
            "channel",
            "urgency",
            "status",
            "street",
            "community",
            "community_name",
            "grid",
            "grid_name",
            "building",
            "address",
            "lat",
            "lon",
            "reporter_name",
            "reporter_phone",
            "tracking_code",
            "resident",
            "assignee",
            "assignee_name",
            "received_at",
            "assigned_at",
            "responded_at",
            "resolved_at",
            "closed_at",
            "response_due_at",
            "resolution_due_at",
            "deadline_estimated",
            "response_overdue",
            "resolution_overdue",
            "result",
            "verification_passed",
            "feedback_solved",
            "satisfaction",
            "feedback_comment",
            "reopen_count",
            "master",
            "reject_reason",
            "version",
        ]

    def get_reporter_name(self, obj) -> str:
        return _reporter_contact(obj, self.context.get("request"))[0]

    def get_reporter_phone(self, obj) -> str:
        return _reporter_contact(obj, self.context.get("request"))[1]

    def get_tracking_code(self, obj) -> str:
        return _tracking_code(obj, self.context.get("request"))

    def get_grid_name(self, obj) -> str | None:
        return obj.grid.name if obj.grid_id else None

    def get_community_name(self, obj) -> str | None:
        return obj.community.name if obj.community_id else None

    def get_assignee_name(self, obj) -> str | None:
        return str(obj.assignee) if obj.assignee_id else None

    def get_response_overdue(self, obj) -> bool:
        return _response_overdue(obj, timezone.now())

    def get_resolution_overdue(self, obj) -> bool:
        return _resolution_overdue(obj, timezone.now())


def _reporter_contact(case: Case, request) -> tuple[str, str]:
    """The reporter's name and phone for this request's viewer (masked when there is no viewer)."""
    if request is None:
        return mask_name(case.reporter_name), mask_phone(case.reporter_phone)
    return reporter_contact(request.user, case)


def _tracking_code(case: Case, request) -> str:
    """The reporter's tracking code, for those who call them back ("your code is …"); it lets its holder rate the
    case, so nobody else sees it."""
    if request is None or not case.tracking_code or not may_see_reporter_contact(request.user, case):
        return ""
    return case.tracking_code


def _response_overdue(case: Case, now) -> bool:
    """Responded late, or still waiting for a response past its deadline."""
    if case.responded_at:
        return case.responded_at > case.response_due_at
    return case.status in AWAITING_RESPONSE and now > case.response_due_at


def _resolution_overdue(case: Case, now) -> bool:
    """Resolved late, or still open past its resolution deadline."""
    if case.resolved_at:
        return case.resolved_at > case.resolution_due_at
    return case.status in OPEN_STATUSES and now > case.resolution_due_at


_DATETIME = serializers.DateTimeField()  # CaseOut's datetime format (ISO 8601 in the current time zone)


def case_out(case: Case, request) -> dict:
    """CaseOut's body built by hand, for intake (a ModelSerializer costs ~2 ms per case).

    The case must hold its category, grid, community and assignee (else they are queried).  Keys, order and value
    formats equal CaseOut's; test_case_out.py keeps the two identical, so change both together."""
    reporter_name, reporter_phone = _reporter_contact(case, request)
    now = timezone.now()
    dt = _DATETIME.to_representation
    return {
        "id": case.pk,
        "number": case.number,
        "title": case.title,
        "description": case.description,
        "category": case.category.code,
        "category_name": case.category.name,
        "channel": str(case.channel),
        "urgency": str(case.urgency),
        "status": str(case.status),
        "street": case.street_id,
        "community": case.community_id,
        "community_name": case.community.name if case.community_id else None,
        "grid": case.grid_id,
        "grid_name": case.grid.name if case.grid_id else None,
        "building": case.building_id,
        "address": case.address,
        "lat": None if case.lat is None else float(case.lat),
        "lon": None if case.lon is None else float(case.lon),
        "reporter_name": reporter_name,
        "reporter_phone": reporter_phone,
        "tracking_code": _tracking_code(case, request),
        "resident": case.resident_id,
        "assignee": case.assignee_id,
        "assignee_name": str(case.assignee) if case.assignee_id else None,
        "received_at": dt(case.received_at),
        "assigned_at": dt(case.assigned_at),
        "responded_at": dt(case.responded_at),
        "resolved_at": dt(case.resolved_at),
        "closed_at": dt(case.closed_at),
        "response_due_at": dt(case.response_due_at),
        "resolution_due_at": dt(case.resolution_due_at),
        "deadline_estimated": bool(case.deadline_estimated),
        "response_overdue": _response_overdue(case, now),
        "resolution_overdue": _resolution_overdue(case, now),
        "result": case.result,
        "verification_passed": case.verification_passed,
        "feedback_solved": case.feedback_solved,
        "satisfaction": str(case.satisfaction),
        "feedback_comment": case.feedback_comment,
        "reopen_count": case.reopen_count,
        "master": case.master_id,
        "reject_reason": case.reject_reason,
        "version": case.version,
    }


class CaseDetailOut(CaseOut):
    timeline = serializers.SerializerMethodField()
    whistles = WhistleOut(many=True, read_only=True)
    attachments = AttachmentOut(many=True, read_only=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta(CaseOut.Meta):
        fields = CaseOut.Meta.fields + ["timeline", "whistles", "attachments", "allowed_actions"]

    def get_timeline(self, obj) -> list[dict]:
        return EventOut(case_timeline(obj), many=True).data

    def get_allowed_actions(self, obj) -> list[str]:
        return allowed_actions(self.context["request"].user, obj)


def case_body(pk: int, request) -> dict:
    """The case as the detail endpoints answer it, read afresh with its timeline, whistles and attachments."""
    qs = Case.objects.with_related().prefetch_related("whistles__department", "attachments")
    return CaseDetailOut(qs.get(pk=pk), context={"request": request}).data


def _conflict_response(exc: DomainError, request, *, status_code: int | None = None) -> Response:
    body = {"code": exc.code, "message": str(exc.message), "field": exc.field}
    case_id = exc.extra.get("case_id")
    if case_id:
        body["case"] = case_body(case_id, request)
    response = Response(body, status=status_code or exc.status)
    if case_id:
        response["ETag"] = etag_for(body["case"]["version"])
    return response


def etag_for(version: int) -> str:
    """The case's ETag: its version, quoted (RE-02)."""
    return f'"{version}"'


def if_match_version(request) -> int | None:
    """The version an If-Match header names (`"3"`, `W/"3"`); None without one or for `*`."""
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        return None
    tag = header.split(",")[0].strip().removeprefix("W/").strip('"')
    if not tag.isdigit() or int(tag) < 1:
        raise InvalidInput(_('If-Match names a case version, e.g. "3".'), field="If-Match")
    return int(tag)


# ---------------------------------------------------------------- input

# Active categories by code, per process: a category changed here applies at once, elsewhere within 5 s.
_active_categories: ProcessCache[str, tuple] = ProcessCache(
    "linli.cases.api.categories", ttl=5.0, watch=["cases.Category"]
)
_CATEGORY_FIELDS = tuple(f.attname for f in Category._meta.concrete_fields)


def _load_active_category(code: str) -> tuple | None:
    """The field values of the active category with this code, or None."""
    return Category.objects.filter(is_active=True, code=code).values_list(*_CATEGORY_FIELDS).first()


class ActiveCategoryField(serializers.SlugRelatedField):
    """An active category by its code, answered from the process cache (a fresh Category per call)."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="code", queryset=Category.objects.filter(is_active=True), **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            return super().to_internal_value(data)
        values = _active_categories.get(data, _load_active_category)
        if values is None:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data)
        return Category.from_db(DEFAULT_DB_ALIAS, _CATEGORY_FIELDS, values)


class CaseCreateIn(serializers.Serializer):
    title = serializers.CharField(max_length=120)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    category = ActiveCategoryField()
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.PHONE)
    urgency = serializers.ChoiceField(
        choices=Urgency.choices,
        required=False,
        allow_null=True,
        default=None,
        help_text="normal or urgent; left out, a case from a resident living alone or disabled is urgent",
    )
    lat = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90)
    lon = serializers.FloatField(required=False, allow_null=True, min_value=-180, max_value=180)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    building = serializers.PrimaryKeyRelatedField(
        queryset=Building.objects.select_related("compound__community__street", "grid"),
        required=False,
        allow_null=True,
    )
    grid = serializers.PrimaryKeyRelatedField(queryset=Grid.objects.all(), required=False, allow_null=True)
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    reporter_name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    reporter_phone = serializers.CharField(
        max_length=20, required=False, allow_blank=True, default="", validators=[validate_phone]
    )
    resident = serializers.PrimaryKeyRelatedField(
        queryset=Resident.objects.all(),
        required=False,
        allow_null=True,
        help_text="the registered resident reporting (see /api/v1/residents/lookup/); found by phone if left out",
    )
    photos = serializers.ListField(
        child=serializers.FileField(), required=False, default=list, help_text="JPG/PNG/PDF, multipart only"
    )

    def validate(self, attrs):
        if (attrs.get("lat") is None) != (attrs.get("lon") is None):
            field = "lon" if attrs.get("lon") is None else "lat"
            raise serializers.ValidationError({field: [_("Give both latitude and longitude, or neither.")]})
        return attrs


class TransitionIn(serializers.Serializer):
    action = serializers.ChoiceField(choices=[(a.value, a.label) for a in API_ACTIONS])
    version = serializers.IntegerField(required=False, min_value=1)
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    assignee = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), required=False)
    result = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    passed = serializers.BooleanField(required=False, allow_null=True, default=None)
    into = serializers.IntegerField(required=False)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)
    photos = serializers.ListField(
        child=serializers.FileField(), required=False, default=list, help_text="JPG/PNG/PDF, multipart only"
    )

    def validate(self, attrs):
        needs = {
            "assign": "assignee",
            "resolve": "result",
            "verify": "passed",
            "merge": "into",
            "reject": "reason",
        }
        field = needs.get(attrs["action"])
        if field and attrs.get(field) in (None, ""):
            raise serializers.ValidationError({field: [_("This field is required for this action.")]})
        return attrs


class WhistleIn(serializers.Serializer):
    department = serializers.SlugRelatedField(slug_field="code", queryset=Department.objects.all())
    reason = serializers.CharField(max_length=2000)
    due_at = serializers.DateTimeField()
    version = serializers.IntegerField(required=False, min_value=1)


class NoteIn(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class AnswerIn(serializers.Serializer):
    answer = serializers.CharField(max_length=5000)


class FeedbackIn(serializers.Serializer):
    solved = serializers.BooleanField()
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices)
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False, min_value=1)


# ---------------------------------------------------------------- views


class CaseListCreate(ListAPIView):
    serializer_class = CaseOut

    def get_queryset(self):
        return Case.objects.visible_to(self.request.user).with_related().order_by("-received_at", "-id")

    def filter_queryset(self, qs):
        params = self.request.query_params
        if value := params.get("status"):
            statuses = [s for s in value.split(",") if s]
            bad = [s for s in statuses if s not in Status.values]
            if bad:
                raise InvalidInput(_("Unknown status: %(s)s") % {"s": ", ".join(bad)}, field="status")
            qs = qs.filter(status__in=statuses)
        if value := params.get("grid"):
            if not value.isdigit():
                raise InvalidInput(_("grid must be a grid id."), field="grid")
            qs = qs.filter(grid_id=int(value))
        if value := params.get("category"):
            qs = qs.filter(Q(category__code=value) | Q(category__parent__code=value))
        if value := params.get("overdue"):
            if value.lower() in ("1", "true", "yes"):
                qs = qs.overdue(timezone.now())
            elif value.lower() not in ("0", "false", "no"):
                raise InvalidInput(_("overdue must be true or false."), field="overdue")
        for name, lookup, clock in (
            ("date_from", "gte", time.min),
            ("date_to", "lte", time.max),
            ("date", None, None),
        ):
            if value := params.get(name):
                try:
                    day = parse_date(value) if len(value) == 10 else None
                except ValueError:  # well formed but no such day: 2025-13-01
                    day = None
                if day is None:
                    raise InvalidInput(_("Dates are written YYYY-MM-DD."), field=name)
                if lookup is None:
                    qs = qs.filter(received_at__date=day)
                else:
                    qs = qs.filter(
                        **{f"received_at__{lookup}": timezone.make_aware(datetime.combine(day, clock))}
                    )
        return qs

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, description="comma-separated statuses"),
            OpenApiParameter("grid", int),
            OpenApiParameter("category", str, description="category code (includes its children)"),
            OpenApiParameter("overdue", bool),
            OpenApiParameter("date", str, description="received on this day, YYYY-MM-DD"),
            OpenApiParameter("date_from", str),
            OpenApiParameter("date_to", str),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=CaseCreateIn, responses={201: CaseOut})
    def post(self, request):
        if request.user.scope.is_reporter_only:
            # Their reports go through /reporter/new/, which checks the photos (reuse, place) and counts points.
            raise NotAllowed(
                _("Part-time reporters report on their own pages (/reporter/new/)."),
                code="use_reporter_pages",
            )

        def handler():
            data = parse_input(CaseCreateIn, request)
            photos = check_uploads(data.pop("photos"))
            case = services.case_create(actor=request.user, attachments=photos, **data)
            return Response(case_out(case, request), status=status.HTTP_201_CREATED)

        return idempotent(request, scope="case_create", handler=handler)


class CaseDetail(GenericAPIView):
    serializer_class = CaseDetailOut

    @extend_schema(
        responses={200: CaseDetailOut},
        parameters=[
            OpenApiParameter(
                "If-None-Match", str, OpenApiParameter.HEADER, description="the ETag of the copy held"
            )
        ],
    )
    def get(self, request, pk: int):
        case = get_case_for_user(request.user, pk)
        body = case_body(case.pk, request)
        tag = etag_for(body["version"])
        if request.headers.get("If-None-Match", "").strip() == tag:
            response = Response(status=status.HTTP_304_NOT_MODIFIED)
        else:
            response = Response(body)
        response["ETag"] = tag
        return response


class CaseTransition(GenericAPIView):
    serializer_class = CaseDetailOut

    @extend_schema(
        request=TransitionIn,
        responses={200: CaseDetailOut, 409: dict, 412: dict},
        parameters=[
            OpenApiParameter(
                "If-Match",
                str,
                OpenApiParameter.HEADER,
                description='the ETag of the case as last read ("3"); a stale one answers 412',
            )
        ],
    )
    def post(self, request, pk: int):
        case = get_case_for_user(request.user, pk)
        data = parse_input(TransitionIn, request)
        photos = check_uploads(data.pop("photos"))
        into = find_case_for_user(request.user, data.pop("into", None))
        expected = if_match_version(request)
        if expected is not None:
            if data.get("version") not in (None, expected):
                raise InvalidInput(_("The version and If-Match name different versions."), field="version")
            data["version"] = expected
        try:
            case = services.case_apply(case=case, actor=request.user, into=into, attachments=photos, **data)
        except Conflict as exc:
            failed_precondition = expected is not None and exc.code == "stale_version"
            return _conflict_response(exc, request, status_code=412 if failed_precondition else None)
        body = case_body(case.pk, request)
        response = Response(body)
        response["ETag"] = etag_for(body["version"])
        return response


class CaseWhistles(GenericAPIView):
    serializer_class = WhistleOut

    def get(self, request, pk: int):
        case = get_case_for_user(request.user, pk)
        return Response(WhistleOut(case.whistles.select_related("department"), many=True).data)

    @extend_schema(request=WhistleIn, responses={201: WhistleOut})
    def post(self, request, pk: int):
        case = get_case_for_user(request.user, pk)

        def handler():
            data = parse_input(WhistleIn, request)
            try:
                whistle = services.whistle_blow(case=case, actor=request.user, **data)
            except Conflict as exc:
                return _conflict_response(exc, request)
            return Response(WhistleOut(whistle).data, status=status.HTTP_201_CREATED)

        return idempotent(request, scope=f"whistle:{case.pk}", handler=handler)


class CaseFeedback(GenericAPIView):
    serializer_class = CaseDetailOut

    @extend_schema(request=FeedbackIn, responses={200: CaseDetailOut})
    def post(self, request, pk: int):
        case = get_case_for_user(request.user, pk)

        def handler():
            data = parse_input(FeedbackIn, request)
            try:
                done = services.case_record_feedback(case=case, actor=request.user, **data)
            except Conflict as exc:
                return _conflict_response(exc, request)
            return Response(case_body(done.pk, request))

        return idempotent(request, scope=f"case_feedback:{case.pk}", handler=handler)


class _WhistleStep(GenericAPIView):
    serializer_class = WhistleOut
    input_class: type[serializers.Serializer] = NoteIn

    def call(self, whistle, actor, data):  # pragma: no cover - overridden
        raise NotImplementedError

    def post(self, request, pk: int):
        whistle = get_whistle_for_user(request.user, pk)
        data = parse_input(self.input_class, request)
        try:
            whistle = self.call(whistle, request.user, data)
        except Conflict as exc:
            return _conflict_response(exc, request)
        return Response(WhistleOut(whistle).data)


class WhistleReportIn(_WhistleStep):
    @extend_schema(request=NoteIn, responses={200: WhistleOut})
    def post(self, request, pk: int):
        return super().post(request, pk)

    def call(self, whistle, actor, data):
        return services.whistle_report_in(whistle=whistle, actor=actor, note=data["note"])


class WhistleAnswer(_WhistleStep):
    input_class = AnswerIn

    @extend_schema(request=AnswerIn, responses={200: WhistleOut})
    def post(self, request, pk: int):
        return super().post(request, pk)

    def call(self, whistle, actor, data):
        return services.whistle_answer(whistle=whistle, actor=actor, answer=data["answer"])


class WhistleAccept(_WhistleStep):
    @extend_schema(request=NoteIn, responses={200: WhistleOut})
    def post(self, request, pk: int):
        return super().post(request, pk)

    def call(self, whistle, actor, data):
        return services.whistle_accept(whistle=whistle, actor=actor, note=data["note"])


class WhistleReject(_WhistleStep):
    @extend_schema(request=NoteIn, responses={200: WhistleOut})
    def post(self, request, pk: int):
        return super().post(request, pk)

    def call(self, whistle, actor, data):
        return services.whistle_reject(whistle=whistle, actor=actor, note=data["note"])


class CategoryOut(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    default_department = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Category
        fields = [
            "id",
            "code",
            "name",
            "parent",
            "response_minutes",
            "urgent_response_minutes",
            "resolution_working_days",
            "requires_verification",
            "default_department",
        ]


class CategoryList(GenericAPIView):
    serializer_class = CategoryOut
    pagination_class = None

    @extend_schema(responses=CategoryOut(many=True))
    def get(self, request):
        qs = Category.objects.filter(is_active=True).select_related("parent", "default_department")
        return Response(CategoryOut(qs, many=True).data)
