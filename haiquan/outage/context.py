"""The outage banner on every page: what is declared down, since when, and what to do."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .selectors import outages_in_force


def outage_banner(request: HttpRequest) -> dict[str, Any]:
    """`outages_in_force` for the base template (cached: no query on most pages)."""
    return {"outages_in_force": outages_in_force()}
