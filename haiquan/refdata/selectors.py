"""Reads of reference data used on hot paths (registration), cached per process where safe."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Q

from haiquan.core.conf import haiquan_setting
from haiquan.core.problems import invalid

from .models import ExchangeRate, Office


def exchange_rate_for(*, currency: str, day: date, field: str = "currency") -> Decimal:
    """The rate applicable on `day`: that day's, or the latest within the allowed age (weekends)."""
    if currency == "VND":
        return Decimal(1)
    max_age = int(haiquan_setting("EXCHANGE_RATE_MAX_AGE_DAYS"))
    rate = (
        ExchangeRate.objects.filter(
            currency_id=currency, day__lte=day, day__gte=day - timedelta(days=max_age)
        )
        .order_by("-day")
        .values_list("rate_vnd", flat=True)
        .first()
    )
    if rate is None:
        raise invalid(
            field,
            f"no exchange rate for {currency} on {day.isoformat()} "
            f"(nor in the {max_age} days before)",
            "no-exchange-rate",
        )
    return rate


def office_subtree_q(offices: list[Office], field: str = "office") -> Q:
    """A filter matching objects whose office lies in any of these offices' subtrees."""
    q = Q(pk__in=[])
    for o in offices:
        q |= Q(**{f"{field}__path__startswith": o.path})
    return q


def enterprise_in_province(*, enterprise_province: str, office: Office) -> bool:
    dept = office.department()
    return bool(dept and enterprise_province in dept.provinces)
