from django.urls import path

from . import views

app_name = "residents"

urlpatterns = [
    path("", views.resident_list, name="list"),
    path("export/", views.export, name="export"),
    path("exports/", views.exports, name="exports"),
    path("exports/<int:pk>/decide/", views.export_decide, name="export_decide"),
    path("exports/<int:pk>/download/", views.export_download, name="export_download"),
    path("lookup/", views.lookup, name="lookup"),
    path("visits/", views.visits_due, name="visits"),
    path("requests/", views.data_requests, name="requests"),
    path("requests/<int:pk>/", views.data_request_detail, name="request"),
    path("requests/<int:pk>/download/", views.data_request_download, name="request_download"),
    path("requests/<int:pk>/close/", views.data_request_close, name="request_close"),
    path("import/", views.import_wizard, name="import"),
    path("import/template/", views.import_template, name="import_template"),
    path("community/", views.community, name="community"),
    path("households/<int:pk>/", views.household_detail, name="household"),
    path("households/<int:pk>/members/", views.household_member_add, name="household_member_add"),
    path("households/<int:pk>/tags/", views.household_tag_add, name="household_tag_add"),
    path("households/<int:pk>/tags/remove/", views.household_tag_remove, name="household_tag_remove"),
    path("households/<int:pk>/reveal/", views.household_reveal, name="household_reveal"),
    path("<int:pk>/", views.resident_detail, name="detail"),
    path("<int:pk>/edit/", views.resident_edit, name="edit"),
    path("<int:pk>/tags/", views.resident_tag_add, name="tag_add"),
    path("<int:pk>/tags/remove/", views.resident_tag_remove, name="tag_remove"),
    path("<int:pk>/contacts/", views.resident_contact_add, name="contact_add"),
    path("<int:pk>/care/", views.resident_care, name="care"),
    path("<int:pk>/visits/", views.resident_visit, name="visit"),
    path("<int:pk>/requests/", views.resident_request_add, name="request_add"),
    path("<int:pk>/reveal/", views.resident_reveal, name="reveal"),
]
