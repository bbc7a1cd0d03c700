from django.urls import path

from . import views

app_name = "tariff"

urlpatterns = [
    path("", views.index, name="index"),
    path("search/", views.search, name="search"),
    path("assistant/", views.assistant, name="assistant"),
    path("chapters/<str:code>/", views.chapter, name="chapter"),
    path("headings/<str:code>/", views.heading, name="heading"),
    path("lines/<str:code>/", views.line, name="line"),
]
