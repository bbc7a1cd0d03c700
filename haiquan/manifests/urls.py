from django.urls import path

from . import views

app_name = "manifests"

urlpatterns = [
    path("", views.voyage_list, name="voyage_list"),
    path("new/", views.cuscar_upload, name="cuscar_upload"),
    path("<int:pk>/", views.voyage_detail, name="voyage_detail"),
    path("<int:pk>/comparison/", views.voyage_compare, name="voyage_compare"),
    path("<int:pk>/arrival/", views.arrival_notify, name="arrival_notify"),
    path("<int:pk>/bills/<str:number>/hold/", views.hold_place, name="hold_place"),
    path("<int:pk>/bills/<str:number>/release/", views.hold_release, name="hold_release"),
]
