"""The two middlewares at the top of the stack.

`RequestMiddleware` (first): gives the request its id (from `X-Request-ID` when sane, else a
new one) for every log line written until its answer is sent, and returns it in `X-Request-ID`;
counts and times the request by route for /metrics; writes one access line (logger
`haiquan.request`) with the method, route, status, duration and id.

`OpsEndpointsMiddleware` (second): answers /health/live, /health/ready and /metrics itself,
before the host check, the HTTPS redirect, sessions and log-in. Probes and scrapers reach an
application server by its address, over plain HTTP inside the network: ALLOWED_HOSTS and
SECURE_SSL_REDIRECT would otherwise answer them 400 or 301. These answers build no URL from
the Host header and set no cookie, so neither check protects anything here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from time import perf_counter

from django.conf import settings
from django.core.signals import request_finished
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

from . import health, metrics
from .logs import request_id_from, request_id_var

access_log = logging.getLogger("haiquan.request")

ENDPOINTS: dict[str, tuple[str, Callable[[HttpRequest], HttpResponse]]] = {
    "/health/live": ("ops:health_live", health.live),
    "/health/ready": ("ops:health_ready", health.ready),
    "/metrics": ("ops:metrics", metrics.metrics),
}


def route_of(request: HttpRequest) -> str:
    """The URL pattern's name for the metrics and the access log, never the path itself."""
    ops_route = getattr(request, "ops_route", None)
    if ops_route:
        return str(ops_route)
    match = getattr(request, "resolver_match", None)
    if match is None:
        if request.path_info.startswith(settings.STATIC_URL or "/static/"):
            return "static"
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return "unmatched"
    return match.view_name or match.route or "unnamed"


class RequestMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from(request.headers.get("X-Request-ID"))
        request.request_id = request_id  # type: ignore[attr-defined]
        # Bound until the server has sent the response (`request_id_release`): Django logs a
        # 4xx or 5xx answer after the last middleware has returned it.
        request_id_var.set(request_id)
        began = perf_counter()
        response = self.get_response(request)
        seconds = perf_counter() - began
        route = route_of(request)
        metrics.request_observe(
            route=route, method=request.method or "", status=response.status_code, seconds=seconds
        )
        response["X-Request-ID"] = request_id
        access_log.info(
            "%s %s %s %.1f ms",
            request.method,
            route,
            response.status_code,
            seconds * 1000,
            extra={
                "method": request.method,
                "path": request.path,
                "route": route,
                "status": response.status_code,
                "duration_ms": round(seconds * 1000, 1),
            },
        )
        return response


@receiver(request_finished, dispatch_uid="haiquan.ops.request_id_release")
def request_id_release(**kwargs: object) -> None:
    request_id_var.set("")


class OpsEndpointsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        endpoint = ENDPOINTS.get(request.path_info.rstrip("/") or "/")
        if endpoint is None:
            return self.get_response(request)
        request.ops_route, view = endpoint  # type: ignore[attr-defined]
        return view(request)
