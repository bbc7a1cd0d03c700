"""Field options shared by the tariff's models: rates are percentages, amounts VND."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

RATE: dict[str, Any] = {
    "max_digits": 7,
    "decimal_places": 3,
    "validators": [MinValueValidator(Decimal(0))],
}
AMOUNT: dict[str, Any] = {
    "max_digits": 18,
    "decimal_places": 2,
    "validators": [MinValueValidator(Decimal(0))],
}
QUANTITY: dict[str, Any] = {
    "max_digits": 18,
    "decimal_places": 3,
    "validators": [MinValueValidator(Decimal(0))],
}

# 10% standard, 5% for listed necessities, 8% under the temporary reductions, 0% on exports.
VAT_RATES = frozenset({Decimal(0), Decimal(5), Decimal(8), Decimal(10)})


def validate_vat_rate(value: Decimal) -> None:
    if value not in VAT_RATES:
        raise ValidationError(_("The VAT rate must be 0, 5, 8 or 10 (%)."), code="invalid-vat-rate")
