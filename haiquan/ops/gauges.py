"""Helpers for the apps' collectors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.db.models import Max
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from haiquan.eventlog.models import Event


def refresh_lag(
    *, refresh: str, last_event_id: int, refreshed_at: datetime | None
) -> Iterator[Any]:
    """How far a refresh that reads the event log by an event-id watermark is behind it: in
    events (the newest event's id less the watermark) and in seconds (the age of the oldest
    event not yet read, at most the time since the last refresh: an imported event carries its
    own, older, time). Two reads by primary key."""
    newest = Event.objects.aggregate(top=Max("id"))["top"] or 0
    behind = max(0, newest - last_event_id)
    seconds = 0.0
    if behind:
        first = (
            Event.objects.filter(id__gt=last_event_id)
            .order_by("id")
            .values_list("occurred_at", flat=True)
            .first()
        )
        now = timezone.now()
        ages = [(now - first).total_seconds()] if first else []
        if refreshed_at is not None:
            ages.append((now - refreshed_at).total_seconds())
        seconds = max(0.0, min(ages)) if ages else 0.0
    events = GaugeMetricFamily(
        "haiquan_refresh_lag_events",
        "Events in the event log that a refresh has not read yet.",
        labels=["refresh"],
    )
    events.add_metric([refresh], behind)
    age = GaugeMetricFamily(
        "haiquan_refresh_lag_seconds",
        "How long the oldest event a refresh has not read yet has waited.",
        labels=["refresh"],
    )
    age.add_metric([refresh], seconds)
    yield from (events, age)
