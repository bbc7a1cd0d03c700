"""Writes for electronic payment (nộp thuế điện tử): one path for everything a bank collects.

A trader creates a payment order for what a declaration still owes (or, through its part, for
an online public service's fee); one of the partner banks collects it at any hour and sends a
signed confirmation; the shared path checks it and hands it to the settler of the order's
purpose (`hooks.py`). For duties haiquan issues the receipt (biên lai) and settles the
declaration, which VNACCS-style clears a green declaration seconds later (`duties.py`).
Instead of paying, a trader may have a bank guarantee (bảo lãnh) the duties.

Banks authenticate by signature, not by a user account: see `signing.py`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from haiquan.clearance.models import Declaration
from haiquan.core.i18n import amount_text
from haiquan.core.problems import (
    Conflict,
    FieldProblem,
    Forbidden,
    Unauthenticated,
    ValidationFailed,
    invalid,
)
from haiquan.eventlog import kinds
from haiquan.eventlog.choices import Party

from .bank_messages import (
    ConfirmationMessage,
    GuaranteeMessage,
    confirmation_parse,
    guarantee_parse,
)
from .choices import DUTIES, OrderStatus
from .duties import declaration_lock, declaration_settle, unpayable_refuse, vn_today
from .hooks import Settler, settler_for
from .models import Bank, BankConfirmation, Guarantee, PaymentOrder, Receipt
from .selectors import bank_get_active
from .signing import body_hash, signature_matches

if TYPE_CHECKING:
    from haiquan.accounts.models import User


def _signature_max_age() -> int:
    """How many seconds a bank's signed message stays acceptable (the replay window)."""
    value: Any = settings.HAIQUAN["BANK_SIGNATURE_MAX_AGE"]
    return int(value)


# --- Banks -------------------------------------------------------------------------------------


def bank_create(*, code: str, name: str, user: User | None = None) -> tuple[Bank, str]:
    """Register a partner bank and generate the secret it signs its messages with.

    The secret is returned once, to be handed to the bank over a secure channel; haiquan
    never shows it again (rotate it with `bank_secret_rotate` if it is lost).
    """
    code = code.strip().upper()
    name = name.strip()
    problems = []
    if not code or len(code) > 16 or not code.isalnum():
        problems.append(FieldProblem("code", _("1 to 16 letters or digits, e.g. VCB.")))
    if not name:
        problems.append(FieldProblem("name", _("This field is required."), "required"))
    if problems:
        raise ValidationFailed(problems)
    if Bank.objects.filter(code=code).exists():
        raise invalid("code", _("A bank with this code exists already."), "duplicate")
    secret = secrets.token_hex(32)
    bank = Bank.objects.create(code=code, name=name, secret=secret, user=user)
    return bank, secret


def bank_secret_rotate(*, bank: Bank) -> str:
    """Give the bank a new signing secret; messages signed with the old one are refused."""
    bank.secret = secrets.token_hex(32)
    bank.save(update_fields=["secret"])
    return bank.secret


def _refused(field: str, problem: str, code: str) -> Unauthenticated:
    exc = Unauthenticated(_("The message is not signed by a known bank."))
    exc.errors = [FieldProblem(field, problem, code)]
    exc.headers = {"WWW-Authenticate": 'HMAC-SHA256 realm="haiquan-banks"'}
    return exc


def bank_authenticate(*, bank_code: str, timestamp: str, signature: str, raw_body: bytes) -> Bank:
    """The bank that signed this message, or Unauthenticated (401) naming the header at fault.

    The timestamp is checked only once the signature holds, so a forger learns nothing about
    the clock; a genuine message older or newer than BANK_SIGNATURE_MAX_AGE seconds is refused
    as a possible replay (and a bank with a wrong clock is told so).
    """
    bank = bank_get_active(code=bank_code.strip()) if bank_code else None
    if bank is None:
        raise _refused("X-Bank-Code", _("Unknown or inactive bank."), "unknown-bank")
    if not signature or not signature_matches(bank.secret, timestamp, raw_body, signature):
        raise _refused("X-Signature", _("The signature does not match the body."), "bad-signature")
    if not (timestamp.isascii() and timestamp.isdigit()):
        raise _refused("X-Timestamp", _("Must be unix time in seconds."), "bad-timestamp")
    max_age = _signature_max_age()
    if abs(timezone.now().timestamp() - int(timestamp)) > max_age:
        raise _refused(
            "X-Timestamp",
            _("More than %(n)d seconds away from the current time.") % {"n": max_age},
            "stale-timestamp",
        )
    return bank


# --- Payment orders ----------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderIssued:
    order: PaymentOrder
    created: bool  # False: the open order for the same amount, returned unchanged
    superseded: PaymentOrder | None = None  # the open order this one cancelled


def payment_order_issue(
    *,
    purpose: str,
    amount_vnd: Decimal,
    reference_prefix: str,
    actor: User,
    declaration: Declaration | None = None,
    subject_id: int | None = None,
    now: datetime | None = None,
) -> OrderIssued:
    """The order to pay `amount_vnd` for a subject (its `subject_id` in the purpose's part, or
    else its declaration), for any purpose.

    While an open order of the purpose exists for the same amount it is returned unchanged
    (asking twice is harmless); for another amount it is cancelled and superseded by a new one,
    so a bank can never collect a stale amount. References read `reference_prefix` and a
    two-digit sequence per subject. Runs in the caller's transaction, which holds the subject's
    lock and records the events its part wants.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("payment_order_issue must run inside the subject's transaction")
    if subject_id is None and declaration is None:
        raise ValueError("a payment order pays for a subject or a declaration")
    orders = PaymentOrder.objects.filter(purpose=purpose)
    orders = (
        orders.filter(subject_id=subject_id)
        if subject_id is not None
        else orders.filter(declaration=declaration, subject_id__isnull=True)
    )
    current = orders.filter(status=OrderStatus.OPEN).first()
    if current is not None and current.amount_vnd == amount_vnd:
        return OrderIssued(current, created=False)
    now = now or timezone.now()
    if current is not None:
        current.status = OrderStatus.CANCELLED
        current.cancelled_at = now
        current.save(update_fields=["status", "cancelled_at"])
    sequence = (orders.aggregate(m=Max("sequence"))["m"] or 0) + 1
    order = PaymentOrder.objects.create(
        reference=f"{reference_prefix}{sequence:02d}",
        purpose=purpose,
        declaration=declaration,
        subject_id=subject_id,
        sequence=sequence,
        amount_vnd=amount_vnd,
        created_by=actor,
        created_at=now,
    )
    return OrderIssued(order, created=True, superseded=current)


def payment_order_create(*, declaration: Declaration, actor: User) -> PaymentOrder:
    """The order a trader pays at its bank: the declaration's amount due, right now.

    Only the declarant of the declaring enterprise or its broker may order payment. While an
    open order exists for the same amount it is returned unchanged (asking twice is harmless);
    if the amount due changed (an amendment, a part payment), the open order is cancelled and
    superseded by a new one, so a bank can never collect a stale amount. References read
    "TT" + declaration number + a two-digit sequence: TT10012345678901, TT10012345678902 …
    """
    if (
        not actor.is_trader
        or not Declaration.objects.visible_to(actor).filter(pk=declaration.pk).exists()
    ):
        raise Forbidden(_("Only the declarant or its customs broker can order payment."))
    with transaction.atomic():
        declaration = declaration_lock(declaration.pk)
        unpayable_refuse(declaration)
        due = declaration.amount_due_vnd
        if due <= 0:
            raise Conflict(
                _("Nothing is due on declaration %(number)s.") % {"number": declaration.number},
                "nothing-due",
            )
        office_code = declaration.office.code
        issued = payment_order_issue(
            purpose=DUTIES,
            amount_vnd=due,
            reference_prefix=f"TT{declaration.number}",
            actor=actor,
            declaration=declaration,
        )
        order, current = issued.order, issued.superseded
        if not issued.created:
            return order
        if current is not None:
            kinds.PAYMENT_ORDER_SUPERSEDED.record(
                subject_type="payment_order",
                subject_id=current.pk,
                party=Party.TRADER,
                actor=actor,
                declaration_id=declaration.pk,
                office_code=office_code,
                data={
                    "reference": current.reference,
                    "amount_vnd": current.amount_vnd,
                    "amount_due_vnd": due,
                },
                occurred_at=order.created_at,
            )
        kinds.PAYMENT_ORDER_CREATED.record(
            subject_type="payment_order",
            subject_id=order.pk,
            party=Party.TRADER,
            actor=actor,
            declaration_id=declaration.pk,
            office_code=office_code,
            data={"reference": order.reference, "amount_vnd": order.amount_vnd},
            occurred_at=order.created_at,
        )
    return order


# --- Bank confirmations: the one path for everything a bank collects --------------------------


def _confirmation_replay(
    *, bank: Bank, transaction_id: str, digest: str, settler: Settler[Any]
) -> BankConfirmation | None:
    """The confirmation already kept for this bank transaction, if the bytes are the same."""
    confirmation = (
        BankConfirmation.objects.select_related("order")
        .filter(bank=bank, bank_transaction_id=transaction_id)
        .first()
    )
    if confirmation is None:
        return None
    if confirmation.body_hash != digest:
        raise Conflict(
            _("Bank transaction %(id)s was confirmed earlier with different content.")
            % {"id": transaction_id},
            "transaction-reused",
        )
    if confirmation.order.purpose != settler.purpose:
        # The same message sent to the place for another purpose: no such order there.
        raise invalid("order_reference", settler.unknown_order(), "unknown-order")
    return confirmation


def _confirmation_record(
    *, bank: Bank, message: ConfirmationMessage, digest: str, settler: Settler[Any]
) -> tuple[BankConfirmation, bool]:
    with transaction.atomic():
        found = PaymentOrder.objects.filter(
            reference=message.order_reference, purpose=settler.purpose
        ).first()
        if found is None:
            raise invalid("order_reference", settler.unknown_order(), "unknown-order")
        subject = settler.subject_lock(found)
        # A duplicate sent at the same moment waited for the lock: it finds the first one's
        # confirmation now and answers with it.
        replay = _confirmation_replay(
            bank=bank, transaction_id=message.bank_transaction_id, digest=digest, settler=settler
        )
        if replay is not None:
            return replay, False
        order = PaymentOrder.objects.select_for_update().get(pk=found.pk)
        if order.status == OrderStatus.PAID:
            raise Conflict(
                _("Payment order %(ref)s is already paid.") % {"ref": order.reference},
                "order-paid",
            )
        if order.status == OrderStatus.CANCELLED:
            raise Conflict(
                _("Payment order %(ref)s was cancelled; the trader has a newer order.")
                % {"ref": order.reference},
                "order-cancelled",
            )
        settler.unpayable_refuse(order, subject)
        if message.amount_vnd != order.amount_vnd:
            raise invalid(
                "amount_vnd",
                _("Must equal the amount of the order, %(amount)s VND.")
                % {"amount": amount_text(order.amount_vnd)},
                "amount-mismatch",
            )
        confirmation = BankConfirmation.objects.create(
            bank=bank,
            bank_transaction_id=message.bank_transaction_id,
            order=order,
            amount_vnd=message.amount_vnd,
            paid_at=message.paid_at.astimezone(UTC),  # as read back from the database
            received_at=timezone.now(),
            body_hash=digest,
        )
        order.status = OrderStatus.PAID
        order.paid_at = confirmation.paid_at
        order.bank = bank
        order.save(update_fields=["status", "paid_at", "bank"])
        settler.settle(order=order, subject=subject, confirmation=confirmation, bank=bank)
        return confirmation, True


def confirmation_receive(
    *, purpose: str, bank_code: str, timestamp: str, signature: str, raw_body: bytes
) -> tuple[BankConfirmation, bool]:
    """A bank reports that it collected a payment order of `purpose`; the order's settler
    applies the payment (`hooks.py`).

    Refused (401) unless signed by an active bank within the replay window. The body names
    the order, the bank's transaction id, the amount (whole đồng, equal to the order's) and
    when it was paid, which may not be in the future (beyond the allowed clock skew, the
    signature's window). Idempotent: the same transaction sent again with the same bytes
    returns the first confirmation (created=False) and settles nothing again; reusing a
    transaction id for other content is a conflict, and so is paying an order that is paid or
    cancelled. Order paid, confirmation kept and the subject settled happen in one transaction,
    under the subject's row lock.
    """
    settler = settler_for(purpose)
    bank = bank_authenticate(
        bank_code=bank_code, timestamp=timestamp, signature=signature, raw_body=raw_body
    )
    message = confirmation_parse(raw_body)
    digest = body_hash(raw_body)
    replay = _confirmation_replay(
        bank=bank, transaction_id=message.bank_transaction_id, digest=digest, settler=settler
    )
    if replay is not None:
        return replay, False
    max_age = _signature_max_age()
    if message.paid_at.timestamp() > timezone.now().timestamp() + max_age:
        raise invalid("paid_at", _("A payment cannot be in the future."), "future")
    try:
        return _confirmation_record(bank=bank, message=message, digest=digest, settler=settler)
    except IntegrityError:
        # The same transaction id committed meanwhile for another order (so under another
        # subject's lock): answer as for a replay.
        replay = _confirmation_replay(
            bank=bank, transaction_id=message.bank_transaction_id, digest=digest, settler=settler
        )
        if replay is None:
            raise
        return replay, False


def bank_confirmation_receive(
    *, bank_code: str, timestamp: str, signature: str, raw_body: bytes
) -> tuple[Receipt, bool]:
    """A bank reports that it collected a duty payment order; answer with the receipt.

    `confirmation_receive` for duties: the receipt (biên lai) is issued and the declaration
    settled with the payment, or the first receipt is returned (created=False) for the same
    message sent again.
    """
    confirmation, created = confirmation_receive(
        purpose=DUTIES,
        bank_code=bank_code,
        timestamp=timestamp,
        signature=signature,
        raw_body=raw_body,
    )
    return confirmation.receipt, created


# --- Guarantees --------------------------------------------------------------------------------


def _guarantee_replay(*, bank: Bank, reference: str, digest: str) -> Guarantee | None:
    guarantee = Guarantee.objects.filter(bank=bank, reference=reference).first()
    if guarantee is None:
        return None
    if guarantee.body_hash != digest:
        raise Conflict(
            _("Guarantee %(ref)s was registered earlier with different content.")
            % {"ref": reference},
            "guarantee-reused",
        )
    return guarantee


def _guarantee_record(
    *, bank: Bank, message: GuaranteeMessage, digest: str
) -> tuple[Guarantee, bool]:
    with transaction.atomic():
        declaration_pk = (
            Declaration.objects.filter(number=message.declaration_number)
            .values_list("pk", flat=True)
            .first()
        )
        if declaration_pk is None:
            raise invalid(
                "declaration_number", _("No declaration has this number."), "unknown-declaration"
            )
        declaration = declaration_lock(declaration_pk)
        replay = _guarantee_replay(bank=bank, reference=message.reference, digest=digest)
        if replay is not None:
            return replay, False
        unpayable_refuse(declaration)
        if declaration.amount_due_vnd <= 0:
            raise Conflict(
                _("Nothing is due on declaration %(number)s.") % {"number": declaration.number},
                "nothing-due",
            )
        guarantee = Guarantee.objects.create(
            bank=bank,
            reference=message.reference,
            declaration=declaration,
            amount_vnd=message.amount_vnd,
            valid_from=message.valid_from,
            valid_to=message.valid_to,
            received_at=timezone.now(),
            body_hash=digest,
        )
        declaration_settle(
            declaration=declaration,
            bank=bank,
            kind=kinds.GUARANTEE_REGISTERED,
            data={
                "guarantee": guarantee.reference,
                "bank": bank.code,
                "amount_vnd": guarantee.amount_vnd,
                "valid_from": guarantee.valid_from,
                "valid_to": guarantee.valid_to,
            },
        )
        return guarantee, True


def guarantee_receive(
    *, bank_code: str, timestamp: str, signature: str, raw_body: bytes
) -> tuple[Guarantee, bool]:
    """A bank guarantees (bảo lãnh) the duties of one declaration.

    Same signature rules as a payment confirmation. The guarantee must be in force today
    (valid_from ≤ today ≤ valid_to, Vietnam's calendar); it counts towards the declaration's
    secured amount, and once guarantees and payments cover the duties the declaration is
    settled and may be cleared before payment. Idempotent per (bank, reference): the same
    bytes again return the first guarantee (created=False); other content is a conflict.
    """
    bank = bank_authenticate(
        bank_code=bank_code, timestamp=timestamp, signature=signature, raw_body=raw_body
    )
    message = guarantee_parse(raw_body)
    digest = body_hash(raw_body)
    replay = _guarantee_replay(bank=bank, reference=message.reference, digest=digest)
    if replay is not None:
        return replay, False
    today = vn_today()
    if message.valid_to < today:
        raise invalid("valid_to", _("The guarantee has already expired."), "expired")
    if message.valid_from > today:
        raise invalid(
            "valid_from", _("A guarantee must be in force when it is registered."), "not-yet-valid"
        )
    try:
        return _guarantee_record(bank=bank, message=message, digest=digest)
    except IntegrityError:
        replay = _guarantee_replay(bank=bank, reference=message.reference, digest=digest)
        if replay is None:
            raise
        return replay, False
