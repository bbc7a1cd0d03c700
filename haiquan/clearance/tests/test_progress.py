"""`declaration_progress`: what a declaration waits for, derived in one place, and the pages and
the PDF saying the same."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.utils import translation

from haiquan.accounts.models import User
from haiquan.accounts.tests.helpers import login
from haiquan.clearance import hooks, services
from haiquan.clearance.choices import Status
from haiquan.clearance.progress import declaration_progress
from haiquan.clearance.views.declaration_page import declaration_context
from haiquan.refdata.models import Enterprise

from .conftest import declaration_input
from .test_services import pay, red_profile

pytestmark = pytest.mark.django_db

QUARANTINE = "Line 1 (HS 08109092) needs a plant quarantine result from Cục Bảo vệ thực vật."


@pytest.fixture(autouse=True)
def in_english(settings: Any) -> Any:
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def quarantine_hold() -> Any:
    """A partner agency's guard that holds every declaration (as the single window does)."""

    def guard(declaration: Any) -> list[str]:
        return [QUARANTINE]

    hooks.clearance_guard_register(guard)
    yield
    hooks.clearance_guard_unregister(guard)


def keys(d: Any) -> list[str]:
    return [w.key for w in declaration_progress(d).waits]


def test_unpaid_and_nothing_else_clears_on_payment(
    rates: None, declarant: User, hoanglong: Enterprise
) -> None:
    d = services.declaration_register(actor=declarant, data=declaration_input(hoanglong.mst))
    progress = declaration_progress(d)
    assert keys(d) == ["payment"] and progress.clears_on_payment
    assert progress.payment is not None and progress.payment.amount_vnd == 62_500_000


def test_unpaid_and_held_by_an_agency_is_not_promised_clearance_on_payment(
    rates: None, declarant: User, hoanglong: Enterprise, quarantine_hold: Any
) -> None:
    d = services.declaration_register(actor=declarant, data=declaration_input(hoanglong.mst))
    progress = declaration_progress(d)
    assert keys(d) == ["payment", "partner_agency"] and not progress.clears_on_payment
    assert progress.after_payment[0].text == QUARANTINE
    page = login(Client(), declarant).get(f"/declarations/{d.pk}/").content.decode()
    assert "cleared as soon as the bank confirms" not in page
    assert "Paying is not all" in page and QUARANTINE in page


def test_paid_and_held_waits_for_the_agency_not_for_payment(
    rates: None, declarant: User, hoanglong: Enterprise, quarantine_hold: Any
) -> None:
    d = services.declaration_register(actor=declarant, data=declaration_input(hoanglong.mst))
    client = login(Client(), declarant)
    client.post(f"/payments/declarations/{d.pk}/pay/")
    reference = d.payment_orders.get().reference
    order = client.get(f"/payments/orders/{reference}/").content.decode()
    # The payment pages say the same: paying will not be enough.
    assert "Besides this payment" in order and QUARANTINE in order
    pay(d, declarant)  # the open order, confirmed by the bank
    d.refresh_from_db()
    assert d.status == Status.AWAITING_PAYMENT and d.payment_state == "paid"
    assert keys(d) == ["partner_agency"]
    receipt = d.receipts.get()
    shown = client.get(f"/payments/receipts/{receipt.number}/").content.decode()
    assert "now waits for" in shown and QUARANTINE in shown
    page = client.get(f"/declarations/{d.pk}/").content.decode()
    # The status no longer says "awaiting payment" beside "paid".
    assert "Awaiting payment" not in page and "Waiting for clearance" in page
    assert 'data-wait="payment"' not in page and 'data-wait="partner_agency"' in page


def test_a_red_declaration_waits_for_the_inspection_then_the_release(
    rates: None, declarant: User, hoanglong: Enterprise, officer: User, analyst: User
) -> None:
    red_profile(analyst)
    d = services.declaration_register(actor=declarant, data=declaration_input(hoanglong.mst))
    assert keys(d) == ["check", "payment"]
    pay(d, declarant)
    services.declaration_check_record(
        actor=officer, declaration=d, kind="inspection", outcome="match"
    )
    d.refresh_from_db()
    assert d.status == Status.CLEARED and keys(d) == ["release"]
    services.declaration_release(actor=officer, declaration=d)
    d.refresh_from_db()
    progress = declaration_progress(d)
    assert progress.waits == () and "released" in progress.outcome


def test_a_draft_waits_for_its_registration(
    rates: None, declarant: User, hoanglong: Enterprise
) -> None:
    d = services.declaration_draft_save(actor=declarant, data=declaration_input(hoanglong.mst))
    assert keys(d) == ["registration"]


def test_the_pdf_and_the_page_read_the_same_progress(
    rates: None, declarant: User, hoanglong: Enterprise, rf: RequestFactory
) -> None:
    d = services.declaration_register(actor=declarant, data=declaration_input(hoanglong.mst))
    request = rf.get("/")
    request.user = declarant
    context = declaration_context(request, d)
    assert [w.key for w in context["progress"].waits] == keys(d)
    from django.template.loader import render_to_string

    html = render_to_string("clearance/declaration_print.html", context, request=request)
    assert "Waiting for" in html and "62,500,000" in html
    assert "cleared as soon as the bank confirms" in html
