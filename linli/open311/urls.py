"""GeoReport v2 resources under /open311/v2/; the extension (.xml or .json) names the format of the answer."""

from django.urls import re_path

from . import views

app_name = "open311"

# The format: whatever follows the last dot (checked by the view, so a wrong one gets a proper error).
FORMAT = r"(?:\.(?P<fmt>[^./]*))?"

urlpatterns = [
    re_path(rf"^discovery{FORMAT}$", views.discovery, name="discovery"),
    re_path(rf"^services{FORMAT}$", views.service_list, name="services"),
    re_path(rf"^services/(?P<service_code>[^/]+?){FORMAT}$", views.service_definition, name="service"),
    re_path(rf"^requests{FORMAT}$", views.service_requests, name="requests"),
    re_path(rf"^requests/(?P<service_request_id>[^/]+?){FORMAT}$", views.service_request, name="request"),
    re_path(rf"^tokens/(?P<token>[^/]+?){FORMAT}$", views.token, name="token"),
    re_path(r"^(?P<path>.*)$", views.unknown, name="unknown"),
]
