from django.urls import path

from . import views

app_name = "public"

urlpatterns = [
    path("", views.report, name="report"),
    path("suggest/", views.suggest, name="suggest"),
    path("t/", views.track_lookup, name="track_lookup"),
    path("t/<str:code>/", views.track, name="track"),
    path("t/<str:code>/rate/", views.rate, name="rate"),
    path("posters/", views.poster_list, name="posters"),
    path("posters/<slug:kind>/<int:pk>/", views.poster, name="poster"),
]
