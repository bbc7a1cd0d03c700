from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("settings/", views.subscription_settings, name="settings"),
    path("webhooks/", views.endpoint_list, name="endpoints"),
    path("webhooks/<int:pk>/", views.endpoint_detail, name="endpoint"),
    path("webhooks/<int:pk>/disable/", views.endpoint_disable, name="endpoint_disable"),
    path("webhooks/<int:pk>/enable/", views.endpoint_enable, name="endpoint_enable"),
    path("webhooks/<int:pk>/rotate/", views.endpoint_rotate, name="endpoint_rotate"),
    path(
        "webhooks/<int:pk>/deliveries/<uuid:delivery>/redeliver/",
        views.delivery_redeliver,
        name="delivery_redeliver",
    ),
]
