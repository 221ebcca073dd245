from django.urls import path

from . import views

app_name = "care"

urlpatterns = [
    path("", views.board, name="board"),
    path("terminals/", views.terminals, name="terminals"),
    path("terminals/<int:pk>/deactivate/", views.terminal_deactivate, name="terminal_deactivate"),
    path("calls/<int:pk>/", views.call_detail, name="call"),
    path("orders/", views.orders, name="orders"),
    path("orders/new/", views.order_new, name="order_new"),
    path("orders/<int:pk>/", views.order_detail, name="order"),
    path("orders/<int:pk>/schedule/", views.order_schedule, name="order_schedule"),
    path("orders/<int:pk>/complete/", views.order_complete, name="order_complete"),
    path("orders/<int:pk>/rate/", views.order_rate, name="order_rate"),
    path("orders/<int:pk>/cancel/", views.order_cancel, name="order_cancel"),
    path("photos/<uuid:uuid>/", views.photo, name="photo"),
    path("visits/", views.visits, name="visits"),
    path("visits/<int:pk>/", views.visit_record, name="visit_record"),
]
