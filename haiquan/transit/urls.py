from django.urls import path

from . import views

app_name = "transit"

urlpatterns = [
    path("monitor/", views.monitor, name="monitor"),
    path("movements/<str:reference>/", views.movement_detail, name="movement_detail"),
]
