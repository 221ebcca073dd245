from django.urls import path

from . import views

app_name = "knowledge"

urlpatterns = [
    path("", views.answer_list, name="list"),
    path("new/", views.answer_add, name="add"),
    path("suggest/", views.suggest, name="suggest"),
    path("<int:pk>/", views.answer_detail, name="detail"),
    path("<int:pk>/edit/", views.answer_edit, name="edit"),
    path("answer/<int:case_id>/", views.answer_case, name="answer_case"),
]
