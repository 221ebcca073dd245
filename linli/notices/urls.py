from django.urls import path

from . import views

app_name = "notices"

urlpatterns = [
    path("", views.notices, name="list"),
    path("new/", views.compose, name="compose"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
]
