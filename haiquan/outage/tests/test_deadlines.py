"""A declared outage extends the legal time limits that fell inside it, by its length, at the
office it was declared for (or everywhere for a national one)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haiquan.accounts.models import User
from haiquan.clearance.services import declaration_register
from haiquan.clearance.tests.conftest import declaration_input
from haiquan.eservices.models import Filing
from haiquan.eservices.selectors import holidays
from haiquan.eservices.workdays import is_working_day, working_day_add, working_days_between
from haiquan.eventlog.models import Event
from haiquan.outage.deadlines import DayCount, Span, deadline_extended
from haiquan.outage.services import outage_declare
from haiquan.payments.models import Bank, Guarantee
from haiquan.payments.selectors import guarantee_payment_due_on

pytestmark = pytest.mark.django_db


def last_working_day_before(day: date) -> date:
    hol = holidays()
    d = day - timedelta(days=1)
    while not is_working_day(d, hol):
        d -= timedelta(days=1)
    return d


def at_local(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


def end_via_api(
    api: Callable[[User], Client], user: User, outage_id: int, ends_at: datetime
) -> dict[str, Any]:
    resp = api(user).post(
        f"/api/v1/outages/{outage_id}/end",
        data=json.dumps({"ends_at": ends_at.isoformat()}),
        content_type="application/json",
    )
    assert resp.status_code == 200, resp.content
    outage: dict[str, Any] = resp.json()
    return outage


def test_an_outage_at_an_office_extends_its_payment_due_dates_and_e_service_limits(
    rates: None,
    declarant: User,
    hoanglong: Any,
    admin: User,
    leader_mc: User,
    leader_hq: User,
    ready_filing: Callable[..., Filing],
    api: Callable[[User], Client],
) -> None:
    today = timezone.localdate()
    due = last_working_day_before(today)
    # A ruling application at the General Department (00) whose last day on time is `due`.
    filing = ready_filing(declarant, hoanglong.mst)
    Filing.objects.filter(pk=filing.pk).update(due_on=due)
    # Duties of a Móng Cái (20BD) declaration secured by a guarantee valid until `due`.
    decl = declaration_register(actor=declarant, data=declaration_input(hoanglong.mst))
    bank = Bank.objects.create(code="VCB", name="Vietcombank", secret="s" * 32)
    guarantee = Guarantee.objects.create(
        bank=bank,
        reference="G-1",
        declaration=decl,
        amount_vnd=1_000_000,
        valid_from=due - timedelta(days=20),
        valid_to=due,
        body_hash="0" * 64,
    )
    assert guarantee_payment_due_on(guarantee) == due

    start, end = at_local(due, 9), timezone.now() - timedelta(minutes=5)
    # An outage at Móng Cái moves the guarantee's due date, not the ruling's time limit...
    mc = outage_declare(actor=leader_mc, office_code="20BD", starts_at=start, reason="Mất mạng")
    end_via_api(api, leader_mc, mc.pk, end)
    calendar_days = (timezone.localdate(end) - due).days + 1
    assert guarantee_payment_due_on(guarantee) == due + timedelta(days=calendar_days)
    filing.refresh_from_db()
    assert filing.due_on == due and filing.outage_working_days == 0

    # ... and one at the General Department gives the ruling back the working days it covered.
    hq = outage_declare(actor=leader_hq, office_code="00", starts_at=start, reason="VNACCS down")
    end_via_api(api, leader_hq, hq.pk, end)
    hol = holidays()
    lost = working_days_between(due - timedelta(days=1), timezone.localdate(end), hol)
    filing.refresh_from_db()
    assert filing.due_on == working_day_add(due, lost, hol)
    assert filing.outage_working_days == lost >= 1
    event = Event.objects.get(kind="eservice.time_limit_extended", subject_id=filing.pk)
    assert event.data["days"] == lost and event.data["outage"] == hq.pk
    ended = Event.objects.get(kind="outage.ended", subject_id=hq.pk)
    assert ended.data["extended"] == {
        "document_requests": 0,
        "eservices": 1,
        "inquiries": 0,
        "transit": 0,
    }


def test_deadlines_outside_the_outage_or_at_other_offices_stay(
    declarant: User, hoanglong: Any, admin: User, ready_filing: Callable[..., Filing]
) -> None:
    filing = ready_filing(declarant, hoanglong.mst)
    before = filing.due_on
    start = timezone.now() - timedelta(days=2)
    outage_declare(actor=admin, office_code="", starts_at=start, ends_at=timezone.now(), reason="x")
    filing.refresh_from_db()
    assert filing.due_on == before  # due after the outage ended: nothing to give back


def test_only_an_administrator_declares_a_national_outage_and_a_leader_only_for_his_office(
    leader_mc: User, api: Callable[[User], Client]
) -> None:
    body = {"office_code": "", "starts_at": timezone.now().isoformat(), "reason": "x"}
    client = api(leader_mc)
    resp = client.post("/api/v1/outages", data=json.dumps(body), content_type="application/json")
    assert resp.status_code == 403
    body["office_code"] = "43IH"
    resp = client.post("/api/v1/outages", data=json.dumps(body), content_type="application/json")
    assert resp.status_code == 403
    body["office_code"], body["starts_at"] = (
        "20BD",
        (timezone.now() + timedelta(hours=1)).isoformat(),
    )
    resp = client.post("/api/v1/outages", data=json.dumps(body), content_type="application/json")
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"] == "starts_at"
    body["starts_at"] = timezone.now().isoformat()
    resp = client.post("/api/v1/outages", data=json.dumps(body), content_type="application/json")
    assert resp.status_code == 201, resp.content


moments = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
)


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)  # a shared machine
@given(deadline=moments, start=moments, hours=st.integers(min_value=1, max_value=72))
def test_a_deadline_moves_by_the_outage_length_only_when_it_falls_inside(
    deadline: datetime, start: datetime, hours: int
) -> None:
    span = Span(start, start + timedelta(hours=hours))
    moved = deadline_extended(deadline, [span])
    if span.start <= deadline <= span.end:
        assert moved == deadline + span.length
    else:
        assert moved == deadline
    day = deadline.date()
    days = deadline_extended(day, [span], days=DayCount(local_day=lambda t: t.date()))
    if span.start.date() <= day <= span.end.date():
        assert days == day + timedelta(days=(span.end.date() - span.start.date()).days + 1)
    else:
        assert days == day
