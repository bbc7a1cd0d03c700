"""Hand-built declarations, receipts and events for the statistics tests, written as the
clearance and payments apps (and the demo generator) write them, at chosen local times."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from itertools import count

from django.db import transaction
from django.utils import timezone

from haiquan.accounts.models import User
from haiquan.clearance.models import Declaration, DeclarationLine
from haiquan.eventlog.services import event_build, events_append
from haiquan.payments.models import Bank, BankConfirmation, PaymentOrder, Receipt
from haiquan.refdata.models import Enterprise, Office

_seq = count(1)


def local(text: str) -> datetime:
    """'2026-10-05 10:00' in Asia/Ho_Chi_Minh, aware."""
    return timezone.make_aware(datetime.fromisoformat(text), timezone.get_default_timezone())


def declaration(
    *,
    actor: User,
    office: str,
    enterprise: Enterprise,
    registered: str | None,
    value_vnd: int,
    lines: list[tuple[str, int]] | None = None,
    flow: str = "import",
    type_code: str = "A11",
    lane: str = "green",
    status: str = "cleared",
    country: str = "CN",
    transport: str = "road",
    duties_vnd: int = 0,
) -> Declaration:
    """A declaration with its goods lines [(hs_code, customs value VND)] (one line of the whole
    value by default) and its registration event."""
    n = next(_seq)
    at = local(registered) if registered else None
    with transaction.atomic():
        d = Declaration.objects.create(
            number=None if at is None else f"{'1' if flow == 'import' else '3'}{n:010d}9",
            flow=flow,
            type_id=type_code,
            status=status if at is not None else "draft",
            lane=lane if at is not None else "",
            enterprise=enterprise,
            created_by=actor,
            office=Office.objects.get(code=office),
            partner_country_id=country,
            transport_mode=transport,
            incoterm="CIF",
            currency_id="USD",
            invoice_value=Decimal(1),
            customs_value_vnd=Decimal(value_vnd),
            total_duties_vnd=Decimal(duties_vnd),
            registered_at=at,
            created_at=at or timezone.now(),
        )
        for i, (hs, v) in enumerate(lines or [("08109092", value_vnd)], start=1):
            DeclarationLine.objects.create(
                declaration=d,
                line_no=i,
                hs_code=hs,
                description="hàng hóa",
                origin_id=country,
                quantity=Decimal(1),
                unit="KGM",
                unit_price=Decimal(1),
                value=Decimal(1),
                customs_value_vnd=Decimal(v),
            )
        if at is not None:
            events_append(
                [
                    event_build(
                        kind="declaration.registered",
                        subject_type="declaration",
                        subject_id=d.pk,
                        party="customs",
                        declaration_id=d.pk,
                        office_code=office,
                        occurred_at=at,
                    )
                ]
            )
    return d


def receipt(
    *, bank: Bank, actor: User, declaration: Declaration, amount: int, issued: str
) -> Receipt:
    """Duties paid through the bank: order, confirmation, receipt, and the payment event."""
    n = next(_seq)
    at = local(issued)
    with transaction.atomic():
        order = PaymentOrder.objects.create(
            reference=f"PO-T-{n}",
            declaration=declaration,
            sequence=1,
            amount_vnd=Decimal(amount),
            status="paid",
            created_by=actor,
            created_at=at,
            paid_at=at,
            bank=bank,
        )
        confirmation = BankConfirmation.objects.create(
            bank=bank,
            bank_transaction_id=f"FT-T-{n}",
            order=order,
            amount_vnd=Decimal(amount),
            paid_at=at,
            received_at=at,
            body_hash="0" * 64,
        )
        r = Receipt.objects.create(
            number=f"BLT-{n:06d}",
            year=at.year,
            sequence=900000 + n,
            declaration=declaration,
            confirmation=confirmation,
            amount_vnd=Decimal(amount),
            issued_at=at,
            payer_mst=declaration.enterprise.mst,
            payer_name=declaration.enterprise.name,
        )
        events_append(
            [
                event_build(
                    kind="payment.confirmed",
                    subject_type="declaration",
                    subject_id=declaration.pk,
                    party="bank",
                    declaration_id=declaration.pk,
                    office_code=declaration.office.code,
                    occurred_at=at,
                    data={"receipt": r.number, "amount_vnd": amount},
                )
            ]
        )
    return r
