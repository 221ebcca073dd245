"""REST endpoints of the dispatch app (under /api/v1/): suggestions while a case is typed, and what was chosen."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from linli.core.api import parse_input
from linli.core.idempotency import idempotent

from . import selectors, services
from .choices import Target
from .models import DispatchModel


def _require_staff(request) -> None:
    if not request.user.scope.is_staff_member:
        raise PermissionDenied(_("Only community staff may use dispatch suggestions."))


class SuggestQuery(serializers.Serializer):
    text = serializers.CharField(max_length=5000, allow_blank=True, trim_whitespace=False)
    target = serializers.ChoiceField(choices=Target.choices, default=Target.CATEGORY)


SUGGESTIONS_OUT = inline_serializer(
    "DispatchSuggestionsOut",
    {
        "model_version": serializers.IntegerField(allow_null=True),
        "suggestions": inline_serializer(
            "DispatchSuggestion",
            {
                "code": serializers.CharField(),
                "name": serializers.CharField(),
                "confidence": serializers.FloatField(),
            },
            many=True,
        ),
    },
)


class SuggestView(APIView):
    # GET ?text=…&target=category|department → the active model's top 3 suggestions with their confidence.

    @extend_schema(parameters=[SuggestQuery], responses={200: SUGGESTIONS_OUT})
    def get(self, request):
        _require_staff(request)
        query = SuggestQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(
            selectors.suggest(query.validated_data["text"], target=query.validated_data["target"])
        )


class SuggestionFeedbackIn(serializers.Serializer):
    model_version = serializers.IntegerField(min_value=1)
    text_hash = serializers.RegexField(r"^[0-9a-f]{64}$")
    suggested = serializers.CharField(max_length=60)
    chosen = serializers.CharField(max_length=60)


class FeedbackView(APIView):
    # POST {model_version, text_hash, suggested, chosen}: the top suggestion was accepted or overridden.

    @extend_schema(
        request=SuggestionFeedbackIn,
        responses={
            201: inline_serializer(
                "DispatchFeedbackOut",
                {"id": serializers.IntegerField(), "accepted": serializers.BooleanField()},
            )
        },
    )
    def post(self, request):
        _require_staff(request)

        def handler():
            data = parse_input(SuggestionFeedbackIn, request)
            model = DispatchModel.objects.defer("blob").filter(version=data.pop("model_version")).first()
            if model is None:
                raise NotFound(_("No model has this version."))
            outcome = services.outcome_record(model=model, user=request.user, **data)
            return Response({"id": outcome.pk, "accepted": outcome.accepted}, status=201)

        return idempotent(request, scope="dispatch_feedback", handler=handler)


urlpatterns = [
    path("dispatch/suggest/", SuggestView.as_view(), name="dispatch-suggest"),
    path("dispatch/feedback/", FeedbackView.as_view(), name="dispatch-feedback"),
]
