from django.urls import path

from . import views

app_name = "timerelease"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("borders/", views.borders, name="borders"),
    path("sample/", views.sample, name="sample"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("report.pdf", views.report_pdf, name="report_pdf"),
]
