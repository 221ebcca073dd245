"""REST endpoints of the hotspots app (under /api/v1/): the viewer's hot spots with their evidence."""

from __future__ import annotations

from django.urls import path, reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from . import detect


class HotSpotCaseOut(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(allow_null=True)
    title = serializers.CharField()
    status = serializers.CharField()
    received_at = serializers.DateTimeField()
    lat = serializers.FloatField(allow_null=True)
    lon = serializers.FloatField(allow_null=True)


class HotSpotOut(serializers.Serializer):
    kind = serializers.CharField()
    key = serializers.CharField()
    place = serializers.CharField()
    grid = serializers.IntegerField(source="grid_id", allow_null=True)
    building = serializers.IntegerField(source="building_id", allow_null=True)
    community = serializers.IntegerField(source="community_id", allow_null=True)
    category = serializers.IntegerField(source="category_id", allow_null=True)
    category_name = serializers.CharField(source="category")
    count = serializers.IntegerField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    detail = serializers.DictField()
    weekly = serializers.ListField(child=serializers.IntegerField(), source="series")
    cases = HotSpotCaseOut(many=True)
    url = serializers.SerializerMethodField()

    def get_url(self, spot) -> str:
        return reverse("hotspots:detail", kwargs={"kind": spot.kind, "key": spot.key})


class HotSpotList(GenericAPIView):
    """The hot spots of the viewer's grids, community or street (an empty list for anyone else)."""

    serializer_class = HotSpotOut
    pagination_class = None

    @extend_schema(operation_id="hotspots_list", responses=HotSpotOut(many=True))
    def get(self, request):
        return Response(HotSpotOut(detect.hot_spots(request.user), many=True).data)


urlpatterns = [path("hotspots/", HotSpotList.as_view(), name="hotspots")]
