"""The tables the generator fills and the columns it fills in each, in row-tuple order."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from haiquan.clearance.models import (
    CheckResult,
    Container,
    Declaration,
    DeclarationLine,
    DeclarationVersion,
)
from haiquan.core.bulkwrite import Table
from haiquan.eventlog.models import Event
from haiquan.payments.models import BankConfirmation, PaymentOrder, Receipt

from .models import SyntheticTruth

# fmt: off
DECLARATION_COLUMNS = (
    "id", "number", "flow", "type_id", "status", "lane", "lane_reasons", "risk_score", "version",
    "amendment_count", "enterprise_id", "broker_id", "created_by_id", "office_id", "partner_name",
    "partner_country_id", "transport_mode", "bill_of_lading", "arrival_date", "invoice_number",
    "invoice_date", "incoterm", "currency_id", "invoice_value", "freight", "insurance",
    "exchange_rate", "customs_value_vnd", "import_duty_vnd", "export_duty_vnd", "sct_vnd",
    "env_tax_vnd", "vat_vnd", "total_duties_vnd", "paid_vnd", "guaranteed_vnd", "payment_state",
    "created_at", "updated_at", "registered_at", "cleared_at", "released_at", "cancelled_at",
    "cancel_reason", "checks_pending",
)
LINE_COLUMNS = (
    "id", "declaration_id", "line_no", "hs_code", "description", "origin_id", "quantity", "unit",
    "unit_price", "value", "preference", "co_number", "co_date", "customs_value_vnd",
    "import_rate", "import_rate_kind", "import_duty_vnd", "export_rate", "export_duty_vnd",
    "sct_rate", "sct_vnd", "env_tax_vnd", "vat_rate", "vat_vnd", "total_vnd", "duty_notes",
)
CONTAINER_COLUMNS = (
    "id", "declaration_id", "number", "seal_number",
)
VERSION_COLUMNS = (
    "id", "declaration_id", "number", "reason", "created_by_id", "created_at", "content",
    "total_duties_vnd", "difference_vnd",
)
CHECK_COLUMNS = (
    "id", "declaration_id", "kind", "outcome", "officer_id", "recorded_at", "findings",
    "corrections", "duties_before_vnd", "duties_after_vnd", "difference_vnd", "random_selection",
    "fraud_kind",
)
TRUTH_COLUMNS = (
    "id", "declaration_id", "dataset_id", "fraud_kind", "true_values", "revenue_at_stake_vnd",
    "detected",
)
EVENT_COLUMNS = (
    "id", "occurred_at", "kind", "subject_type", "subject_id", "declaration_id", "office_code",
    "actor_id", "actor_label", "party", "data",
)
ORDER_COLUMNS = (
    "id", "reference", "declaration_id", "sequence", "amount_vnd", "status", "created_by_id",
    "created_at", "paid_at", "cancelled_at", "bank_id",
)
CONFIRMATION_COLUMNS = (
    "id", "bank_id", "bank_transaction_id", "order_id", "amount_vnd", "paid_at", "received_at",
    "body_hash",
)
RECEIPT_COLUMNS = (
    "id", "number", "year", "sequence", "declaration_id", "confirmation_id", "amount_vnd",
    "issued_at", "payer_mst", "payer_name",
)
# Parents before children, so a reader of the database never sees a line without its declaration.
WRITE_ORDER = (
    "declaration", "line", "container", "version", "check", "truth", "order", "confirmation",
    "receipt", "event",
)
# fmt: on


def tables() -> dict[str, Table]:
    return {
        "declaration": Table(Declaration, DECLARATION_COLUMNS),
        "line": Table(DeclarationLine, LINE_COLUMNS),
        "container": Table(Container, CONTAINER_COLUMNS),
        "version": Table(DeclarationVersion, VERSION_COLUMNS),
        "check": Table(CheckResult, CHECK_COLUMNS),
        "truth": Table(SyntheticTruth, TRUTH_COLUMNS),
        "order": Table(PaymentOrder, ORDER_COLUMNS),
        "confirmation": Table(BankConfirmation, CONFIRMATION_COLUMNS),
        "receipt": Table(Receipt, RECEIPT_COLUMNS),
        "event": Table(Event, EVENT_COLUMNS),
    }


class _Encoder(DjangoJSONEncoder):
    """Django's encoder, with decimals (most of what the rows hold that JSON lacks) tested first:
    the same text, without walking Django's chain of isinstance checks for each of them."""

    def default(self, o: Any) -> Any:
        if type(o) is Decimal:
            return str(o)
        return super().default(o)


# One encoder for the whole run: `json.dumps(cls=...)` would build a new one for every value.
_ENCODER = _Encoder(ensure_ascii=False)


def json_text(value: Any) -> str:
    """JSON as the models' JSON fields store it (decimals and dates as strings)."""
    return _ENCODER.encode(value)
