"""Supervision's business settings (`settings.HAIQUAN`), read at call time, with defaults."""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Days before a bonded-warehouse lot's storage time ends when the office is warned.
    "BONDED_EXPIRY_WARNING_DAYS": 30,
    # Storage time in a bonded warehouse without its own limit: 12 months (Customs Law 2014,
    # art. 61), extendable by the department.
    "BONDED_STORAGE_DAYS": 365,
    # Declaration types under which goods enter a bonded warehouse.
    "BONDED_RECEIPT_TYPES": ["C11"],
    # Times that operators and officers report (gate events, warehouse receipts and issues,
    # transit departures and arrivals) are accepted only this many minutes before the server's
    # clock and after it; the server's own time is stored beside them and deadlines run from it.
    "REPORTED_TIME_PAST_MINUTES": 60,
    "REPORTED_TIME_FUTURE_MINUTES": 5,
}


def supervision_setting(key: str) -> Any:
    values: dict[str, Any] = getattr(settings, "HAIQUAN", {})
    return values.get(key, DEFAULTS[key])
