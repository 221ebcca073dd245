"""REST endpoints of the charity app (under /api/v1/): donations, stock and its ledger, distributions with their
recipients, hand-overs and home deliveries. Scoped like cases: staff of the community, officers of its street;
others get 404. Creating POSTs take an Idempotency-Key (RE-01)."""

from __future__ import annotations

import json

from django.http import Http404
from django.urls import path
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from linli.accounts.models import User
from linli.core.api import parse_input
from linli.core.errors import InvalidInput
from linli.core.idempotency import idempotent
from linli.core.uploads import check_uploads
from linli.org.models import Community
from linli.partners.models import Partner

from . import selectors, services
from .choices import DeliveryStatus, DonorKind, PlanStatus, ProofKind
from .models import Distribution, Donation, HandOver, HomeDelivery, StockItem, StockMovement

ERROR = inline_serializer(
    "CharityError",
    {
        "code": serializers.CharField(),
        "message": serializers.CharField(),
        "field": serializers.CharField(allow_null=True),
    },
)
ERRORS = {400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR, 422: ERROR}


class CharityView(GenericAPIView):
    """Community-side staff only (404 otherwise); answers are never cached (signatures and households)."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not selectors.may_use_charity(request.user):
            raise Http404

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)
        return response

    def page(self, qs, out):
        rows = self.paginate_queryset(qs)
        return self.get_paginated_response(out(rows))


def _file_url(stored) -> str | None:
    return f"/charity/files/{stored.uuid}/" if stored is not None else None


# ---------------------------------------------------------------- output


def donation_out(d: Donation) -> dict:
    return {
        "id": d.pk,
        "community": d.community.code,
        "donor_kind": d.donor_kind,
        "partner": d.partner_id,
        "donor": d.donor_display,
        "received_on": d.received_on,
        "total_value": str(d.total_value),
        "receipt_number": d.receipt_number,
        "receipt_url": _file_url(d.receipt),
        "note": d.note,
        "items": [
            {
                "name": i.name,
                "unit": i.unit,
                "description": i.description,
                "quantity": i.quantity,
                "unit_value": None if i.unit_value is None else str(i.unit_value),
                "stock_item": i.stock_item_id,
            }
            for i in d.items.all()
        ],
        "created_at": d.created_at,
    }


def stock_out(s: StockItem) -> dict:
    return {"id": s.pk, "community": s.community.code, "name": s.name, "unit": s.unit, "quantity": s.quantity}


def movement_out(m: StockMovement) -> dict:
    return {
        "id": m.pk,
        "stock_item": m.stock_item_id,
        "kind": m.kind,
        "quantity": m.quantity,
        "balance_after": m.balance_after,
        "donation": m.donation_id,
        "handover": m.handover_id,
        "reason": m.reason,
        "by": str(m.created_by),
        "at": m.created_at,
    }


def plan_out(p: Distribution) -> dict:
    return {
        "id": p.pk,
        "community": p.community.code,
        "name": p.name,
        "stock_item": p.stock_item_id,
        "item": str(p.stock_item),
        "per_household": p.per_household,
        "rule": p.rule,
        "status": p.status,
        "note": p.note,
        "created_by": str(p.created_by),
        "created_at": p.created_at,
        "approved_by": str(p.approved_by) if p.approved_by_id else None,
        "approved_at": p.approved_at,
        "opened_at": p.opened_at,
        "closed_at": p.closed_at,
        "version": p.version,
    }


def plan_body(user, plan: Distribution) -> dict:
    plan = selectors.get_distribution_for_user(user, plan.pk)
    return {**plan_out(plan), "progress": selectors.plan_progress(plan)}


def recipient_out(row: dict) -> dict:
    r = row["recipient"]
    return {
        "household": row["household"],
        "address": row["address"],
        "name": row["name"],
        "source": r.source,
        "matched": row["matched"],
        "reason": r.reason,
        "removed_at": r.removed_at,
        "removed_reason": r.removed_reason,
        "handed_over_at": row["handover"].handed_at if row["handover"] else None,
        "delivery": row["delivery"].pk if row["delivery"] else None,
    }


def handover_out(user, h: HandOver) -> dict:
    label = selectors.household_label(user, h.household)
    return {
        "id": h.pk,
        "distribution": h.distribution_id,
        "household": h.household_id,
        "address": label["address"],
        "quantity": h.quantity,
        "handed_at": h.handed_at,
        "handed_by": str(h.handed_by),
        "received_by": label["name"] if not services.may_manage(user, h.community_id) else h.received_by,
        "proof_kind": h.proof_kind,
        "proof_url": _file_url(h.proof),
    }


def delivery_out(user, d: HomeDelivery) -> dict:
    label = selectors.household_label(user, d.household)
    return {
        "id": d.pk,
        "distribution": d.distribution_id,
        "household": d.household_id,
        "address": label["address"],
        "name": label["name"],
        "assignee": d.assignee_id,
        "assignee_name": str(d.assignee) if d.assignee_id else None,
        "volunteer_name": d.volunteer_name,
        "planned_on": d.planned_on,
        "status": d.status,
        "note": d.note,
        "delivered_at": d.delivered_at,
        "handover": d.handover_id,
        "version": d.version,
    }


# ---------------------------------------------------------------- donations


class CharityItemIn(serializers.Serializer):
    name = serializers.CharField(max_length=60)
    unit = serializers.CharField(max_length=10)
    quantity = serializers.IntegerField(min_value=1, max_value=1_000_000)
    unit_value = serializers.DecimalField(max_digits=10, decimal_places=2, required=False, allow_null=True)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)


class JSONListField(serializers.ListField):
    """A list, or (in a multipart form) a JSON string holding one."""

    def get_value(self, dictionary):
        if hasattr(dictionary, "getlist") and self.field_name in dictionary:
            values = dictionary.getlist(self.field_name)
            if len(values) == 1 and isinstance(values[0], str):
                return values[0]
        return super().get_value(dictionary)

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                raise serializers.ValidationError(_("Give the items as a JSON list.")) from None
        return super().to_internal_value(data)


class CharityDonationIn(serializers.Serializer):
    community = serializers.SlugRelatedField(
        slug_field="code", queryset=Community.objects.all(), required=False
    )
    donor_kind = serializers.ChoiceField(choices=DonorKind.choices)
    partner = serializers.IntegerField(required=False, allow_null=True)
    donor_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    received_on = serializers.DateField()
    items = JSONListField(child=CharityItemIn(), min_length=1, max_length=services.MAX_ITEMS)
    total_value = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, allow_null=True)
    receipt_number = serializers.CharField(max_length=40, required=False, allow_blank=True)
    receipt = serializers.FileField(required=False)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


def _community_for(user, data: dict) -> Community:
    """The community a new record belongs to: the one given, or the user's only one; only staff's own."""
    community = data.get("community")
    if community is None:
        default = user.scope.default_community_id()
        community = Community.objects.filter(pk=default).first() if default else None
        if community is None:
            raise InvalidInput(_("Choose the community."), field="community")
    if not services.may_manage(user, community.pk):
        raise InvalidInput(_("Choose a community you work for."), field="community")
    return community


class DonationList(CharityView):
    serializer_class = CharityDonationIn

    @extend_schema(
        operation_id="charity_donations_list",
        parameters=[OpenApiParameter("partner", int), OpenApiParameter("community", str)],
        responses={200: dict},
    )
    def get(self, request):
        qs = selectors.donations_for(request.user)
        if value := request.query_params.get("partner"):
            if not value.isdigit():
                raise InvalidInput(_("Give a number."), field="partner")
            qs = qs.filter(partner_id=int(value))
        if value := request.query_params.get("community"):
            qs = qs.filter(community__code=value)
        return self.page(qs, lambda rows: [donation_out(d) for d in rows])

    @extend_schema(
        request={"application/json": CharityDonationIn, "multipart/form-data": CharityDonationIn},
        responses={201: dict, **ERRORS},
        description="JSON, or multipart with `items` as a JSON string and the receipt (JPG, PNG or PDF).",
    )
    def post(self, request):
        def handler():
            data = parse_input(CharityDonationIn, request)
            community = _community_for(request.user, data)
            partner = None
            if data.get("partner"):
                partner = Partner.objects.filter(pk=data["partner"], community=community).first()
                if partner is None:
                    raise InvalidInput(_("Choose a partner organisation of the community."), field="partner")
            receipt = request.FILES.getlist("receipt")
            donation = services.donation_receive(
                actor=request.user,
                community=community,
                donor_kind=data["donor_kind"],
                partner=partner,
                donor_name=data.get("donor_name", ""),
                received_on=data["received_on"],
                items=[dict(i) for i in data["items"]],
                total_value=data.get("total_value"),
                receipt_number=data.get("receipt_number", ""),
                receipt=check_uploads(receipt, field="receipt")[0] if receipt else None,
                note=data.get("note", ""),
                request=request,
            )
            donation = selectors.get_donation_for_user(request.user, donation.pk)
            return Response(donation_out(donation), status=status.HTTP_201_CREATED)

        return idempotent(request, scope="charity_donation_create", handler=handler)


class DonationDetail(CharityView):
    @extend_schema(responses={200: dict, 404: ERROR})
    def get(self, request, pk: int):
        return Response(donation_out(selectors.get_donation_for_user(request.user, pk)))


# ---------------------------------------------------------------- stock


class CharityAdjustIn(serializers.Serializer):
    delta = serializers.IntegerField(min_value=-1_000_000, max_value=1_000_000)
    reason = serializers.CharField(max_length=300)


class StockList(CharityView):
    @extend_schema(operation_id="charity_stock_list", responses={200: dict})
    def get(self, request):
        return self.page(selectors.stock_for(request.user), lambda rows: [stock_out(s) for s in rows])


class StockDetail(CharityView):
    @extend_schema(responses={200: dict, 404: ERROR})
    def get(self, request, pk: int):
        item = selectors.get_stock_item_for_user(request.user, pk)
        check = services.verify_ledger(item)
        return Response({**stock_out(item), "ledger_verified": check.ok, "ledger_rows": check.rows})


class StockLedger(CharityView):
    @extend_schema(operation_id="charity_stock_ledger", responses={200: dict, 404: ERROR})
    def get(self, request, pk: int):
        item = selectors.get_stock_item_for_user(request.user, pk)
        return self.page(
            selectors.ledger_for(request.user, stock_item=item), lambda rows: [movement_out(m) for m in rows]
        )


class AllLedger(CharityView):
    @extend_schema(operation_id="charity_ledger_list", responses={200: dict})
    def get(self, request):
        return self.page(selectors.ledger_for(request.user), lambda rows: [movement_out(m) for m in rows])


class StockAdjust(CharityView):
    serializer_class = CharityAdjustIn

    @extend_schema(request=CharityAdjustIn, responses={201: dict, **ERRORS})
    def post(self, request, pk: int):
        item = selectors.get_stock_item_for_user(request.user, pk)

        def handler():
            data = parse_input(CharityAdjustIn, request)
            movement = services.stock_adjust(
                actor=request.user,
                stock_item=item,
                delta=data["delta"],
                reason=data["reason"],
                request=request,
            )
            return Response(movement_out(movement), status=status.HTTP_201_CREATED)

        return idempotent(request, scope=f"charity_adjust:{item.pk}", handler=handler)


# ---------------------------------------------------------------- distributions


class CharityRuleIn(serializers.Serializer):
    tags = serializers.ListField(child=serializers.CharField(max_length=30), required=False)
    min_age = serializers.IntegerField(required=False, allow_null=True)
    match = serializers.ChoiceField(choices=["any", "all"], required=False)
    grids = serializers.ListField(child=serializers.IntegerField(), required=False)
    compounds = serializers.ListField(child=serializers.IntegerField(), required=False)


class CharityPlanIn(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    stock_item = serializers.IntegerField()
    per_household = serializers.IntegerField(min_value=1, max_value=1000, default=1)
    rule = CharityRuleIn()
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class CharityVersionIn(serializers.Serializer):
    version = serializers.IntegerField(required=False)


class PlanList(CharityView):
    serializer_class = CharityPlanIn

    @extend_schema(
        operation_id="charity_distributions_list",
        parameters=[OpenApiParameter("status", str, enum=PlanStatus.values)],
        responses={200: dict},
    )
    def get(self, request):
        wanted = request.query_params.get("status", "")
        if wanted and wanted not in PlanStatus.values:
            raise InvalidInput(_("Unknown status."), field="status")
        return self.page(
            selectors.distributions_for(request.user, status=wanted), lambda rows: [plan_out(p) for p in rows]
        )

    @extend_schema(request=CharityPlanIn, responses={201: dict, **ERRORS})
    def post(self, request):
        def handler():
            data = parse_input(CharityPlanIn, request)
            item = StockItem.objects.visible_to(request.user).filter(pk=data["stock_item"]).first()
            if item is None:
                raise InvalidInput(_("Choose an item of the community's stock."), field="stock_item")
            plan = services.distribution_create(
                actor=request.user,
                community=item.community,
                name=data["name"],
                stock_item=item,
                per_household=data["per_household"],
                rule=dict(data["rule"]),
                note=data.get("note", ""),
                request=request,
            )
            return Response(plan_body(request.user, plan), status=status.HTTP_201_CREATED)

        return idempotent(request, scope="charity_distribution_create", handler=handler)


class PlanDetail(CharityView):
    @extend_schema(responses={200: dict, 404: ERROR})
    def get(self, request, pk: int):
        return Response(plan_body(request.user, selectors.get_distribution_for_user(request.user, pk)))


def _transition(name: str, service):
    class Transition(CharityView):
        serializer_class = CharityVersionIn

        @extend_schema(
            operation_id=f"charity_distribution_{name}",
            request=CharityVersionIn,
            responses={200: dict, **ERRORS},
        )
        def post(self, request, pk: int):
            plan = selectors.get_distribution_for_user(request.user, pk)
            data = parse_input(CharityVersionIn, request)
            plan = service(
                actor=request.user, distribution=plan, version=data.get("version"), request=request
            )
            return Response(plan_body(request.user, plan))

    Transition.__name__ = Transition.__qualname__ = f"Plan{name.title()}"
    return Transition


PlanApprove = _transition("approve", services.distribution_approve)
PlanOpen = _transition("open", services.distribution_open)
PlanClose = _transition("close", services.distribution_close)


class CharityRecipientIn(serializers.Serializer):
    household = serializers.IntegerField()
    reason = serializers.CharField(max_length=300)


class Recipients(CharityView):
    serializer_class = CharityRecipientIn

    @extend_schema(
        operation_id="charity_recipients_list",
        parameters=[OpenApiParameter("removed", bool, description="include households taken off the list")],
        responses={200: dict, 404: ERROR},
    )
    def get(self, request, pk: int):
        plan = selectors.get_distribution_for_user(request.user, pk)
        rows = selectors.recipient_rows(
            request.user, plan, include_removed=request.query_params.get("removed") in {"1", "true"}
        )
        return self.page(rows, lambda page: [recipient_out(r) for r in page])

    @extend_schema(
        request=CharityRecipientIn,
        responses={201: dict, **ERRORS},
        description="Add a household (draft only).",
    )
    def post(self, request, pk: int):
        plan = selectors.get_distribution_for_user(request.user, pk)

        def handler():
            data = parse_input(CharityRecipientIn, request)
            household = selectors.get_recipient_household(request.user, plan, data["household"])
            services.recipient_add(
                actor=request.user,
                distribution=plan,
                household=household,
                reason=data["reason"],
                request=request,
            )
            return Response(plan_body(request.user, plan), status=status.HTTP_201_CREATED)

        return idempotent(request, scope=f"charity_recipient_add:{plan.pk}", handler=handler)


class RecipientRemove(CharityView):
    serializer_class = CharityRecipientIn

    @extend_schema(
        request=CharityRecipientIn,
        responses={200: dict, **ERRORS},
        description="Take a household off (draft).",
    )
    def post(self, request, pk: int):
        plan = selectors.get_distribution_for_user(request.user, pk)
        data = parse_input(CharityRecipientIn, request)
        household = selectors.get_recipient_household(request.user, plan, data["household"])
        services.recipient_remove(
            actor=request.user, distribution=plan, household=household, reason=data["reason"], request=request
        )
        return Response(plan_body(request.user, plan))


class CharityHandOverIn(serializers.Serializer):
    household = serializers.IntegerField()
    received_by = serializers.CharField(max_length=50)
    quantity = serializers.IntegerField(min_value=1, required=False)
    proof_kind = serializers.ChoiceField(choices=ProofKind.choices)
    signature = serializers.FileField(required=False, help_text="the drawn signature (PNG)")
    signature_data = serializers.CharField(required=False, help_text="or as data:image/png;base64,…")
    photo = serializers.FileField(required=False)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


def proof_from(request, data: dict):
    """The signature (file or data URL) or photo of a hand-over, checked (FU-01)."""
    if data["proof_kind"] == ProofKind.SIGNATURE:
        files = request.FILES.getlist("signature")
        if files:
            return check_uploads(files[:1], field="signature")[0]
        if data.get("signature_data"):
            return services.signature_from_data_url(data["signature_data"])
        return None
    files = request.FILES.getlist("photo")
    return check_uploads(files[:1], field="photo")[0] if files else None


class HandOvers(CharityView):
    serializer_class = CharityHandOverIn

    @extend_schema(operation_id="charity_handovers_list", responses={200: dict, 404: ERROR})
    def get(self, request, pk: int):
        plan = selectors.get_distribution_for_user(request.user, pk)
        return self.page(
            selectors.handovers_for(request.user, plan),
            lambda rows: [handover_out(request.user, h) for h in rows],
        )

    @extend_schema(
        request={"multipart/form-data": CharityHandOverIn, "application/json": CharityHandOverIn},
        responses={201: dict, **ERRORS},
        description="One hand-over: 409 if the household already received it, 422 if the stock is short.",
    )
    def post(self, request, pk: int):
        plan = selectors.get_distribution_for_user(request.user, pk)

        def handler():
            data = parse_input(CharityHandOverIn, request)
            household = selectors.get_recipient_household(request.user, plan, data["household"])
            handover = services.handover_record(
                actor=request.user,
                distribution=plan,
                household=household,
                received_by=data["received_by"],
                quantity=data.get("quantity"),
                proof_kind=data["proof_kind"],
                proof=proof_from(request, data),
                note=data.get("note", ""),
                request=request,
            )
            return Response(handover_out(request.user, handover), status=status.HTTP_201_CREATED)

        return idempotent(request, scope=f"charity_handover:{plan.pk}", handler=handler)


class CharityDeliveryIn(serializers.Serializer):
    household = serializers.IntegerField()
    planned_on = serializers.DateField()
    assignee = serializers.IntegerField(required=False, allow_null=True)
    volunteer_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class PlanDeliveries(CharityView):
    serializer_class = CharityDeliveryIn

    @extend_schema(operation_id="charity_plan_deliveries_list", responses={200: dict, 404: ERROR})
    def get(self, request, pk: int):
        plan = selectors.get_distribution_for_user(request.user, pk)
        return self.page(
            selectors.deliveries_for(request.user, distribution=plan),
            lambda rows: [delivery_out(request.user, d) for d in rows],
        )

    @extend_schema(request=CharityDeliveryIn, responses={201: dict, **ERRORS})
    def post(self, request, pk: int):
        plan = selectors.get_distribution_for_user(request.user, pk)

        def handler():
            data = parse_input(CharityDeliveryIn, request)
            household = selectors.get_recipient_household(request.user, plan, data["household"])
            assignee = None
            if data.get("assignee"):
                assignee = User.objects.filter(pk=data["assignee"], is_active=True).first()
                if assignee is None:
                    raise InvalidInput(_("Assign a staff member of the community."), field="assignee")
            delivery = services.delivery_plan(
                actor=request.user,
                distribution=plan,
                household=household,
                planned_on=data["planned_on"],
                assignee=assignee,
                volunteer_name=data.get("volunteer_name", ""),
                note=data.get("note", ""),
                request=request,
            )
            return Response(delivery_out(request.user, delivery), status=status.HTTP_201_CREATED)

        return idempotent(request, scope=f"charity_delivery:{plan.pk}", handler=handler)


class Deliveries(CharityView):
    @extend_schema(
        operation_id="charity_deliveries_list",
        parameters=[OpenApiParameter("status", str, enum=DeliveryStatus.values)],
        responses={200: dict},
    )
    def get(self, request):
        wanted = request.query_params.get("status", "")
        if wanted and wanted not in DeliveryStatus.values:
            raise InvalidInput(_("Unknown status."), field="status")
        return self.page(
            selectors.deliveries_for(request.user, status=wanted),
            lambda rows: [delivery_out(request.user, d) for d in rows],
        )


class CharityCompleteIn(serializers.Serializer):
    received_by = serializers.CharField(max_length=50)
    proof_kind = serializers.ChoiceField(choices=ProofKind.choices)
    signature = serializers.FileField(required=False)
    signature_data = serializers.CharField(required=False)
    photo = serializers.FileField(required=False)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)
    version = serializers.IntegerField(required=False)


class DeliveryDetail(CharityView):
    @extend_schema(responses={200: dict, 404: ERROR})
    def get(self, request, pk: int):
        return Response(delivery_out(request.user, selectors.get_delivery_for_user(request.user, pk)))


class DeliveryComplete(CharityView):
    serializer_class = CharityCompleteIn

    @extend_schema(request={"multipart/form-data": CharityCompleteIn}, responses={200: dict, **ERRORS})
    def post(self, request, pk: int):
        delivery = selectors.get_delivery_for_user(request.user, pk)
        data = parse_input(CharityCompleteIn, request)
        delivery = services.delivery_complete(
            actor=request.user,
            delivery=delivery,
            received_by=data["received_by"],
            proof_kind=data["proof_kind"],
            proof=proof_from(request, data),
            note=data.get("note", ""),
            version=data.get("version"),
            request=request,
        )
        return Response(
            delivery_out(request.user, selectors.get_delivery_for_user(request.user, delivery.pk))
        )


urlpatterns = [
    path("donations/", DonationList.as_view(), name="charity-donations"),
    path("donations/<int:pk>/", DonationDetail.as_view(), name="charity-donation"),
    path("stock/", StockList.as_view(), name="charity-stock"),
    path("stock/ledger/", AllLedger.as_view(), name="charity-ledger"),
    path("stock/<int:pk>/", StockDetail.as_view(), name="charity-stock-item"),
    path("stock/<int:pk>/ledger/", StockLedger.as_view(), name="charity-stock-ledger"),
    path("stock/<int:pk>/adjust/", StockAdjust.as_view(), name="charity-stock-adjust"),
    path("distributions/", PlanList.as_view(), name="charity-distributions"),
    path("distributions/<int:pk>/", PlanDetail.as_view(), name="charity-distribution"),
    path("distributions/<int:pk>/approve/", PlanApprove.as_view(), name="charity-distribution-approve"),
    path("distributions/<int:pk>/open/", PlanOpen.as_view(), name="charity-distribution-open"),
    path("distributions/<int:pk>/close/", PlanClose.as_view(), name="charity-distribution-close"),
    path("distributions/<int:pk>/recipients/", Recipients.as_view(), name="charity-recipients"),
    path(
        "distributions/<int:pk>/recipients/remove/",
        RecipientRemove.as_view(),
        name="charity-recipient-remove",
    ),
    path("distributions/<int:pk>/handovers/", HandOvers.as_view(), name="charity-handovers"),
    path("distributions/<int:pk>/deliveries/", PlanDeliveries.as_view(), name="charity-plan-deliveries"),
    path("deliveries/", Deliveries.as_view(), name="charity-deliveries"),
    path("deliveries/<int:pk>/", DeliveryDetail.as_view(), name="charity-delivery"),
    path("deliveries/<int:pk>/complete/", DeliveryComplete.as_view(), name="charity-delivery-complete"),
]
