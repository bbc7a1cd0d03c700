"""What operators run and watch of the partnership portal (see haiquan.ops): the escalation
of late inquiries, and the inquiries waiting for an answer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from prometheus_client.core import GaugeMetricFamily

from haiquan.ops.registry import collector_register, job_register

from .choices import OPEN_INQUIRY_STATUSES
from .models import Inquiry
from .services import inquiries_escalate_due


def escalate() -> str:
    return _("%(n)d inquiry(ies) escalated.") % {"n": inquiries_escalate_due()}


def waiting() -> Iterator[Any]:
    """Inquiries awaiting an answer, and those past their time limit (status, due_at index)."""
    open_ = Inquiry.objects.filter(status__in=OPEN_INQUIRY_STATUSES)
    yield GaugeMetricFamily(
        "haiquan_inquiries_open", "Inquiries awaiting an answer.", value=open_.count()
    )
    yield GaugeMetricFamily(
        "haiquan_inquiries_overdue",
        "Inquiries awaiting an answer past their time limit.",
        value=open_.filter(due_at__lt=timezone.now()).count(),
    )


job_register(
    name="portal-escalate",
    schedule="*/15 * * * *",
    run=escalate,
    freshness=timedelta(hours=1),
    description=gettext_lazy("Escalate inquiries not answered within their time limit."),
)
collector_register(waiting)
