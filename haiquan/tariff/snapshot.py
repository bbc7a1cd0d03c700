"""An in-memory, read-only view of the tariff for the duty computation.

Registration computes duties for every declaration, hundreds a second, so the tariff is not
re-read from the database each time. Each process keeps one snapshot:

* the agreements with their parties (and schedules), the origins without MFN treatment, the
  trade remedies, tariff quotas and AHTN 2017 correlation, loaded whole (small tables);
* the HS lines with their dated rates, fetched on first use per code and kept, so a busy
  process ends up holding the lines it actually sees; `Tariff.load(None)` fetches them all.

Invalidation: the loaders and the admin write a new random token into `TariffVersion` in the
transaction of their change (`services.tariff_changed`). Each `Tariff.load` reads that token
(one single-row query) and throws its snapshot away when the token differs. A change made by any
other means (raw SQL, a shell) must call `tariff_changed()` too; so must a change of a country's
MFN treatment in reference data (`refdata_load_all` reloads the tariff after the countries, which
does it).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import MappingProxyType

from .normalise import hs_code_normalise

ONE_AND_A_HALF = Decimal("1.5")
ZERO = Decimal(0)
# Codes looked up and not found are remembered (so a wrong code does not cost a query on every
# call) up to this many; past it the memory is simply cleared.
_MAX_REMEMBERED_MISSING = 10_000


def _covers(valid_from: date, valid_to: date | None, day: date) -> bool:
    return valid_from <= day and (valid_to is None or day <= valid_to)


@dataclass(frozen=True, slots=True)
class RatePeriod:
    """A line's MFN and ordinary rates over a period (see `models.LineRate`)."""

    valid_from: date
    valid_to: date | None
    mfn_rate: Decimal | None
    general_rate: Decimal | None  # the schedule's own ordinary rate; None: 150% of MFN
    specific_duty_vnd: Decimal | None = None
    mfn_out_of_quota: Decimal | None = None
    general_out_of_quota: Decimal | None = None
    note: str = ""

    def covers(self, day: date) -> bool:
        return _covers(self.valid_from, self.valid_to, day)

    @property
    def ordinary_rate(self) -> Decimal | None:
        if self.general_rate is not None:
            return self.general_rate
        return None if self.mfn_rate is None else self.mfn_rate * ONE_AND_A_HALF

    @property
    def ordinary_out_of_quota(self) -> Decimal | None:
        if self.general_out_of_quota is not None:
            return self.general_out_of_quota
        if self.mfn_out_of_quota is None:
            return None
        return self.mfn_out_of_quota * ONE_AND_A_HALF

    @property
    def has_quota(self) -> bool:
        return self.mfn_out_of_quota is not None


@dataclass(frozen=True, slots=True)
class PrefRate:
    """A special preferential rate over a period. `rate` None: excluded ("*")."""

    rate: Decimal | None
    valid_from: date
    valid_to: date | None = None
    out_of_quota: Decimal | None = None
    excluded_origins: frozenset[str] = frozenset()
    note: str = ""

    def covers(self, day: date) -> bool:
        return _covers(self.valid_from, self.valid_to, day)


@dataclass(frozen=True, slots=True)
class HsLineData:
    """What the duty computation needs to know about one national tariff line."""

    code: str
    unit: str
    export_rate: Decimal
    vat_rate: Decimal
    sct_rate: Decimal | None
    env_tax_vnd_per_unit: Decimal | None
    env_tax_unit: str
    valid_from: date
    valid_to: date | None
    description_vi: str = ""
    description_en: str = ""
    context_vi: str = ""
    context_en: str = ""
    # Dated MFN/ordinary rates, oldest first.
    rates: tuple[RatePeriod, ...] = ()
    # (agreement, schedule) → dated preferential rates, oldest first.
    prefs: Mapping[tuple[str, str], tuple[PrefRate, ...]] = field(default_factory=dict)

    def in_force_on(self, day: date) -> bool:
        return _covers(self.valid_from, self.valid_to, day)

    def rate_on(self, day: date) -> RatePeriod | None:
        for period in reversed(self.rates):
            if period.covers(day):
                return period
        return None

    def preferential_on(self, agreement: str, schedule: str, day: date) -> PrefRate | None:
        """The agreement's rate for goods of a party taking `schedule`, on `day`: the party's own
        schedule, else the agreement's common one. None when the decree gives none."""
        for key in ((agreement, schedule), (agreement, "")) if schedule else ((agreement, ""),):
            for rate in reversed(self.prefs.get(key, ())):
                if rate.covers(day):
                    return rate
        return None

    # The latest rates, for what reads the tariff without a day (demo prices, risk features).

    @property
    def latest(self) -> RatePeriod | None:
        return self.rates[-1] if self.rates else None

    @property
    def mfn_rate(self) -> Decimal:
        latest = self.latest
        return latest.mfn_rate if latest is not None and latest.mfn_rate is not None else ZERO

    @property
    def general_rate(self) -> Decimal | None:
        latest = self.latest
        return latest.general_rate if latest is not None else None

    @property
    def ordinary_rate(self) -> Decimal:
        latest = self.latest
        rate = latest.ordinary_rate if latest is not None else None
        return rate if rate is not None else ZERO

    @property
    def specific_duty_vnd(self) -> Decimal | None:
        latest = self.latest
        return latest.specific_duty_vnd if latest is not None else None

    @property
    def preferential(self) -> Mapping[str, Decimal]:
        """agreement → the latest rate every schedule of it grants (its highest), leaving out
        agreements that exclude the line in any schedule."""
        out: dict[str, Decimal] = {}
        excluded: set[str] = set()
        for (agreement, _schedule), periods in self.prefs.items():
            rate = periods[-1].rate if periods else None
            if rate is None:
                excluded.add(agreement)
            elif agreement not in out or rate > out[agreement]:
                out[agreement] = rate
        return {a: r for a, r in out.items() if a not in excluded}


@dataclass(frozen=True, slots=True)
class AgreementData:
    code: str
    name: str
    co_form: str
    co_validity_days: int
    in_force_from: date | None
    # party country code → the day the agreement applies to it from (None: since entry into force)
    parties: Mapping[str, date | None]
    # party country code → the schedule of Vietnam's commitments its goods take ("" = common)
    schedules: Mapping[str, str] = field(default_factory=dict)

    def in_force_for(self, country: str, day: date) -> bool:
        """Whether the agreement applies between Vietnam and `country` on `day`."""
        if country not in self.parties:
            return False
        starts = [d for d in (self.in_force_from, self.parties[country]) if d is not None]
        return all(day >= d for d in starts)

    def schedule_of(self, country: str) -> str:
        return self.schedules.get(country, "")


@dataclass(frozen=True, slots=True)
class RemedyRateData:
    producer: str  # as the decision names it; "" for the residual rate
    key: str  # folded for matching (`models.producer_key`)
    rate: Decimal | None
    specific_vnd: Decimal | None
    unit: str


@dataclass(frozen=True, slots=True)
class RemedyData:
    """A trade remedy on some lines (see `models.TradeRemedy`)."""

    code: str
    kind: str
    title_vi: str
    title_en: str
    legal_basis: str
    origins: frozenset[str]  # empty: every origin
    exempt_origins: frozenset[str]
    valid_from: date
    valid_to: date | None
    rates: tuple[RemedyRateData, ...]

    def applies(self, origin: str, day: date) -> bool:
        if not _covers(self.valid_from, self.valid_to, day):
            return False
        if origin in self.exempt_origins:
            return False
        return not self.origins or origin in self.origins

    def rate_for(self, names: Iterable[str]) -> RemedyRateData | None:
        """The named producer's/exporter's rate when one of `names` is it, else the residual."""
        from .models import producer_key

        keys = {producer_key(n) for n in names if n}
        keys.discard("")
        residual = None
        for r in self.rates:
            if not r.key:
                residual = r
            elif r.key in keys:
                return r
        return residual


@dataclass(frozen=True, slots=True)
class QuotaData:
    """A tariff-rate quota: the lines it covers, counted in `unit`, over a period."""

    code: str
    name_vi: str
    name_en: str
    legal_basis: str
    unit: str
    valid_from: date
    valid_to: date

    def covers(self, day: date) -> bool:
        return _covers(self.valid_from, self.valid_to, day)


class Tariff:
    """HS lines, agreements, origins without MFN treatment, trade remedies and quotas.

    Build one directly (tests, what-if calculations) or get the current one with `Tariff.load`.
    """

    __slots__ = ("agreements", "correlation", "lines", "non_mfn", "quotas", "remedies")

    def __init__(
        self,
        *,
        lines: Mapping[str, HsLineData],
        agreements: Mapping[str, AgreementData],
        non_mfn: Iterable[str] = (),
        remedies: Mapping[str, tuple[RemedyData, ...]] | None = None,
        quotas: Mapping[str, tuple[QuotaData, ...]] | None = None,
        correlation: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        self.lines = MappingProxyType(dict(lines))
        self.agreements = MappingProxyType(dict(agreements))
        self.non_mfn = frozenset(non_mfn)
        # HS code → the remedies / quotas naming it; AHTN 2017 code → the lines it became
        self.remedies = MappingProxyType(dict(remedies or {}))
        self.quotas = MappingProxyType(dict(quotas or {}))
        self.correlation = MappingProxyType(dict(correlation or {}))

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

    def remedies_on(self, code: str, origin: str, day: date) -> list[RemedyData]:
        return [r for r in self.remedies.get(code, ()) if r.applies(origin, day)]

    def quota_on(self, code: str, day: date) -> QuotaData | None:
        for quota in self.quotas.get(code, ()):
            if quota.covers(day):
                return quota
        return None

    def preference_for(
        self, line: HsLineData, agreement: str, origin: str, day: date
    ) -> Decimal | None:
        """The special rate `origin`'s goods of this line get under `agreement` on `day`, or
        None when they get none (not a party, excluded, origin excluded, not in force)."""
        a = self.agreements.get(agreement)
        if a is None or not a.in_force_for(origin, day):
            return None
        pref = line.preferential_on(agreement, a.schedule_of(origin), day)
        if pref is None or pref.rate is None or origin in pref.excluded_origins:
            return None
        return pref.rate


@dataclass
class _Snapshot:
    token: str | None
    agreements: dict[str, AgreementData]
    non_mfn: frozenset[str]
    remedies: dict[str, tuple[RemedyData, ...]]
    quotas: dict[str, tuple[QuotaData, ...]]
    correlation: dict[str, tuple[str, ...]]
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
        from .correlation import correlation_map
        from .models import TariffVersion

        if token is None:
            token = TariffVersion.objects.filter(pk=1).values_list("token", flat=True).first()
        with self._lock:
            snap = self._snapshot
            if snap is None or snap.token != token:
                snap = self._snapshot = _Snapshot(
                    token=token,
                    agreements=_fetch_agreements(),
                    non_mfn=_fetch_non_mfn(),
                    remedies=_fetch_remedies(),
                    quotas=_fetch_quotas(),
                    correlation=correlation_map(),
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
            return Tariff(
                lines=lines,
                agreements=snap.agreements,
                non_mfn=snap.non_mfn,
                remedies=snap.remedies,
                quotas=snap.quotas,
                correlation=snap.correlation,
            )


_cache = _TariffCache()


def tariff_token_sql() -> str:
    """A scalar subquery reading the tariff's token, for a caller that reads several caches'
    tokens in one statement and hands this one to `Tariff.load(token=...)`."""
    from .models import TariffVersion

    return f"(SELECT token FROM {TariffVersion._meta.db_table} WHERE id = 1)"  # noqa: S608


def tariff_token_seen() -> str | None:
    """The token of this process's snapshot, as last checked against the database (by the
    registration now running, on its hot path): for caches that follow the tariff's without a
    query of their own."""
    snap = _cache._snapshot
    return snap.token if snap is not None else None


def tariff_cache_clear() -> None:
    """Forget this process's snapshot (the next `Tariff.load` re-reads the database)."""
    _cache.clear()


def _fetch_agreements() -> dict[str, AgreementData]:
    from .models import Agreement, AgreementParty

    parties: dict[str, dict[str, date | None]] = {}
    schedules: dict[str, dict[str, str]] = {}
    for agreement_id, country, joined, schedule in AgreementParty.objects.values_list(
        "agreement_id", "country_code", "joined_on", "schedule"
    ):
        parties.setdefault(agreement_id, {})[country] = joined
        if schedule:
            schedules.setdefault(agreement_id, {})[country] = schedule
    return {
        a.code: AgreementData(
            code=a.code,
            name=a.name,
            co_form=a.co_form,
            co_validity_days=a.co_validity_days,
            in_force_from=a.in_force_from,
            parties=MappingProxyType(parties.get(a.code, {})),
            schedules=MappingProxyType(schedules.get(a.code, {})),
        )
        for a in Agreement.objects.all()
    }


def _fetch_non_mfn() -> frozenset[str]:
    from haiquan.refdata.models import Country

    return frozenset(Country.objects.filter(mfn=False).values_list("code", flat=True))


def _fetch_remedies() -> dict[str, tuple[RemedyData, ...]]:
    from .models import TradeRemedy, TradeRemedyRate

    rates: dict[int, list[RemedyRateData]] = {}
    for remedy_id, producer, key, rate, specific, unit in TradeRemedyRate.objects.values_list(
        "remedy_id", "producer", "producer_key", "rate", "specific_vnd", "unit"
    ):
        rates.setdefault(remedy_id, []).append(RemedyRateData(producer, key, rate, specific, unit))
    by_code: dict[str, list[RemedyData]] = {}
    for remedy in TradeRemedy.objects.prefetch_related("lines").order_by("code"):
        data = RemedyData(
            code=remedy.code,
            kind=remedy.kind,
            title_vi=remedy.title_vi,
            title_en=remedy.title_en,
            legal_basis=remedy.legal_basis,
            origins=frozenset(remedy.origins or ()),
            exempt_origins=frozenset(remedy.exempt_origins or ()),
            valid_from=remedy.valid_from,
            valid_to=remedy.valid_to,
            rates=tuple(rates.get(remedy.pk, ())),
        )
        for line in remedy.lines.all():
            by_code.setdefault(line.code, []).append(data)
    return {code: tuple(found) for code, found in by_code.items()}


def _fetch_quotas() -> dict[str, tuple[QuotaData, ...]]:
    from .models import TariffQuota

    by_code: dict[str, list[QuotaData]] = {}
    for quota in TariffQuota.objects.prefetch_related("lines").order_by("valid_from"):
        data = QuotaData(
            code=quota.code,
            name_vi=quota.name_vi,
            name_en=quota.name_en,
            legal_basis=quota.legal_basis,
            unit=quota.unit,
            valid_from=quota.valid_from,
            valid_to=quota.valid_to,
        )
        for line in quota.lines.all():
            by_code.setdefault(line.code, []).append(data)
    return {code: tuple(found) for code, found in by_code.items()}


_LINE_FIELDS = (
    "code",
    "unit",
    "export_rate",
    "vat_rate",
    "sct_rate",
    "env_tax_vnd_per_unit",
    "env_tax_unit",
    "valid_from",
    "valid_to",
    "description_vi",
    "description_en",
    "context_vi",
    "context_en",
)
_RATE_FIELDS = (
    "hs_line_id",
    "valid_from",
    "valid_to",
    "mfn_rate",
    "ordinary_rate",
    "specific_duty_vnd",
    "mfn_out_of_quota_rate",
    "ordinary_out_of_quota_rate",
    "rate_note",
)


def _parse_preferential(
    text: str, valid_from: date, valid_to: date | None, shared: dict[tuple, PrefRate]
) -> dict[tuple[str, str], PrefRate]:
    out: dict[tuple[str, str], PrefRate] = {}
    for key, entry in json.loads(text or "{}").items():
        agreement, _slash, schedule = key.partition("/")
        rate, oq = entry.get("rate"), entry.get("oq")
        excluded = tuple(entry.get("excluded") or ())
        cell = (rate, valid_from, valid_to, oq, excluded, entry.get("note", ""))
        found = shared.get(cell)
        if found is None:
            found = shared[cell] = PrefRate(
                None if rate is None else Decimal(rate),
                valid_from,
                valid_to,
                None if oq is None else Decimal(oq),
                frozenset(excluded),
                cell[5],
            )
        out[(agreement, schedule)] = found
    return out


def _fetch_lines(codes: set[str] | None) -> dict[str, HsLineData]:
    from django.db.models import TextField
    from django.db.models.functions import Cast

    from .models import HsLine, LineRate

    lines_qs = HsLine.objects.values_list(*_LINE_FIELDS)
    # The preferential rates as text: the tariff's lines share a few thousand distinct sets,
    # each parsed once and the parsed mapping shared.
    rates_qs = (
        LineRate.objects.annotate(pref_text=Cast("preferential", output_field=TextField()))
        .values_list(*_RATE_FIELDS, "pref_text")
        .order_by("hs_line_id", "valid_from")
    )
    if codes is not None:
        lines_qs = lines_qs.filter(code__in=codes)
        rates_qs = rates_qs.filter(hs_line_id__in=codes)
    rates: dict[str, list[RatePeriod]] = {}
    prefs: dict[str, Mapping[tuple[str, str], tuple[PrefRate, ...]]] = {}
    shared: dict[tuple, PrefRate] = {}
    parsed: dict[tuple[str, date, date | None], Mapping[tuple[str, str], tuple[PrefRate, ...]]] = {}
    for (
        code,
        vfrom,
        vto,
        mfn,
        general,
        specific,
        mfn_oq,
        general_oq,
        note,
        text,
    ) in rates_qs.iterator(chunk_size=5000):
        periods = rates.setdefault(code, [])
        periods.append(RatePeriod(vfrom, vto, mfn, general, specific, mfn_oq, general_oq, note))
        key = (text, vfrom, vto)
        one = parsed.get(key)
        if one is None:
            one = parsed[key] = MappingProxyType(
                {k: (v,) for k, v in _parse_preferential(text, vfrom, vto, shared).items()}
            )
        if len(periods) == 1:
            prefs[code] = one
        else:  # several periods: each agreement's rates over them, oldest first
            merged = {k: tuple(v) for k, v in prefs.get(code, {}).items()}
            for k, v in one.items():
                merged[k] = merged.get(k, ()) + v
            prefs[code] = MappingProxyType(merged)
    out: dict[str, HsLineData] = {}
    empty: Mapping[tuple[str, str], tuple[PrefRate, ...]] = MappingProxyType({})
    for row in lines_qs.iterator(chunk_size=5000):
        values = dict(zip(_LINE_FIELDS, row, strict=True))
        code = row[0]
        out[code] = HsLineData(
            **values, rates=tuple(rates.get(code, ())), prefs=prefs.get(code, empty)
        )
    return out
