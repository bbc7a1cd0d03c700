"""What operators run and watch of supervision (see haiquan.ops): the storage-time watch, and
the alerts open (supervision's and transit's)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from prometheus_client.core import GaugeMetricFamily

from haiquan.ops.registry import collector_register, job_register

from .bonded import storage_time_scan
from .choices import OPEN_ALERT_STATES, AlertKind
from .models import Alert


def watch() -> str:
    return _("%(n)d alert(s) raised.") % {"n": len(storage_time_scan())}


def alerts_open() -> Iterator[Any]:
    """Alerts raised or acknowledged and not yet resolved, by kind (the state index)."""
    counts = dict(
        Alert.objects.filter(state__in=OPEN_ALERT_STATES)
        .values_list("kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    family = GaugeMetricFamily(
        "haiquan_alerts_open", "Alerts not yet resolved, by kind.", labels=["kind"]
    )
    for kind in AlertKind.values:
        family.add_metric([kind], counts.get(kind, 0))
    yield family


job_register(
    name="supervision-watch",
    schedule="*/15 * * * *",
    run=watch,
    freshness=timedelta(hours=1),
    description=gettext_lazy("Raise the alerts of goods near or past their storage time."),
)
collector_register(alerts_open)
