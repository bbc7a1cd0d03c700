from django.urls import path

from . import views

app_name = "supervision"

urlpatterns = [
    path("zones/", views.zone_list, name="zone_list"),
    path("zones/<str:code>/", views.zone_detail, name="zone_detail"),
    path("zones/<str:code>/gate/", views.gate_report, name="gate_report"),
    path("zones/<str:code>/warehouse/", views.warehouse, name="warehouse"),
    path(
        "zones/<str:code>/warehouse/<str:kind>/",
        views.warehouse_document,
        name="warehouse_document",
    ),
    path(
        "zones/<str:code>/warehouse/<str:kind>/<int:pk>/cancel/",
        views.warehouse_cancel,
        name="warehouse_cancel",
    ),
    path("alerts/", views.alert_list, name="alert_list"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert_detail"),
]
