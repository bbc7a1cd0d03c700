from django.urls import path

from . import views, views_measures

app_name = "singlewindow"

urlpatterns = [
    path("", views.home, name="home"),
    path("requirements/", views.requirements, name="requirements"),
    path("requirements/new/", views.requirement_edit, name="requirement_new"),
    path("requirements/<int:pk>/", views.requirement_edit, name="requirement_edit"),
    path("documents/new/", views.document_new, name="document_new"),
    path("documents/<int:pk>/", views.document_detail, name="document_detail"),
    path("documents/<int:pk>/revoke/", views.document_revoke, name="document_revoke"),
    path("declarations/<int:pk>/", views.declaration, name="declaration"),
    path("certificates/", views.certificates, name="certificates"),
    path("certificates/<int:pk>/", views.certificate_detail, name="certificate_detail"),
    path("measures/", views_measures.measures, name="measures"),
    path("measures/<str:code>/", views_measures.line_measures, name="line_measures"),
]
