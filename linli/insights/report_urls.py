"""Pages of the reports, exports, the public community page and open data (included under /insights/)."""

from django.urls import path

from . import public_views, report_views

app_name = "insights_reports"

urlpatterns = [
    path("export/<slug:table>.xlsx", report_views.export_table, name="export"),
    path("reports/", report_views.report_list, name="reports"),
    path("reports/<uuid:uuid>/file/", report_views.report_file, name="report_file"),
    path("c/<str:code>/", public_views.community_page, name="public_community"),
    path("open-data/", public_views.open_data_page, name="open_data"),
    path("open-data/cases.csv", public_views.open_data_csv, name="open_data_csv"),
    path("open-data/cases.json", public_views.open_data_json, name="open_data_json"),
]
