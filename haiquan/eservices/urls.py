from django.urls import path

from . import views

app_name = "eservices"

urlpatterns = [
    path("", views.home, name="home"),
    path("procedures/<slug:code>/", views.procedure, name="procedure"),
    path("procedures/<slug:code>/file/", views.filing_create, name="filing_create"),
    path("filings/<int:pk>/", views.filing_detail, name="filing_detail"),
    path("filings/<int:pk>/edit/", views.filing_edit, name="filing_edit"),
    path("filings/<int:pk>/documents/", views.document_upload, name="document_upload"),
    path(
        "filings/<int:pk>/documents/<int:doc>/", views.document_download, name="document_download"
    ),
    path(
        "filings/<int:pk>/documents/<int:doc>/delete/",
        views.document_delete,
        name="document_delete",
    ),
    path("filings/<int:pk>/submit/", views.filing_submit, name="filing_submit"),
    path("filings/<int:pk>/fee/", views.fee_pay, name="fee_pay"),
    path("filings/<int:pk>/fee/bank/", views.fee_bank, name="fee_bank"),
    path("filings/<int:pk>/answer/", views.filing_answer, name="filing_answer"),
    path("filings/<int:pk>/receive/", views.filing_receive, name="filing_receive"),
    path("filings/<int:pk>/request/", views.filing_request, name="filing_request"),
    path("filings/<int:pk>/decide/", views.filing_decide, name="filing_decide"),
    path("filings/<int:pk>/result.pdf", views.filing_result, name="filing_result"),
    path("requests/", views.requests, name="requests"),
    path("performance/", views.performance, name="performance"),
    path("verify/", views.verify, name="verify"),
    path("verify/<str:code>/", views.verify_code, name="verify_code"),
]
