"""Figures of the statistics pages: changes with their sign, shares."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def signed(value: Any, places: int = 0) -> str:
    """+1.234 / −1.234 (a real minus sign), grouped per language."""
    if value is None or value == "":
        return "–"
    number = Decimal(str(value)).quantize(Decimal(1).scaleb(-int(places)), ROUND_HALF_UP)
    text = number_format(abs(number), int(places), force_grouping=True)
    return ("+" if number > 0 else "−" if number < 0 else "±") + text


@register.filter
def signed_pct(value: Any) -> str:
    """+12,5% (vi) / +12.5% (en); "–" when there was nothing to compare with."""
    if value is None or value == "":
        return "–"
    return signed(value, 1) + "%"


@register.filter
def pct(value: Any) -> str:
    if value is None or value == "":
        return "–"
    number = Decimal(str(value)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return number_format(number, 1, force_grouping=True) + "%"


@register.filter
def trend(value: Any) -> str:
    """A CSS modifier for a change: up, down or flat."""
    if value is None or value == "":
        return "flat"
    number = Decimal(str(value))
    return "up" if number > 0 else "down" if number < 0 else "flat"


@register.filter
def capped(value: Any) -> str:
    """A percent for a <progress max=100>: at most 100."""
    if value is None or value == "":
        return "0"
    return str(min(Decimal(str(value)), Decimal(100)))


@register.filter
def figure(value: Any) -> Any:
    """A number of a printed table, grouped per language (decimals only where there are any)."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return value
    number = Decimal(value)
    places = 0 if number == number.to_integral_value() else 2
    return number_format(number, places, force_grouping=True)
