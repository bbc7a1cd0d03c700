"""A level-4 filing's fee takes the one path of everything a bank collects (payments): the checks
duty payments have hold for fees too — a `paid_at` in the future is refused, the same message
sent again is answered as the first time and settles nothing twice, the signature is checked."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from haiquan.core.problems import Conflict, Unauthenticated, ValidationFailed
from haiquan.eservices import services
from haiquan.eservices.choices import FEE_PURPOSE, FilingStatus
from haiquan.eservices.models import Filing
from haiquan.eventlog.models import Event
from haiquan.payments.choices import DUTIES, OrderStatus
from haiquan.payments.models import Bank, BankConfirmation, PaymentOrder
from haiquan.payments.services import confirmation_receive
from haiquan.payments.signing import sign

from .conftest import BROKER_DATA, signed

BASE = "/api/v1/eservices"


@pytest.fixture
def awaiting_fee(ready_filing: Callable[..., Filing], broker: Any, tanphat: Any) -> Filing:
    """Tân Phát's registration as a broker (level 4, fee 200,000 VND), submitted: it waits for
    its fee."""
    filing = ready_filing(broker, tanphat.mst, code="broker-registration", data=BROKER_DATA)
    assert filing.status == FilingStatus.AWAITING_FEE
    return filing


@pytest.fixture
def fee_order(awaiting_fee: Filing, broker: Any) -> PaymentOrder:
    return services.fee_order_create(actor=broker, filing=awaiting_fee)


def body(order: PaymentOrder, **changes: Any) -> dict[str, Any]:
    return {
        "order_reference": order.reference,
        "bank_transaction_id": "FT-FEE-1",
        "amount_vnd": int(order.amount_vnd),
        "paid_at": timezone.now().isoformat(timespec="seconds"),
        **changes,
    }


def receive(
    secret: str, message: dict[str, Any], *, timestamp: int | None = None
) -> tuple[BankConfirmation, bool]:
    raw = json.dumps(message).encode()
    ts = str(timestamp if timestamp is not None else int(time.time()))
    return confirmation_receive(
        purpose=FEE_PURPOSE,
        bank_code="VCB",
        timestamp=ts,
        signature=sign(secret, ts, raw),
        raw_body=raw,
    )


def fee_paid_events(filing: Filing) -> int:
    return Event.objects.filter(
        subject_type="filing", subject_id=filing.pk, kind="eservice.fee_paid"
    ).count()


def nothing_settled(filing: Filing, order: PaymentOrder) -> None:
    filing.refresh_from_db()
    order.refresh_from_db()
    assert filing.status == FilingStatus.AWAITING_FEE and filing.due_on is None
    assert order.status == OrderStatus.OPEN and order.paid_at is None
    assert not BankConfirmation.objects.exists()
    assert fee_paid_events(filing) == 0


# --- The order -----------------------------------------------------------------------------------


def test_a_fee_order_is_a_payment_order_for_the_filing(
    fee_order: PaymentOrder, awaiting_fee: Filing, broker: Any
) -> None:
    assert fee_order.purpose == FEE_PURPOSE and fee_order.subject_id == awaiting_fee.pk
    assert fee_order.declaration_id is None and fee_order.amount_vnd == 200000
    assert fee_order.reference == f"LP{awaiting_fee.reference[3:]}01"
    # Asking again while it is open returns the same order, with one event.
    assert services.fee_order_create(actor=broker, filing=awaiting_fee).pk == fee_order.pk
    assert (
        Event.objects.filter(subject_id=awaiting_fee.pk, kind="eservice.fee_ordered").count() == 1
    )


# --- Services ------------------------------------------------------------------------------------


def test_the_bank_confirms_the_fee_and_the_filing_goes_to_customs(
    fee_order: PaymentOrder, awaiting_fee: Filing, bank: Any
) -> None:
    _bank, secret = bank
    confirmation, created = receive(secret, body(fee_order))
    assert created and confirmation.order_id == fee_order.pk
    awaiting_fee.refresh_from_db()
    assert awaiting_fee.status == FilingStatus.SUBMITTED and awaiting_fee.due_on is not None
    assert awaiting_fee.paid_at == confirmation.paid_at
    fee_order.refresh_from_db()
    assert fee_order.status == OrderStatus.PAID and fee_order.bank_id == _bank.pk
    assert fee_paid_events(awaiting_fee) == 1


def test_a_fee_paid_in_the_future_is_refused_naming_paid_at(
    fee_order: PaymentOrder, awaiting_fee: Filing, bank: Any
) -> None:
    _bank, secret = bank
    later = timezone.now() + timedelta(hours=1)
    with pytest.raises(ValidationFailed) as exc:
        receive(secret, body(fee_order, paid_at=later.isoformat(timespec="seconds")))
    assert [(e.field, e.code) for e in exc.value.errors] == [("paid_at", "future")]
    nothing_settled(awaiting_fee, fee_order)


def test_a_bank_clock_slightly_ahead_is_within_the_allowed_skew(
    fee_order: PaymentOrder, awaiting_fee: Filing, bank: Any, settings: Any
) -> None:
    settings.HAIQUAN = {**settings.HAIQUAN, "BANK_SIGNATURE_MAX_AGE": 300}
    _bank, secret = bank
    ahead = timezone.now() + timedelta(seconds=120)
    _confirmation, created = receive(secret, body(fee_order, paid_at=ahead.isoformat()))
    assert created


def test_the_same_message_again_gets_the_same_answer_and_settles_once(
    fee_order: PaymentOrder, awaiting_fee: Filing, bank: Any
) -> None:
    _bank, secret = bank
    message = body(fee_order)
    first, created = receive(secret, message)
    awaiting_fee.refresh_from_db()
    due_on = awaiting_fee.due_on
    again, created_again = receive(secret, message)
    assert created and not created_again and again.pk == first.pk
    assert BankConfirmation.objects.count() == 1 and fee_paid_events(awaiting_fee) == 1
    awaiting_fee.refresh_from_db()
    assert awaiting_fee.due_on == due_on and awaiting_fee.status == FilingStatus.SUBMITTED


def test_the_same_transaction_with_other_content_is_a_conflict(
    fee_order: PaymentOrder, awaiting_fee: Filing, bank: Any
) -> None:
    _bank, secret = bank
    receive(secret, body(fee_order))
    with pytest.raises(Conflict) as exc:
        receive(secret, body(fee_order, paid_at="2026-01-02T03:04:05+07:00"))
    assert exc.value.code == "transaction-reused"
    assert fee_paid_events(awaiting_fee) == 1


def test_a_paid_fee_order_is_not_paid_again_by_another_transaction(
    fee_order: PaymentOrder, awaiting_fee: Filing, bank: Any
) -> None:
    _bank, secret = bank
    receive(secret, body(fee_order))
    with pytest.raises(Conflict) as exc:
        receive(secret, body(fee_order, bank_transaction_id="FT-FEE-2"))
    assert exc.value.code == "order-paid"
    assert BankConfirmation.objects.count() == 1 and fee_paid_events(awaiting_fee) == 1


def test_the_signature_is_checked_for_fees(
    fee_order: PaymentOrder, awaiting_fee: Filing, bank: Any, settings: Any
) -> None:
    _bank, secret = bank
    with pytest.raises(Unauthenticated) as forged:
        receive("not-the-secret", body(fee_order))
    assert forged.value.errors[0].field == "X-Signature"
    old = int(time.time()) - settings.HAIQUAN["BANK_SIGNATURE_MAX_AGE"] - 60
    with pytest.raises(Unauthenticated) as stale:
        receive(secret, body(fee_order), timestamp=old)
    assert stale.value.errors[0].field == "X-Timestamp"
    nothing_settled(awaiting_fee, fee_order)


def test_the_amount_must_be_the_orders(
    fee_order: PaymentOrder, awaiting_fee: Filing, bank: Any
) -> None:
    _bank, secret = bank
    with pytest.raises(ValidationFailed) as exc:
        receive(secret, body(fee_order, amount_vnd=1000))
    assert exc.value.errors[0].field == "amount_vnd"
    nothing_settled(awaiting_fee, fee_order)


def test_a_fee_order_is_not_a_duty_payment_and_back(
    fee_order: PaymentOrder, awaiting_fee: Filing, bank: Any
) -> None:
    """Each place takes the orders of its purpose: a fee order's reference sent as a duty
    payment is unknown there, and the identical message then sent as a fee is paid once."""
    _bank, secret = bank
    raw = json.dumps(body(fee_order)).encode()
    ts = str(int(time.time()))
    with pytest.raises(ValidationFailed) as exc:
        confirmation_receive(
            purpose=DUTIES,
            bank_code="VCB",
            timestamp=ts,
            signature=sign(secret, ts, raw),
            raw_body=raw,
        )
    assert [(e.field, e.code) for e in exc.value.errors] == [("order_reference", "unknown-order")]
    nothing_settled(awaiting_fee, fee_order)
    _confirmation, created = receive(secret, json.loads(raw))
    assert created
    with pytest.raises(ValidationFailed):  # and the paid fee's message is no duty payment either
        confirmation_receive(
            purpose=DUTIES,
            bank_code="VCB",
            timestamp=ts,
            signature=sign(secret, ts, raw),
            raw_body=raw,
        )


def test_a_filing_no_longer_waiting_for_its_fee_is_not_settled(
    fee_order: PaymentOrder, awaiting_fee: Filing, bank: Any
) -> None:
    _bank, secret = bank
    Filing.objects.filter(pk=awaiting_fee.pk).update(status=FilingStatus.SUBMITTED)
    with pytest.raises(Conflict) as exc:
        receive(secret, body(fee_order))
    assert exc.value.code == "wrong-status"
    assert not BankConfirmation.objects.exists()


# --- API -----------------------------------------------------------------------------------------


def test_api_future_paid_at_is_a_problem_naming_the_field(
    fee_order: PaymentOrder, awaiting_fee: Filing, bank: Any
) -> None:
    _bank, secret = bank
    later = (timezone.now() + timedelta(days=1)).isoformat(timespec="seconds")
    resp = Client().post(
        f"{BASE}/fee-confirmations", **signed(secret, body(fee_order, paid_at=later))
    )
    assert resp.status_code == 422
    assert resp["Content-Type"].startswith("application/problem+json")
    problem = resp.json()
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [("paid_at", "future")]
    assert "future" in problem["errors"][0]["problem"]
    nothing_settled(awaiting_fee, fee_order)


def test_api_replay_gets_the_same_answer_and_one_settlement(
    fee_order: PaymentOrder, awaiting_fee: Filing, bank: Any
) -> None:
    _bank, secret = bank
    message = signed(secret, body(fee_order))
    first = Client().post(f"{BASE}/fee-confirmations", **message)
    assert first.status_code == 201, first.content
    again = Client().post(f"{BASE}/fee-confirmations", **message)
    assert again.status_code == 200 and again.json() == first.json()
    assert first.json()["filing_reference"] == awaiting_fee.reference
    assert first.json()["filing_status"] == "submitted" and first.json()["due_on"]
    assert BankConfirmation.objects.count() == 1 and fee_paid_events(awaiting_fee) == 1


def test_api_signature_still_applies(
    fee_order: PaymentOrder, awaiting_fee: Filing, bank: Any
) -> None:
    _bank, _secret = bank
    resp = Client().post(f"{BASE}/fee-confirmations", **signed("forged", body(fee_order)))
    assert resp.status_code == 401
    assert resp.json()["errors"][0]["field"] == "X-Signature"
    unknown = Client().post(
        f"{BASE}/fee-confirmations", **signed("forged", body(fee_order), bank_code="NOBANK")
    )
    assert unknown.status_code == 401
    assert unknown.json()["errors"][0]["field"] == "X-Bank-Code"
    nothing_settled(awaiting_fee, fee_order)


# --- Two deliveries at the same moment -----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_fee_confirmations_settle_once(
    refdata_reloaded: None, fee_order: PaymentOrder, awaiting_fee: Filing, bank: tuple[Bank, str]
) -> None:
    """A bank retrying on a timeout: the filing's row lock orders the two deliveries, the second
    finds the first one's confirmation and answers with it."""
    from haiquan.payments.tests.test_concurrency import _race

    _bank, secret = bank
    message = body(fee_order, bank_transaction_id="FT-FEE-RACE")
    results = _race(2, lambda _i: receive(secret, message))
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    delivered = [r for r in results if isinstance(r, tuple)]
    assert len(delivered) == len(results)
    assert sorted(created for _c, created in delivered) == [False, True]
    assert delivered[0][0].pk == delivered[1][0].pk
    assert BankConfirmation.objects.count() == 1 and fee_paid_events(awaiting_fee) == 1
    awaiting_fee.refresh_from_db()
    assert awaiting_fee.status == FilingStatus.SUBMITTED
