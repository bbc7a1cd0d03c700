"""What operators run and watch of the statistics (see haiquan.ops): the periodic refresh of
the aggregates, and how far it is behind the event log."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from haiquan.ops.gauges import refresh_lag
from haiquan.ops.registry import collector_register, job_register

from .aggregates import WATERMARK, stats_refresh
from .models import Watermark


def refresh() -> str:
    result = stats_refresh()
    return _("%(n)d (month, office) bucket(s) refreshed, up to event #%(event)d.") % {
        "n": result.buckets,
        "event": result.last_event_id,
    }


def lag() -> Iterator[Any]:
    mark = Watermark.objects.filter(name=WATERMARK).values("last_event_id", "finished_at").first()
    yield from refresh_lag(
        refresh="stats",
        last_event_id=mark["last_event_id"] if mark else 0,
        refreshed_at=mark["finished_at"] if mark else None,
    )


job_register(
    name="stats-refresh",
    schedule="*/5 * * * *",
    run=refresh,
    freshness=timedelta(minutes=30),
    description=gettext_lazy(
        "Recompute the statistics of every (month, office) touched since the last run."
    ),
)
collector_register(lag)
