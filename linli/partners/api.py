"""REST endpoints of the partners app (under /api/v1/): partners with their contacts (masked), agreements (with
multipart uploads), pledged service items and the cases they helped with. Scoped like cases: staff of the
partner's community, street officers of its street, administrators; anyone else gets 404."""

from __future__ import annotations

from django.http import Http404
from django.urls import path, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from linli.cases.selectors import find_case_for_user
from linli.core.api import parse_input
from linli.core.errors import InvalidInput
from linli.core.idempotency import idempotent
from linli.core.uploads import check_uploads
from linli.core.validators import mask_phone
from linli.org.models import Community
from linli.residents.models import Tag

from . import selectors, services
from .choices import Audience, ContactPublicity, HowToAsk, PartnerKind

# ---------------------------------------------------------------- output


class PartnerContactOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    role = serializers.CharField()
    phone = serializers.CharField(help_text="always masked (138****5678)")
    publicity = serializers.ChoiceField(choices=ContactPublicity.choices)
    version = serializers.IntegerField()


class PartnerAttachmentOut(serializers.Serializer):
    id = serializers.UUIDField(source="uuid")
    name = serializers.CharField(source="original_name")
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    url = serializers.SerializerMethodField()

    def get_url(self, obj) -> str:
        return reverse("partners:attachment", args=[obj.uuid])


class PartnerAgreementOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    signed_on = serializers.DateField()
    valid_from = serializers.DateField()
    valid_until = serializers.DateField(allow_null=True)
    status = serializers.SerializerMethodField()
    attachments = PartnerAttachmentOut(many=True)
    version = serializers.IntegerField()

    def get_status(self, obj) -> str:
        return obj.status_on(selectors.today())


class PartnerItemOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()
    audience = serializers.ChoiceField(choices=Audience.choices)
    tag = serializers.CharField(source="tag.code", allow_null=True, help_text="the tag group's code")
    schedule = serializers.CharField()
    valid_until = serializers.DateField(allow_null=True)
    how_to_ask = serializers.ChoiceField(choices=HowToAsk.choices)
    monthly_cap = serializers.IntegerField(allow_null=True)
    is_active = serializers.BooleanField()
    version = serializers.IntegerField()


class PartnerOut(serializers.Serializer):
    id = serializers.IntegerField()
    community = serializers.IntegerField(source="community_id")
    community_name = serializers.CharField(source="community.name")
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=PartnerKind.choices)
    address = serializers.CharField()
    description = serializers.CharField()
    is_active = serializers.BooleanField()
    code = serializers.CharField(help_text="the code of the public service list page /partners/p/<code>/")
    agreement_status = serializers.SerializerMethodField()
    version = serializers.IntegerField()
    updated_at = serializers.DateTimeField()

    def get_agreement_status(self, obj) -> str:
        return selectors.agreement_badge(obj, selectors.today())


class PartnerDetailOut(PartnerOut):
    contacts = serializers.SerializerMethodField()
    agreements = serializers.SerializerMethodField()
    items = serializers.SerializerMethodField()

    @extend_schema_field(PartnerContactOut(many=True))
    def get_contacts(self, obj) -> list:
        rows = [
            {
                "id": c.pk,
                "name": c.name,
                "role": c.role,
                "phone": mask_phone(c.phone),
                "publicity": c.publicity,
                "version": c.version,
            }
            for c in selectors.contacts_of(obj)
        ]
        return PartnerContactOut(rows, many=True).data

    @extend_schema_field(PartnerAgreementOut(many=True))
    def get_agreements(self, obj) -> list:
        return PartnerAgreementOut(selectors.agreements_of(obj), many=True).data

    @extend_schema_field(PartnerItemOut(many=True))
    def get_items(self, obj) -> list:
        return PartnerItemOut(selectors.items_of(obj), many=True).data


class PartnerCaseHelpOut(serializers.Serializer):
    id = serializers.IntegerField()
    case = serializers.IntegerField(source="case_id")
    case_number = serializers.CharField(source="case.number", allow_null=True)
    case_title = serializers.CharField(source="case.title")
    what = serializers.CharField()
    recorded_by = serializers.CharField(allow_null=True)
    recorded_at = serializers.DateTimeField()


# ---------------------------------------------------------------- input


class PartnerIn(serializers.Serializer):
    community = serializers.IntegerField()
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=PartnerKind.choices)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    is_active = serializers.BooleanField(required=False, default=True)


class PartnerPatchIn(serializers.Serializer):
    version = serializers.IntegerField()
    name = serializers.CharField(max_length=100, required=False)
    kind = serializers.ChoiceField(choices=PartnerKind.choices, required=False)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


class PartnerContactIn(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    role = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    publicity = serializers.ChoiceField(
        choices=ContactPublicity.choices, required=False, default=ContactPublicity.HIDDEN
    )


class PartnerItemIn(serializers.Serializer):
    title = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    audience = serializers.ChoiceField(choices=Audience.choices, required=False, default=Audience.ALL)
    tag = serializers.SlugRelatedField(
        slug_field="code", queryset=Tag.objects.all(), required=False, allow_null=True, default=None
    )
    schedule = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    valid_until = serializers.DateField(required=False, allow_null=True, default=None)
    how_to_ask = serializers.ChoiceField(choices=HowToAsk.choices, required=False, default=HowToAsk.COMMUNITY)
    monthly_cap = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
    is_active = serializers.BooleanField(required=False, default=True)


class PartnerAgreementIn(serializers.Serializer):
    title = serializers.CharField(max_length=120)
    signed_on = serializers.DateField()
    valid_from = serializers.DateField()
    valid_until = serializers.DateField(required=False, allow_null=True, default=None)
    attachments = serializers.ListField(
        child=serializers.FileField(), required=False, help_text="PDF, JPG or PNG files (multipart)"
    )


class PartnerCaseHelpIn(serializers.Serializer):
    case = serializers.CharField(max_length=30, help_text="the case's id or its number")
    what = serializers.CharField(max_length=1000)


# ---------------------------------------------------------------- views


class PartnersView(GenericAPIView):
    """Community-side staff only (404 otherwise); answers are never cached (contacts are personal data)."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not selectors.may_use_partners(request.user):
            raise Http404

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)
        return response

    def partner(self, pk):
        return selectors.get_partner_for_user(self.request.user, pk)


def _bool_param(value: str | None, field: str) -> bool | None:
    if value is None or value == "":
        return None
    if value.lower() in ("1", "true", "yes"):
        return True
    if value.lower() in ("0", "false", "no"):
        return False
    raise InvalidInput(_("Use true or false."), field=field)


class PartnerList(PartnersView):
    serializer_class = PartnerOut

    @extend_schema(
        parameters=[
            OpenApiParameter("community", int, description="community id"),
            OpenApiParameter("kind", str, enum=PartnerKind.values),
            OpenApiParameter("active", bool),
        ],
        responses=PartnerOut(many=True),
    )
    def get(self, request):
        params = request.query_params
        community = params.get("community") or None
        if community is not None and not community.isdigit():
            raise InvalidInput(_("community must be a community id."), field="community")
        kind = params.get("kind") or ""
        if kind and kind not in PartnerKind.values:
            raise InvalidInput(_("Unknown kind of partner."), field="kind")
        qs = selectors.partners_for(
            request.user,
            community=int(community) if community else None,
            kind=kind,
            active=_bool_param(params.get("active"), "active"),
        )
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(PartnerOut(page, many=True).data)

    @extend_schema(request=PartnerIn, responses={201: PartnerDetailOut})
    def post(self, request):
        def handler():
            data = parse_input(PartnerIn, request)
            community = Community.objects.filter(pk=data.pop("community")).first()
            if community is None:
                raise InvalidInput(_("There is no such community."), field="community")
            partner = services.partner_create(
                actor=request.user, community=community, request=request, **data
            )
            return Response(PartnerDetailOut(partner).data, status=status.HTTP_201_CREATED)

        return idempotent(request, scope="partner_create", handler=handler)


class PartnerDetail(PartnersView):
    serializer_class = PartnerDetailOut

    @extend_schema(responses=PartnerDetailOut)
    def get(self, request, pk: int):
        return Response(PartnerDetailOut(self.partner(pk)).data)

    @extend_schema(request=PartnerPatchIn, responses=PartnerDetailOut)
    def patch(self, request, pk: int):
        partner = self.partner(pk)
        data = parse_input(PartnerPatchIn, request)
        version = data.pop("version")
        partner = services.partner_update(
            actor=request.user, partner=partner, version=version, request=request, **data
        )
        return Response(PartnerDetailOut(partner).data)


class PartnerContacts(PartnersView):
    serializer_class = PartnerContactOut
    pagination_class = None

    @extend_schema(responses=PartnerContactOut(many=True))
    def get(self, request, pk: int):
        partner = self.partner(pk)
        rows = PartnerDetailOut().get_contacts(partner)
        return Response(rows)

    @extend_schema(request=PartnerContactIn, responses={201: PartnerContactOut})
    def post(self, request, pk: int):
        partner = self.partner(pk)

        def handler():
            data = parse_input(PartnerContactIn, request)
            c = services.contact_add(actor=request.user, partner=partner, request=request, **data)
            body = {
                "id": c.pk,
                "name": c.name,
                "role": c.role,
                "phone": mask_phone(c.phone),
                "publicity": c.publicity,
                "version": c.version,
            }
            return Response(PartnerContactOut(body).data, status=status.HTTP_201_CREATED)

        return idempotent(request, scope=f"partner_contacts:{partner.pk}", handler=handler)


class PartnerItems(PartnersView):
    serializer_class = PartnerItemOut

    @extend_schema(responses=PartnerItemOut(many=True))
    def get(self, request, pk: int):
        page = self.paginate_queryset(selectors.items_of(self.partner(pk)))
        return self.get_paginated_response(PartnerItemOut(page, many=True).data)

    @extend_schema(request=PartnerItemIn, responses={201: PartnerItemOut})
    def post(self, request, pk: int):
        partner = self.partner(pk)

        def handler():
            data = parse_input(PartnerItemIn, request)
            item = services.item_create(actor=request.user, partner=partner, **data)
            return Response(PartnerItemOut(item).data, status=status.HTTP_201_CREATED)

        return idempotent(request, scope=f"partner_items:{partner.pk}", handler=handler)


class PartnerAgreements(PartnersView):
    serializer_class = PartnerAgreementOut
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(responses=PartnerAgreementOut(many=True))
    def get(self, request, pk: int):
        page = self.paginate_queryset(selectors.agreements_of(self.partner(pk)))
        return self.get_paginated_response(PartnerAgreementOut(page, many=True).data)

    @extend_schema(
        request={"multipart/form-data": PartnerAgreementIn, "application/json": PartnerAgreementIn},
        responses={201: PartnerAgreementOut},
        description="Multipart with the scanned agreement in one or more `attachments` fields (PDF, JPG, PNG).",
    )
    def post(self, request, pk: int):
        partner = self.partner(pk)

        def handler():
            fields = {k: request.data.get(k) for k in ("title", "signed_on", "valid_from", "valid_until")}
            fields = {k: v for k, v in fields.items() if v not in (None, "")}
            serializer = PartnerAgreementIn(data=fields)
            serializer.is_valid(raise_exception=True)
            data = dict(serializer.validated_data)
            data.pop("attachments", None)
            files = check_uploads(request.FILES.getlist("attachments"), field="attachments")
            agreement = services.agreement_create(
                actor=request.user, partner=partner, attachments=files, request=request, **data
            )
            agreement = selectors.agreements_of(partner).get(pk=agreement.pk)
            return Response(PartnerAgreementOut(agreement).data, status=status.HTTP_201_CREATED)

        return idempotent(request, scope=f"partner_agreements:{partner.pk}", handler=handler)


class PartnerCases(PartnersView):
    serializer_class = PartnerCaseHelpOut

    @extend_schema(responses=PartnerCaseHelpOut(many=True))
    def get(self, request, pk: int):
        qs = selectors.case_helps_for(request.user, self.partner(pk))
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(PartnerCaseHelpOut(page, many=True).data)

    @extend_schema(request=PartnerCaseHelpIn, responses={201: PartnerCaseHelpOut})
    def post(self, request, pk: int):
        partner = self.partner(pk)

        def handler():
            data = parse_input(PartnerCaseHelpIn, request)
            case = find_case_for_user(request.user, data["case"])
            if case is None:
                raise InvalidInput(_("There is no such case in your area."), field="case")
            helped = services.case_help_record(
                actor=request.user, partner=partner, case=case, what=data["what"]
            )
            return Response(PartnerCaseHelpOut(helped).data, status=status.HTTP_201_CREATED)

        return idempotent(request, scope=f"partner_cases:{partner.pk}", handler=handler)


urlpatterns = [
    path("partners/", PartnerList.as_view(), name="partners"),
    path("partners/<int:pk>/", PartnerDetail.as_view(), name="partner"),
    path("partners/<int:pk>/contacts/", PartnerContacts.as_view(), name="partner-contacts"),
    path("partners/<int:pk>/items/", PartnerItems.as_view(), name="partner-items"),
    path("partners/<int:pk>/agreements/", PartnerAgreements.as_view(), name="partner-agreements"),
    path("partners/<int:pk>/cases/", PartnerCases.as_view(), name="partner-cases"),
]
