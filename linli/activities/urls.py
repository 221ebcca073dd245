from django.urls import path

from . import views

app_name = "activities"

urlpatterns = [
    path("", views.activity_list, name="list"),
    path("new/", views.activity_new, name="new"),
    path("<int:pk>/", views.activity_detail, name="detail"),
    path("<int:pk>/edit/", views.activity_edit, name="edit"),
    path("o/<int:pk>/", views.occurrence_detail, name="occurrence"),
    path("o/<int:pk>/qr/", views.occurrence_qr, name="occurrence_qr"),
    path("o/<int:pk>/skip/", views.occurrence_skip, name="skip"),
    path("o/<int:pk>/move/", views.occurrence_move, name="move"),
    path("o/<int:pk>/signups/", views.signup_add, name="signup_add"),
    path("o/<int:pk>/signups/<int:signup_id>/cancel/", views.signup_cancel, name="signup_cancel"),
    path("o/<int:pk>/attendance/", views.attendance, name="attendance"),
    path("o/<int:pk>/photos/", views.photos_add, name="photos_add"),
    path("o/<int:pk>/walk-in/", views.walk_in, name="walk_in"),
    path("o/<int:pk>/confirm/", views.confirm, name="confirm"),
    path("o/<int:pk>/home-visits/", views.home_visits_add, name="home_visits_add"),
    path("o/<int:pk>/home-visits/<int:visit_id>/", views.home_visit_update, name="home_visit_update"),
    path("photos/<uuid:uuid>/", views.photo, name="photo"),
    path("calendar/", views.calendar_month, name="calendar"),
    path("calendar/street/", views.calendar_street, name="calendar_street"),
    path("p/<str:code>/", views.public_list, name="public_list"),
    path("p/<str:code>/<int:pk>/", views.public_signup, name="public_signup"),
    path("ics/<str:code>.ics", views.ics_feed, name="ics"),
    path("v/", views.v_home, name="v_home"),
    path("v/o/<int:pk>/", views.v_occurrence, name="v_occurrence"),
    path("v/scan/<str:token>/", views.v_scan, name="v_scan"),
    path("v/code/", views.v_code, name="v_code"),
    path("v/visits/<int:pk>/done/", views.v_visit_done, name="v_visit_done"),
]
