"""REST endpoints of the knowledge app (under /api/v1/): search the answers, answer a case from one (直接答复).

Scoped like cases: an answer or a case outside the caller's area answers 404."""

from __future__ import annotations

from django.http import Http404
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from linli.cases.selectors import get_case_for_user
from linli.core.api import parse_input

from . import selectors, services
from .models import Answer


class AnswerOut(serializers.ModelSerializer):
    community = serializers.SlugRelatedField(slug_field="code", read_only=True)
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Answer
        fields = [
            "id",
            "question",
            "answer",
            "keywords",
            "category",
            "community",
            "source",
            "valid_until",
            "times_used",
            "updated_at",
        ]


class MatchOut(serializers.Serializer):
    score = serializers.FloatField()
    answer = AnswerOut()


class AnswerCaseIn(serializers.Serializer):
    case = serializers.IntegerField()
    version = serializers.IntegerField(required=False, allow_null=True)
    text = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


class AnswerCaseOut(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    status = serializers.CharField()
    result = serializers.CharField()
    version = serializers.IntegerField()


def _staff_only(request) -> None:
    if not request.user.scope.is_staff_member:
        raise Http404


class SearchView(GenericAPIView):
    serializer_class = MatchOut
    pagination_class = None  # the k best matches, ranked: never a page

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="The consultation's text"),
            OpenApiParameter("k", int),
        ],
        responses=MatchOut(many=True),
    )
    def get(self, request):
        _staff_only(request)
        q = request.query_params.get("q", "")[:2000]
        try:
            k = max(1, min(int(request.query_params.get("k", 5)), 20))
        except ValueError:
            k = 5
        matches = selectors.best_matches(q, request.user, k=k)
        return Response(MatchOut([{"score": m.score, "answer": m.answer} for m in matches], many=True).data)


class AnswerCaseView(GenericAPIView):
    serializer_class = AnswerCaseIn

    @extend_schema(request=AnswerCaseIn, responses=AnswerCaseOut)
    def post(self, request, pk: int):
        _staff_only(request)
        answer = selectors.get_answer_for_user(request.user, pk)
        data = parse_input(AnswerCaseIn, request)
        case = get_case_for_user(request.user, data["case"])
        case = services.answer_case(
            answer=answer, case=case, actor=request.user, text=data["text"], version=data.get("version")
        )
        return Response(AnswerCaseOut(case).data)


urlpatterns = [
    path("knowledge/search/", SearchView.as_view(), name="knowledge-search"),
    path("knowledge/answers/<int:pk>/answer-case/", AnswerCaseView.as_view(), name="knowledge-answer-case"),
]
