"""Reads of reference data used on hot paths (registration), cached per process where safe.

Registration looks up a declaration type, an office, a currency, countries and the day's
exchange rate for every declaration. Each process keeps those tables in memory
(`reference_current`) under the tokens of `RefdataRevision`, which database triggers renew on
any change of them: one primary-key read per use tells whether the copy is still the
database's. Enterprises are not cached (many, and their status matters at once).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from types import MappingProxyType

from django.db.models import Q

from haiquan.core.conf import haiquan_setting
from haiquan.core.problems import invalid

from .models import Country, Currency, DeclarationType, ExchangeRate, Office, RefdataRevision

# (currency, day, allowed age) → rate or None; past this many entries the memory starts afresh.
_MAX_REMEMBERED_RATES = 4_096


@dataclass(frozen=True)
class Reference:
    """The reference data as of one revision. Instances are shared by every request of the
    process: read them, never change or save them."""

    token: str
    rates_token: str
    types: Mapping[str, DeclarationType]
    offices: Mapping[str, Office]
    currencies: Mapping[str, Currency]
    countries: Mapping[str, Country]
    # the exchange rates looked up under `rates_token`, shared with the process's cache
    _rates: dict[tuple[str, date, int], Decimal | None] = field(repr=False, compare=False)

    def declaration_type(self, code: str) -> DeclarationType | None:
        return self.types.get(code)

    def office(self, code: str) -> Office | None:
        return self.offices.get(code)

    def currency(self, code: str) -> Currency | None:
        return self.currencies.get(code)

    def country(self, code: str) -> Country | None:
        return self.countries.get(code)

    def countries_among(self, codes: Iterable[str]) -> dict[str, Country]:
        return {c: self.countries[c] for c in codes if c in self.countries}

    def exchange_rate(self, *, currency: str, day: date, field: str = "currency") -> Decimal:
        """The rate applicable on `day`: that day's, or the latest within the allowed age
        (weekends, holidays); a problem naming `field` when there is none."""
        if currency == "VND":
            return Decimal(1)
        max_age = int(haiquan_setting("EXCHANGE_RATE_MAX_AGE_DAYS"))
        key = (currency, day, max_age)
        if key in self._rates:
            rate = self._rates[key]
        else:
            rate = (
                ExchangeRate.objects.filter(
                    currency_id=currency, day__lte=day, day__gte=day - timedelta(days=max_age)
                )
                .order_by("-day")
                .values_list("rate_vnd", flat=True)
                .first()
            )
            if len(self._rates) >= _MAX_REMEMBERED_RATES:
                self._rates.clear()
            self._rates[key] = rate
        if rate is None:
            raise invalid(
                field,
                f"no exchange rate for {currency} on {day.isoformat()} "
                f"(nor in the {max_age} days before)",
                "no-exchange-rate",
            )
        return rate


class _ReferenceCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reference: Reference | None = None

    def clear(self) -> None:
        with self._lock:
            self._reference = None

    def current(self, tokens: tuple[str | None, str | None] | None) -> Reference:
        if tokens is None:
            tokens = (
                RefdataRevision.objects.filter(pk=1).values_list("token", "rates_token").first()
            )
        token, rates_token = (tokens[0] or "", tokens[1] or "") if tokens else ("", "")
        with self._lock:
            ref = self._reference
            if ref is not None and ref.token == token and ref.rates_token == rates_token:
                return ref
            if ref is None or ref.token != token or not token:
                ref = _reference_load(token, rates_token)
            else:  # only the exchange rates changed
                ref = Reference(
                    token=token,
                    rates_token=rates_token,
                    types=ref.types,
                    offices=ref.offices,
                    currencies=ref.currencies,
                    countries=ref.countries,
                    _rates={},
                )
            # Without a revision row (a flushed table) nothing can be trusted: never keep it.
            self._reference = ref if token and rates_token else None
            return ref


def _reference_load(token: str, rates_token: str) -> Reference:
    return Reference(
        token=token,
        rates_token=rates_token,
        types=MappingProxyType({t.code: t for t in DeclarationType.objects.all()}),
        offices=MappingProxyType({o.code: o for o in Office.objects.all()}),
        currencies=MappingProxyType({c.code: c for c in Currency.objects.all()}),
        countries=MappingProxyType({c.code: c for c in Country.objects.all()}),
        _rates={},
    )


_cache = _ReferenceCache()


def reference_current(*, tokens: tuple[str | None, str | None] | None = None) -> Reference:
    """The reference data now: this process's copy, reloaded when the database changed.
    `tokens`: (token, rates_token) of `RefdataRevision` as the caller has just read them with
    other caches' tokens in one statement (`reference_tokens_sql`); read here when not given."""
    return _cache.current(tokens)


def reference_tokens_sql() -> tuple[str, str]:
    """Scalar subqueries reading (token, rates_token), for a caller that reads several caches'
    tokens in one statement."""
    table = RefdataRevision._meta.db_table
    return (
        f"(SELECT token FROM {table} WHERE id = 1)",  # noqa: S608
        f"(SELECT rates_token FROM {table} WHERE id = 1)",  # noqa: S608
    )


def reference_cache_clear() -> None:
    """Forget this process's copy (the next `reference_current` reads the database)."""
    _cache.clear()


def exchange_rate_for(*, currency: str, day: date, field: str = "currency") -> Decimal:
    """The rate applicable on `day`: that day's, or the latest within the allowed age (weekends)."""
    return reference_current().exchange_rate(currency=currency, day=day, field=field)


def office_subtree_q(offices: list[Office], field: str = "office") -> Q:
    """A filter matching objects whose office lies in any of these offices' subtrees."""
    q = Q(pk__in=[])
    for o in offices:
        q |= Q(**{f"{field}__path__startswith": o.path})
    return q


def enterprise_in_province(*, enterprise_province: str, office: Office) -> bool:
    dept = office.department()
    return bool(dept and enterprise_province in dept.provinces)
