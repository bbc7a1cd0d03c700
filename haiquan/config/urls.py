from django.contrib import admin
from django.urls import include, path, reverse_lazy
from django.views.generic import RedirectView

from haiquan.core.views import favicon, home

from .api import api

admin.site.site_header = "haiquan"
admin.site.site_title = "haiquan"

urlpatterns = [
    # One log-in page for everyone: throttled by django-axes and followed by the second factor.
    path(
        "admin/login/",
        RedirectView.as_view(url=reverse_lazy("accounts:login"), query_string=True),
    ),
    path("admin/", admin.site.urls),
    path("favicon.ico", favicon),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("haiquan.accounts.urls")),
    path("payments/", include("haiquan.payments.urls")),
    path("supervision/", include("haiquan.supervision.urls")),
    path("manifests/", include("haiquan.manifests.urls")),
    path("transit/", include("haiquan.transit.urls")),
    path("single-window/", include("haiquan.singlewindow.urls")),
    path("eservices/", include("haiquan.eservices.urls")),
    path("time-release/", include("haiquan.timerelease.urls")),
    path("statistics/", include("haiquan.stats.urls")),
    path("risk-models/", include("haiquan.riskml.urls")),
    path("post-audit/", include("haiquan.postaudit.urls")),
    path("portal/", include("haiquan.portal.urls")),
    path("notifications/", include("haiquan.notifications.urls")),
    # Health checks for load balancers and metrics for Prometheus (haiquan.ops).
    path("", include("haiquan.ops.urls")),
    path("tariff/", include("haiquan.tariff.urls")),
    path("", include("haiquan.clearance.urls")),
    path("", home, name="home"),
]
