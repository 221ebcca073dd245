from django.urls import path

from . import views

app_name = "deliberation"

urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("new/", views.meeting_new, name="new"),
    path("<int:pk>/", views.meeting_detail, name="detail"),
    path("<int:pk>/qr/", views.meeting_qr, name="qr"),
    path("<int:pk>/attend/", views.meeting_attend, name="attend"),
    path("<int:pk>/agenda/", views.agenda_add, name="agenda_add"),
    path(
        "<int:pk>/agenda/from-proposal/<int:proposal_pk>/",
        views.agenda_from_proposal,
        name="agenda_from_proposal",
    ),
    path("<int:pk>/agenda/<int:item_pk>/", views.agenda_edit, name="agenda_edit"),
    path("<int:pk>/agenda/<int:item_pk>/decide/", views.decide, name="decide"),
    path("<int:pk>/approve/", views.approve, name="approve"),
    path("<int:pk>/correct/", views.correct, name="correct"),
    path("<int:pk>/quick/", views.quick_entry, name="quick"),
    path("sign-in/<str:token>/", views.sign_in, name="sign_in"),
    path("actions/<int:pk>/", views.action_item_detail, name="action_item"),
    path("actions/<int:pk>/<slug:step>/", views.action_item_step, name="action_item_step"),
    path("raise/<int:case_pk>/", views.case_raise, name="case_raise"),
    path("photos/<uuid:uuid>/", views.photo, name="photo"),
    path("public/<str:code>/", views.public_decisions, name="public"),
    path("public/<str:code>/propose/", views.public_propose, name="public_propose"),
]
