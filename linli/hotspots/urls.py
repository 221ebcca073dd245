from django.urls import path

from . import views

app_name = "hotspots"

urlpatterns = [
    path("", views.hot_spot_list, name="list"),
    path("monthly/<int:street_id>/", views.monthly, name="monthly"),
    path("<slug:kind>/<slug:key>/", views.hot_spot_detail, name="detail"),
    path("<slug:kind>/<slug:key>/propose/", views.hot_spot_propose, name="propose"),
]
