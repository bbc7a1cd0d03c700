"""Two deliveries of the same confirmation at the same moment (banks retry on timeouts).

Transactional: each thread commits on its own connection. On PostgreSQL the two really race
and the declaration's row lock orders them. SQLite admits one writer at a time: a file database
makes the others wait (busy timeout), but the shared-cache in-memory test database answers
"table is locked" at once instead, so there the deliveries are serialised by the test itself.
"""

import contextlib
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import TypeVar

import pytest
from django.db import connection, connections

from haiquan.payments.models import BankConfirmation, PaymentOrder, Receipt
from haiquan.payments.services import bank_confirmation_receive, bank_create, payment_order_create

from .factories import confirmation_body, declaration_make, signed, trader_for

T = TypeVar("T")


def _race(n: int, work: Callable[[int], T]) -> list[T | Exception | None]:
    barrier = threading.Barrier(n)
    results: list[T | Exception | None] = [None] * n
    one_writer = threading.Lock() if connection.vendor == "sqlite" else contextlib.nullcontext()

    def run(i: int) -> None:
        try:
            barrier.wait()
            with one_writer:
                results[i] = work(i)
        except Exception as exc:  # reported below, not swallowed
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_confirmations_pay_exactly_once(refdata_reloaded: None) -> None:
    _, secret = bank_create(code="VCB", name="Vietcombank")
    declaration = declaration_make(total_duties_vnd=12_500_000)
    order = payment_order_create(declaration=declaration, actor=trader_for(declaration))
    body = confirmation_body(order.reference, bank_transaction_id="FT-RACE")

    def deliver(_i: int) -> tuple[Receipt, bool]:
        return bank_confirmation_receive(bank_code="VCB", raw_body=body, **signed(secret, body))

    results = _race(2, deliver)
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    delivered = [r for r in results if isinstance(r, tuple)]
    assert len(delivered) == len(results)
    created = sorted(c for _, c in delivered)
    assert created == [False, True]
    assert delivered[0][0].pk == delivered[1][0].pk
    assert BankConfirmation.objects.count() == 1
    assert Receipt.objects.count() == 1
    assert PaymentOrder.objects.get().status == "paid"
    declaration.refresh_from_db()
    assert declaration.paid_vnd == Decimal(12_500_000)


@pytest.mark.django_db(transaction=True)
def test_concurrent_payments_of_different_declarations_get_consecutive_receipts(
    refdata_reloaded: None,
) -> None:
    _, secret = bank_create(code="VCB", name="Vietcombank")
    orders = []
    for _ in range(4):
        declaration = declaration_make()
        orders.append(payment_order_create(declaration=declaration, actor=trader_for(declaration)))

    def deliver(i: int) -> tuple[Receipt, bool]:
        body = confirmation_body(orders[i].reference, bank_transaction_id=f"FT{i}")
        return bank_confirmation_receive(bank_code="VCB", raw_body=body, **signed(secret, body))

    results = _race(4, deliver)
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    assert sorted(Receipt.objects.values_list("sequence", flat=True)) == [1, 2, 3, 4]
