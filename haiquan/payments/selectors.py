"""Reads for payments: what each user may see, and the totals a declaration's state rests on."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet, Sum
from django.utils.translation import gettext as _

from haiquan.core.problems import NotFound
from haiquan.outage.selectors import deadline_after_outages

from .choices import DUTIES, GuaranteeStatus, OrderStatus
from .models import Bank, BankConfirmation, Guarantee, PaymentOrder, Receipt


def bank_get_active(*, code: str) -> Bank | None:
    return Bank.objects.filter(code=code, active=True).first()


def declaration_paid_total(*, declaration_id: int) -> Decimal:
    """Duties collected for a declaration: the sum of the banks' confirmations of its duty
    orders (a penalty collected for it is not duties)."""
    total = BankConfirmation.objects.filter(
        order__declaration_id=declaration_id, order__purpose=DUTIES
    ).aggregate(s=Sum("amount_vnd"))["s"]
    return total or Decimal(0)


def declaration_guaranteed_total(*, declaration_id: int, on: date) -> Decimal:
    """Duties secured by bank guarantees that are active and valid on `on`."""
    total = Guarantee.objects.filter(
        declaration_id=declaration_id,
        status=GuaranteeStatus.ACTIVE,
        valid_from__lte=on,
        valid_to__gte=on,
    ).aggregate(s=Sum("amount_vnd"))["s"]
    return total or Decimal(0)


def payment_order_open_get(*, purpose: str, subject_id: int) -> PaymentOrder | None:
    """The open order of `purpose` for a subject of the purpose's part (an e-service filing)."""
    return PaymentOrder.objects.filter(
        purpose=purpose, subject_id=subject_id, status=OrderStatus.OPEN
    ).first()


def payment_orders_list(
    *, user: Any, declaration_number: str | None = None
) -> QuerySet[PaymentOrder]:
    """The duty payment orders the user may see (those of declarations it sees), newest first."""
    qs = PaymentOrder.objects.visible_to(user)
    if declaration_number:
        qs = qs.filter(declaration__number=declaration_number)
    return qs.select_related("declaration", "bank").order_by("-created_at", "-id")


def receipts_list(*, user: Any, declaration_number: str | None = None) -> QuerySet[Receipt]:
    """The receipts the user may see (those of declarations it sees), newest first."""
    qs = Receipt.objects.visible_to(user)
    if declaration_number:
        qs = qs.filter(declaration__number=declaration_number)
    return qs.select_related("declaration", "confirmation__bank", "confirmation__order").order_by(
        "-issued_at", "-id"
    )


def receipt_get(*, user: Any, number: str) -> Receipt:
    """One receipt by number; NotFound also when it exists but is not the user's to see."""
    receipt = receipts_list(user=user).filter(number=number).first()
    if receipt is None:
        raise NotFound(_("No receipt %(number)s.") % {"number": number})
    return receipt


def guarantee_payment_due_on(guarantee: Guarantee) -> date:
    """The day by which the duties a bank guarantee secures must be paid (thời hạn nộp thuế
    của hàng hóa được bảo lãnh): the last day of its validity — moved on by the days of every
    declared outage at the declaration's office (or national) that the day fell in, since the
    trader could not pay through haiquan then (haiquan.outage.deadlines)."""
    return deadline_after_outages(
        office_code=guarantee.declaration.office.code, deadline=guarantee.valid_to
    )
