"""{% load geo %} … {% position lat lon %}: a position that cannot be misread (supervision/geo.py)."""

from __future__ import annotations

from django import template

from haiquan.supervision.geo import position_text

register = template.Library()


@register.simple_tag
def position(lat: float | None, lon: float | None, places: int = 4) -> str:
    return position_text(lat, lon, places)
