"""Transit pages: the 24/7 monitoring desk (a Leaflet map refreshed every few seconds from
/api/v1/transit/monitor) and a movement's page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static

from haiquan.core.problems import NotFound
from haiquan.core.web import customs_required, user_of
from haiquan.eventlog.models import Event
from haiquan.supervision.alerts import alert_message

from .conf import transit_setting
from .selectors import monitor_feed, movement_alerts, movement_get_for


def tile_source(url: str) -> str:
    """The CSP source of a tile URL: https://{s}.tile.example.org/{z}/{x}/{y}.png →
    https://*.tile.example.org ("" for none)."""
    if not url:
        return ""
    parts = urlsplit(url.replace("{s}", "x"))
    host = parts.netloc
    if "{s}" in url:
        host = "*." + host.split(".", 1)[1] if "." in host else host
    return f"{parts.scheme}://{host}"


def basemap_url() -> str:
    """The static URL of the shipped base layer of MAP_BASE_LAYER's country ("" for none)."""
    country = str(transit_setting("MAP_BASE_LAYER") or "").upper()
    if not country.isalpha():
        return ""
    path = f"haiquan/transit/basemap/{country}.json.gz"
    return static(path) if finders.find(path) else ""


@customs_required
def monitor(request: HttpRequest) -> HttpResponse:
    """Containers in transit on a map with their last positions, tracks and open alerts,
    refreshed without reload, over the base layer shipped with haiquan (MAP_BASE_LAYER) or a
    configured tile server, and the same facts as a list."""
    tiles = str(transit_setting("MAP_TILE_URL") or "")
    feed = monitor_feed(user_of(request))
    context: dict[str, Any] = {
        "feed": feed,
        "tile_url": tiles,
        "basemap_url": basemap_url(),
        "tile_attribution": str(transit_setting("MAP_TILE_ATTRIBUTION") or ""),
        "refresh_seconds": 5,
    }
    response = render(request, "transit/monitor.html", context)
    source = tile_source(tiles)
    if source:
        # The tiles come from the configured server: allow its images, nothing else.
        response._csp_update = {"img-src": [source]}  # type: ignore[attr-defined]
    return response


@customs_required
def movement_detail(request: HttpRequest, reference: str) -> HttpResponse:
    """A movement: its state, containers and seals, alerts, incidents and every step."""
    try:
        movement = movement_get_for(user_of(request), reference)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    alerts = [(a, alert_message(a)) for a in movement_alerts(movement).order_by("-raised_at")]
    events = Event.objects.for_subject("transit_movement", movement.pk).in_order()
    context = {
        "movement": movement,
        "containers": movement.containers.select_related("seal").order_by("container_number"),
        "alerts": alerts,
        "incidents": movement.incidents.order_by("occurred_at"),
        "events": events,
    }
    return render(request, "transit/movement_detail.html", context)
