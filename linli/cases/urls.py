from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("", views.my_work, name="my_work"),
    path("new/", views.intake, name="intake"),
    path("problems/", views.problem_list, name="problems"),
    path("notifications/", views.notifications, name="notifications"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/act/", views.case_act, name="act"),
    path("<int:pk>/whistle/", views.case_whistle, name="whistle"),
    path("<int:pk>/feedback/", views.case_feedback, name="feedback"),
    path("whistles/<int:pk>/<slug:step>/", views.whistle_step, name="whistle_step"),
    path("files/<uuid:uuid>/", views.attachment, name="attachment"),
]
