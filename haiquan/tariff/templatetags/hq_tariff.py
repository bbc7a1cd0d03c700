"""Filters the tariff's pages use: codes with dots, rates without trailing zeros."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def hs_dotted(code: str) -> str:
    """'87032361' → '8703.23.61'; '8703' → '87.03'."""
    code = str(code or "")
    if len(code) == 8:
        return f"{code[:4]}.{code[4:6]}.{code[6:]}"
    if len(code) == 6:
        return f"{code[:4]}.{code[4:]}"
    if len(code) == 4:
        return f"{code[:2]}.{code[2:]}"
    return code


@register.filter
def pct(value: Any) -> str:
    """A rate without trailing zeros, in the page's locale ('7,5' in Vietnamese)."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    text = format(number.normalize(), "f")
    places = len(text.partition(".")[2])
    return number_format(number, decimal_pos=places)


@register.filter
def percent(value: Any) -> str:
    """0.834 → '83%'."""
    try:
        return f"{round(float(value) * 100)}%"
    except (TypeError, ValueError):
        return ""


@register.filter
def levels(value: Any) -> range:
    try:
        return range(int(value))
    except (TypeError, ValueError):
        return range(0)
