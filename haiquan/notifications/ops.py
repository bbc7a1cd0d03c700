"""What operators run and watch of the notifications (see haiquan.ops): a delivery round every
minute from the scheduler (for installations without a `haiquan notifications-worker`; with one,
the round finds little left), and the backlog for /metrics."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from prometheus_client.core import GaugeMetricFamily

from haiquan.ops.registry import collector_register, job_register

from .choices import DeliveryState
from .delivery import work_once
from .dispatch import dispatch_lag
from .models import EmailDelivery, WebhookDelivery, WebhookEndpoint


def deliver(max_seconds: float = 45.0) -> str:
    """Rounds until nothing is left to do (or the minute is nearly over)."""
    started = time.monotonic()
    totals = [0, 0, 0]
    while time.monotonic() - started < max_seconds:
        done = work_once()
        totals = [t + d for t, d in zip(totals, done, strict=True)]
        if not any(done):
            break
    return _(
        "%(events)d event(s) passed, %(mails)d e-mail(s) and %(calls)d webhook call(s) delivered."
    ) % {
        "events": totals[0],
        "mails": totals[1],
        "calls": totals[2],
    }


def backlog() -> Iterator[Any]:
    yield GaugeMetricFamily(
        "haiquan_notifications_events_behind",
        "Events written and not yet turned into notifications.",
        value=dispatch_lag(),
    )
    pending = GaugeMetricFamily(
        "haiquan_notifications_pending",
        "Deliveries waiting to be sent, by channel.",
        labels=["channel"],
    )
    pending.add_metric(["email"], EmailDelivery.objects.filter(state=DeliveryState.PENDING).count())
    pending.add_metric(
        ["webhook"], WebhookDelivery.objects.filter(state=DeliveryState.PENDING).count()
    )
    yield pending
    yield GaugeMetricFamily(
        "haiquan_webhook_endpoints_disabled",
        "Webhook endpoints disabled after failing for days.",
        value=WebhookEndpoint.objects.filter(disabled_at__isnull=False).count(),
    )


job_register(
    name="notifications-deliver",
    schedule="* * * * *",
    run=deliver,
    freshness=timedelta(minutes=10),
    description=gettext_lazy(
        "Turn new events into notifications and send the e-mails and webhook calls due."
    ),
)
collector_register(backlog)
