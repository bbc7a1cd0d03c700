"""/api/v1/payments: banks' signed messages, and traders' orders and receipts.

Banks do not log in: every message carries `X-Bank-Code`, `X-Timestamp` (unix seconds) and
`X-Signature` = hex(HMAC-SHA256(secret, "<timestamp>." + raw body)); see `signing.py`.
"""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from haiquan.accounts.apiauth import API_AUTH
from haiquan.clearance.selectors import declaration_get_for
from haiquan.core.api import Pagination

from . import services
from .models import Guarantee, PaymentOrder, Receipt
from .selectors import payment_orders_list, receipt_get, receipts_list

router = Router(tags=["payments"])

DECLARATION_NUMBER = r"^\d{12}$"

_SIGNED_HEADERS = [
    {
        "in": "header",
        "name": "X-Bank-Code",
        "required": True,
        "schema": {"type": "string"},
        "description": "The bank's code, e.g. VCB.",
    },
    {
        "in": "header",
        "name": "X-Timestamp",
        "required": True,
        "schema": {"type": "string", "pattern": r"^\d+$"},
        "description": "Unix time in seconds when the message was signed.",
    },
    {
        "in": "header",
        "name": "X-Signature",
        "required": True,
        "schema": {"type": "string"},
        "description": 'hex(HMAC-SHA256(secret, "<X-Timestamp>." + raw body)).',
    },
]


def _signed_body(example: dict[str, Any]) -> dict[str, Any]:
    return {
        "parameters": _SIGNED_HEADERS,
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}, "example": example}},
        },
    }


# --- Schemas -----------------------------------------------------------------------------------


class OrderIn(Schema):
    declaration_number: str = Field(pattern=DECLARATION_NUMBER)


class PaymentOrderOut(Schema):
    reference: str
    declaration_number: str
    amount_vnd: int
    status: str
    created_at: datetime
    paid_at: datetime | None
    bank_code: str | None

    @staticmethod
    def resolve_declaration_number(obj: PaymentOrder) -> str:
        # Orders listed here are duty orders, each of a declaration.
        return (obj.declaration.number if obj.declaration else None) or ""

    @staticmethod
    def resolve_bank_code(obj: PaymentOrder) -> str | None:
        return obj.bank.code if obj.bank_id and obj.bank else None


class ReceiptOut(Schema):
    number: str
    declaration_number: str
    order_reference: str
    amount_vnd: int
    issued_at: datetime
    paid_at: datetime
    payer_mst: str
    payer_name: str
    bank_code: str
    bank_transaction_id: str

    @staticmethod
    def resolve_declaration_number(obj: Receipt) -> str:
        return obj.declaration.number or ""

    @staticmethod
    def resolve_order_reference(obj: Receipt) -> str:
        return obj.confirmation.order.reference

    @staticmethod
    def resolve_paid_at(obj: Receipt) -> datetime:
        return obj.confirmation.paid_at

    @staticmethod
    def resolve_bank_code(obj: Receipt) -> str:
        return obj.confirmation.bank.code

    @staticmethod
    def resolve_bank_transaction_id(obj: Receipt) -> str:
        return obj.confirmation.bank_transaction_id


class GuaranteeOut(Schema):
    reference: str
    bank_code: str
    declaration_number: str
    amount_vnd: int
    valid_from: date
    valid_to: date
    status: str
    received_at: datetime

    @staticmethod
    def resolve_bank_code(obj: Guarantee) -> str:
        return obj.bank.code

    @staticmethod
    def resolve_declaration_number(obj: Guarantee) -> str:
        return obj.declaration.number or ""


class ByDeclarationFilter(Schema):
    declaration_number: str | None = Field(None, pattern=DECLARATION_NUMBER)


# --- Banks -------------------------------------------------------------------------------------


def _signed(request: HttpRequest) -> dict[str, Any]:
    return {
        "bank_code": request.headers.get("X-Bank-Code", ""),
        "timestamp": request.headers.get("X-Timestamp", ""),
        "signature": request.headers.get("X-Signature", ""),
        "raw_body": request.body,
    }


@router.post(
    "/confirmations",
    auth=None,
    response={200: ReceiptOut, 201: ReceiptOut},
    summary="A bank confirms a payment",
    openapi_extra=_signed_body(
        {
            "order_reference": "TT10012345678901",
            "bank_transaction_id": "FT26060123456",
            "amount_vnd": 12500000,
            "paid_at": "2026-03-01T09:30:00+07:00",
        }
    ),
)
def confirmation_receive(request: HttpRequest) -> Any:
    """The bank collected a payment order. Answers 201 with the new receipt, or 200 with the
    same receipt when the identical message is sent again (safe to retry)."""
    receipt, created = services.bank_confirmation_receive(**_signed(request))
    return Status(201 if created else 200, receipt)


@router.post(
    "/guarantees",
    auth=None,
    response={200: GuaranteeOut, 201: GuaranteeOut},
    summary="A bank guarantees a declaration's duties",
    openapi_extra=_signed_body(
        {
            "reference": "BL-VCB-2026-0001",
            "declaration_number": "100123456789",
            "amount_vnd": 12500000,
            "valid_from": "2026-03-01",
            "valid_to": "2026-05-30",
        }
    ),
)
def guarantee_receive(request: HttpRequest) -> Any:
    """A bank guarantee (bảo lãnh) for one declaration. 201 when registered, 200 on a retry
    of the identical message."""
    guarantee, created = services.guarantee_receive(**_signed(request))
    return Status(201 if created else 200, guarantee)


# --- Traders and officers ----------------------------------------------------------------------


@router.post("/orders", auth=API_AUTH, response={201: PaymentOrderOut}, summary="Order payment")
def order_create(request: HttpRequest, payload: OrderIn) -> Any:
    """The payment order for what the declaration still owes, to pay at any partner bank.
    While the amount due is unchanged, asking again returns the same open order."""
    user = request.user
    declaration = declaration_get_for(user, number=payload.declaration_number)  # type: ignore[arg-type]
    return Status(201, services.payment_order_create(declaration=declaration, actor=user))  # type: ignore[arg-type]


@router.get("/orders", auth=API_AUTH, response=list[PaymentOrderOut], summary="Payment orders")
@paginate(Pagination)
def order_list(request: HttpRequest, filters: Query[ByDeclarationFilter]) -> Any:
    return payment_orders_list(user=request.user, declaration_number=filters.declaration_number)


@router.get("/receipts", auth=API_AUTH, response=list[ReceiptOut], summary="Receipts")
@paginate(Pagination)
def receipt_list(request: HttpRequest, filters: Query[ByDeclarationFilter]) -> Any:
    return receipts_list(user=request.user, declaration_number=filters.declaration_number)


@router.get("/receipts/{number}", auth=API_AUTH, response=ReceiptOut, summary="One receipt")
def receipt_detail(request: HttpRequest, number: str) -> Any:
    return receipt_get(user=request.user, number=number)
