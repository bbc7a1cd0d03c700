"""An in-memory, read-only view of the tariff for the duty computation.

Registration computes duties for every declaration, hundreds a second, so the tariff is not
re-read from the database each time. Each process keeps one snapshot:

* the agreements with their parties and the set of origins without MFN treatment, loaded whole;
* the HS lines (with their preferential rates), fetched on first use per code and kept, so a
  busy process ends up holding the lines it actually sees; `Tariff.load(None)` fetches them all.

Invalidation: the loaders and the admin write a new random token into `TariffVersion` in the
transaction of their change (`services.tariff_changed`). Each `Tariff.load` reads that token
(one single-row query) and throws its snapshot away when the token differs. A change made by any
other means (raw SQL, a shell) must call `tariff_changed()` too; so must a change of a country's
MFN treatment in reference data (`refdata_load_all` reloads the tariff after the countries, which
does it).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import MappingProxyType

from .normalise import hs_code_normalise

ONE_AND_A_HALF = Decimal("1.5")
# Codes looked up and not found are remembered (so a wrong code does not cost a query on every
# call) up to this many; past it the memory is simply cleared.
_MAX_REMEMBERED_MISSING = 10_000


@dataclass(frozen=True, slots=True)
class HsLineData:
    """What the duty computation needs to know about one national tariff line."""

    code: str
    unit: str
    mfn_rate: Decimal
    general_rate: Decimal | None
    specific_duty_vnd: Decimal | None
    export_rate: Decimal
    vat_rate: Decimal
    sct_rate: Decimal | None
    env_tax_vnd_per_unit: Decimal | None
    env_tax_unit: str
    valid_from: date
    valid_to: date | None
    description_vi: str = ""
    description_en: str = ""
    # agreement code → special preferential rate (%)
    preferential: Mapping[str, Decimal] = field(default_factory=dict)

    @property
    def ordinary_rate(self) -> Decimal:
        """The ordinary rate: the schedule's own where set, otherwise 150% of the MFN rate."""
        return (
            self.general_rate if self.general_rate is not None else self.mfn_rate * ONE_AND_A_HALF
        )

    def in_force_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True, slots=True)
class AgreementData:
    code: str
    name: str
    co_form: str
    co_validity_days: int
    in_force_from: date | None
    # party country code → the day the agreement applies to it from (None: since entry into force)
    parties: Mapping[str, date | None]

    def in_force_for(self, country: str, day: date) -> bool:
        """Whether the agreement applies between Vietnam and `country` on `day`."""
        if country not in self.parties:
            return False
        starts = [d for d in (self.in_force_from, self.parties[country]) if d is not None]
        return all(day >= d for d in starts)


class Tariff:
    """HS lines, preferential rates, agreement parties and the origins without MFN treatment.

    Build one directly (tests, what-if calculations) or get the current one with `Tariff.load`.
    """

    __slots__ = ("agreements", "lines", "non_mfn")

    def __init__(
        self,
        *,
        lines: Mapping[str, HsLineData],
        agreements: Mapping[str, AgreementData],
        non_mfn: Iterable[str] = (),
    ) -> None:
        self.lines = MappingProxyType(dict(lines))
        self.agreements = MappingProxyType(dict(agreements))
        self.non_mfn = frozenset(non_mfn)

    @classmethod
    def load(cls, codes: Iterable[str] | None = None, *, token: str | None = None) -> Tariff:
        """The current tariff, restricted to `codes` (all of it when None), from the cache.
        `token`: the `TariffVersion` token the caller has just read with others in one
        statement (see `tariff_token_sql`); read here when not given."""
        return _cache.tariff(
            None if codes is None else {hs_code_normalise(c) for c in codes}, token
        )

    def line(self, code: str) -> HsLineData | None:
        return self.lines.get(hs_code_normalise(code))

    def agreement(self, code: str) -> AgreementData | None:
        return self.agreements.get(code)

    def has_mfn(self, country: str) -> bool:
        return country not in self.non_mfn


@dataclass
class _Snapshot:
    token: str | None
    agreements: dict[str, AgreementData]
    non_mfn: frozenset[str]
    lines: dict[str, HsLineData] = field(default_factory=dict)
    missing: set[str] = field(default_factory=set)
    complete: bool = False


class _TariffCache:
    """The per-process snapshot, checked against the database token on every use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._snapshot: _Snapshot | None = None

    def clear(self) -> None:
        with self._lock:
            self._snapshot = None

    def tariff(self, codes: set[str] | None, token: str | None = None) -> Tariff:
        from .models import TariffVersion

        if token is None:
            token = TariffVersion.objects.filter(pk=1).values_list("token", flat=True).first()
        with self._lock:
            snap = self._snapshot
            if snap is None or snap.token != token:
                snap = self._snapshot = _Snapshot(
                    token=token, agreements=_fetch_agreements(), non_mfn=_fetch_non_mfn()
                )
            if codes is None:
                if not snap.complete:
                    snap.lines = _fetch_lines(None)
                    snap.missing.clear()
                    snap.complete = True
                lines = dict(snap.lines)
            else:
                wanted = codes if snap.complete else codes - snap.lines.keys() - snap.missing
                if wanted and not snap.complete:
                    found = _fetch_lines(wanted)
                    snap.lines.update(found)
                    if len(snap.missing) > _MAX_REMEMBERED_MISSING:
                        snap.missing.clear()
                    snap.missing.update(wanted - found.keys())
                lines = {c: snap.lines[c] for c in codes if c in snap.lines}
            return Tariff(lines=lines, agreements=snap.agreements, non_mfn=snap.non_mfn)


_cache = _TariffCache()


def tariff_token_sql() -> str:
    """A scalar subquery reading the tariff's token, for a caller that reads several caches'
    tokens in one statement and hands this one to `Tariff.load(token=...)`."""
    from .models import TariffVersion

    return f"(SELECT token FROM {TariffVersion._meta.db_table} WHERE id = 1)"  # noqa: S608


def tariff_cache_clear() -> None:
    """Forget this process's snapshot (the next `Tariff.load` re-reads the database)."""
    _cache.clear()


def _fetch_agreements() -> dict[str, AgreementData]:
    from .models import Agreement, AgreementParty

    parties: dict[str, dict[str, date | None]] = {}
    for agreement_id, country, joined in AgreementParty.objects.values_list(
        "agreement_id", "country_code", "joined_on"
    ):
        parties.setdefault(agreement_id, {})[country] = joined
    return {
        a.code: AgreementData(
            code=a.code,
            name=a.name,
            co_form=a.co_form,
            co_validity_days=a.co_validity_days,
            in_force_from=a.in_force_from,
            parties=MappingProxyType(parties.get(a.code, {})),
        )
        for a in Agreement.objects.all()
    }


def _fetch_non_mfn() -> frozenset[str]:
    from haiquan.refdata.models import Country

    return frozenset(Country.objects.filter(mfn=False).values_list("code", flat=True))


_LINE_FIELDS = (
    "code",
    "unit",
    "mfn_rate",
    "general_rate",
    "specific_duty_vnd",
    "export_rate",
    "vat_rate",
    "sct_rate",
    "env_tax_vnd_per_unit",
    "env_tax_unit",
    "valid_from",
    "valid_to",
    "description_vi",
    "description_en",
)


def _fetch_lines(codes: set[str] | None) -> dict[str, HsLineData]:
    from .models import HsLine, PreferentialRate

    lines_qs = HsLine.objects.values_list(*_LINE_FIELDS)
    rates_qs = PreferentialRate.objects.values_list("hs_line_id", "agreement_id", "rate")
    if codes is not None:
        lines_qs = lines_qs.filter(code__in=codes)
        rates_qs = rates_qs.filter(hs_line_id__in=codes)
    prefs: dict[str, dict[str, Decimal]] = {}
    for code, agreement, rate in rates_qs:
        prefs.setdefault(code, {})[agreement] = rate
    out: dict[str, HsLineData] = {}
    for row in lines_qs:
        values = dict(zip(_LINE_FIELDS, row, strict=True))
        out[row[0]] = HsLineData(**values, preferential=MappingProxyType(prefs.get(row[0], {})))
    return out
