"""Inquiries' time limits after a declared outage: an inquiry whose answer fell due while its
office (or the whole country) was declared down gets the outage's length added to its time
limit (haiquan.outage.deadlines), since its office could not answer meanwhile. Registered as
an outage extender (haiquan.outage.hooks) in `PortalConfig.ready()`."""

from __future__ import annotations

from django.db import transaction

from haiquan.eventlog import kinds
from haiquan.eventlog.choices import Party
from haiquan.outage.deadlines import deadline_extended
from haiquan.outage.hooks import OutageEnded

from .choices import InquiryStatus
from .models import Inquiry


def inquiries_extend_for_outage(ended: OutageEnded) -> int:
    """Move on by the outage's length every open inquiry at its office (every office for a
    national one) whose answer was due inside it. An escalation the lateness caused meanwhile
    is withdrawn: the new time limit gets its own, once, if it passes too. How many moved."""
    span = ended.span
    with transaction.atomic():
        due = Inquiry.objects.select_for_update().filter(
            status=InquiryStatus.OPEN, due_at__gte=span.start, due_at__lte=span.end
        )
        if ended.office_code:
            due = due.filter(office__code=ended.office_code)
        moved = 0
        for inquiry in due.select_related("office"):
            before = inquiry.due_at
            inquiry.due_at = deadline_extended(before, [span])
            inquiry.escalated_at = None
            inquiry.save(update_fields=["due_at", "escalated_at"])
            # Not on the declaration's record: time release measures the declaration's own steps.
            kinds.INQUIRY_TIME_LIMIT_EXTENDED.record(
                subject_type="portal.inquiry",
                subject_id=inquiry.pk,
                party=Party.SYSTEM,
                actor=None,
                actor_label="outage",
                office_code=inquiry.office.code,
                data={
                    "reference": inquiry.reference,
                    "outage": ended.outage_id,
                    "from": before,
                    "to": inquiry.due_at,
                },
            )
            moved += 1
    return moved
