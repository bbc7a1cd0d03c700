from django.urls import path

from . import views

app_name = "postaudit"

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("candidates/", views.candidates, name="candidates"),
    path("cases/new/", views.case_plan, name="case_plan"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/start/", views.case_start, name="case_start"),
    path("cases/<int:pk>/findings/", views.case_finding, name="case_finding"),
    path("cases/<int:pk>/close/", views.case_close, name="case_close"),
    path("traders/", views.trader_list, name="trader_list"),
    path("traders/<str:mst>/", views.enterprise_detail, name="enterprise_detail"),
    path("traders/<str:mst>/rank/", views.enterprise_rank, name="enterprise_rank"),
]
