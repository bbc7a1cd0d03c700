"""The operations settings (`settings.HAIQUAN_OPS`), read at call time, with defaults."""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Schedules overriding the jobs' own: {"transit-watch": "*/2 * * * *", "risk-train": "off"}.
    "JOBS": {},
    # /metrics answers only a scraper sending this bearer token (when set) from one of these
    # networks (when given); with neither, /metrics is not served at all.
    "METRICS_TOKEN": "",
    "METRICS_NETWORKS": [],
    # Readiness: the MQTT broker is checked when the installation receives telemetry over MQTT;
    # the jobs' freshness unless switched off.
    "READY_MQTT": False,
    "READY_JOBS": True,
    # How long the record of each job run is kept.
    "JOB_RUNS_KEPT_DAYS": 90,
}


def ops_setting(key: str) -> Any:
    values: dict[str, Any] = getattr(settings, "HAIQUAN_OPS", {})
    return values.get(key, DEFAULTS[key])
