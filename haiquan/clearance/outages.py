"""Customs' requests for documents after a declared outage: a request whose answer was due
while the declaration's office (or the whole country) was declared down gets the outage's
length added to its deadline (haiquan.outage.deadlines), since the declarant could not upload
or answer meanwhile. Registered as an outage extender (haiquan.outage.hooks) in
`ClearanceConfig.ready()`."""

from __future__ import annotations

from haiquan.eventlog import kinds
from haiquan.outage.hooks import OutageEnded, open_deadlines_extend

from .choices import RequestState
from .models import DocumentRequest


def document_requests_extend_for_outage(ended: OutageEnded) -> int:
    """Move on by the outage's length the deadline of every open request for documents at its
    office (every office for a national one) that fell inside it. An escalation the lateness
    caused meanwhile is withdrawn: the new deadline gets its own, once, if it passes too.
    How many moved."""
    return open_deadlines_extend(
        ended,
        DocumentRequest.objects.filter(state=RequestState.OPEN),
        office="declaration__office",
        kind=kinds.DOCUMENT_REQUEST_DUE_EXTENDED,
        subject_type="document_request",
        about=lambda request: {"declaration": request.declaration.number},
    )
