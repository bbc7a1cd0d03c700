"""Transit monitoring settings (`settings.HAIQUAN`), read at call time, with defaults."""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # The MQTT broker the telemetry subscriber connects to, and the topic it listens on
    # (`+` is the device id).
    "MQTT_URL": "mqtt://127.0.0.1:1883",
    "MQTT_TOPIC": "haiquan/eseal/+/position",
    # Tile server of the monitoring map ("" = no tiles: plain background with the routes),
    # e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png, and the attribution it requires.
    "MAP_TILE_URL": "",
    # The base layer shipped inside haiquan (static haiquan/transit/basemap/<country>.json.gz,
    # built by `haiquan basemap-build`): the installation's country ("" for none).
    "MAP_BASE_LAYER": "VN",
    "MAP_TILE_ATTRIBUTION": "",
    # Whether every telemetry message must be signed with its e-seal's key ("required"), or
    # unsigned messages from known seals are taken too ("optional": trials with stock OsmAnd
    # clients; production refuses it). Signed messages are always checked.
    "TELEMETRY_SIGNATURES": "required",
    # The secret e-seal keys are derived from ("" = derived from SECRET_KEY; production
    # requires its own). Changing it invalidates every issued key.
    "DEVICE_KEY_SECRET": "",
    # How far beyond the corridor (metres) a position must be to count as leaving it.
    "CORRIDOR_TOLERANCE_M": 100,
    # A stop: staying within this radius (metres) longer than the allowed minutes.
    "STOP_RADIUS_M": 100,
    "MAX_STOP_MINUTES": 30,
    # Radius (metres) around a permitted stop given as a point.
    "PERMITTED_STOP_RADIUS_M": 300,
    # No position for this long from a seal in transit is a lost signal.
    "SIGNAL_LOST_MINUTES": 15,
    # Battery below this percentage raises a low-battery alert.
    "LOW_BATTERY_PCT": 20,
    # Device clocks running this far ahead of the server are refused (minutes).
    "TELEMETRY_CLOCK_SKEW_MINUTES": 10,
}


def transit_setting(key: str) -> Any:
    values: dict[str, Any] = getattr(settings, "HAIQUAN", {})
    return values.get(key, DEFAULTS[key])
