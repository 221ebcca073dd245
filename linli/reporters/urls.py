from django.urls import path

from . import staff_views, views

app_name = "reporters"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_phone, name="login"),
    path("login/code/", views.login_code, name="login_code"),
    path("new/", views.report_new, name="new"),
    path("reports/<int:pk>/", views.report_detail, name="report"),
    path("staff/", staff_views.reporter_list, name="staff_list"),
    path("staff/invite/", staff_views.reporter_invite, name="staff_invite"),
    path("staff/flags/", staff_views.flag_list, name="flags"),
    path("staff/flags/<int:pk>/clear/", staff_views.flag_clear, name="flag_clear"),
    path("staff/<int:pk>/", staff_views.reporter_detail, name="staff_detail"),
    path("staff/<int:pk>/redeem/", staff_views.reporter_redeem, name="staff_redeem"),
    path("staff/<int:pk>/active/", staff_views.reporter_set_active, name="staff_active"),
    path("staff/<int:pk>/invite/", staff_views.reporter_resend_invite, name="staff_resend"),
]
