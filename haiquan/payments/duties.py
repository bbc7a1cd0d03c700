"""Duties (thuế) as a purpose of payment: the settler that turns a bank's confirmation of a duty
payment order into a receipt (biên lai) and the declaration's new payment state, and the steps
guarantees share with it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from haiquan.clearance.choices import Status
from haiquan.clearance.models import Declaration
from haiquan.clearance.services import declaration_payment_apply
from haiquan.core.i18n import amount_text
from haiquan.core.problems import Conflict
from haiquan.eventlog import kinds
from haiquan.eventlog.kinds import EventKind

from .choices import DUTIES
from .hooks import Settler
from .models import Bank, BankConfirmation, PaymentOrder, Receipt, ReceiptSequence
from .selectors import declaration_guaranteed_total, declaration_paid_total


def vn_today() -> date:
    """Guarantee validity and receipt years follow the installation's calendar, not UTC."""
    return timezone.localdate(timezone=timezone.get_default_timezone())


def declaration_lock(declaration_id: int) -> Declaration:
    return Declaration.objects.select_for_update().get(pk=declaration_id)


def declaration_settle(
    *, declaration: Declaration, bank: Bank, kind: EventKind, data: dict[str, Any]
) -> None:
    """Hand the new cumulative totals to clearance, which updates the payment state, records
    the event and clears the declaration if nothing else holds it. Declaration locked."""
    declaration_payment_apply(
        declaration=declaration,
        paid_vnd=declaration_paid_total(declaration_id=declaration.pk),
        guaranteed_vnd=declaration_guaranteed_total(declaration_id=declaration.pk, on=vn_today()),
        actor=bank.user,
        actor_label=f"bank:{bank.code}",
        kind=kind,
        data=data,
    )


def unpayable_refuse(declaration: Declaration) -> None:
    """Nothing is paid or guaranteed for a draft or a cancelled declaration."""
    if declaration.status == Status.DRAFT:
        raise Conflict(
            _("Declaration not registered yet: nothing can be paid for it."), "not-registered"
        )
    if declaration.status == Status.CANCELLED:
        raise Conflict(
            _("Declaration %(number)s is cancelled.") % {"number": declaration.number},
            "declaration-cancelled",
        )


def receipt_issue(
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


class DutySettler(Settler[Declaration]):
    """A duty payment order pays (part of) what its declaration owes; the bank's confirmation
    issues a receipt and settles the declaration, which clears it if nothing else holds it."""

    purpose = DUTIES
    label = gettext_lazy("Duties")

    def subject_lock(self, order: PaymentOrder) -> Declaration:
        assert order.declaration_id is not None
        return declaration_lock(order.declaration_id)

    def unpayable_refuse(self, order: PaymentOrder, subject: Declaration) -> None:
        unpayable_refuse(subject)
        if order.amount_vnd > subject.amount_due_vnd:
            # An amendment lowered the duties after the order was made: collecting it would
            # overpay. The trader's next order carries the new amount.
            raise Conflict(
                _("Payment order %(ref)s is out of date: %(due)s VND is due now.")
                % {"ref": order.reference, "due": amount_text(subject.amount_due_vnd)},
                "order-stale",
            )

    def settle(
        self,
        *,
        order: PaymentOrder,
        subject: Declaration,
        confirmation: BankConfirmation,
        bank: Bank,
    ) -> None:
        receipt = receipt_issue(
            declaration=subject, confirmation=confirmation, issued_at=confirmation.received_at
        )
        declaration_settle(
            declaration=subject,
            bank=bank,
            kind=kinds.PAYMENT_CONFIRMED,
            data={
                "order": order.reference,
                "receipt": receipt.number,
                "bank": bank.code,
                "bank_transaction_id": confirmation.bank_transaction_id,
                "amount_vnd": confirmation.amount_vnd,
                "paid_at": confirmation.paid_at,
            },
        )
