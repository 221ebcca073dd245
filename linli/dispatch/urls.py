from django.urls import path

from . import views

app_name = "dispatch"

urlpatterns = [
    path("suggest/", views.suggest_fragment, name="suggest"),
]
