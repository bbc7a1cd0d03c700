from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema

from .models import Outage, QueuedFiling


class OutageOut(Schema):
    id: int
    national: bool
    office_code: str = Field(description="empty for a national outage")
    starts_at: datetime
    ends_at: datetime | None
    reason: str


class StatusOut(Schema):
    state: str = Field(description="`normal`, or `outage` while one is declared")
    server_time: datetime
    outages: list[OutageOut]
    queueing: bool = Field(
        description="declarations sent now for an office under an outage are queued (202)"
    )


class OutageIn(Schema):
    office_code: str = Field("", max_length=16, description="empty: national")
    starts_at: datetime
    ends_at: datetime | None = None
    reason: str = Field(..., min_length=1, max_length=2000)


class OutageEndIn(Schema):
    ends_at: datetime | None = Field(None, description="default: now")


class QueuedFilingOut(Schema):
    ticket: int
    status: str
    received_at: datetime
    outage_id: int
    declaration_id: int | None
    declaration_number: str
    problem: dict[str, Any] | None


def outage_out(o: Outage) -> OutageOut:
    return OutageOut(
        id=o.pk,
        national=o.national,
        office_code=o.office_code,
        starts_at=o.starts_at,
        ends_at=o.ends_at,
        reason=o.reason,
    )


def queued_filing_out(q: QueuedFiling) -> QueuedFilingOut:
    return QueuedFilingOut(
        ticket=q.pk,
        status=q.status,
        received_at=q.received_at,
        outage_id=q.outage_id,
        declaration_id=q.declaration_id,
        declaration_number=q.declaration_number,
        problem=q.problem,
    )
