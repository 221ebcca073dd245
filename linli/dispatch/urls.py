from django.urls import path

from . import duplicates_views, views

app_name = "dispatch"

urlpatterns = [
    path("suggest/", views.suggest_fragment, name="suggest"),
    path("duplicates/<int:pk>/", duplicates_views.duplicates_fragment, name="duplicates"),
]
