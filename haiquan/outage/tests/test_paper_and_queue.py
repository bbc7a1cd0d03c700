"""During a declared outage: paper declarations captured afterwards keep their original times
and paper numbers; declarations traders' software sends meanwhile are queued and registered
once, in the order received, after it."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypedDict

import pytest
from django.test import Client
from django.utils import timezone

from haiquan.accounts.models import User
from haiquan.clearance.models import Declaration
from haiquan.clearance.outage_queue import queued_filings_process
from haiquan.clearance.services import declaration_back_capture
from haiquan.clearance.tests.conftest import declaration_input, payload
from haiquan.core.problems import Forbidden, ValidationFailed
from haiquan.eventlog.models import Event
from haiquan.outage.models import QueuedFiling
from haiquan.outage.services import outage_declare, outage_end


class OnPaper(TypedDict):
    """What an officer copies from the paper declaration (declaration_back_capture's)."""

    paper_number: str
    registered_at: datetime
    lane: str


pytestmark = pytest.mark.django_db


def test_back_captured_declarations_keep_their_original_times_and_paper_numbers(
    rates: None, hoanglong: Any, officer: User, officer_elsewhere: User, admin: User
) -> None:
    now = timezone.now()
    outage_declare(
        actor=admin,
        office_code="20BD",
        starts_at=now - timedelta(hours=5),
        ends_at=now - timedelta(hours=1),
        reason="Mất kết nối VNACCS",
    )
    on_paper = now - timedelta(hours=3)
    decl = declaration_back_capture(
        actor=officer,
        data=declaration_input(hoanglong.mst),
        paper_number="GIAY-20BD-0001",
        registered_at=on_paper,
        lane="yellow",
    )
    decl = Declaration.objects.get(pk=decl.pk)
    assert decl.registered_at == on_paper
    assert decl.lane == "yellow" and decl.status == "document_check"
    assert decl.number and len(decl.number) == 12
    events = {e.kind: e for e in Event.objects.filter(declaration_id=decl.pk)}
    assert events["declaration.registered"].occurred_at == on_paper
    lane = events["declaration.lane_decided"]
    assert lane.occurred_at == on_paper and lane.actor_id == officer.pk and lane.data["on_paper"]
    captured = events["declaration.back_captured"]
    assert captured.data["paper_number"] == "GIAY-20BD-0001"
    assert captured.occurred_at > now - timedelta(minutes=1)

    again: OnPaper = {"paper_number": "GIAY-20BD-0001", "registered_at": on_paper, "lane": "green"}
    with pytest.raises(ValidationFailed) as exc:
        declaration_back_capture(actor=officer, data=declaration_input(hoanglong.mst), **again)
    assert exc.value.errors[0].field == "paper_number"
    outside: OnPaper = {
        "paper_number": "GIAY-2",
        "registered_at": now - timedelta(hours=7),
        "lane": "green",
    }
    with pytest.raises(ValidationFailed) as exc:
        declaration_back_capture(actor=officer, data=declaration_input(hoanglong.mst), **outside)
    assert exc.value.errors[0].field == "registered_at"
    inside: OnPaper = {"paper_number": "GIAY-3", "registered_at": on_paper, "lane": "green"}
    with pytest.raises(Forbidden):
        declaration_back_capture(
            actor=officer_elsewhere, data=declaration_input(hoanglong.mst), **inside
        )


def post(client: Client, body, key):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/v1/declarations",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def test_filings_queued_during_the_outage_are_registered_once_in_order_after_it(
    rates: None,
    declarant: User,
    hoanglong: Any,
    admin: User,
    api: Callable[[User], Client],
    client: Client,
) -> None:
    outage = outage_declare(
        actor=admin,
        office_code="20BD",
        starts_at=timezone.now() - timedelta(minutes=30),
        reason="VNACCS down",
    )
    status = client.get("/api/v1/outages").json()
    assert status["state"] == "outage" and status["outages"][0]["office_code"] == "20BD"
    erp = api(declarant)
    bodies = {key: payload(hoanglong.mst) for key in ("k1", "k2", "k3")}
    tickets = []
    for key, body in bodies.items():
        resp = post(erp, body, key)
        assert resp.status_code == 202, resp.content
        tickets.append(resp.json()["ticket"])
    # The software retries one (it did not see the answer): the same ticket, nothing added.
    assert post(erp, bodies["k2"], "k2").json()["ticket"] == tickets[1]
    assert post(erp, bodies["k1"], "").status_code == 422  # a key is needed to queue
    assert QueuedFiling.objects.count() == 3 and not Declaration.objects.exists()
    assert queued_filings_process() == []  # nothing while the outage lasts

    outage_end(actor=admin, outage=outage)
    assert client.get("/api/v1/outages").json()["state"] == "normal"
    done = queued_filings_process()
    assert [q.pk for q in done] == tickets
    numbers = [q.declaration_number for q in done]
    assert numbers == sorted(numbers) and len(set(numbers)) == 3
    assert queued_filings_process() == []  # processed once

    ticket = erp.get(f"/api/v1/outages/queue/{tickets[1]}").json()
    assert ticket["status"] == "registered" and ticket["declaration_number"] == numbers[1]
    # The same request after the outage answers with the declaration registered from the queue.
    resp = post(erp, bodies["k2"], "k2")
    assert resp.status_code == 201 and resp["Idempotent-Replayed"] == "true"
    assert resp.json()["number"] == numbers[1]
    assert Declaration.objects.count() == 3
    regs = Event.objects.filter(kind="declaration.registered").order_by("id")
    assert [e.declaration_id for e in regs] == [q.declaration_id for q in done]


def test_every_page_shows_the_outage_banner_in_the_readers_language(
    declarant: User, admin: User, client: Client
) -> None:
    outage_declare(
        actor=admin, office_code="20BD", starts_at=timezone.now(), reason="Mất kết nối VNACCS"
    )
    client.force_login(declarant)
    page = client.get("/portal/faq/", HTTP_ACCEPT_LANGUAGE="vi")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Đã công bố sự cố hệ thống tại đơn vị 20BD" in text and "Mất kết nối VNACCS" in text
    page = client.get("/portal/faq/", HTTP_ACCEPT_LANGUAGE="ja")
    assert "税関官署 20BD でシステム障害が宣言されています" in page.content.decode()
