"""Paying from the pages: the order, the bank simulator's signed confirmation, the receipt."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from haiquan.accounts.models import User
from haiquan.accounts.tests.helpers import login
from haiquan.clearance import services as clearance
from haiquan.clearance.tests.conftest import (  # noqa: F401 (fixtures)
    declarant,
    declaration_input,
    hoanglong,
    officer,
    other_declarant,
    other_enterprise,
    rates,
)
from haiquan.core.problems import Forbidden
from haiquan.payments.models import Bank, BankConfirmation, PaymentOrder
from haiquan.payments.signing import signature_matches
from haiquan.payments.simulator import bank_simulator_pay

pytestmark = pytest.mark.django_db


@pytest.fixture
def green(rates: Any, declarant: Any, hoanglong: Any) -> Any:  # noqa: F811
    """A green declaration owing 73,000,000 VND."""
    return clearance.declaration_register(actor=declarant, data=declaration_input(hoanglong.mst))


def test_pay_then_confirm_at_the_bank_clears_a_green_declaration(
    green: Any,
    declarant: User,  # noqa: F811
) -> None:
    client = login(Client(), declarant)
    resp = client.post(reverse("payments:pay", args=[green.pk]))
    order = PaymentOrder.objects.get()
    assert resp["Location"] == reverse("payments:bank", args=[order.reference])
    bank = client.get(resp["Location"])
    assert "62.500.000" in bank.content.decode()
    paid = client.post(resp["Location"])
    confirmation = BankConfirmation.objects.get()
    assert paid["Location"] == reverse("payments:receipt", args=[confirmation.receipt.number])
    # The real path: a confirmation signed with the demo bank's secret, kept with its hash.
    assert confirmation.bank.code == "DEMO" and confirmation.amount_vnd == 62_500_000
    receipt = client.get(paid["Location"])
    assert confirmation.receipt.number in receipt.content.decode()
    green.refresh_from_db()
    assert green.status == "cleared" and green.payment_state == "paid"


def test_the_bank_page_confirms_only_once(green: Any, declarant: User) -> None:  # noqa: F811
    client = login(Client(), declarant)
    client.post(reverse("payments:pay", args=[green.pk]))
    order = PaymentOrder.objects.get()
    url = reverse("payments:bank", args=[order.reference])
    client.post(url)
    again = client.post(url)
    assert again.status_code == 302 and BankConfirmation.objects.count() == 1


def test_another_traders_order_is_not_found(green: Any, other_declarant: User) -> None:  # noqa: F811
    order = PaymentOrder.objects.create(
        reference=f"TT{green.number}01",
        declaration=green,
        sequence=1,
        amount_vnd=green.amount_due_vnd,
        created_by=green.created_by,
    )
    client = login(Client(), other_declarant)
    assert client.get(reverse("payments:bank", args=[order.reference])).status_code == 404
    assert client.post(reverse("payments:pay", args=[green.pk])).status_code == 404


def test_nothing_due_is_a_clear_409(green: Any, declarant: User) -> None:  # noqa: F811
    client = login(Client(), declarant)
    client.post(reverse("payments:bank", args=[_order(client, green).reference]))
    resp = client.post(reverse("payments:pay", args=[green.pk]))
    assert resp.status_code == 409


def _order(client: Client, declaration: Any) -> PaymentOrder:
    client.post(reverse("payments:pay", args=[declaration.pk]))
    order = PaymentOrder.objects.filter(declaration=declaration).order_by("-id").first()
    assert order is not None
    return order


def test_officers_cannot_pay(green: Any, officer: User) -> None:  # noqa: F811
    assert (
        login(Client(), officer).post(reverse("payments:pay", args=[green.pk])).status_code == 403
    )


def test_with_the_simulator_off_pay_leads_to_the_order_and_the_bank_page_is_gone(
    green: Any,
    declarant: User,  # noqa: F811
) -> None:
    client = login(Client(), declarant)
    with override_settings(HAIQUAN={**_haiquan(), "BANK_SIMULATOR": False}):
        resp = client.post(reverse("payments:pay", args=[green.pk]))
        order = PaymentOrder.objects.get()
        assert resp["Location"] == reverse("payments:order", args=[order.reference])
        page = client.get(resp["Location"]).content.decode()
        assert order.reference in page and "payments/bank/" not in page
        assert client.get(reverse("payments:bank", args=[order.reference])).status_code == 404
        with pytest.raises(Forbidden):
            bank_simulator_pay(order=order)
    assert BankConfirmation.objects.count() == 0


def _haiquan() -> dict[str, Any]:
    from django.conf import settings

    return dict(settings.HAIQUAN)


def test_the_simulator_signs_with_the_demo_banks_secret(
    green: Any,
    declarant: User,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from haiquan.payments import simulator
    from haiquan.payments.services import bank_confirmation_receive as real

    seen: dict[str, Any] = {}

    def spy(**kw: Any) -> Any:
        seen.update(kw)
        return real(**kw)

    order = _order(login(Client(), declarant), green)
    monkeypatch.setattr(simulator, "bank_confirmation_receive", spy)
    bank_simulator_pay(order=order)
    bank = Bank.objects.get(code="DEMO")
    assert signature_matches(bank.secret, seen["timestamp"], seen["raw_body"], seen["signature"])


def test_the_declaration_page_lists_its_receipts_through_the_payment_panel(
    green: Any,
    declarant: User,  # noqa: F811
) -> None:
    """Clearance's page does not import payments: payments fills the page's payment panel
    (`core.panels`), with the receipts the viewer may see."""
    client = login(Client(), declarant)
    page = reverse("clearance:declaration_detail", args=[green.pk])
    assert "payments/panels/declaration_receipts.html" not in [
        t.name for t in client.get(page).templates
    ]
    client.post(reverse("payments:pay", args=[green.pk]))
    client.post(reverse("payments:bank", args=[PaymentOrder.objects.get().reference]))
    number = BankConfirmation.objects.get().receipt.number
    shown = client.get(page)
    assert reverse("payments:receipt", args=[number]) in shown.content.decode()
    assert "payments/panels/declaration_receipts.html" in [t.name for t in shown.templates]
