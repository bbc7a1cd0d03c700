"""`/metrics` for Prometheus (prometheus-client): the requests this process family answered,
and the state of the system, computed when scraped.

Requests: `haiquan_http_requests_total{route,method,status}` and
`haiquan_http_request_duration_seconds{route,method}` (a histogram), `route` being the URL
pattern's name (`clearance:declaration_detail`, `api-v1:declaration_detail`), never the path
itself, so ids neither leak nor multiply the series. Under gunicorn every worker writes its
figures to files in `PROMETHEUS_MULTIPROC_DIR` (set by `haiquan serve`) and a scrape adds them
up, whichever worker answers it.

The state of the system: every collector the apps declared (`registry.collector_register`:
queues, refresh lags, telemetry, alerts, the periodic jobs), each with cheap queries. These are
the same on every web node: scrape one node for them, or aggregate with `max by`.

Who may scrape: see `scraper_refusal`.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import secrets
from collections.abc import Iterable, Iterator
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import REGISTRY, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector

from . import registry
from .conf import ops_setting

log = logging.getLogger("haiquan.ops.metrics")

REQUESTS = Counter(
    "haiquan_http_requests",
    "HTTP requests answered, by route (the URL pattern's name), method and status.",
    ["route", "method", "status"],
)
DURATION = Histogram(
    "haiquan_http_request_duration_seconds",
    "Time taken to answer an HTTP request, by route and method.",
    ["route", "method"],
)
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def request_observe(*, route: str, method: str, status: int, seconds: float) -> None:
    method = method if method in _METHODS else "other"
    REQUESTS.labels(route, method, str(status)).inc()
    DURATION.labels(route, method).observe(seconds)


class _Union:
    def __init__(self, parts: Iterable[Any]) -> None:
        self.parts = list(parts)

    def collect(self) -> Iterator[Any]:
        for part in self.parts:
            yield from part.collect()


class SystemCollector:
    """The apps' collectors, each run on its own: one that fails (its table is missing, the
    database is slow) is reported by `haiquan_metrics_collector_up` = 0 and logged, and the
    others are still scraped. Families two apps both report (the refresh lags) are merged."""

    def collect(self) -> Iterator[Any]:
        up = GaugeMetricFamily(
            "haiquan_metrics_collector_up",
            "Whether each collector of the system's state answered this scrape (1) or failed (0).",
            labels=["collector"],
        )
        families: dict[str, Any] = {}
        for collector in registry.collectors():
            name = f"{collector.__module__}.{collector.__qualname__}"
            try:
                found = list(collector())
            except Exception:
                log.exception("metrics collector %s failed", name)
                up.add_metric([name], 0)
                continue
            up.add_metric([name], 1)
            for family in found:
                if family.name in families:
                    families[family.name].samples.extend(family.samples)
                else:
                    families[family.name] = family
        yield from families.values()
        yield up


def metrics_text(accept: str = "", multiprocess_dir: str | None = None) -> tuple[bytes, str]:
    """The exposition (Prometheus text, or OpenMetrics when asked for) and its content type."""
    directory = multiprocess_dir or os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    base: Any = MultiProcessCollector(None, path=directory) if directory else REGISTRY
    encoder, content_type = choose_encoder(accept)
    return encoder(_Union([base, SystemCollector()])), content_type


def _networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """The networks allowed to scrape; a malformed entry (system check haiquan_ops.E002)
    allows nobody rather than everybody."""
    found = []
    for n in ops_setting("METRICS_NETWORKS"):
        try:
            found.append(ipaddress.ip_network(n.strip(), strict=False))
        except ValueError:
            log.error("HAIQUAN_METRICS_NETWORKS: %r is not a network", n)
            found.append(ipaddress.ip_network("0.0.0.0/32"))
    return found


def scraper_refusal(request: HttpRequest) -> HttpResponse | None:
    """None when the caller may scrape, else the answer it gets.

    - With neither `HAIQUAN_METRICS_TOKEN` nor `HAIQUAN_METRICS_NETWORKS` set, /metrics is not
      served at all: 404, as if it did not exist.
    - With a token, the scraper must send `Authorization: Bearer <token>` (compared in constant
      time): 401 otherwise.
    - With networks (CIDR), the address the request comes from must be in one of them: 403
      otherwise. This is the address of the peer that connected: behind a reverse proxy, the
      proxy's, so keep /metrics off the proxy (or rely on the token).
    """
    token: str = ops_setting("METRICS_TOKEN")
    networks = _networks()
    if not token and not networks:
        return HttpResponse(status=404)
    if token:
        scheme, _sep, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(
            given.strip().encode(), token.encode()
        ):
            response = HttpResponse(status=401)
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return response
    if networks:
        try:
            address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
        except ValueError:
            return HttpResponse(status=403)
        if not any(address in n for n in networks):
            return HttpResponse(status=403)
    return None


@require_safe
@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    refusal = scraper_refusal(request)
    if refusal is not None:
        return refusal
    body, content_type = metrics_text(request.headers.get("Accept", ""))
    return HttpResponse(body, content_type=content_type)
