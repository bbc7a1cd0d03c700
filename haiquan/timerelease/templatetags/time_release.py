"""Filters that write time-release figures: "10 h 05 min 48 s", "-31 min 06 s (-4.88%)"."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import formats

from haiquan.timerelease.formatting import format_duration, format_percent

register = template.Library()


@register.filter
def hms(seconds: Any) -> str:
    return format_duration(seconds)


@register.filter
def share(ratio: Any) -> str:
    """A ratio as a percentage with one decimal ("6.8%")."""
    return format_percent(ratio, places=1)


@register.filter
def hours(value: Any) -> str:
    """Hours with one decimal, as the Trading-across-Borders view gives them."""
    if value is None:
        return "–"
    return formats.number_format(round(value, 1), 1, use_l10n=True)
