"""What operators run and watch of time-release measurement (see haiquan.ops): the periodic
refresh of the fact store, and how far it is behind the event log."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from haiquan.ops.gauges import refresh_lag
from haiquan.ops.registry import collector_register, job_register

from .models import RefreshState


def refresh() -> str:
    # Imported when the job runs: the web processes that read this module never load DuckDB.
    from .services import timerelease_refresh

    result = timerelease_refresh()
    return _("%(n)d consignment(s) refreshed, up to event #%(event)d.") % {
        "n": result.consignments,
        "event": result.last_event_id,
    }


def lag() -> Iterator[Any]:
    state = RefreshState.objects.filter(pk=1).values("last_event_id", "refreshed_at").first()
    yield from refresh_lag(
        refresh="timerelease",
        last_event_id=state["last_event_id"] if state else 0,
        refreshed_at=state["refreshed_at"] if state else None,
    )


job_register(
    name="timerelease-refresh",
    schedule="*/5 * * * *",
    run=refresh,
    freshness=timedelta(minutes=30),
    description=gettext_lazy(
        "Fold the events appended since the last run into the time-release fact store."
    ),
)
collector_register(lag)
