"""A stand-in for a partner bank's payment site, for demonstrations and tests.

It does what a bank's system does after a trader pays: it signs a confirmation with the bank's
secret (`signing.sign`) and delivers it through `confirmation_receive` (for duties
`bank_confirmation_receive`, which answers with the receipt), the same path a real bank's
message takes. Anyone who reaches it "pays", so it is off in production unless
`HAIQUAN_BANK_SIMULATOR=1` (see settings).
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from django.db import IntegrityError
from django.utils import timezone
from django.utils.translation import gettext as _

from haiquan.core.conf import haiquan_setting
from haiquan.core.problems import Forbidden

from .models import Bank, BankConfirmation, PaymentOrder, Receipt
from .services import bank_confirmation_receive, bank_create, confirmation_receive
from .signing import sign

DEMO_BANK_NAME = "Ngân hàng mô phỏng / Demo bank (simulator)"


def bank_simulator_enabled() -> bool:
    return bool(haiquan_setting("BANK_SIMULATOR"))


def demo_bank() -> Bank:
    """The bank the simulator signs as, registered (with its own secret) on first use."""
    code = str(haiquan_setting("DEMO_BANK_CODE"))
    bank = Bank.objects.filter(code=code).first()
    if bank is not None:
        return bank
    try:
        bank, _secret = bank_create(code=code, name=DEMO_BANK_NAME)
    except IntegrityError:  # registered by a concurrent first use
        bank = Bank.objects.get(code=code)
    return bank


def _demo_bank_message(order: PaymentOrder) -> dict[str, Any]:
    """The demo bank's signed confirmation of exactly `order`'s amount, paid now."""
    if not bank_simulator_enabled():
        raise Forbidden(_("The bank simulator is switched off on this installation."))
    bank = demo_bank()
    body = json.dumps(
        {
            "order_reference": order.reference,
            "bank_transaction_id": "SIM" + uuid.uuid4().hex[:20].upper(),
            "amount_vnd": int(order.amount_vnd),
            "paid_at": timezone.now().isoformat(timespec="seconds"),
        }
    ).encode()
    timestamp = str(int(time.time()))
    return {
        "bank_code": bank.code,
        "timestamp": timestamp,
        "signature": sign(bank.secret, timestamp, body),
        "raw_body": body,
    }


def bank_simulator_pay(*, order: PaymentOrder) -> Receipt:
    """Pay the duty order `order` at the demo bank: a signed confirmation of exactly its
    amount, now, answered with the receipt.

    Raises what `bank_confirmation_receive` raises for a real bank's message (the order paid
    or cancelled meanwhile, an amount no longer due…)."""
    receipt, _created = bank_confirmation_receive(**_demo_bank_message(order))
    return receipt


def bank_simulator_confirm(*, order: PaymentOrder) -> BankConfirmation:
    """Pay an order of any purpose (an e-service's fee…) at the demo bank, through the path a
    real bank's confirmation of it takes."""
    confirmation, _created = confirmation_receive(
        purpose=order.purpose, **_demo_bank_message(order)
    )
    return confirmation
