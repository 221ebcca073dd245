"""The URLs the reports' tests run with: the project's, plus the report pages and API the lead includes."""

from django.urls import include, path, resolve

from linli import urls as root
from linli.insights import report_api

api_v1 = [*report_api.urlpatterns, *root.api_v1]
urlpatterns = [
    path("api/v1/", include((api_v1, "api"))),
    path("insights/", include("linli.insights.report_urls")),
    *[p for p in root.urlpatterns if str(p.pattern) != "api/v1/"],
]
URLCONF = __name__


def test_the_report_urls_resolve_here():
    assert resolve("/insights/reports/", urlconf=URLCONF).view_name == "insights_reports:reports"
    assert (
        resolve("/insights/open-data/cases.csv", urlconf=URLCONF).view_name
        == "insights_reports:open_data_csv"
    )
    assert resolve("/api/v1/insights/reports/", urlconf=URLCONF).view_name == "api:insights-reports"
    assert resolve("/insights/", urlconf=URLCONF).view_name == "insights:dashboard"
