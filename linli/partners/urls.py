from django.urls import path

from . import views

app_name = "partners"

urlpatterns = [
    path("", views.partner_list, name="list"),
    path("new/", views.partner_new, name="new"),
    path("p/<str:code>/", views.public_page, name="public"),
    path("files/<uuid:uuid>/", views.attachment, name="attachment"),
    path("for-case/<int:case_pk>/", views.case_partners, name="case_partners"),
    path("<int:pk>/", views.partner_detail, name="detail"),
    path("<int:pk>/edit/", views.partner_edit, name="edit"),
    path("<int:pk>/sign/", views.sign, name="sign"),
    path("<int:pk>/contacts/", views.contact_add, name="contact_add"),
    path("<int:pk>/contacts/<int:contact_pk>/remove/", views.contact_remove, name="contact_remove"),
    path("<int:pk>/agreements/", views.agreement_add, name="agreement_add"),
    path("<int:pk>/agreements/<int:agreement_pk>/attach/", views.agreement_attach, name="agreement_attach"),
    path("<int:pk>/items/", views.item_add, name="item_add"),
    path("<int:pk>/items/<int:item_pk>/", views.item_edit, name="item_edit"),
    path("<int:pk>/uses/", views.use_record, name="use_record"),
    path("<int:pk>/cases/", views.case_help, name="case_help"),
]
