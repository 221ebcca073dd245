from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/verify/", views.sign_in_verify, name="sign_in_verify"),
    path("login/enrol/", views.sign_in_enrol, name="sign_in_enrol"),
    path("login/change/", views.sign_in_change, name="sign_in_change"),
    path("me/", views.my_account, name="me"),
    path("password/", views.change_password, name="password"),
    path("mfa/", views.mfa_enrol, name="mfa"),
    path("sessions/sign-out-others/", views.sign_out_others, name="sign_out_others"),
]
