"""REST endpoints of the notices app (under /api/v1/): thin views that parse, fetch through the accessors and
call one service. Recipients' addresses leave masked only."""

from __future__ import annotations

from django.http import Http404
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.response import Response

from linli.cases.selectors import get_case_for_user
from linli.core.api import parse_input
from linli.core.errors import InvalidInput
from linli.core.idempotency import idempotent
from linli.residents.models import Tag

from . import services
from .audience import resolve_place
from .choices import BODY_MAX, TITLE_MAX, DeliveryChannel, DeliveryStatus, NoticeStatus, PlaceKind
from .models import Delivery, Notice, NoticeTemplate
from .placeholders import fill
from .selectors import active_templates, delivery_counts, get_notice_for_user, may_manage_notice, notice_list

FAILURES_SHOWN = 100

# ---------------------------------------------------------------- output


class NoticeOut(serializers.ModelSerializer):
    # A plain string in the schema: another app's "status" enum already holds that component name.
    status = serializers.CharField(read_only=True, help_text=", ".join(NoticeStatus.values))
    audience_kind = serializers.CharField(
        read_only=True, help_text="grid, building, compound, community or tag"
    )
    place_id = serializers.SerializerMethodField()
    place_name = serializers.SerializerMethodField()
    community_name = serializers.CharField(source="community.name", read_only=True)
    tag = serializers.SlugRelatedField(slug_field="code", read_only=True)
    tag_name = serializers.CharField(source="tag.name", read_only=True, default=None)
    channels = serializers.ListField(child=serializers.ChoiceField(choices=DeliveryChannel.choices))
    created_by_name = serializers.SerializerMethodField()
    sent = serializers.IntegerField(source="sent_count", read_only=True, help_text="deliveries sent")
    failed = serializers.IntegerField(source="failed_count", read_only=True, help_text="deliveries failed")
    waiting = serializers.IntegerField(
        source="open_count", read_only=True, help_text="deliveries not done yet"
    )

    class Meta:
        model = Notice
        fields = [
            "id",
            "title",
            "body",
            "status",
            "audience_kind",
            "place_kind",
            "place_id",
            "place_name",
            "community",
            "community_name",
            "grid",
            "tag",
            "tag_name",
            "channels",
            "send_at",
            "dispatched_at",
            "finished_at",
            "recipient_count",
            "sent",
            "failed",
            "waiting",
            "case",
            "created_by_name",
            "created_at",
            "cancelled_at",
        ]

    def get_place_id(self, obj) -> int:
        return obj.place.pk

    def get_place_name(self, obj) -> str:
        return obj.place_name

    def get_created_by_name(self, obj) -> str | None:
        return str(obj.created_by) if obj.created_by_id else None


class FailureOut(serializers.ModelSerializer):
    recipient = serializers.CharField(source="recipient_label")
    address = serializers.CharField(source="address_display", help_text="masked, e.g. 138****5678")

    class Meta:
        model = Delivery
        fields = ["channel", "recipient", "address", "attempts", "last_error"]


class NoticeDetailOut(NoticeOut):
    deliveries = serializers.SerializerMethodField(
        help_text="deliveries by channel and state: {channel: {pending, sending, sent, failed}}"
    )
    failures = serializers.SerializerMethodField(help_text=f"the first {FAILURES_SHOWN} failed deliveries")

    class Meta(NoticeOut.Meta):
        fields = NoticeOut.Meta.fields + ["deliveries", "failures"]

    def get_deliveries(self, obj) -> dict[str, dict[str, int]]:
        return delivery_counts(obj) if self._manages(obj) else {}

    def get_failures(self, obj) -> list[dict]:
        if not self._manages(obj):
            return []
        failed = obj.deliveries.filter(status=DeliveryStatus.FAILED).order_by("id")[:FAILURES_SHOWN]
        return FailureOut(failed, many=True).data

    def _manages(self, obj) -> bool:
        return may_manage_notice(self.context["request"].user, obj)


def notice_body(pk: int, request) -> dict:
    """A notice as the detail endpoints answer it, read afresh with its delivery counts."""
    return NoticeDetailOut(notice_list(request.user).get(pk=pk), context={"request": request}).data


class TemplateOut(serializers.ModelSerializer):
    placeholders = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = NoticeTemplate
        fields = ["code", "name", "kind", "title", "body", "placeholders"]


# ---------------------------------------------------------------- input


class NoticeCreateIn(serializers.Serializer):
    template = serializers.SlugRelatedField(
        slug_field="code",
        queryset=NoticeTemplate.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        default=None,
        help_text="a template's code (GET /notice-templates/); its title and text are used where yours are empty",
    )
    title = serializers.CharField(max_length=TITLE_MAX, required=False, allow_blank=True, default="")
    body = serializers.CharField(max_length=BODY_MAX, required=False, allow_blank=True, default="")
    values = serializers.DictField(
        child=serializers.CharField(max_length=100, allow_blank=True),
        required=False,
        default=dict,
        help_text='what the {placeholders} are filled with, e.g. {"place": "吉利花园1号楼"}',
    )
    place_kind = serializers.ChoiceField(choices=PlaceKind.choices)
    place_id = serializers.IntegerField(min_value=1)
    tag = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Tag.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="a tag code: only the place's residents carrying it (a tag group)",
    )
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=DeliveryChannel.choices), min_length=1, max_length=5
    )
    send_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="when to send; left out, now"
    )
    case = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="the case it is for"
    )


# ---------------------------------------------------------------- views


class NoticeListCreate(ListAPIView):
    serializer_class = NoticeOut

    def get_queryset(self):
        return notice_list(self.request.user)

    def filter_queryset(self, qs):
        params = self.request.query_params
        if value := params.get("status"):
            if value not in NoticeStatus.values:
                raise InvalidInput(_("Unknown status: %(s)s") % {"s": value}, field="status")
            qs = qs.filter(status=value)
        if value := params.get("case"):
            if not value.isdigit():
                raise InvalidInput(_("case must be a case id."), field="case")
            qs = qs.filter(case_id=int(value))
        return qs

    @extend_schema(parameters=[OpenApiParameter("status", str), OpenApiParameter("case", int)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=NoticeCreateIn, responses={201: NoticeDetailOut})
    def post(self, request):
        def handler():
            data = parse_input(NoticeCreateIn, request)
            template, values = data["template"], data["values"]
            title = data["title"] or (template.title if template else "")
            body = data["body"] or (template.body if template else "")
            notice = services.notice_create(
                actor=request.user,
                title=fill(title, values),
                body=fill(body, values),
                place=resolve_place(data["place_kind"], data["place_id"]),
                tag=data["tag"],
                channels=data["channels"],
                send_at=data["send_at"],
                template=template,
                case=_case(request.user, data["case"]),
                request=request,
            )
            return Response(notice_body(notice.pk, request), status=status.HTTP_201_CREATED)

        return idempotent(request, scope="notice_create", handler=handler)


def _case(user, pk):
    if pk is None:
        return None
    try:
        return get_case_for_user(user, pk)
    except Http404:
        raise InvalidInput(_("There is no such case among yours."), field="case") from None


class NoticeDetail(GenericAPIView):
    serializer_class = NoticeDetailOut

    def get(self, request, pk: int):
        notice = get_notice_for_user(request.user, pk)
        return Response(notice_body(notice.pk, request))


class NoticeCancel(GenericAPIView):
    serializer_class = NoticeDetailOut

    @extend_schema(request=None, responses={200: NoticeDetailOut, 409: dict})
    def post(self, request, pk: int):
        notice = get_notice_for_user(request.user, pk)
        services.notice_cancel(notice=notice, actor=request.user, request=request)
        return Response(notice_body(notice.pk, request))


class NoticeTemplateList(GenericAPIView):
    serializer_class = TemplateOut
    pagination_class = None

    @extend_schema(responses=TemplateOut(many=True))
    def get(self, request):
        return Response(TemplateOut(active_templates(), many=True).data)


urlpatterns = [
    path("notices/", NoticeListCreate.as_view(), name="notices"),
    path("notices/<int:pk>/", NoticeDetail.as_view(), name="notice"),
    path("notices/<int:pk>/cancel/", NoticeCancel.as_view(), name="notice-cancel"),
    path("notice-templates/", NoticeTemplateList.as_view(), name="notice-templates"),
]
