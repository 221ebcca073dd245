"""Reference data of the org tree over the API: grids (with GeoJSON boundaries) and departments."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from .models import Department, Grid


class GridOut(serializers.ModelSerializer):
    community_name = serializers.CharField(source="community.name", read_only=True)
    street = serializers.IntegerField(source="community.street_id", read_only=True)

    class Meta:
        model = Grid
        fields = ["id", "code", "name", "community", "community_name", "street", "geometry"]


class DepartmentOut(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "code", "name", "kind", "phone"]


class GridList(GenericAPIView):
    serializer_class = GridOut
    pagination_class = None

    @extend_schema(
        responses=GridOut(many=True),
        parameters=[OpenApiParameter("community", int, description="one community")],
    )
    def get(self, request):
        qs = Grid.objects.select_related("community")
        if community := request.query_params.get("community"):
            qs = qs.filter(community_id=community) if community.isdigit() else qs.none()
        return Response(GridOut(qs, many=True).data)


class DepartmentList(GenericAPIView):
    serializer_class = DepartmentOut
    pagination_class = None

    @extend_schema(responses=DepartmentOut(many=True))
    def get(self, request):
        return Response(DepartmentOut(Department.objects.all(), many=True).data)
