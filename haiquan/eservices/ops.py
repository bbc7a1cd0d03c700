"""What operators watch of online public services (see haiquan.ops): filings waiting."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Count
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from haiquan.ops.registry import collector_register

from .choices import OPEN_STATUSES
from .models import Filing


def waiting() -> Iterator[Any]:
    """Filings in each open status, and those past their time limit (over the status index)."""
    counts = dict(
        Filing.objects.filter(status__in=OPEN_STATUSES)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    family = GaugeMetricFamily(
        "haiquan_eservice_filings_waiting",
        "Online-service filings open, by status (submitted and in_review: for an officer; "
        "info_requested: for the enterprise).",
        labels=["status"],
    )
    for status in sorted(OPEN_STATUSES):
        family.add_metric([str(status)], counts.get(status, 0))
    yield family
    late = Filing.objects.filter(status__in=OPEN_STATUSES, due_on__lt=timezone.localdate())
    yield GaugeMetricFamily(
        "haiquan_eservice_filings_overdue",
        "Open online-service filings past their time limit.",
        value=late.count(),
    )


collector_register(waiting)
