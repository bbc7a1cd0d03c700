"""A declared outage moves on, by its length, the deadline of customs' request for documents
that fell inside it, at the declaration's office (or everywhere for a national outage): the
declarant could not upload or answer meanwhile."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from haiquan.accounts.models import User
from haiquan.clearance.models import DocumentRequest
from haiquan.clearance.services import document_request_make, document_requests_escalate
from haiquan.eventlog.models import Event
from haiquan.outage.services import outage_declare, outage_end

pytestmark = pytest.mark.django_db
BASE = "/api/v1/declarations"


def request_due(officer: Any, declaration: Any, due_at: Any) -> DocumentRequest:
    request = document_request_make(
        actor=officer,
        declaration=declaration,
        kinds=["invoice"],
        message="Gửi hóa đơn thương mại có chữ ký.",
        due_at=timezone.now() + timedelta(hours=2),
    )
    DocumentRequest.objects.filter(pk=request.pk).update(due_at=due_at)
    request.refresh_from_db()
    return request


def test_an_outage_at_the_office_moves_on_a_request_for_documents_due_inside_it(
    yellow: Any, officer: User, declarant: User, admin: User, api: Callable[[User], Client]
) -> None:
    now = timezone.now()
    due = now - timedelta(hours=3)
    request = request_due(officer, yellow, due)
    # Late during the outage: escalated (the job ran; the declarant could not upload).
    assert document_requests_escalate(now=now) == 1
    start, end = now - timedelta(hours=6), now - timedelta(hours=2)

    # An outage at another office changes nothing.
    elsewhere = outage_declare(actor=admin, office_code="43IH", starts_at=start, reason="x")
    assert outage_end(actor=admin, outage=elsewhere, ends_at=end)["document_requests"] == 0
    request.refresh_from_db()
    assert request.due_at == due and request.escalated_at is not None

    # One at the declaration's office (Móng Cái) gives back its four hours.
    outage = outage_declare(actor=admin, office_code="20BD", starts_at=start, reason="Mất mạng")
    assert outage_end(actor=admin, outage=outage, ends_at=end)["document_requests"] == 1
    request.refresh_from_db()
    assert request.due_at == due + (end - start)  # one hour from now
    assert request.escalated_at is None  # the escalation the outage caused is withdrawn
    event = Event.objects.get(kind="document_request.due_extended", subject_id=request.pk)
    assert event.data["outage"] == outage.pk and event.declaration_id is None
    assert event.data["declaration"] == yellow.number and event.office_code == "20BD"
    # The declarant sees the new deadline; nothing escalates it again before it passes.
    rows = api(declarant).get(f"{BASE}/{yellow.pk}/document-requests").json()
    assert [(r["id"], r["escalated_at"]) for r in rows] == [(request.pk, None)]
    assert rows[0]["due_at"].startswith(request.due_at.isoformat()[:19])
    assert document_requests_escalate(now=timezone.now()) == 0


def test_a_request_due_after_the_outage_stays(yellow: Any, officer: User, admin: User) -> None:
    now = timezone.now()
    later = now + timedelta(days=2)
    request = request_due(officer, yellow, later)
    start, end = now - timedelta(hours=6), now - timedelta(hours=2)
    national = outage_declare(actor=admin, office_code="", starts_at=start, reason="VNACCS")
    assert outage_end(actor=admin, outage=national, ends_at=end)["document_requests"] == 0
    request.refresh_from_db()
    assert request.due_at == later


def test_a_national_outage_moves_on_requests_at_every_office(
    yellow: Any, officer: User, admin: User
) -> None:
    now = timezone.now()
    due = now - timedelta(hours=1)
    request = request_due(officer, yellow, due)
    start, end = now - timedelta(hours=2), now - timedelta(minutes=30)
    national = outage_declare(actor=admin, office_code="", starts_at=start, reason="VNACCS")
    assert outage_end(actor=admin, outage=national, ends_at=end)["document_requests"] == 1
    request.refresh_from_db()
    assert request.due_at == due + (end - start)
