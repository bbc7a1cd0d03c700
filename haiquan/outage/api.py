"""Declared outages over the API: the status traders' software asks before filing (public),
declaring and ending an outage (customs), and the tickets of filings queued meanwhile."""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Status

from haiquan.accounts.apiauth import API_AUTH
from haiquan.accounts.models import User
from haiquan.core.problems import NotFound

from .models import Outage, QueuedFiling
from .schemas import (
    OutageEndIn,
    OutageIn,
    OutageOut,
    QueuedFilingOut,
    StatusOut,
    outage_out,
    queued_filing_out,
)
from .selectors import outages_in_force
from .services import may_declare_outage, outage_declare, outage_end

router = Router(tags=["declared outages"], auth=API_AUTH)


@router.get("", auth=None, response=StatusOut, summary="Is haiquan under a declared outage?")
def status(request: HttpRequest) -> Any:
    """For traders' software: `outage` while one is declared (national, or per office), with
    the offices concerned; declarations sent for those offices meanwhile are queued."""
    found = outages_in_force()
    return StatusOut(
        state="outage" if found else "normal",
        server_time=timezone.now(),
        outages=[outage_out(o) for o in found],
        queueing=bool(found),
    )


@router.post("", response={201: OutageOut}, summary="Declare an outage")
def declare(request: HttpRequest, payload: OutageIn) -> Any:
    outage = outage_declare(
        actor=cast(User, request.user),
        office_code=payload.office_code,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        reason=payload.reason,
    )
    return Status(201, outage_out(outage))


@router.post("/{outage_id}/end", response=OutageOut, summary="End an outage")
def end(request: HttpRequest, outage_id: int, payload: OutageEndIn) -> Any:
    """End it (now, or when it really ended) and extend the time limits that fell inside."""
    user = cast(User, request.user)
    outage = Outage.objects.filter(pk=outage_id).first()
    if outage is None or not may_declare_outage(user, outage.office_code):
        raise NotFound("no such outage")
    outage_end(actor=user, outage=outage, ends_at=payload.ends_at)
    return outage_out(outage)


@router.get("/queue/{ticket}", response=QueuedFilingOut, summary="A queued filing's ticket")
def ticket(request: HttpRequest, ticket: int) -> Any:
    """What became of a declaration queued during an outage: waiting, registered (its number)
    or refused (its problem). Only the account that sent it sees it."""
    queued = QueuedFiling.objects.filter(pk=ticket, sender=cast(User, request.user)).first()
    if queued is None:
        raise NotFound("no such ticket")
    return queued_filing_out(queued)
