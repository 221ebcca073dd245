"""REST endpoints of the care app (under /api/v1/): the platforms' webhook and the staff's terminals, calls,
orders and visits, scoped like the residents they are for (outsiders get 404)."""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.http import Http404
from django.urls import path
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from linli.accounts.models import User
from linli.cases.models import Category
from linli.core.api import parse_input
from linli.core.audit import audit
from linli.core.errors import InvalidInput
from linli.core.idempotency import idempotent
from linli.core.ratelimit import check_rate
from linli.core.uploads import check_uploads
from linli.core.validators import mask_name, mask_phone
from linli.residents import services as resident_services
from linli.residents.choices import VisitKind
from linli.residents.selectors import get_resident_for_user, present_resident, today

from . import selectors, services, signing
from .choices import CallEvent, OrderStatus, RequesterKind, Service
from .models import CareOrder, CareProvider, TerminalProvider


def _no_store(response):
    add_never_cache_headers(response)
    return response


class CareView(GenericAPIView):
    """Staff endpoints: a registry role is needed (404 otherwise), and answers are never cached (PI)."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not selectors.may_use_care(request.user):
            raise Http404

    def finalize_response(self, request, response, *args, **kwargs):
        return _no_store(super().finalize_response(request, response, *args, **kwargs))

    def page(self, qs, out):
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(out(self.request.user, page))


# ---------------------------------------------------------------- output


def terminal_out(user, terminals) -> list[dict]:
    return [
        {
            "id": t.pk,
            "provider": t.provider.code,
            "device_id": t.device_id,
            "model": t.model,
            "sim": selectors.shown_phone(user, t, t.sim),
            "resident": t.resident_id,
            "resident_name": selectors.shown_name(user, t),
            "is_active": t.is_active,
            "registered_at": t.registered_at,
            "last_event_at": t.last_event_at,
        }
        for t in terminals
    ]


def call_out(user, calls) -> list[dict]:
    return [
        {
            "id": c.pk,
            "provider": c.provider.code,
            "call_id": c.call_id,
            "event": c.event,
            "status": c.status,
            "device_id": c.device_id,
            "resident": c.resident_id,
            "resident_name": selectors.shown_name(user, c),
            "received_at": c.received_at,
            "occurred_at": c.occurred_at,
            "case": c.case_id,
            "case_number": c.case.number if c.case_id else None,
            "order": c.order_id,
            "level": services.LEVEL_NAMES.get(c.level),
            "next_step_at": c.next_step_at,
            "answered_at": c.answered_at,
            "answered_by": str(c.answered_by) if c.answered_by_id else None,
        }
        for c in calls
    ]


def order_out(user, orders) -> list[dict]:
    return [
        {
            "id": o.pk,
            "resident": o.resident_id,
            "resident_name": selectors.shown_name(user, o),
            "service": o.service,
            "status": o.status,
            "requester_kind": o.requester_kind,
            "requester_name": o.requester_name
            if selectors.is_handler_of(user, o)
            else mask_name(o.requester_name),
            "details": o.details,
            "provider": o.provider_id,
            "provider_name": o.provider.name if o.provider_id else None,
            "scheduled_at": o.scheduled_at,
            "rule": o.rule,
            "starts_on": o.starts_on,
            "at_time": o.at_time,
            "ends_on": o.ends_on,
            "next_visit_at": getattr(o, "next_visit_at", None),
            "completed_at": o.completed_at,
            "rating": o.rating,
            "rating_comment": o.rating_comment,
            "version": o.version,
        }
        for o in orders
    ]


def visit_row_out(user, residents, *, on) -> list[dict]:
    rows = []
    for r in residents:
        view = present_resident(user, r, on=on)
        rows.append(
            {
                "resident": r.pk,
                "name": view.name,
                "tags": [t.name for t in view.tags],
                "visit_every_days": r.visit_every_days,
                "last_visit_at": r.last_visit_at,
                "next_visit_due": r.next_visit_due,
                "overdue": bool(r.next_visit_due and r.next_visit_due < on),
                "care_worker": str(r.care_worker) if r.care_worker_id else None,
            }
        )
    return rows


ERROR = inline_serializer(
    "CareError",
    {"code": serializers.CharField(), "message": serializers.CharField(), "field": serializers.CharField()},
)


# ---------------------------------------------------------------- the webhook


class CallIn(serializers.Serializer):
    call_id = serializers.CharField(max_length=64)
    device_id = serializers.CharField(max_length=64)
    event = serializers.ChoiceField(choices=CallEvent.choices)
    occurred_at = serializers.DateTimeField(required=False, allow_null=True)
    service = serializers.ChoiceField(choices=Service.choices, required=False, allow_blank=True)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


CALL_ANSWER = inline_serializer(
    "CareCallAnswer",
    {
        "call_id": serializers.CharField(),
        "event": serializers.CharField(),
        "status": serializers.CharField(),
        "case": serializers.CharField(allow_null=True),
        "order": serializers.IntegerField(allow_null=True),
        "respond_by": serializers.DateTimeField(allow_null=True),
    },
)


def _denied(request, exc: signing.BadSignature) -> Response:
    # Each refusal is audited, up to 20 an hour per client: a flood of forged calls cannot flood the audit log.
    if check_rate(request, "care-webhook-denied", "20/h", methods=None) is None:
        audit(
            "care_webhook_denied",
            request=request,
            outcome="denied",
            reason=exc.reason,
            provider=(request.headers.get(signing.PROVIDER_HEADER) or "")[:30],
        )
    body = {
        "code": "bad_signature",
        "message": _("The request is not signed by a known platform."),
        "field": exc.field,
    }
    return Response(body, status=status.HTTP_403_FORBIDDEN)


class CareCalls(GenericAPIView):
    """GET: the calls the viewer may see. POST: the terminal platforms' webhook (signed, idempotent on call_id)."""

    serializer_class = CallIn

    def _is_webhook(self) -> bool:
        request = getattr(self, "request", None)  # None while the schema is generated
        return request is not None and request.method == "POST"

    def get_authenticators(self):
        # The webhook is signed, not signed in: no session, so no CSRF either.
        return [] if self._is_webhook() else super().get_authenticators()

    def get_permissions(self):
        return [AllowAny()] if self._is_webhook() else [IsAuthenticated()]

    @extend_schema(
        operation_id="care_calls_list",
        parameters=[OpenApiParameter("waiting", bool, description="only calls still waiting for a response")],
        responses={200: dict},
    )
    def get(self, request):
        if not selectors.may_use_care(request.user):
            raise Http404
        qs = selectors.calls_for(request.user, waiting=request.query_params.get("waiting") in {"1", "true"})
        page = self.paginate_queryset(qs)
        return _no_store(self.get_paginated_response(call_out(request.user, page)))

    @extend_schema(
        auth=[],
        parameters=[
            OpenApiParameter(signing.PROVIDER_HEADER, str, OpenApiParameter.HEADER, required=True),
            OpenApiParameter(signing.TIMESTAMP_HEADER, str, OpenApiParameter.HEADER, required=True),
            OpenApiParameter(signing.SIGNATURE_HEADER, str, OpenApiParameter.HEADER, required=True),
        ],
        request=CallIn,
        responses={201: CALL_ANSWER, 400: ERROR, 403: ERROR, 404: ERROR, 422: ERROR, 429: ERROR},
    )
    def post(self, request):
        raw = request.body
        try:
            provider = signing.verify(request.headers, raw)
        except signing.BadSignature as exc:
            return _denied(request, exc)
        rate = settings.LINLI_CARE_WEBHOOK_RATE
        wait = check_rate(request, "care-webhook", rate, key=lambda _g, _r: provider.code, methods=None)
        if wait is not None:
            response = Response(
                {"code": "rate_limited", "message": _("Too many requests."), "field": None}, status=429
            )
            response["Retry-After"] = str(wait)
            return response
        try:
            payload = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise InvalidInput(_("The body is not JSON."), code="invalid_json") from None
        serializer = CallIn(data=payload if isinstance(payload, dict) else {})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        call, replayed = services.call_receive(
            provider=provider,
            call_id=data["call_id"],
            request_hash=hashlib.sha256(raw).hexdigest(),
            event=data["event"],
            device_id=data["device_id"],
            occurred_at=data.get("occurred_at"),
            service=data.get("service", ""),
            note=data.get("note", ""),
        )
        response = Response(call.response_body, status=call.response_status)
        if replayed:
            response["Idempotent-Replayed"] = "true"
        return response


class CareCallDetail(CareView):
    @extend_schema(responses={200: dict})
    def get(self, request, pk: int):
        call = selectors.get_call_for_user(request.user, pk)
        body = call_out(request.user, [call])[0]
        body["alerts"] = [
            {
                "level": services.LEVEL_NAMES.get(a.level),
                "kind": a.kind,
                "name": a.name if selectors.is_handler_of(request.user, call) else mask_name(a.name),
                "phone": mask_phone(a.phone),
                "status": a.status,
                "sent_at": a.sent_at,
                "created_at": a.created_at,
            }
            for a in selectors.call_alerts(call)
        ]
        return Response(body)


# ---------------------------------------------------------------- terminals


class TerminalIn(serializers.Serializer):
    resident = serializers.IntegerField()
    provider = serializers.SlugRelatedField(
        slug_field="code", queryset=TerminalProvider.objects.filter(is_active=True)
    )
    device_id = serializers.CharField(max_length=64)
    model = serializers.CharField(max_length=60, required=False, allow_blank=True)
    sim = serializers.CharField(max_length=20, required=False, allow_blank=True)


class TerminalList(CareView):
    serializer_class = TerminalIn

    @extend_schema(operation_id="care_terminals_list", responses={200: dict})
    def get(self, request):
        return self.page(selectors.terminals_for(request.user), terminal_out)

    @extend_schema(request=TerminalIn, responses={201: dict})
    def post(self, request):
        def handler():
            data = parse_input(TerminalIn, request)
            resident = get_resident_for_user(request.user, data.pop("resident"))
            terminal = services.terminal_register(actor=request.user, resident=resident, **data)
            terminal = selectors.get_terminal_for_user(request.user, terminal.pk)
            return Response(terminal_out(request.user, [terminal])[0], status=status.HTTP_201_CREATED)

        return idempotent(request, scope="care_terminal_create", handler=handler)


class TerminalDetail(CareView):
    @extend_schema(responses={200: dict})
    def get(self, request, pk: int):
        return Response(terminal_out(request.user, [selectors.get_terminal_for_user(request.user, pk)])[0])


# ---------------------------------------------------------------- orders


class OrderIn(serializers.Serializer):
    resident = serializers.IntegerField()
    service = serializers.ChoiceField(choices=Service.choices)
    requester_kind = serializers.ChoiceField(
        choices=[(k, v) for k, v in RequesterKind.choices if k != RequesterKind.TERMINAL]
    )
    requester_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    details = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ScheduleIn(serializers.Serializer):
    provider = serializers.IntegerField()
    scheduled_at = serializers.DateTimeField(required=False, allow_null=True)
    rule = serializers.CharField(max_length=200, required=False, allow_blank=True)
    starts_on = serializers.DateField(required=False, allow_null=True)
    at_time = serializers.TimeField(required=False, allow_null=True)
    ends_on = serializers.DateField(required=False, allow_null=True)
    service = serializers.ChoiceField(choices=Service.choices, required=False, allow_blank=True)
    version = serializers.IntegerField(required=False)


class CompleteIn(serializers.Serializer):
    note = serializers.CharField(max_length=2000)
    visit = serializers.IntegerField(required=False)
    version = serializers.IntegerField(required=False)
    photos = serializers.ListField(child=serializers.FileField(), required=False)


class RateIn(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=300, required=False, allow_blank=True)


class VersionIn(serializers.Serializer):
    version = serializers.IntegerField(required=False)


def _order_body(user, order: CareOrder) -> dict:
    order = selectors.get_order_for_user(user, order.pk)
    body = order_out(user, [order])[0]
    body["visits"] = [
        {
            "id": v.pk,
            "scheduled_for": v.scheduled_for,
            "status": v.status,
            "done_at": v.done_at,
            "note": v.note,
            "photos": [p.pk for p in v.photos.all()],
        }
        for v in selectors.order_visits(order)[:100]
    ]
    return body


class OrderList(CareView):
    serializer_class = OrderIn

    @extend_schema(
        operation_id="care_orders_list",
        parameters=[OpenApiParameter("status", str, enum=OrderStatus.values)],
        responses={200: dict},
    )
    def get(self, request):
        wanted = request.query_params.get("status", "")
        if wanted and wanted not in OrderStatus.values:
            raise InvalidInput(_("Unknown status."), field="status")
        return self.page(selectors.orders_for(request.user, status=wanted), order_out)

    @extend_schema(request=OrderIn, responses={201: dict})
    def post(self, request):
        def handler():
            data = parse_input(OrderIn, request)
            resident = get_resident_for_user(request.user, data.pop("resident"))
            order = services.order_create(actor=request.user, resident=resident, **data)
            return Response(_order_body(request.user, order), status=status.HTTP_201_CREATED)

        return idempotent(request, scope="care_order_create", handler=handler)


class OrderDetail(CareView):
    @extend_schema(responses={200: dict})
    def get(self, request, pk: int):
        return Response(_order_body(request.user, selectors.get_order_for_user(request.user, pk)))


class OrderSchedule(CareView):
    serializer_class = ScheduleIn

    @extend_schema(request=ScheduleIn, responses={200: dict})
    def post(self, request, pk: int):
        order = selectors.get_order_for_user(request.user, pk)
        data = parse_input(ScheduleIn, request)
        provider = CareProvider.objects.filter(pk=data.pop("provider"), is_active=True).first()
        if provider is None:
            raise InvalidInput(_("Choose a provider of the resident's community."), field="provider")
        order = services.order_schedule(
            actor=request.user,
            order=order,
            provider=provider,
            scheduled_at=data.get("scheduled_at"),
            rule=data.get("rule", ""),
            starts_on=data.get("starts_on"),
            at_time=data.get("at_time"),
            ends_on=data.get("ends_on"),
            service=data.get("service", ""),
            version=data.get("version"),
        )
        return Response(_order_body(request.user, order))


class OrderComplete(CareView):
    serializer_class = CompleteIn

    @extend_schema(request={"multipart/form-data": CompleteIn}, responses={200: dict})
    def post(self, request, pk: int):
        order = selectors.get_order_for_user(request.user, pk)
        data = parse_input(CompleteIn, request)
        visit = order.visits.filter(pk=data["visit"]).first() if data.get("visit") else None
        if data.get("visit") and visit is None:
            raise InvalidInput(_("No such visit of this order."), field="visit")
        services.order_complete(
            actor=request.user,
            order=order,
            note=data["note"],
            photos=check_uploads(request.FILES.getlist("photos")),
            visit=visit,
            version=data.get("version"),
        )
        return Response(_order_body(request.user, order))


class OrderRate(CareView):
    serializer_class = RateIn

    @extend_schema(request=RateIn, responses={200: dict})
    def post(self, request, pk: int):
        order = selectors.get_order_for_user(request.user, pk)
        data = parse_input(RateIn, request)
        services.order_rate(
            actor=request.user, order=order, rating=data["rating"], comment=data.get("comment", "")
        )
        return Response(_order_body(request.user, order))


class OrderCancel(CareView):
    serializer_class = VersionIn

    @extend_schema(request=VersionIn, responses={200: dict})
    def post(self, request, pk: int):
        order = selectors.get_order_for_user(request.user, pk)
        data = parse_input(VersionIn, request)
        services.order_cancel(actor=request.user, order=order, version=data.get("version"))
        return Response(_order_body(request.user, order))


# ---------------------------------------------------------------- visits (探访)


class CareRaiseCaseIn(serializers.Serializer):
    title = serializers.CharField(max_length=120)
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=Category.objects.filter(is_active=True)
    )
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)


class CareVisitIn(serializers.Serializer):
    resident = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=VisitKind.choices, default=VisitKind.HOME)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    visited_at = serializers.DateTimeField(required=False)
    raise_case = CareRaiseCaseIn(required=False)


class Visits(CareView):
    serializer_class = CareVisitIn

    @extend_schema(
        parameters=[
            OpenApiParameter("list", str, enum=["due", "overdue"]),
            OpenApiParameter("worker", int, description="one worker's lists (a secretary's view)"),
        ],
        responses={200: dict},
    )
    def get(self, request):
        which = request.query_params.get("list", "due")
        if which not in {"due", "overdue"}:
            raise InvalidInput(_("The list is “due” or “overdue”."), field="list")
        worker = None
        if request.query_params.get("worker"):
            worker = User.objects.filter(pk=_int(request.query_params["worker"], "worker")).first()
            if worker is None:
                raise InvalidInput(_("No such worker."), field="worker")
        on = today()
        qs = selectors.visit_lists(request.user, on=on, worker=worker)[which]
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(visit_row_out(request.user, page, on=on))

    @extend_schema(request=CareVisitIn, responses={201: dict})
    def post(self, request):
        def handler():
            data = parse_input(CareVisitIn, request)
            resident = get_resident_for_user(request.user, data["resident"])
            visit = resident_services.visit_record(
                actor=request.user,
                resident=resident,
                kind=data["kind"],
                note=data.get("note", ""),
                visited_at=data.get("visited_at"),
                raise_case=data.get("raise_case"),
            )
            resident.refresh_from_db()
            return Response(
                {
                    "id": visit.pk,
                    "resident": resident.pk,
                    "kind": visit.kind,
                    "visited_at": visit.visited_at,
                    "case": visit.case_id,
                    "case_number": visit.case.number if visit.case_id else None,
                    "next_visit_due": resident.next_visit_due,
                },
                status=status.HTTP_201_CREATED,
            )

        return idempotent(request, scope="care_visit_create", handler=handler)


def _int(value: str, field: str) -> int:
    if not value.isdigit():
        raise InvalidInput(_("Give a number."), field=field)
    return int(value)


urlpatterns = [
    path("care/terminals/", TerminalList.as_view(), name="care-terminals"),
    path("care/terminals/<int:pk>/", TerminalDetail.as_view(), name="care-terminal"),
    path("care/calls/", CareCalls.as_view(), name="care-calls"),
    path("care/calls/<int:pk>/", CareCallDetail.as_view(), name="care-call"),
    path("care/orders/", OrderList.as_view(), name="care-orders"),
    path("care/orders/<int:pk>/", OrderDetail.as_view(), name="care-order"),
    path("care/orders/<int:pk>/schedule/", OrderSchedule.as_view(), name="care-order-schedule"),
    path("care/orders/<int:pk>/complete/", OrderComplete.as_view(), name="care-order-complete"),
    path("care/orders/<int:pk>/rate/", OrderRate.as_view(), name="care-order-rate"),
    path("care/orders/<int:pk>/cancel/", OrderCancel.as_view(), name="care-order-cancel"),
    path("visits/", Visits.as_view(), name="visits"),
]
