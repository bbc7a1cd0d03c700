"""What operators watch of clearance (see haiquan.ops): the declarations waiting, by step."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.db.models import Count
from django.utils.translation import gettext_lazy
from prometheus_client.core import GaugeMetricFamily

from haiquan.ops.registry import collector_register, job_register

from .choices import OPEN_STATUSES
from .models import Declaration


def waiting() -> Iterator[Any]:
    """Declarations in each open status: a document check or an inspection waits for an
    officer, a payment for the trader or its bank. One count over the (status, lane) index."""
    counts = dict(
        Declaration.objects.filter(status__in=OPEN_STATUSES)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    family = GaugeMetricFamily(
        "haiquan_declarations_waiting",
        "Declarations waiting, by status (document_check and inspection: for an officer; "
        "awaiting_documents: for the declarant's documents; awaiting_payment: for the payment).",
        labels=["status"],
    )
    for status in sorted(OPEN_STATUSES):
        family.add_metric([str(status)], counts.get(status, 0))
    yield family


def requests_escalate() -> str:
    from .services import document_requests_escalate

    return f"{document_requests_escalate()} escalated"


collector_register(waiting)
job_register(
    name="document-requests-escalate",
    schedule="*/10 * * * *",
    run=requests_escalate,
    freshness=timedelta(hours=1),
    description=gettext_lazy(
        "Escalate the requests for documents whose deadline passed without an answer."
    ),
)
