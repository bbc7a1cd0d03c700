from django.urls import path

from .views import inquiries, partnership, public, ratings

app_name = "portal"

urlpatterns = [
    path("", public.portal_home, name="home"),
    path("faq/", public.faq_index, name="faq"),
    path("faq/<slug:slug>/", public.faq_detail, name="faq_detail"),
    path("handbook/", public.handbook_index, name="handbook"),
    path("handbook/pdf/", public.handbook_pdf, name="handbook_pdf"),
    path("handbook/<slug:slug>/", public.handbook_chapter, name="handbook_chapter"),
    path("news/", public.news_list, name="news"),
    path("news/new/", partnership.news_create, name="news_create"),
    path("news/<int:pk>/", public.news_detail, name="news_detail"),
    path("inquiries/", inquiries.inquiry_list, name="inquiries"),
    path("inquiries/new/", inquiries.inquiry_create, name="inquiry_create"),
    path("inquiries/<str:reference>/", inquiries.inquiry_detail, name="inquiry_detail"),
    path("inquiries/<str:reference>/message/", inquiries.inquiry_message, name="inquiry_message"),
    path("inquiries/<str:reference>/route/", inquiries.inquiry_route, name="inquiry_route"),
    path("inquiries/<str:reference>/publish/", inquiries.inquiry_publish, name="inquiry_publish"),
    path("inquiries/<str:reference>/close/", inquiries.inquiry_close, name="inquiry_close"),
    path("notifications/", inquiries.notification_list, name="notifications"),
    path("notifications/<int:pk>/", inquiries.notification_open, name="notification_open"),
    path("subscriptions/", inquiries.subscriptions, name="subscriptions"),
    path("ratings/", ratings.rating_report, name="ratings"),
    path("ratings/new/", ratings.rating_create, name="rating_create"),
    path("cdci/", partnership.cdci_list, name="cdci"),
    path("cdci/<slug:code>/", partnership.cdci_detail, name="cdci_detail"),
    path("cdci/<slug:code>/respond/", partnership.cdci_respond, name="cdci_respond"),
    path("partnership/", partnership.partnership_index, name="partnership"),
    path("partnership/agreements/new/", partnership.agreement_create, name="agreement_create"),
    path(
        "partnership/agreements/<int:pk>/review/",
        partnership.agreement_review,
        name="agreement_review",
    ),
    path("partnership/dialogues/new/", partnership.dialogue_create, name="dialogue_create"),
    path("partnership/dialogues/<int:pk>/", partnership.dialogue_report, name="dialogue_report"),
    path("partnership/issues/<int:pk>/", partnership.issue_update, name="issue_update"),
]
