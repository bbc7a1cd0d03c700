from django.urls import path

from . import views

app_name = "riskml"

urlpatterns = [
    path("", views.model_list, name="model_list"),
    path("train/", views.model_train, name="model_train"),
    path("targets/", views.target_set, name="target_set"),
    path("<int:version>/", views.model_detail, name="model_detail"),
    path("<int:version>/activate/", views.model_activate, name="model_activate"),
    path("<int:version>/deactivate/", views.model_deactivate, name="model_deactivate"),
]
