"""Writes for the electronic payment of duties (nộp thuế điện tử).

A trader creates a payment order for what a declaration still owes; one of the partner banks
collects it at any hour and sends a signed confirmation; haiquan issues the receipt (biên lai)
and settles the declaration, which VNACCS-style clears a green declaration seconds later.
Instead of paying, a trader may have a bank guarantee (bảo lãnh) the duties.

Banks authenticate by signature, not by a user account: see `signing.py`.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from haiquan.clearance.choices import Status
from haiquan.clearance.models import Declaration
from haiquan.clearance.selectors import declarations_visible_to
from haiquan.clearance.services import declaration_payment_apply
from haiquan.core.i18n import amount_text
from haiquan.core.problems import (
    Conflict,
    FieldProblem,
    Forbidden,
    Unauthenticated,
    ValidationFailed,
    invalid,
)
from haiquan.eventlog.choices import Party
from haiquan.eventlog.services import event_record

from .bank_messages import (
    ConfirmationMessage,
    GuaranteeMessage,
    confirmation_parse,
    guarantee_parse,
)
from .choices import OrderStatus
from .models import Bank, BankConfirmation, Guarantee, PaymentOrder, Receipt, ReceiptSequence
from .selectors import (
    bank_get_active,
    declaration_guaranteed_total,
    declaration_paid_total,
)
from .signing import body_hash, signature_matches

if TYPE_CHECKING:
    from haiquan.accounts.models import User


def _vn_today() -> date:
    """Guarantee validity and receipt years follow the installation's calendar, not UTC."""
    return timezone.localdate(timezone=timezone.get_default_timezone())


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


def _lock_declaration(declaration_id: int) -> Declaration:
    return Declaration.objects.select_for_update().get(pk=declaration_id)


def _declaration_settle(
    *, declaration: Declaration, bank: Bank, kind: str, data: dict[str, Any]
) -> None:
    """Hand the new cumulative totals to clearance, which updates the payment state, records
    the event and clears the declaration if nothing else holds it. Declaration locked."""
    declaration_payment_apply(
        declaration=declaration,
        paid_vnd=declaration_paid_total(declaration_id=declaration.pk),
        guaranteed_vnd=declaration_guaranteed_total(declaration_id=declaration.pk, on=_vn_today()),
        actor=bank.user,
        actor_label=f"bank:{bank.code}",
        kind=kind,
        data=data,
    )


def _refuse_unpayable(declaration: Declaration) -> None:
    if declaration.status == Status.DRAFT:
        raise Conflict(
            _("Declaration not registered yet: nothing can be paid for it."), "not-registered"
        )
    if declaration.status == Status.CANCELLED:
        raise Conflict(
            _("Declaration %(number)s is cancelled.") % {"number": declaration.number},
            "declaration-cancelled",
        )


# --- Payment orders ----------------------------------------------------------------------------


def payment_order_create(*, declaration: Declaration, actor: User) -> PaymentOrder:
    """The order a trader pays at its bank: the declaration's amount due, right now.

    Only the declarant of the declaring enterprise or its broker may order payment. While an
    open order exists for the same amount it is returned unchanged (asking twice is harmless);
    if the amount due changed (an amendment, a part payment), the open order is cancelled and
    superseded by a new one, so a bank can never collect a stale amount. References read
    "TT" + declaration number + a two-digit sequence: TT10012345678901, TT10012345678902 …
    """
    if not actor.is_trader or not declarations_visible_to(actor).filter(pk=declaration.pk).exists():
        raise Forbidden(_("Only the declarant or its customs broker can order payment."))
    with transaction.atomic():
        declaration = _lock_declaration(declaration.pk)
        _refuse_unpayable(declaration)
        due = declaration.amount_due_vnd
        if due <= 0:
            raise Conflict(
                _("Nothing is due on declaration %(number)s.") % {"number": declaration.number},
                "nothing-due",
            )
        office_code = declaration.office.code
        current = PaymentOrder.objects.filter(
            declaration=declaration, status=OrderStatus.OPEN
        ).first()
        if current is not None and current.amount_vnd == due:
            return current
        now = timezone.now()
        if current is not None:
            current.status = OrderStatus.CANCELLED
            current.cancelled_at = now
            current.save(update_fields=["status", "cancelled_at"])
            event_record(
                kind="payment_order.superseded",
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
                occurred_at=now,
            )
        last = PaymentOrder.objects.filter(declaration=declaration).aggregate(m=Max("sequence"))[
            "m"
        ]
        sequence = (last or 0) + 1
        order = PaymentOrder.objects.create(
            reference=f"TT{declaration.number}{sequence:02d}",
            declaration=declaration,
            sequence=sequence,
            amount_vnd=due,
            created_by=actor,
            created_at=now,
        )
        event_record(
            kind="payment_order.created",
            subject_type="payment_order",
            subject_id=order.pk,
            party=Party.TRADER,
            actor=actor,
            declaration_id=declaration.pk,
            office_code=office_code,
            data={"reference": order.reference, "amount_vnd": order.amount_vnd},
            occurred_at=now,
        )
    return order


# --- Bank confirmations ------------------------------------------------------------------------


def _confirmation_replay(*, bank: Bank, transaction_id: str, digest: str) -> Receipt | None:
    """The receipt already issued for this bank transaction, if the bytes are the same."""
    confirmation = (
        BankConfirmation.objects.select_related("receipt")
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
    return confirmation.receipt


def _receipt_issue(
    *, declaration: Declaration, confirmation: BankConfirmation, issued_at: datetime
) -> Receipt:
    """Number the receipt from the year's counter, locked until the payment commits: a
    rolled-back payment returns its number, so the numbers of a year have no gaps."""
    year = timezone.localtime(issued_at, timezone.get_default_timezone()).year
    counter, _created = ReceiptSequence.objects.select_for_update().get_or_create(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    enterprise = declaration.enterprise
    return Receipt.objects.create(
        number=f"BL{year}-{counter.last:06d}",
        year=year,
        sequence=counter.last,
        declaration=declaration,
        confirmation=confirmation,
        amount_vnd=confirmation.amount_vnd,
        issued_at=issued_at,
        payer_mst=enterprise.mst,
        payer_name=enterprise.name,
    )


def _confirmation_record(
    *, bank: Bank, message: ConfirmationMessage, digest: str
) -> tuple[Receipt, bool]:
    with transaction.atomic():
        found = (
            PaymentOrder.objects.filter(reference=message.order_reference)
            .values_list("pk", "declaration_id")
            .first()
        )
        if found is None:
            raise invalid(
                "order_reference", _("No payment order has this reference."), "unknown-order"
            )
        order_pk, declaration_pk = found
        declaration = _lock_declaration(declaration_pk)
        # A duplicate sent at the same moment waited for the lock: it finds the first one's
        # confirmation now and answers with its receipt.
        replay = _confirmation_replay(
            bank=bank, transaction_id=message.bank_transaction_id, digest=digest
        )
        if replay is not None:
            return replay, False
        order = PaymentOrder.objects.select_for_update().get(pk=order_pk)
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
        _refuse_unpayable(declaration)
        if order.amount_vnd > declaration.amount_due_vnd:
            # An amendment lowered the duties after the order was made: collecting it would
            # overpay. The trader's next order carries the new amount.
            raise Conflict(
                _("Payment order %(ref)s is out of date: %(due)s VND is due now.")
                % {"ref": order.reference, "due": amount_text(declaration.amount_due_vnd)},
                "order-stale",
            )
        if message.amount_vnd != order.amount_vnd:
            raise invalid(
                "amount_vnd",
                _("Must equal the amount of the order, %(amount)s VND.")
                % {"amount": amount_text(order.amount_vnd)},
                "amount-mismatch",
            )
        now = timezone.now()
        confirmation = BankConfirmation.objects.create(
            bank=bank,
            bank_transaction_id=message.bank_transaction_id,
            order=order,
            amount_vnd=message.amount_vnd,
            paid_at=message.paid_at.astimezone(UTC),  # as read back from the database
            received_at=now,
            body_hash=digest,
        )
        order.status = OrderStatus.PAID
        order.paid_at = confirmation.paid_at
        order.bank = bank
        order.save(update_fields=["status", "paid_at", "bank"])
        receipt = _receipt_issue(declaration=declaration, confirmation=confirmation, issued_at=now)
        _declaration_settle(
            declaration=declaration,
            bank=bank,
            kind="payment.confirmed",
            data={
                "order": order.reference,
                "receipt": receipt.number,
                "bank": bank.code,
                "bank_transaction_id": confirmation.bank_transaction_id,
                "amount_vnd": confirmation.amount_vnd,
                "paid_at": confirmation.paid_at,
            },
        )
        return receipt, True


def bank_confirmation_receive(
    *, bank_code: str, timestamp: str, signature: str, raw_body: bytes
) -> tuple[Receipt, bool]:
    """A bank reports that it collected a payment order; answer with the receipt.

    Refused (401) unless signed by an active bank within the replay window. The body names
    the order, the bank's transaction id, the amount (whole đồng, equal to the order's) and
    when it was paid. Idempotent: the same transaction sent again with the same bytes returns
    the first receipt (created=False) and changes nothing; reusing a transaction id for other
    content is a conflict, and so is paying an order that is paid or cancelled. Order paid,
    confirmation kept, receipt issued and the declaration settled happen in one transaction,
    under the declaration's row lock.
    """
    bank = bank_authenticate(
        bank_code=bank_code, timestamp=timestamp, signature=signature, raw_body=raw_body
    )
    message = confirmation_parse(raw_body)
    digest = body_hash(raw_body)
    replay = _confirmation_replay(
        bank=bank, transaction_id=message.bank_transaction_id, digest=digest
    )
    if replay is not None:
        return replay, False
    max_age = _signature_max_age()
    if message.paid_at.timestamp() > timezone.now().timestamp() + max_age:
        raise invalid("paid_at", _("A payment cannot be in the future."), "future")
    try:
        return _confirmation_record(bank=bank, message=message, digest=digest)
    except IntegrityError:
        # The same transaction id committed meanwhile for another order (so under another
        # declaration's lock): answer as for a replay.
        replay = _confirmation_replay(
            bank=bank, transaction_id=message.bank_transaction_id, digest=digest
        )
        if replay is None:
            raise
        return replay, False


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
        declaration = _lock_declaration(declaration_pk)
        replay = _guarantee_replay(bank=bank, reference=message.reference, digest=digest)
        if replay is not None:
            return replay, False
        _refuse_unpayable(declaration)
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
        _declaration_settle(
            declaration=declaration,
            bank=bank,
            kind="guarantee.registered",
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
    today = _vn_today()
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
