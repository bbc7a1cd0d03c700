from django.urls import path

from . import views

app_name = "clearance"

urlpatterns = [
    # The enterprise's declarations and the declaration form
    path("declarations/", views.declaration_list, name="declaration_list"),
    path("declarations/acting-for/", views.acting_for_set, name="acting_for"),
    path("declarations/new/", views.declaration_create, name="declaration_create"),
    path("declarations/form/line/", views.line_row, name="line_row"),
    path("declarations/form/duty-preview/", views.duty_preview, name="duty_preview"),
    path("declarations/hs-search/", views.hs_search, name="hs_search"),
    path("declarations/<int:pk>/", views.declaration_detail, name="declaration_detail"),
    path("declarations/<int:pk>/edit/", views.declaration_edit, name="declaration_edit"),
    path("declarations/<int:pk>/review/", views.declaration_review, name="declaration_review"),
    path("declarations/<int:pk>/amend/", views.declaration_amend, name="declaration_amend"),
    path("declarations/<int:pk>/cancel/", views.declaration_cancel, name="declaration_cancel"),
    path("declarations/<int:pk>/pdf/", views.declaration_pdf, name="declaration_pdf"),
    # Its documents and customs' requests for them
    path("declarations/<int:pk>/documents/", views.document_upload, name="document_upload"),
    path(
        "declarations/<int:pk>/documents/<int:doc>/",
        views.document_download,
        name="document_download",
    ),
    path(
        "declarations/<int:pk>/documents/request/",
        views.document_request,
        name="document_request",
    ),
    path(
        "declarations/<int:pk>/documents/requests/<int:rid>/answer/",
        views.request_answer,
        name="request_answer",
    ),
    path(
        "declarations/<int:pk>/documents/requests/<int:rid>/accept/",
        views.request_accept,
        name="request_accept",
    ),
    # Officers
    path("officer/queue/", views.queue, name="queue"),
    path("officer/today/", views.overview, name="overview"),
    path("officer/paper/", views.paper_capture, name="paper_capture"),
    path("declarations/<int:pk>/check/", views.check_record, name="check_record"),
    path("declarations/<int:pk>/check/preview/", views.check_preview, name="check_preview"),
    path("declarations/<int:pk>/escalate/", views.declaration_escalate, name="escalate"),
    path("declarations/<int:pk>/release/", views.declaration_release, name="release"),
    path(
        "declarations/<int:pk>/cancellation/decide/",
        views.cancellation_decide,
        name="cancellation_decide",
    ),
    path("declarations/<int:pk>/penalty/", views.penalty_record, name="penalty_record"),
]
