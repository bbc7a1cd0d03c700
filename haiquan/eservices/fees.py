"""The demo bank paying a fee order (the payments simulator's counterpart for fees): it signs
a confirmation with the demo bank's secret and delivers it through the same path a real bank's
message takes. Off in production unless HAIQUAN_BANK_SIMULATOR=1."""

from __future__ import annotations

import json
import time
import uuid

from django.utils import timezone
from django.utils.translation import gettext as _

from haiquan.core.problems import Forbidden
from haiquan.payments.signing import sign
from haiquan.payments.simulator import bank_simulator_enabled, demo_bank

from .models import FeeConfirmation, FeeOrder
from .services import fee_confirmation_receive


def fee_simulator_pay(*, order: FeeOrder) -> FeeConfirmation:
    if not bank_simulator_enabled():
        raise Forbidden(_("The bank simulator is switched off on this installation."))
    bank = demo_bank()
    body = json.dumps(
        {
            "order_reference": order.reference,
            "bank_transaction_id": "SIMF" + uuid.uuid4().hex[:20].upper(),
            "amount_vnd": int(order.amount_vnd),
            "paid_at": timezone.now().isoformat(timespec="seconds"),
        }
    ).encode()
    timestamp = str(int(time.time()))
    confirmation, _created = fee_confirmation_receive(
        bank_code=bank.code,
        timestamp=timestamp,
        signature=sign(bank.secret, timestamp, body),
        raw_body=body,
    )
    return confirmation
