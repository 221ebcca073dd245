from django.urls import path

from . import views

app_name = "charity"

urlpatterns = [
    path("", views.home, name="home"),
    path("stock/<int:pk>/", views.stock_item, name="stock_item"),
    path("donations/", views.donations, name="donations"),
    path("donations/new/", views.donation_new, name="donation_new"),
    path("donations/<int:pk>/", views.donation_detail, name="donation"),
    path("files/<uuid:uuid>/", views.stored_file, name="file"),
    path("plans/", views.plans, name="plans"),
    path("plans/new/", views.plan_new, name="plan_new"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/handover/", views.handover_list, name="handovers"),
    path("plans/<int:pk>/handover/<int:household>/", views.handover, name="handover"),
    path("plans/<int:pk>/<str:action>/", views.plan_action, name="plan_action"),
    path("deliveries/", views.deliveries, name="deliveries"),
    path("deliveries/<int:pk>/", views.delivery_detail, name="delivery"),
    path("p/<str:code>/", views.public_summary, name="public"),
]
