from django.urls import path

from . import views

app_name = "patrols"

urlpatterns = [
    path("", views.today, name="today"),
    path("new/", views.new_inspection, name="new"),
    path("inspect/<slug:kind>/<int:pk>/<int:template_id>/", views.inspect, name="inspect"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection"),
    path("inspections/<int:pk>/cases/", views.inspection_cases, name="inspection_cases"),
    path("hazards/<int:pk>/case/", views.hazard_case, name="hazard_case"),
    path("hazards/<int:pk>/fix/", views.hazard_fix, name="hazard_fix"),
    path("checklists/", views.checklists, name="checklists"),
    path("campaigns/", views.campaigns, name="campaigns"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign"),
    path("photos/<uuid:uuid>/", views.photo, name="photo"),
]
