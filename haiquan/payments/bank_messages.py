"""The JSON messages banks send: a payment confirmation and a guarantee.

Parsed by hand (not by the API layer) because the signature covers the raw bytes: the body is
verified first and read second. Every problem names its field, so a bank's developer can fix
the message from the answer alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from haiquan.core.problems import FieldProblem, ValidationFailed, invalid

# A declaration's duties never reach this; it bounds what the database column holds.
MAX_AMOUNT_VND = 10**17


@dataclass(frozen=True)
class ConfirmationMessage:
    order_reference: str
    bank_transaction_id: str
    amount_vnd: Decimal
    paid_at: datetime


@dataclass(frozen=True)
class GuaranteeMessage:
    reference: str
    declaration_number: str
    amount_vnd: Decimal
    valid_from: date
    valid_to: date


class _Reader:
    """Reads fields from a decoded JSON object, collecting one problem per bad field."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.problems: list[FieldProblem] = []

    def _get(self, name: str) -> Any:
        if name not in self.data or self.data[name] is None:
            self.problems.append(FieldProblem(name, _("This field is required."), "required"))
            return None
        return self.data[name]

    def text(self, name: str, max_length: int) -> str:
        value = self._get(name)
        if value is None:
            return ""
        if not isinstance(value, str) or not value.strip():
            self.problems.append(FieldProblem(name, _("Must be a non-empty string.")))
            return ""
        value = value.strip()
        if len(value) > max_length:
            self.problems.append(
                FieldProblem(
                    name,
                    _("At most %(n)d characters.") % {"n": max_length},
                    "too-long",
                )
            )
        elif not value.isprintable():
            self.problems.append(FieldProblem(name, _("Contains control characters.")))
        return value

    def amount(self, name: str) -> Decimal:
        value = self._get(name)
        if value is None:
            return Decimal(0)
        # JSON booleans are ints in Python; an amount written 1.0 or "1" is refused as well,
        # so a bank's rounding or formatting bug cannot slip through.
        if not isinstance(value, int) or isinstance(value, bool):
            self.problems.append(
                FieldProblem(name, _("Must be a whole number of đồng (a JSON integer)."))
            )
            return Decimal(0)
        if value <= 0 or value >= MAX_AMOUNT_VND:
            self.problems.append(
                FieldProblem(name, _("Must be a positive amount."), "out-of-range")
            )
            return Decimal(0)
        return Decimal(value)

    def moment(self, name: str) -> datetime | None:
        value = self._get(name)
        if value is None:
            return None
        try:
            moment = datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            moment = None
        if moment is None:
            self.problems.append(
                FieldProblem(
                    name, _("Must be an ISO 8601 date and time, e.g. 2026-03-01T09:30:00+07:00.")
                )
            )
            return None
        if moment.tzinfo is None or moment.utcoffset() is None:
            self.problems.append(
                FieldProblem(name, _("Must include a time zone offset (e.g. +07:00 or Z)."))
            )
            return None
        return moment

    def require_day(self, name: str) -> date | None:
        value = self._get(name)
        if value is None:
            return None
        parsed: date | None = None
        if isinstance(value, str) and len(value) == 10:
            try:
                parsed = date.fromisoformat(value)
            except ValueError:
                parsed = None
        if parsed is None:
            self.problems.append(FieldProblem(name, _("Must be a date written YYYY-MM-DD.")))
        return parsed

    def raise_if_problems(self) -> None:
        if self.problems:
            raise ValidationFailed(self.problems)


def _decode(raw_body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(raw_body)
    except (ValueError, RecursionError):
        raise invalid("body", _("The body is not valid JSON."), "malformed") from None
    if not isinstance(data, dict):
        raise invalid("body", _("The body must be a JSON object."), "malformed")
    return data


def confirmation_parse(raw_body: bytes) -> ConfirmationMessage:
    """`{order_reference, bank_transaction_id, amount_vnd (integer), paid_at (ISO 8601)}`;
    other keys are ignored. Raises ValidationFailed naming every bad field."""
    r = _Reader(_decode(raw_body))
    order_reference = r.text("order_reference", 20)
    bank_transaction_id = r.text("bank_transaction_id", 64)
    amount = r.amount("amount_vnd")
    paid_at = r.moment("paid_at")
    r.raise_if_problems()
    assert paid_at is not None
    return ConfirmationMessage(order_reference, bank_transaction_id, amount, paid_at)


def guarantee_parse(raw_body: bytes) -> GuaranteeMessage:
    """`{reference, declaration_number, amount_vnd (integer), valid_from, valid_to (YYYY-MM-DD)}`;
    other keys are ignored. Raises ValidationFailed naming every bad field."""
    r = _Reader(_decode(raw_body))
    reference = r.text("reference", 64)
    problems_before = len(r.problems)
    number = r.text("declaration_number", 12)
    if len(r.problems) == problems_before and not (
        len(number) == 12 and number.isascii() and number.isdigit()
    ):
        r.problems.append(
            FieldProblem("declaration_number", _("A declaration number has 12 digits."))
        )
    amount = r.amount("amount_vnd")
    valid_from = r.require_day("valid_from")
    valid_to = r.require_day("valid_to")
    if valid_from and valid_to and valid_to < valid_from:
        r.problems.append(
            FieldProblem("valid_to", _("The guarantee must end on or after it starts."))
        )
    r.raise_if_problems()
    assert valid_from is not None and valid_to is not None
    return GuaranteeMessage(reference, number, amount, valid_from, valid_to)
