"""Health checks and metrics. `OpsEndpointsMiddleware` answers these paths before the rest of
the stack; the patterns name them (for the metrics' `route` label) and serve them where that
middleware is not installed."""

from django.urls import path

from . import health, metrics

app_name = "ops"

urlpatterns = [
    path("health/live", health.live, name="health_live"),
    path("health/ready", health.ready, name="health_ready"),
    path("metrics", metrics.metrics, name="metrics"),
]
