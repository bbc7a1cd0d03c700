"""Customs' requests for documents after a declared outage: a request whose answer was due
while the declaration's office (or the whole country) was declared down gets the outage's
length added to its deadline (haiquan.outage.deadlines), since the declarant could not upload
or answer meanwhile. Registered as an outage extender (haiquan.outage.hooks) in
`ClearanceConfig.ready()`."""

from __future__ import annotations

from django.db import transaction

from haiquan.eventlog import kinds
from haiquan.eventlog.choices import Party
from haiquan.outage.deadlines import deadline_extended
from haiquan.outage.hooks import OutageEnded

from .choices import RequestState
from .models import DocumentRequest


def document_requests_extend_for_outage(ended: OutageEnded) -> int:
    """Move on by the outage's length the deadline of every open request for documents at its
    office (every office for a national one) that fell inside it. An escalation the lateness
    caused meanwhile is withdrawn: the new deadline gets its own, once, if it passes too.
    How many moved."""
    span = ended.span
    with transaction.atomic():
        due = DocumentRequest.objects.select_for_update(of=("self",)).filter(
            state=RequestState.OPEN, due_at__gte=span.start, due_at__lte=span.end
        )
        if ended.office_code:
            due = due.filter(declaration__office__code=ended.office_code)
        moved = 0
        for request in due.select_related("declaration__office").order_by("pk"):
            before = request.due_at
            request.due_at = deadline_extended(before, [span])
            request.escalated_at = None
            request.save(update_fields=["due_at", "escalated_at"])
            # Not on the declaration's record: time release measures the declaration's own steps.
            kinds.DOCUMENT_REQUEST_DUE_EXTENDED.record(
                subject_type="document_request",
                subject_id=request.pk,
                party=Party.SYSTEM,
                actor=None,
                actor_label="outage",
                office_code=request.declaration.office.code,
                data={
                    "declaration": request.declaration.number,
                    "outage": ended.outage_id,
                    "from": before,
                    "to": request.due_at,
                },
            )
            moved += 1
    return moved
