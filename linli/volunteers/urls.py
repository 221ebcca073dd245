from django.urls import path

from . import views

app_name = "volunteers"

urlpatterns = [
    path("", views.volunteer_list, name="list"),
    path("new/", views.volunteer_new, name="new"),
    path("<int:pk>/", views.volunteer_detail, name="volunteer"),
    path("<int:pk>/certificate.pdf", views.volunteer_certificate, name="certificate"),
    path("teams/", views.team_list, name="teams"),
    path("teams/new/", views.team_new, name="team_new"),
    path("teams/<int:pk>/", views.team_detail, name="team"),
    path("records/new/", views.record_new, name="record_new"),
    path("records/drafts/", views.drafts, name="drafts"),
    path("records/<int:pk>/confirm/", views.record_confirm, name="record_confirm"),
    path("records/<int:pk>/correct/", views.record_correct, name="record_correct"),
    path("me/", views.me_home, name="me"),
    path("me/login/", views.me_login, name="me_login"),
    path("me/login/code/", views.me_login_code, name="me_login_code"),
    path("me/logout/", views.me_logout, name="me_logout"),
    path("me/confirm/", views.me_confirm, name="me_confirm"),
    path("me/certificate.pdf", views.me_certificate, name="me_certificate"),
]
