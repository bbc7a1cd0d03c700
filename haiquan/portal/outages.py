"""Inquiries' time limits after a declared outage: an inquiry whose answer fell due while its
office (or the whole country) was declared down gets the outage's length added to its time
limit (haiquan.outage.deadlines), since its office could not answer meanwhile. Registered as
an outage extender (haiquan.outage.hooks) in `PortalConfig.ready()`."""

from __future__ import annotations

from haiquan.eventlog import kinds
from haiquan.outage.hooks import OutageEnded, open_deadlines_extend

from .choices import InquiryStatus
from .models import Inquiry


def inquiries_extend_for_outage(ended: OutageEnded) -> int:
    """Move on by the outage's length every open inquiry at its office (every office for a
    national one) whose answer was due inside it. An escalation the lateness caused meanwhile
    is withdrawn: the new time limit gets its own, once, if it passes too. How many moved."""
    return open_deadlines_extend(
        ended,
        Inquiry.objects.filter(status=InquiryStatus.OPEN),
        office="office",
        kind=kinds.INQUIRY_TIME_LIMIT_EXTENDED,
        subject_type="portal.inquiry",
        about=lambda inquiry: {"reference": inquiry.reference},
    )
