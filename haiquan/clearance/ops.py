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


def _queued() -> str:
    from django.utils.translation import gettext as _

    from .outage_queue import queued_filings_process

    done = queued_filings_process()
    return _("%(n)d declaration(s) queued during an outage processed.") % {"n": len(done)}


# The declarations traders' software sent during a declared outage, registered in the order
# received once it has ended (haiquan.clearance.outage_queue).
job_register(
    name="outage-queue",
    schedule="* * * * *",
    run=_queued,
    freshness=timedelta(minutes=10),
    description=gettext_lazy(
        "Register, in the order received, the declarations queued during an outage that ended."
    ),
)
