"""After an inspection finds more duty: the difference is payable through the bank, a penalty
decision may be recorded, the declaration clears once everything is paid, the goods are released;
the officer's page offers the next step first. Services, API and pages."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypedDict

import pytest
from django.test import Client
from django.utils import translation

from haiquan.accounts.models import User
from haiquan.accounts.tests.helpers import login
from haiquan.clearance import services
from haiquan.clearance.choices import PaymentState, Status
from haiquan.clearance.inputs import LineCorrection
from haiquan.clearance.models import Declaration, PenaltyDecision
from haiquan.clearance.progress import declaration_progress
from haiquan.core.problems import Conflict, Forbidden, ValidationFailed
from haiquan.eventlog.models import Event
from haiquan.refdata.models import Enterprise

from .conftest import declaration_input
from .test_services import pay, red_profile

pytestmark = pytest.mark.django_db

URL = "/api/v1/declarations"


class Penalty(TypedDict):
    """The decision's fields, as `declaration_penalty_record` takes them."""

    number: str
    amount_vnd: Decimal | int | None
    legal_basis: str
    reason: str


PENALTY: Penalty = {
    "number": "125/QĐ-XPHC",
    "amount_vnd": Decimal(5_000_000),
    "legal_basis": "Nghị định 128/2020/NĐ-CP, Điều 9 khoản 1",
    "reason": "Khai sai số lượng hàng hóa",
}


@pytest.fixture(autouse=True)
def in_english(settings: Any) -> Any:
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def found_more(
    rates: Any, analyst: Any, declarant: Any, hoanglong: Enterprise, officer: Any
) -> Declaration:
    """Red lane; the declarant paid 62,500,000 as declared; the inspection found 12,000 kg
    instead of 10,000: 12,500,000 VND more duty."""
    red_profile(analyst)
    d = services.declaration_register(actor=declarant, data=declaration_input(hoanglong.mst))
    pay(d, declarant)
    d.refresh_from_db()
    services.declaration_check_record(
        actor=officer,
        declaration=d,
        kind="inspection",
        outcome="discrepancy",
        findings="Thực tế 12.000 kg, khai 10.000 kg",
        corrections=[LineCorrection(line_no=1, quantity=Decimal(12000))],
    )
    d.refresh_from_db()
    return d


def test_the_difference_is_payable_and_said_so(found_more: Declaration) -> None:
    d = found_more
    assert d.status == Status.AWAITING_PAYMENT and d.payment_state == PaymentState.PARTIAL
    assert d.amount_due_vnd == 12_500_000
    progress = declaration_progress(d)
    assert [w.key for w in progress.waits] == ["payment"]
    assert "12,500,000" in progress.waits[0].text
    assert "more duty found by the physical inspection" in progress.waits[0].details[0]
    assert progress.clears_on_payment
    event = Event.objects.filter(declaration_id=d.pk, kind="declaration.inspection_recorded").get()
    assert event.data["amount_due_vnd"] == "12500000"


def test_a_penalty_is_owed_with_the_difference_and_clearance_waits_for_both(
    found_more: Declaration, declarant: User, officer: User
) -> None:
    d = found_more
    penalty = services.declaration_penalty_record(actor=officer, declaration=d, **PENALTY)
    d.refresh_from_db()
    assert penalty.decided_by == officer
    assert d.penalties_vnd == 5_000_000 and d.owed_vnd == 75_000_000 + 5_000_000
    assert d.amount_due_vnd == 17_500_000
    event = Event.objects.filter(declaration_id=d.pk).latest("id")
    assert event.kind == "declaration.penalty_decided"
    assert event.data["decision"] == "125/QĐ-XPHC" and event.data["legal_basis"].startswith("Nghị")
    wait = declaration_progress(d).waits[0]
    assert "17,500,000" in wait.text and any("penalties: 5,000,000" in x for x in wait.details)
    pay(d, declarant)  # one order, the bank's signed confirmation
    d.refresh_from_db()
    assert d.status == Status.CLEARED and d.payment_state == PaymentState.PAID
    services.declaration_release(actor=officer, declaration=d)
    d.refresh_from_db()
    assert d.status == Status.RELEASED


def test_a_penalty_recorded_on_a_cleared_declaration_is_owed_without_undoing_the_clearance(
    rates: None, declarant: User, hoanglong: Enterprise, officer: User
) -> None:
    d = services.declaration_register(actor=declarant, data=declaration_input(hoanglong.mst))
    pay(d, declarant)
    services.declaration_penalty_record(actor=officer, declaration=d, **PENALTY)
    d.refresh_from_db()
    assert d.status == Status.CLEARED and d.amount_due_vnd == 5_000_000
    assert [w.key for w in declaration_progress(d).waits] == ["payment", "release"]


def test_every_problem_of_a_penalty_is_told_at_once(found_more: Declaration, officer: User) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.declaration_penalty_record(
            actor=officer,
            declaration=found_more,
            number="",
            amount_vnd=0,
            legal_basis="",
            reason="",
        )
    assert {p.field for p in exc.value.errors} == {"number", "amount_vnd", "legal_basis", "reason"}
    fractional: Penalty = {**PENALTY, "amount_vnd": Decimal("10.5")}
    with pytest.raises(ValidationFailed) as exc:
        services.declaration_penalty_record(actor=officer, declaration=found_more, **fractional)
    assert [p.field for p in exc.value.errors] == ["amount_vnd"]
    services.declaration_penalty_record(actor=officer, declaration=found_more, **PENALTY)
    with pytest.raises(ValidationFailed, match="already recorded"):
        services.declaration_penalty_record(actor=officer, declaration=found_more, **PENALTY)
    assert PenaltyDecision.objects.count() == 1


def test_only_an_officer_of_the_office_records_a_penalty_and_not_on_a_cancelled_one(
    found_more: Declaration,
    declarant: User,
    officer_elsewhere: User,
    rates: None,
    hoanglong: Enterprise,
    officer: User,
) -> None:
    with pytest.raises(Forbidden):
        services.declaration_penalty_record(actor=declarant, declaration=found_more, **PENALTY)
    with pytest.raises(Forbidden):
        services.declaration_penalty_record(
            actor=officer_elsewhere, declaration=found_more, **PENALTY
        )
    other = services.declaration_register(
        actor=declarant, data=declaration_input(hoanglong.mst, containers=())
    )
    services.declaration_cancel(actor=officer, declaration=other, reason="Hàng không về")
    with pytest.raises(Conflict):
        services.declaration_penalty_record(actor=officer, declaration=other, **PENALTY)


def test_the_api_records_a_penalty_and_says_what_is_owed(
    found_more: Declaration, api: Callable[[User], Client], officer: User, declarant: User
) -> None:
    body = {**PENALTY, "amount_vnd": 5000000}
    resp = api(officer).post(
        f"{URL}/{found_more.pk}/penalties", body, content_type="application/json"
    )
    assert resp.status_code == 201, resp.content
    data = resp.json()
    assert data["penalties_vnd"] == 5_000_000 and data["amount_due_vnd"] == 17_500_000
    assert data["penalties"][0]["number"] == "125/QĐ-XPHC"
    assert data["waiting_for"][0]["key"] == "payment"
    refused = api(declarant).post(
        f"{URL}/{found_more.pk}/penalties", body, content_type="application/json"
    )
    assert refused.status_code == 403
    bad = api(officer).post(
        f"{URL}/{found_more.pk}/penalties",
        {**body, "legal_basis": "", "reason": " "},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} >= {"legal_basis", "reason"}


def test_the_officers_page_leads_to_the_next_step(
    found_more: Declaration, officer: User, declarant: User
) -> None:
    client = login(Client(), officer)
    page = client.get(f"/declarations/{found_more.pk}/").content.decode()
    # The officer reads that the declarant must pay the difference, and what to do meanwhile.
    assert 'data-wait="payment"' in page and "12,500,000" in page
    assert "more duty found by the physical inspection" in page
    assert page.index('data-action="record_penalty"') < page.index('data-action="cancel"')
    assert 'class="action-link action-link--warning"' in page  # cancelling is no main button
    form = client.get(f"/declarations/{found_more.pk}/penalty/").content.decode()
    assert "Thực tế 12.000 kg" in form  # the finding, to decide on
    resp = client.post(
        f"/declarations/{found_more.pk}/penalty/",
        {"number": "", "amount_vnd": "5.000.000,5", "legal_basis": "", "reason": "", "version": ""},
    )
    text = resp.content.decode()
    assert resp.status_code == 200
    # Every problem at once, next to its field.
    for field in ("number", "amount_vnd", "legal_basis", "reason"):
        assert f'id="id_{field}-error"' in text, field
    resp = client.post(
        f"/declarations/{found_more.pk}/penalty/",
        {
            "number": "125/QĐ-XPHC",
            "amount_vnd": "5.000.000",
            "legal_basis": PENALTY["legal_basis"],
            "reason": PENALTY["reason"],
            "version": found_more.version,
        },
    )
    assert resp.status_code == 302
    found_more.refresh_from_db()
    assert found_more.penalties_vnd == 5_000_000
    trader_page = login(Client(), declarant).get(f"/declarations/{found_more.pk}/").content.decode()
    assert "125/QĐ-XPHC" in trader_page and "17,500,000" in trader_page
