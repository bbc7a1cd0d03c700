import json
import time
from datetime import timedelta
from decimal import Decimal
from typing import Any, NoReturn, TypedDict, Unpack

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haiquan.accounts.choices import Role
from haiquan.accounts.tests.factories import UserFactory
from haiquan.clearance.choices import PaymentState, Status
from haiquan.clearance.models import Declaration
from haiquan.core.problems import Conflict, Forbidden, Unauthenticated, ValidationFailed
from haiquan.eventlog.models import Event
from haiquan.payments.choices import GuaranteeStatus, OrderStatus
from haiquan.payments.models import Bank, BankConfirmation, Guarantee, PaymentOrder, Receipt
from haiquan.payments.services import (
    bank_confirmation_receive,
    bank_create,
    bank_secret_rotate,
    guarantee_receive,
    payment_order_create,
)
from haiquan.payments.signing import sign
from haiquan.payments.tests.conftest import SigningBank
from haiquan.refdata.tests.factories import EnterpriseFactory

from .factories import confirmation_body, declaration_make, signed, trader_for

pytestmark = pytest.mark.django_db


def vn_year() -> int:
    return timezone.localtime(timezone.now(), timezone.get_default_timezone()).year


class Sent(TypedDict, total=False):
    """What a test sends in place of the bank's own code and a fresh signature."""

    bank_code: str
    timestamp: str
    signature: str


def receive(bank: SigningBank, raw_body: bytes, **overrides: Unpack[Sent]) -> tuple[Receipt, bool]:
    headers = signed(bank.secret, raw_body)
    return bank_confirmation_receive(
        bank_code=overrides.get("bank_code", bank.code),
        raw_body=raw_body,
        timestamp=overrides.get("timestamp", headers["timestamp"]),
        signature=overrides.get("signature", headers["signature"]),
    )


def order_for(declaration: Declaration) -> PaymentOrder:
    return payment_order_create(declaration=declaration, actor=trader_for(declaration))


def snapshot() -> tuple[int, int, int, int]:
    return (
        BankConfirmation.objects.count(),
        Receipt.objects.count(),
        PaymentOrder.objects.filter(status=OrderStatus.PAID).count(),
        Event.objects.count(),
    )


# --- Banks -------------------------------------------------------------------------------------


def test_bank_create_returns_a_fresh_secret_once() -> None:
    bank, secret = bank_create(code=" vtb ", name="VietinBank")
    assert bank.code == "VTB"
    assert len(secret) == 64 and bank.secret == secret
    _, other_secret = bank_create(code="ACB", name="ACB")
    assert other_secret != secret


def test_bank_codes_are_unique_and_well_formed(vcb: SigningBank) -> None:
    with pytest.raises(ValidationFailed) as exc:
        bank_create(code="vcb", name="Again")
    assert exc.value.errors[0].field == "code"
    with pytest.raises(ValidationFailed) as exc:
        bank_create(code="V C B", name="")
    assert {e.field for e in exc.value.errors} == {"code", "name"}


def test_a_rotated_secret_replaces_the_old_one(vcb: SigningBank) -> None:
    declaration = declaration_make()
    order = order_for(declaration)
    new_secret = bank_secret_rotate(bank=vcb.bank)
    body = confirmation_body(order.reference)
    with pytest.raises(Unauthenticated):
        receive(vcb, body)  # still signed with the old secret
    vcb.secret = new_secret
    _, created = receive(vcb, body)
    assert created


# --- Payment orders ----------------------------------------------------------------------------


def test_an_order_is_for_the_amount_due_with_a_readable_reference() -> None:
    # 12,500,000 due, 2,500,000 already paid: the order is for 10,000,000.
    declaration = declaration_make(total_duties_vnd=12_500_000, paid_vnd=2_500_000)
    order = order_for(declaration)
    assert order.amount_vnd == Decimal(10_000_000)
    assert order.reference == f"TT{declaration.number}01"
    assert order.status == OrderStatus.OPEN
    event = Event.objects.get(kind="payment_order.created")
    assert (event.declaration_id, event.party) == (declaration.pk, "trader")


def test_asking_again_for_the_same_amount_returns_the_open_order() -> None:
    declaration = declaration_make()
    user = trader_for(declaration)
    first = payment_order_create(declaration=declaration, actor=user)
    again = payment_order_create(declaration=declaration, actor=user)
    assert again.pk == first.pk
    assert PaymentOrder.objects.count() == 1


def test_a_changed_amount_due_supersedes_the_open_order() -> None:
    declaration = declaration_make(total_duties_vnd=12_500_000)
    user = trader_for(declaration)
    first = payment_order_create(declaration=declaration, actor=user)
    # An amendment raised the duties.
    declaration.total_duties_vnd = Decimal(13_000_000)
    declaration.save()
    second = payment_order_create(declaration=declaration, actor=user)
    first.refresh_from_db()
    assert first.status == OrderStatus.CANCELLED and first.cancelled_at is not None
    assert second.reference == f"TT{declaration.number}02"
    assert second.amount_vnd == Decimal(13_000_000)
    assert (
        PaymentOrder.objects.filter(declaration=declaration, status=OrderStatus.OPEN).get()
        == second
    )
    assert Event.objects.filter(kind="payment_order.superseded", subject_id=first.pk).exists()


@pytest.mark.parametrize(
    ("status", "total", "paid", "code"),
    [
        (Status.DRAFT, 12_500_000, 0, "not-registered"),
        (Status.CANCELLED, 12_500_000, 0, "declaration-cancelled"),
        (Status.AWAITING_PAYMENT, 12_500_000, 12_500_000, "nothing-due"),
        (Status.CLEARED, 0, 0, "nothing-due"),
    ],
)
def test_no_order_when_nothing_can_or_need_be_paid(
    status: str, total: int, paid: int, code: str
) -> None:
    declaration = declaration_make(status=status, total_duties_vnd=total, paid_vnd=paid)
    with pytest.raises(Conflict) as exc:
        order_for(declaration)
    assert exc.value.code == code
    assert not PaymentOrder.objects.exists()


def test_the_broker_of_the_declaration_may_order_payment() -> None:
    broker_firm = EnterpriseFactory.create(is_broker=True)
    declaration = declaration_make(broker=broker_firm)
    broker = UserFactory.create(role=Role.BROKER, enterprise=broker_firm)
    assert payment_order_create(declaration=declaration, actor=broker).amount_vnd > 0


@pytest.mark.parametrize("who", ["other_trader", "officer"])
def test_only_the_declarations_trader_may_order_payment(who: str) -> None:
    declaration = declaration_make()
    if who == "other_trader":
        actor = UserFactory.create(role=Role.DECLARANT)
        actor.enterprises.add(EnterpriseFactory.create())
    else:
        actor = UserFactory.create(role=Role.OFFICER)
        actor.offices.add(declaration.office)
    with pytest.raises(Forbidden):
        payment_order_create(declaration=declaration, actor=actor)


# --- Bank confirmations ------------------------------------------------------------------------


def test_a_signed_confirmation_pays_the_order_issues_a_receipt_and_clears(vcb: SigningBank) -> None:
    declaration = declaration_make(total_duties_vnd=12_500_000)
    order = order_for(declaration)
    receipt, created = receive(vcb, confirmation_body(order.reference, amount_vnd=12_500_000))
    assert created
    assert receipt.number == f"BL{vn_year()}-000001"
    assert receipt.amount_vnd == Decimal(12_500_000)
    assert (receipt.payer_mst, receipt.payer_name) == (
        declaration.enterprise.mst,
        declaration.enterprise.name,
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.bank == vcb.bank
    assert order.paid_at is not None
    assert order.paid_at.isoformat() == "2026-03-01T02:30:00+00:00"
    declaration.refresh_from_db()
    assert declaration.paid_vnd == Decimal(12_500_000)
    assert declaration.payment_state == PaymentState.PAID
    # Green lane, checks done, duties paid: cleared automatically.
    assert declaration.status == Status.CLEARED
    event = Event.objects.get(kind="payment.confirmed")
    assert event.data["receipt"] == receipt.number
    assert event.actor_label == "bank:VCB"


def test_a_confirmation_does_not_clear_while_checks_are_pending(vcb: SigningBank) -> None:
    declaration = declaration_make(checks_pending=True)
    order = order_for(declaration)
    receive(vcb, confirmation_body(order.reference))
    declaration.refresh_from_db()
    assert declaration.payment_state == PaymentState.PAID
    assert declaration.status == Status.AWAITING_PAYMENT


def test_part_payment_leaves_the_rest_due_and_a_second_order_settles_it(vcb: SigningBank) -> None:
    # Ordered 10,000,000; an amendment then raised the duties to 12,500,000.
    declaration = declaration_make(total_duties_vnd=10_000_000)
    first = order_for(declaration)
    declaration.total_duties_vnd = Decimal(12_500_000)
    declaration.save()
    receive(vcb, confirmation_body(first.reference, amount_vnd=10_000_000))
    declaration.refresh_from_db()
    assert declaration.payment_state == PaymentState.PARTIAL
    assert declaration.amount_due_vnd == Decimal(2_500_000)
    second = order_for(declaration)
    assert second.amount_vnd == Decimal(2_500_000)
    receive(
        vcb,
        confirmation_body(second.reference, bank_transaction_id="FT26002", amount_vnd=2_500_000),
    )
    declaration.refresh_from_db()
    assert declaration.paid_vnd == Decimal(12_500_000)
    assert declaration.status == Status.CLEARED


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"signature": "0" * 64}, "X-Signature", "bad-signature"),
        ({"signature": ""}, "X-Signature", "bad-signature"),
        ({"bank_code": "XYZ"}, "X-Bank-Code", "unknown-bank"),
        ({"bank_code": ""}, "X-Bank-Code", "unknown-bank"),
    ],
)
def test_forged_or_unknown_senders_are_refused_and_nothing_is_written(
    vcb: SigningBank, overrides: Sent, field: str, code: str
) -> None:
    order = order_for(declaration_make())
    before = snapshot()
    with pytest.raises(Unauthenticated) as exc:
        receive(vcb, confirmation_body(order.reference), **overrides)
    assert exc.value.status == 401
    assert [(e.field, e.code) for e in exc.value.errors] == [(field, code)]
    assert snapshot() == before


def test_a_signature_from_another_bank_is_refused(vcb: SigningBank, bidv: SigningBank) -> None:
    order = order_for(declaration_make())
    body = confirmation_body(order.reference)
    headers = signed(bidv.secret, body)
    with pytest.raises(Unauthenticated) as exc:
        bank_confirmation_receive(bank_code="VCB", raw_body=body, **headers)
    assert exc.value.errors[0].field == "X-Signature"


def test_an_inactive_bank_is_refused(vcb: SigningBank) -> None:
    order = order_for(declaration_make())
    Bank.objects.filter(pk=vcb.bank.pk).update(active=False)
    with pytest.raises(Unauthenticated) as exc:
        receive(vcb, confirmation_body(order.reference))
    assert exc.value.errors[0].field == "X-Bank-Code"


@override_settings(HAIQUAN={"BANK_SIGNATURE_MAX_AGE": 300})
@pytest.mark.parametrize(
    ("offset", "accepted"), [(-310, False), (-290, True), (290, True), (310, False)]
)
def test_timestamps_outside_the_replay_window_are_refused(
    vcb: SigningBank, offset: int, accepted: bool
) -> None:
    order = order_for(declaration_make())
    body = confirmation_body(order.reference)
    before = snapshot()
    if accepted:
        _, created = receive(vcb, body, **signed(vcb.secret, body, at=time.time() + offset))
        assert created
        return
    with pytest.raises(Unauthenticated) as exc:
        receive(vcb, body, **signed(vcb.secret, body, at=time.time() + offset))
    assert [(e.field, e.code) for e in exc.value.errors] == [("X-Timestamp", "stale-timestamp")]
    assert snapshot() == before


@pytest.mark.parametrize(
    "timestamp", ["", "1.7e9", "-5", "\uff11\uff17\uff16\uff17\uff12\uff12\uff15\uff16\uff10\uff10"]
)
def test_a_timestamp_that_is_not_unix_seconds_is_refused(vcb: SigningBank, timestamp: str) -> None:
    order = order_for(declaration_make())
    body = confirmation_body(order.reference)
    with pytest.raises(Unauthenticated) as exc:
        receive(vcb, body, timestamp=timestamp, signature=sign(vcb.secret, timestamp, body))
    assert exc.value.errors[0].field == "X-Timestamp"


def test_a_replay_returns_the_same_receipt_and_pays_nothing_twice(vcb: SigningBank) -> None:
    declaration = declaration_make()
    order = order_for(declaration)
    body = confirmation_body(order.reference)
    first, created = receive(vcb, body)
    after_first = snapshot()
    again, created_again = receive(vcb, body)  # a fresh timestamp and signature, same bytes
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert snapshot() == after_first
    declaration.refresh_from_db()
    assert declaration.paid_vnd == Decimal(12_500_000)


def test_the_same_transaction_id_with_another_body_is_a_conflict(vcb: SigningBank) -> None:
    order = order_for(declaration_make())
    receive(vcb, confirmation_body(order.reference))
    before = snapshot()
    with pytest.raises(Conflict) as exc:
        receive(vcb, confirmation_body(order.reference, paid_at="2026-03-01T09:31:00+07:00"))
    assert exc.value.code == "transaction-reused"
    assert snapshot() == before


def test_the_same_transaction_id_at_two_banks_is_two_payments(
    vcb: SigningBank, bidv: SigningBank
) -> None:
    a = order_for(declaration_make())
    b = order_for(declaration_make())
    receive(vcb, confirmation_body(a.reference, bank_transaction_id="FT1"))
    _, created = receive(bidv, confirmation_body(b.reference, bank_transaction_id="FT1"))
    assert created


def test_the_amount_must_equal_the_order(vcb: SigningBank) -> None:
    order = order_for(declaration_make(total_duties_vnd=12_500_000))
    before = snapshot()
    with pytest.raises(ValidationFailed) as exc:
        receive(vcb, confirmation_body(order.reference, amount_vnd=12_499_999))
    assert [(e.field, e.code) for e in exc.value.errors] == [("amount_vnd", "amount-mismatch")]
    # the amount as the message's language writes it (Vietnamese here), not 12500000.00
    assert "12.500.000 VND" in exc.value.errors[0].problem
    assert snapshot() == before


def test_a_malformed_body_is_refused_naming_the_field(vcb: SigningBank) -> None:
    order = order_for(declaration_make())
    body = json.dumps({"order_reference": order.reference, "amount_vnd": 1}).encode()
    with pytest.raises(ValidationFailed) as exc:
        receive(vcb, body)
    assert {e.field for e in exc.value.errors} == {"bank_transaction_id", "paid_at"}
    with pytest.raises(ValidationFailed) as exc:
        receive(vcb, b"{oops")
    assert exc.value.errors[0].field == "body"


def test_an_unknown_order_is_named(vcb: SigningBank) -> None:
    with pytest.raises(ValidationFailed) as exc:
        receive(vcb, confirmation_body("TT99999999999901"))
    assert exc.value.errors[0].field == "order_reference"


def test_a_payment_dated_in_the_future_is_refused(vcb: SigningBank) -> None:
    order = order_for(declaration_make())
    future = (timezone.now() + timedelta(hours=1)).isoformat()
    with pytest.raises(ValidationFailed) as exc:
        receive(vcb, confirmation_body(order.reference, paid_at=future))
    assert exc.value.errors[0].field == "paid_at"


def test_an_order_paid_by_another_transaction_is_a_conflict(
    vcb: SigningBank, bidv: SigningBank
) -> None:
    order = order_for(declaration_make())
    receive(vcb, confirmation_body(order.reference, bank_transaction_id="FT1"))
    with pytest.raises(Conflict) as exc:
        receive(bidv, confirmation_body(order.reference, bank_transaction_id="FT2"))
    assert exc.value.code == "order-paid"
    assert Receipt.objects.count() == 1


def test_a_superseded_order_cannot_be_paid(vcb: SigningBank) -> None:
    declaration = declaration_make(total_duties_vnd=12_500_000)
    old = order_for(declaration)
    declaration.total_duties_vnd = Decimal(13_000_000)
    declaration.save()
    order_for(declaration)
    with pytest.raises(Conflict) as exc:
        receive(vcb, confirmation_body(old.reference))
    assert exc.value.code == "order-cancelled"


def test_an_order_larger_than_what_is_now_due_is_refused(vcb: SigningBank) -> None:
    declaration = declaration_make(total_duties_vnd=12_500_000)
    order = order_for(declaration)
    # An amendment lowered the duties: collecting the old order would overpay by 500,000.
    declaration.total_duties_vnd = Decimal(12_000_000)
    declaration.save()
    with pytest.raises(Conflict) as exc:
        receive(vcb, confirmation_body(order.reference))
    assert exc.value.code == "order-stale"


def test_a_cancelled_declaration_takes_no_payment(vcb: SigningBank) -> None:
    declaration = declaration_make()
    order = order_for(declaration)
    declaration.status = Status.CANCELLED
    declaration.save()
    with pytest.raises(Conflict) as exc:
        receive(vcb, confirmation_body(order.reference))
    assert exc.value.code == "declaration-cancelled"


# --- Receipt numbering -------------------------------------------------------------------------


def test_a_failed_payment_gives_its_receipt_number_back(
    vcb: SigningBank, monkeypatch: pytest.MonkeyPatch
) -> None:
    orders = [order_for(declaration_make()) for _ in range(3)]
    receive(vcb, confirmation_body(orders[0].reference, bank_transaction_id="FT1"))

    def refuse(**kwargs: object) -> NoReturn:
        raise Conflict("clearance refused")

    with monkeypatch.context() as m:
        m.setattr("haiquan.payments.duties.declaration_payment_apply", refuse)
        with pytest.raises(Conflict):
            receive(vcb, confirmation_body(orders[1].reference, bank_transaction_id="FT2"))
    receive(vcb, confirmation_body(orders[2].reference, bank_transaction_id="FT3"))
    year = vn_year()
    assert list(Receipt.objects.order_by("sequence").values_list("number", flat=True)) == [
        f"BL{year}-000001",
        f"BL{year}-000002",
    ]
    orders[1].refresh_from_db()
    assert orders[1].status == OrderStatus.OPEN  # rolled back with the receipt


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(outcomes=st.lists(st.sampled_from(["pay", "replay", "wrong_amount", "fail"]), max_size=8))
def test_receipt_numbers_run_without_gaps_whatever_happens_between(
    vcb: SigningBank, monkeypatch: pytest.MonkeyPatch, outcomes: list[str]
) -> None:
    with transaction.atomic():
        paid = 0
        for i, outcome in enumerate(outcomes):
            order = order_for(declaration_make())
            body = confirmation_body(order.reference, bank_transaction_id=f"FT{i}")
            if outcome == "wrong_amount":
                with pytest.raises(ValidationFailed):
                    receive(vcb, confirmation_body(order.reference, amount_vnd=1))
            elif outcome == "fail":
                with monkeypatch.context() as m:
                    m.setattr(
                        "haiquan.payments.duties.declaration_payment_apply",
                        lambda **kw: (_ for _ in ()).throw(Conflict("refused")),
                    )
                    with pytest.raises(Conflict):
                        receive(vcb, body)
            else:
                receive(vcb, body)
                paid += 1
                if outcome == "replay":
                    receive(vcb, body)
        year = vn_year()
        numbers = list(Receipt.objects.order_by("sequence").values_list("number", flat=True))
        assert numbers == [f"BL{year}-{n:06d}" for n in range(1, paid + 1)]
        transaction.set_rollback(True)


# --- Guarantees --------------------------------------------------------------------------------


def guarantee_body(
    declaration: Declaration,
    *,
    reference: str = "BL-VCB-0001",
    amount_vnd: int = 12_500_000,
    days: int = 90,
    **kw: Any,
) -> bytes:
    today = timezone.localdate(timezone=timezone.get_default_timezone())
    body = {
        "reference": reference,
        "declaration_number": declaration.number,
        "amount_vnd": amount_vnd,
        "valid_from": today.isoformat(),
        "valid_to": (today + timedelta(days=days)).isoformat(),
        **kw,
    }
    return json.dumps(body).encode()


def receive_guarantee(
    bank: SigningBank, raw_body: bytes, **overrides: Unpack[Sent]
) -> tuple[Guarantee, bool]:
    headers = signed(bank.secret, raw_body)
    return guarantee_receive(
        bank_code=overrides.get("bank_code", bank.code),
        raw_body=raw_body,
        timestamp=overrides.get("timestamp", headers["timestamp"]),
        signature=overrides.get("signature", headers["signature"]),
    )


def test_a_guarantee_covering_the_amount_due_settles_and_clears(vcb: SigningBank) -> None:
    declaration = declaration_make(total_duties_vnd=12_500_000)
    guarantee, created = receive_guarantee(vcb, guarantee_body(declaration))
    assert created and guarantee.status == GuaranteeStatus.ACTIVE
    declaration.refresh_from_db()
    assert declaration.guaranteed_vnd == Decimal(12_500_000)
    assert declaration.paid_vnd == 0
    assert declaration.payment_state == PaymentState.GUARANTEED
    assert declaration.status == Status.CLEARED
    assert Event.objects.filter(kind="guarantee.registered", declaration_id=declaration.pk).exists()


def test_guarantees_add_up_and_a_partial_one_does_not_settle(
    vcb: SigningBank, bidv: SigningBank
) -> None:
    declaration = declaration_make(total_duties_vnd=12_500_000)
    receive_guarantee(vcb, guarantee_body(declaration, amount_vnd=10_000_000))
    declaration.refresh_from_db()
    assert declaration.payment_state == PaymentState.UNPAID
    assert declaration.status == Status.AWAITING_PAYMENT
    # 10,000,000 + 2,500,000 = 12,500,000: covered.
    receive_guarantee(bidv, guarantee_body(declaration, reference="G2", amount_vnd=2_500_000))
    declaration.refresh_from_db()
    assert declaration.guaranteed_vnd == Decimal(12_500_000)
    assert declaration.payment_state == PaymentState.GUARANTEED


def test_a_guarantee_replay_is_idempotent_and_a_changed_one_conflicts(vcb: SigningBank) -> None:
    declaration = declaration_make()
    body = guarantee_body(declaration)
    first, _ = receive_guarantee(vcb, body)
    events = Event.objects.count()
    again, created = receive_guarantee(vcb, body)
    assert (again.pk, created) == (first.pk, False)
    assert Event.objects.count() == events
    with pytest.raises(Conflict):
        receive_guarantee(vcb, guarantee_body(declaration, amount_vnd=1))
    assert Guarantee.objects.count() == 1


def test_a_guarantee_must_be_in_force_today(vcb: SigningBank) -> None:
    declaration = declaration_make()
    today = timezone.localdate(timezone=timezone.get_default_timezone())
    expired = guarantee_body(declaration, valid_from="2020-01-01", valid_to="2020-12-31")
    with pytest.raises(ValidationFailed) as exc:
        receive_guarantee(vcb, expired)
    assert exc.value.errors[0].field == "valid_to"
    later = guarantee_body(declaration, valid_from=(today + timedelta(days=1)).isoformat())
    with pytest.raises(ValidationFailed) as exc:
        receive_guarantee(vcb, later)
    assert exc.value.errors[0].field == "valid_from"
    assert not Guarantee.objects.exists()


def test_a_guarantee_for_an_unknown_or_cancelled_declaration_is_refused(vcb: SigningBank) -> None:
    declaration = declaration_make(status=Status.CANCELLED)
    with pytest.raises(Conflict):
        receive_guarantee(vcb, guarantee_body(declaration))
    with pytest.raises(ValidationFailed) as exc:
        receive_guarantee(vcb, guarantee_body(declaration, declaration_number="999999999999"))
    assert exc.value.errors[0].field == "declaration_number"


def test_a_guarantee_must_be_signed(vcb: SigningBank) -> None:
    declaration = declaration_make()
    with pytest.raises(Unauthenticated):
        receive_guarantee(vcb, guarantee_body(declaration), signature="f" * 64)
    assert not Guarantee.objects.exists()


def test_payment_after_a_guarantee_counts_both(vcb: SigningBank) -> None:
    declaration = declaration_make(total_duties_vnd=12_500_000, checks_pending=True)
    receive_guarantee(vcb, guarantee_body(declaration))
    order = order_for(declaration)
    receive(vcb, confirmation_body(order.reference))
    declaration.refresh_from_db()
    assert (declaration.paid_vnd, declaration.guaranteed_vnd) == (
        Decimal(12_500_000),
        Decimal(12_500_000),
    )
    assert declaration.payment_state == PaymentState.PAID
