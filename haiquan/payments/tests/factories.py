"""Test data for payments, built directly with the ORM (no clearance services involved)."""

from __future__ import annotations

import itertools
import json
import time
from decimal import Decimal
from typing import Any, TypedDict

from haiquan.accounts.choices import Role
from haiquan.accounts.models import User
from haiquan.accounts.tests.factories import UserFactory
from haiquan.clearance.choices import PaymentState, Status, TransportMode
from haiquan.clearance.models import Declaration
from haiquan.refdata.models import Enterprise, Office
from haiquan.refdata.tests.factories import EnterpriseFactory, OfficeFactory

from ..signing import sign

_numbers = itertools.count(1)


class Signature(TypedDict):
    """A bank message's timestamp and signature, as the services take them."""

    timestamp: str
    signature: str


def declaration_make(
    *,
    status: str = Status.AWAITING_PAYMENT,
    total_duties_vnd: Decimal | int = Decimal("12500000"),
    paid_vnd: Decimal | int = Decimal(0),
    number: str | None = None,
    enterprise: Enterprise | None = None,
    broker: Enterprise | None = None,
    office: Office | None = None,
    checks_pending: bool = False,
) -> Declaration:
    """A registered import declaration (type A11, invoiced in USD) awaiting its duties."""
    enterprise = enterprise or EnterpriseFactory.create()
    return Declaration.objects.create(
        number=None if status == Status.DRAFT else (number or f"10{next(_numbers):010d}"),
        flow="import",
        type_id="A11",
        status=status,
        lane="green",
        enterprise=enterprise,
        broker=broker,
        created_by=UserFactory.create(role=Role.DECLARANT),
        office=office or OfficeFactory.create(),
        transport_mode=TransportMode.SEA,
        incoterm="CIF",
        currency_id="USD",
        invoice_value=Decimal("20000.00"),
        total_duties_vnd=Decimal(total_duties_vnd),
        paid_vnd=Decimal(paid_vnd),
        payment_state=PaymentState.UNPAID,
        checks_pending=checks_pending,
    )


def trader_for(declaration: Declaration) -> User:
    """A declarant of the declaring enterprise."""
    user = UserFactory.create(role=Role.DECLARANT)
    user.enterprises.add(declaration.enterprise)
    return user


def confirmation_body(
    order_reference: str,
    *,
    bank_transaction_id: str = "FT26001",
    amount_vnd: int = 12_500_000,
    paid_at: str = "2026-03-01T09:30:00+07:00",
    **extra: Any,
) -> bytes:
    body = {
        "order_reference": order_reference,
        "bank_transaction_id": bank_transaction_id,
        "amount_vnd": amount_vnd,
        "paid_at": paid_at,
        **extra,
    }
    return json.dumps(body).encode()


def signed(secret: str, raw_body: bytes, *, at: float | None = None) -> Signature:
    """`timestamp` and `signature` as a bank would send them for this body, now (or at `at`)."""
    timestamp = str(int(time.time() if at is None else at))
    return {"timestamp": timestamp, "signature": sign(secret, timestamp, raw_body)}
