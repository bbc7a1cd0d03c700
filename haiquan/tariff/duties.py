"""The duties and taxes on a declaration: customs value, import or export duty, special
consumption tax (thuế TTĐB), environmental protection tax (thuế BVMT) and VAT.

One function, `compute_duties`, used by registration, amendment, the pages' preview and the
API alike. Every amount is computed per goods line, in VND, rounded half-up to the whole đồng;
the declaration's totals are the sums of the rounded line amounts.

How each amount is built:

* Customs value (trị giá hải quan), imports: the CIF value. EXW/FCA/FAS/FOB prices have the
  declared freight and insurance added, CFR/CPT prices the insurance only, CIF/CIP/DAP/DPU/DDP
  prices are taken as invoiced. Exports: the FOB value; freight and insurance declared on
  CFR/CPT (freight) or CIF/CIP/DAP/DPU/DDP (both) terms are deducted from the price, EXW/FCA/
  FAS/FOB prices are taken as invoiced. Freight and insurance are shared among the lines in
  proportion to their values (`allocate`). The line value with its share, times the exchange
  rate, is the line's customs value in VND.
* Import duty: customs value x rate (+ quantity x specific amount where the line has one), at
  the rates in force on the registration day. The rate is the special preferential rate of an
  FTA when the claim holds (origin a party, the line has a rate under the schedule the origin
  takes — RCEP has one per partner group — that origin is not excluded from it, a C/O within
  its validity), the MFN rate for an origin with most-favoured-nation treatment, otherwise the
  ordinary rate (150% of MFN unless the schedule sets one). An FTA rate higher than the MFN rate
  gives way to MFN.
* Tariff-rate quota (hạn ngạch thuế quan): on a line with in- and out-of-quota rates, the
  quantity within what is left of the importer's allocation (`DeclarationIn.quota_balances`,
  drawn in line order) pays the in-quota rate, the rest the out-of-quota rate.
* Trade remedies (anti-dumping, countervailing, safeguard): customs value x the rate of the
  named producer or exporter (`LineIn.producer`, `DeclarationIn.exporter`), else the residual
  rate, for goods of the origins the measure covers, while it is in force.
* Special consumption tax: (customs value + import duty) x rate.
* Environmental protection tax: quantity x amount per unit.
* VAT: (customs value + import duty + trade remedy duties + SCT + environmental tax) x rate;
  0% on exports.
* Export duty: customs value x export rate.

The declaration type decides what applies: "dutiable" everything above, "exempt" no import or
export duty (the taxes still apply to imports), "not_subject" nothing at all.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

import pycountry
from django.utils.formats import get_format
from django.utils.translation import get_language, gettext

from haiquan.core.problems import FieldProblem, ValidationFailed

from .choices import RateKind, RemedyKind, UnitCode
from .normalise import hs_code_is_valid, hs_code_normalise, unit_factor, unit_normalise
from .snapshot import AgreementData, HsLineData, PrefRate, QuotaData, RatePeriod, Tariff

# The language `compute_duties` writes its notes in, while it runs: each note's template is looked
# up once per language (`_`) instead of through Django's gettext for every line of every
# declaration (a tenth of the demo generator's time went there).
_NOTES_LANGUAGE: ContextVar[str | None] = ContextVar("duties_notes_language", default=None)


@functools.lru_cache(maxsize=1024)
def _translated(language: str, message: str) -> str:
    # Called only while `language` is the active language (`compute_duties` sets it).
    return gettext(message)


def _(message: str) -> str:
    language = _NOTES_LANGUAGE.get()
    return gettext(message) if language is None else _translated(language, message)


__all__ = [
    "DeclarationDuties",
    "DeclarationIn",
    "LineDuties",
    "LineIn",
    "RemedyDuty",
    "Tariff",
    "allocate",
    "compute_duties",
]

ZERO = Decimal(0)
HUNDRED = Decimal(100)
ONE_AND_A_HALF = Decimal("1.5")
CENT = Decimal("0.01")

IMPORT, EXPORT = "import", "export"
DUTIABLE, EXEMPT, NOT_SUBJECT = "dutiable", "exempt", "not_subject"
INCOTERMS = ("EXW", "FCA", "FAS", "FOB", "CFR", "CIF", "CPT", "CIP", "DAP", "DPU", "DDP")
# Which of the declared freight and insurance an import price lacks (they are added) ...
_IMPORT_ADD = {
    **dict.fromkeys(("EXW", "FCA", "FAS", "FOB"), (True, True)),
    **dict.fromkeys(("CFR", "CPT"), (False, True)),
    **dict.fromkeys(("CIF", "CIP", "DAP", "DPU", "DDP"), (False, False)),
}
# ... and which an export price includes beyond FOB (they are deducted).
_EXPORT_DEDUCT = {
    **dict.fromkeys(("EXW", "FCA", "FAS", "FOB"), (False, False)),
    **dict.fromkeys(("CFR", "CPT"), (True, False)),
    **dict.fromkeys(("CIF", "CIP", "DAP", "DPU", "DDP"), (True, True)),
}


@dataclass(frozen=True)
class LineIn:
    hs_code: str
    origin: str  # ISO 3166 alpha-2
    quantity: Decimal
    unit: str
    value: Decimal  # the line's invoice value, in the invoice currency
    preference: str = ""  # agreement code claimed ("ATIGA"...), "" when none
    co_number: str = ""  # certificate of origin reference backing the claim
    co_date: date | None = None
    # What evidence outside the tariff said of the claim (clearance.hooks preference verifiers):
    preference_refused: str = ""  # the claim is refused for this reason: the fallback rate applies
    preference_note: str = ""  # the claim stands; this is said with it
    document_check: str = ""  # the claim rests on paper: its certificate is to be checked
    producer: str = ""  # the manufacturer, when the line names one (trade remedies)


@dataclass(frozen=True)
class DeclarationIn:
    flow: str  # "import" | "export"
    duty_treatment: str  # "dutiable" | "exempt" | "not_subject" (from the declaration type)
    incoterm: str  # EXW FCA FAS FOB CFR CIF CPT CIP DAP DPU DDP
    exchange_rate: Decimal  # VND per one unit of the invoice currency
    freight: Decimal  # for the whole declaration, invoice currency (0 when included)
    insurance: Decimal
    on_day: date  # the registration day
    lines: Sequence[LineIn]
    exporter: str = ""  # the foreign seller/exporter (trade remedies name producers/exporters)
    # Tariff-rate quotas: quota code → what is left of the importer's allocation, in the
    # quota's unit (`quotas.quota_balances`); a quota not listed has nothing left.
    quota_balances: Mapping[str, Decimal] | None = None


@dataclass
class LineDuties:
    customs_value_vnd: Decimal
    import_rate: Decimal | None
    import_rate_kind: str  # "mfn" | "preferential" | "general" | "exempt" | "not_subject" | ""
    agreement: str  # agreement applied, "" if none
    import_duty_vnd: Decimal
    export_rate: Decimal | None
    export_duty_vnd: Decimal
    sct_rate: Decimal | None
    sct_vnd: Decimal
    env_tax_vnd: Decimal
    vat_rate: Decimal | None
    vat_vnd: Decimal
    total_vnd: Decimal
    notes: list[str] = field(default_factory=list)  # what was applied and why, in plain words
    document_check: str = ""  # the line's preference claim rests on a paper certificate
    remedy_vnd: Decimal = ZERO  # trade remedy duties (anti-dumping, countervailing, safeguard)
    remedies: list[RemedyDuty] = field(default_factory=list)
    quota: str = ""  # the tariff-rate quota the line falls under, "" if none
    in_quota_quantity: Decimal = ZERO  # drawn from the importer's allocation, quota unit


@dataclass(frozen=True)
class RemedyDuty:
    """One trade remedy duty on a line, with its legal reason."""

    code: str  # the case, e.g. "AD20"
    kind: str  # RemedyKind
    legal_basis: str
    producer: str  # the producer/exporter named in the decision, "" for the residual rate
    rate: Decimal | None
    amount_vnd: Decimal


@dataclass
class DeclarationDuties:
    lines: list[LineDuties]
    customs_value_vnd: Decimal
    import_duty_vnd: Decimal
    export_duty_vnd: Decimal
    sct_vnd: Decimal
    env_tax_vnd: Decimal
    vat_vnd: Decimal
    total_vnd: Decimal
    remedy_vnd: Decimal = ZERO


def compute_duties(decl: DeclarationIn, tariff: Tariff | None = None) -> DeclarationDuties:
    """Every duty and tax due on the declaration, line by line, in whole VND.

    Raises `ValidationFailed` listing every problem of every line at once (unknown HS code,
    wrong unit, a preference claim that does not hold...); the declarant fixes them or drops
    the claim. `tariff` defaults to the current tariff (`Tariff.load`, cached per process).
    """
    problems = _check_header(decl)
    if tariff is None:
        tariff = Tariff.load(line.hs_code for line in decl.lines)
    lines = [_resolve_line(i, line, decl, tariff, problems) for i, line in enumerate(decl.lines)]
    if problems:
        raise ValidationFailed(problems)

    language = get_language()
    fmt = _number_format(language or "vi")
    token = _NOTES_LANGUAGE.set(language)
    try:
        bases = _customs_values(decl, fmt)
        # What is left of each quota allocation, drawn line by line.
        balances = dict(decl.quota_balances or {})
        out = [
            _line_duties(decl, line, hs, rate, basis, fmt, tariff, balances)
            for line, (hs, rate), basis in zip(decl.lines, lines, bases, strict=True)
        ]
    finally:
        _NOTES_LANGUAGE.reset(token)
    return DeclarationDuties(
        lines=out,
        customs_value_vnd=sum((d.customs_value_vnd for d in out), ZERO),
        import_duty_vnd=sum((d.import_duty_vnd for d in out), ZERO),
        export_duty_vnd=sum((d.export_duty_vnd for d in out), ZERO),
        sct_vnd=sum((d.sct_vnd for d in out), ZERO),
        env_tax_vnd=sum((d.env_tax_vnd for d in out), ZERO),
        vat_vnd=sum((d.vat_vnd for d in out), ZERO),
        total_vnd=sum((d.total_vnd for d in out), ZERO),
        remedy_vnd=sum((d.remedy_vnd for d in out), ZERO),
    )


def allocate(total: Decimal, weights: Sequence[Decimal], step: Decimal = CENT) -> list[Decimal]:
    """Share `total` among lines in proportion to `weights` (the line values).

    Each share is rounded down to `step` (a cent); what rounding leaves over goes to the line
    with the largest weight (the first of equals), so the shares add up to `total` exactly and
    none is negative. Lines of zero value share equally when every weight is zero.
    """
    n = len(weights)
    if n == 0:
        return []
    weight_sum = sum(weights, ZERO)
    if weight_sum <= 0:
        weights, weight_sum = [Decimal(1)] * n, Decimal(n)
    shares = [(total * w / weight_sum).quantize(step, rounding=ROUND_DOWN) for w in weights]
    largest = max(range(n), key=lambda i: weights[i])
    shares[largest] += total - sum(shares, ZERO)
    return shares


def vnd(amount: Decimal) -> Decimal:
    """Round half-up to the whole đồng."""
    return amount.quantize(Decimal(1), rounding=ROUND_HALF_UP)


# --- validation -------------------------------------------------------------------------------


@functools.cache
def _countries() -> frozenset[str]:
    return frozenset(c.alpha_2 for c in pycountry.countries)


def _check_header(decl: DeclarationIn) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    if decl.flow not in (IMPORT, EXPORT):
        problems.append(FieldProblem("flow", _("must be 'import' or 'export'")))
    if decl.duty_treatment not in (DUTIABLE, EXEMPT, NOT_SUBJECT):
        problems.append(
            FieldProblem("duty_treatment", _("must be 'dutiable', 'exempt' or 'not_subject'"))
        )
    if decl.incoterm not in INCOTERMS:
        problems.append(
            FieldProblem(
                "incoterm",
                _("'%(term)s' is not an Incoterm; use one of %(terms)s")
                % {"term": decl.incoterm, "terms": ", ".join(INCOTERMS)},
                "unknown-incoterm",
            )
        )
    if decl.exchange_rate <= 0:
        problems.append(FieldProblem("exchange_rate", _("must be greater than zero")))
    for name in ("freight", "insurance"):
        if getattr(decl, name) < 0:
            problems.append(FieldProblem(name, _("must not be negative")))
    if not decl.lines:
        problems.append(
            FieldProblem("lines", _("a declaration needs at least one goods line"), "required")
        )
    if not problems and decl.flow == EXPORT:
        deduct_freight, deduct_insurance = _EXPORT_DEDUCT[decl.incoterm]
        deducted = (decl.freight if deduct_freight else ZERO) + (
            decl.insurance if deduct_insurance else ZERO
        )
        if deducted > sum((line.value for line in decl.lines), ZERO):
            problems.append(
                FieldProblem(
                    "freight",
                    _(
                        "freight and insurance exceed the invoice value; "
                        "the FOB value cannot be negative"
                    ),
                )
            )
    return problems


@dataclass(frozen=True)
class _Rate:
    """The import duty rate chosen for a line."""

    kind: str
    rate: Decimal | None
    specific: Decimal | None = None  # VND per unit
    agreement: AgreementData | None = None
    note: str = ""
    # For an FTA rate: the rate that would apply without the claim (it wins when lower).
    fallback: _Rate | None = None
    # Under a tariff-rate quota: `rate` applies within the quota, this beyond it.
    out_of_quota: Decimal | None = None
    quota: QuotaData | None = None


def _resolve_line(
    i: int, line: LineIn, decl: DeclarationIn, tariff: Tariff, problems: list[FieldProblem]
) -> tuple[HsLineData | None, _Rate | None]:
    """Check one line against the tariff; append its problems; return its line and rate."""
    at = f"lines[{i}]"
    if line.quantity <= 0:
        problems.append(FieldProblem(f"{at}.quantity", _("must be greater than zero")))
    if line.value < 0:
        problems.append(FieldProblem(f"{at}.value", _("must not be negative")))
    origin_known = line.origin in _countries()
    if not origin_known:
        problems.append(
            FieldProblem(
                f"{at}.origin",
                _("'%(code)s' is not an ISO 3166 country code") % {"code": line.origin},
                "unknown-country",
            )
        )

    code = hs_code_normalise(line.hs_code)
    hs = tariff.line(code) if hs_code_is_valid(code) else None
    if hs is None:
        problems.append(
            FieldProblem(
                f"{at}.hs_code",
                _("unknown HS code '%(code)s': the tariff has no such 8-digit line")
                % {"code": line.hs_code},
                "unknown-hs-code",
            )
        )
        return None, None
    if not hs.in_force_on(decl.on_day):
        problems.append(
            FieldProblem(
                f"{at}.hs_code",
                _("HS code %(code)s is not in force on %(day)s")
                % {"code": code, "day": decl.on_day},
                "hs-code-not-in-force",
            )
        )
    if unit_normalise(line.unit) != hs.unit:
        problems.append(
            FieldProblem(
                f"{at}.unit",
                _(
                    "the tariff unit of HS code %(code)s is %(unit)s (%(label)s); "
                    "declare the quantity in %(unit)s"
                )
                % {"code": code, "unit": hs.unit, "label": _unit_label(hs.unit)},
                "unit-mismatch",
            )
        )
    if decl.flow != IMPORT or decl.duty_treatment != DUTIABLE or not origin_known:
        return hs, None
    return hs, _import_rate(at, line, decl, tariff, hs, problems)


def _import_rate(
    at: str,
    line: LineIn,
    decl: DeclarationIn,
    tariff: Tariff,
    hs: HsLineData,
    problems: list[FieldProblem],
) -> _Rate | None:
    """The rate for a dutiable import: FTA when the claim holds, else MFN, else ordinary."""
    period = hs.rate_on(decl.on_day)
    if period is None or period.mfn_rate is None:
        problems.append(
            FieldProblem(
                f"{at}.hs_code",
                _("HS code %(code)s has no import duty rate in force on %(day)s")
                % {"code": hs.code, "day": decl.on_day}
                if period is None
                else _(
                    "the import duty of HS code %(code)s is not a percentage the tariff can apply: "
                    "%(note)s"
                )
                % {"code": hs.code, "note": period.note},
                "no-import-rate",
            )
        )
        return None
    quota = tariff.quota_on(hs.code, decl.on_day) if period.has_quota else None
    fallback = _fallback_rate(line, tariff, period, quota)
    claim = line.preference.strip().upper()
    if not claim:
        return fallback

    before = len(problems)
    agreement = tariff.agreement(claim)
    if agreement is None:
        problems.append(
            FieldProblem(
                f"{at}.preference",
                _(
                    "'%(claim)s' is not a trade agreement in the tariff; "
                    "use one of %(known)s or leave it empty"
                )
                % {"claim": line.preference, "known": ", ".join(sorted(tariff.agreements))},
                "unknown-agreement",
            )
        )
        return None
    _party_check(at, line, decl, agreement, problems)
    schedule = agreement.schedule_of(line.origin)
    pref = hs.preferential_on(agreement.code, schedule, decl.on_day)
    _preferential_check(at, line, hs, agreement, pref, problems)
    _co_check(at, line, decl, agreement, problems)
    if len(problems) > before or pref is None or pref.rate is None:
        return None
    if line.preference_refused:
        return _Rate(
            fallback.kind,
            fallback.rate,
            fallback.specific,
            note=_("The %(agreement)s preference is refused: %(reason)s")
            % {"agreement": agreement.code, "reason": line.preference_refused}
            + " "
            + fallback.note,
            out_of_quota=fallback.out_of_quota,
            quota=fallback.quota,
        )
    return _preferential_rate(line, agreement, schedule, pref, pref.rate, quota, fallback)


def _fallback_rate(
    line: LineIn, tariff: Tariff, period: RatePeriod, quota: QuotaData | None
) -> _Rate:
    """The rate without a preference: MFN for an origin with most-favoured-nation treatment,
    else the ordinary rate."""
    assert period.mfn_rate is not None
    if tariff.has_mfn(line.origin):
        return _Rate(
            RateKind.MFN,
            period.mfn_rate,
            period.specific_duty_vnd,
            note=_(
                "Import duty at the MFN rate %(rate)s%%: "
                "origin %(origin)s has most-favoured-nation treatment."
            )
            % {"rate": _pct(period.mfn_rate), "origin": line.origin},
            out_of_quota=period.mfn_out_of_quota,
            quota=quota,
        )
    ordinary = period.ordinary_rate or ZERO
    return _Rate(
        RateKind.GENERAL,
        ordinary,
        period.specific_duty_vnd * ONE_AND_A_HALF if period.specific_duty_vnd is not None else None,
        note=_(
            "Import duty at the ordinary rate %(rate)s%% (150%% of the MFN rate unless the "
            "schedule sets one): origin %(origin)s has no most-favoured-nation treatment."
        )
        % {"rate": _pct(ordinary), "origin": line.origin},
        out_of_quota=period.ordinary_out_of_quota,
        quota=quota,
    )


def _party_check(
    at: str,
    line: LineIn,
    decl: DeclarationIn,
    agreement: AgreementData,
    problems: list[FieldProblem],
) -> None:
    """The origin must be a party to the claimed agreement, in force for it on the day."""
    if line.origin == "VN":
        problems.append(
            FieldProblem(
                f"{at}.preference",
                _(
                    "goods originating in Viet Nam cannot claim a preference on import; "
                    "drop the claim"
                ),
                "not-a-party",
            )
        )
    elif line.origin not in agreement.parties:
        problems.append(
            FieldProblem(
                f"{at}.preference",
                _(
                    "origin %(origin)s is not a party to %(agreement)s; "
                    "drop the claim or correct the origin"
                )
                % {"origin": line.origin, "agreement": agreement.code},
                "not-a-party",
            )
        )
    elif not agreement.in_force_for(line.origin, decl.on_day):
        problems.append(
            FieldProblem(
                f"{at}.preference",
                _("%(agreement)s does not yet apply to goods from %(origin)s on %(day)s")
                % {"agreement": agreement.code, "origin": line.origin, "day": decl.on_day},
                "agreement-not-in-force",
            )
        )


def _preferential_check(
    at: str,
    line: LineIn,
    hs: HsLineData,
    agreement: AgreementData,
    pref: PrefRate | None,
    problems: list[FieldProblem],
) -> None:
    """The line must have a preferential rate under the agreement, granted to the origin."""
    if pref is None:
        problems.append(
            FieldProblem(
                f"{at}.preference",
                _("HS code %(code)s has no %(agreement)s preferential rate; drop the claim")
                % {"code": hs.code, "agreement": agreement.code},
                "no-preferential-rate",
            )
        )
    elif pref.rate is None:
        problems.append(
            FieldProblem(
                f"{at}.preference",
                _(
                    "HS code %(code)s is excluded from the %(agreement)s concessions (the "
                    "schedule writes '%(cell)s'): the %(agreement)s rate cannot be claimed; "
                    "drop the claim"
                )
                % {"code": hs.code, "agreement": agreement.code, "cell": pref.note or "*"},
                "excluded-from-agreement",
            )
        )
    elif line.origin in pref.excluded_origins:
        problems.append(
            FieldProblem(
                f"{at}.preference",
                _(
                    "the %(agreement)s rate of HS code %(code)s is not granted to goods from "
                    "%(origin)s (the schedule excludes %(excluded)s); drop the claim"
                )
                % {
                    "agreement": agreement.code,
                    "code": hs.code,
                    "origin": line.origin,
                    "excluded": ", ".join(sorted(pref.excluded_origins)),
                },
                "origin-excluded",
            )
        )


def _co_check(
    at: str,
    line: LineIn,
    decl: DeclarationIn,
    agreement: AgreementData,
    problems: list[FieldProblem],
) -> None:
    """The certificate of origin: given, dated, not after the day and still valid."""
    if not line.co_number.strip():
        problems.append(
            FieldProblem(
                f"{at}.co_number",
                _("a certificate of origin (form %(form)s) is required to claim %(agreement)s")
                % {"form": agreement.co_form, "agreement": agreement.code},
                "co-missing",
            )
        )
    if line.co_date is None:
        problems.append(
            FieldProblem(
                f"{at}.co_date", _("the date of the certificate of origin is required"), "required"
            )
        )
    elif line.co_date > decl.on_day:
        problems.append(
            FieldProblem(
                f"{at}.co_date",
                _("the certificate of origin is dated %(date)s, after the registration day %(day)s")
                % {"date": line.co_date, "day": decl.on_day},
                "co-in-future",
            )
        )
    elif decl.on_day - line.co_date > timedelta(days=agreement.co_validity_days):
        problems.append(
            FieldProblem(
                f"{at}.co_date",
                _(
                    "the certificate of origin dated %(date)s expired on %(expiry)s "
                    "(valid %(days)d days)"
                )
                % {
                    "date": line.co_date,
                    "expiry": line.co_date + timedelta(days=agreement.co_validity_days),
                    "days": agreement.co_validity_days,
                },
                "co-expired",
            )
        )


def _preferential_rate(
    line: LineIn,
    agreement: AgreementData,
    schedule: str,
    pref: PrefRate,
    pref_rate: Decimal,
    quota: QuotaData | None,
    fallback: _Rate,
) -> _Rate:
    """The FTA rate of a claim that holds, with the rate it must beat."""
    schedule_note = ""
    if schedule:
        schedule_note = " " + _(
            "(schedule %(schedule)s of %(agreement)s, for goods from %(origin)s)"
        ) % {"schedule": schedule, "agreement": agreement.code, "origin": line.origin}
    if pref.note and pref.note != "*":
        schedule_note += " " + _(
            "The schedule writes '%(cell)s' for this line: where it sets several rates for "
            "products within the line, the highest is applied."
        ) % {"cell": pref.note}
    return _Rate(
        RateKind.PREFERENTIAL,
        pref_rate,
        None,
        agreement,
        fallback=fallback,
        out_of_quota=pref.out_of_quota,
        quota=quota if pref.out_of_quota is not None else None,
        note=_(
            "Import duty at the %(agreement)s special preferential rate %(rate)s%%, on C/O "
            "%(co)s (form %(form)s) of %(date)s."
        )
        % {
            "agreement": agreement.code,
            "rate": _pct(pref_rate),
            "co": line.co_number.strip(),
            "form": agreement.co_form,
            "date": line.co_date,
        }
        + schedule_note
        + (" " + line.preference_note if line.preference_note else ""),
    )


# --- amounts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Basis:
    customs_value_vnd: Decimal
    note: str


def _customs_values(decl: DeclarationIn, fmt: _NumberFormat) -> list[_Basis]:
    """Each line's customs value in VND, with the freight and insurance shares it carries."""
    values = [line.value for line in decl.lines]
    if decl.flow == IMPORT:
        with_freight, with_insurance = _IMPORT_ADD[decl.incoterm]
        sign = Decimal(1)
    else:
        with_freight, with_insurance = _EXPORT_DEDUCT[decl.incoterm]
        sign = Decimal(-1)
    adjust = (decl.freight if with_freight else ZERO) + (decl.insurance if with_insurance else ZERO)
    shares = allocate(adjust, values) if adjust else [ZERO] * len(values)
    out = []
    for value, share in zip(values, shares, strict=True):
        cv = vnd((value + sign * share) * decl.exchange_rate)
        if share:
            if sign > 0:
                text = _(
                    "Customs value: (%(value)s + %(share)s freight and insurance) "
                    "x %(rate)s = %(cv)s VND."
                )
            else:
                text = _(
                    "Customs value (FOB): (%(value)s - %(share)s freight and insurance) "
                    "x %(rate)s = %(cv)s VND."
                )
        else:
            text = _("Customs value: %(value)s x %(rate)s = %(cv)s VND.")
        note = text % {
            "value": fmt.amount(value),
            "share": fmt.amount(share),
            "rate": fmt.amount(decl.exchange_rate),
            "cv": fmt.amount(cv),
        }
        out.append(_Basis(cv, note))
    return out


def _line_duties(
    decl: DeclarationIn,
    line: LineIn,
    hs: HsLineData | None,
    rate: _Rate | None,
    basis: _Basis,
    fmt: _NumberFormat,
    tariff: Tariff,
    balances: dict[str, Decimal],
) -> LineDuties:
    assert hs is not None  # lines without a tariff line were reported as problems
    cv = basis.customs_value_vnd
    notes = [basis.note]
    result = LineDuties(
        customs_value_vnd=cv,
        import_rate=None,
        import_rate_kind="",
        agreement="",
        import_duty_vnd=ZERO,
        export_rate=None,
        export_duty_vnd=ZERO,
        sct_rate=None,
        sct_vnd=ZERO,
        env_tax_vnd=ZERO,
        vat_rate=None,
        vat_vnd=ZERO,
        total_vnd=ZERO,
        notes=notes,
    )
    if decl.flow == EXPORT:
        _export_duties(decl, line, hs, result, fmt)
    elif decl.duty_treatment == NOT_SUBJECT:
        result.import_rate_kind = RateKind.NOT_SUBJECT.value
        notes.append(
            _("This type of import is not subject to import duty or taxes: nothing is due.")
        )
    else:
        _import_duties(decl, line, hs, rate, result, fmt, tariff, balances)
        if result.agreement and line.document_check:
            # The preferential rate stands on a certificate that an officer must see.
            result.document_check = line.document_check
    result.total_vnd = (
        result.import_duty_vnd
        + result.remedy_vnd
        + result.export_duty_vnd
        + result.sct_vnd
        + result.env_tax_vnd
        + result.vat_vnd
    )
    return result


def _export_duties(
    decl: DeclarationIn, line: LineIn, hs: HsLineData, result: LineDuties, fmt: _NumberFormat
) -> None:
    result.vat_rate = ZERO
    notes = result.notes
    if decl.duty_treatment != DUTIABLE:
        notes.append(_("This type of export is not subject to export duty: nothing is due."))
    else:
        result.export_rate = hs.export_rate
        result.export_duty_vnd = vnd(result.customs_value_vnd * hs.export_rate / HUNDRED)
        notes.append(
            _("Export duty at %(rate)s%% of the customs value: %(amount)s VND.")
            % {"rate": _pct(hs.export_rate), "amount": fmt.amount(result.export_duty_vnd)}
        )
    notes.append(_("Exports bear 0% VAT."))
    if line.preference.strip():
        notes.append(_("A preference claim has no effect on an export; it was ignored."))


def _import_duties(
    decl: DeclarationIn,
    line: LineIn,
    hs: HsLineData,
    rate: _Rate | None,
    result: LineDuties,
    fmt: _NumberFormat,
    tariff: Tariff,
    balances: dict[str, Decimal],
) -> None:
    notes = result.notes
    if decl.duty_treatment == EXEMPT:
        result.import_rate_kind = RateKind.EXEMPT.value
        notes.append(_("This type of import is exempt from import duty; the other taxes apply."))
        if line.preference.strip():
            notes.append(
                _("The preference claim is not needed on a duty-exempt import; it was ignored.")
            )
    else:
        assert rate is not None  # a dutiable import line without a rate was reported as a problem
        _import_duty(line, hs, rate, result, fmt, balances)
    _remedy_duties(decl, line, hs, result, fmt, tariff)
    _sct_and_env_tax(line, hs, result, fmt)
    _vat(hs, result, fmt)


def _import_duty(
    line: LineIn,
    hs: HsLineData,
    rate: _Rate,
    result: LineDuties,
    fmt: _NumberFormat,
    balances: dict[str, Decimal],
) -> None:
    """The import duty at the line's rate, or at its fallback when that gives less."""
    cv = result.customs_value_vnd
    notes = result.notes
    chosen, duty, in_quota = rate, *_duty(cv, line.quantity, hs.unit, rate, balances)
    fallback = rate.fallback
    if fallback is not None:
        fallback_duty, fallback_in = _duty(cv, line.quantity, hs.unit, fallback, balances)
        if fallback_duty < duty:
            notes.append(
                _(
                    "The %(kind)s rate %(rate)s%% gives less duty than the %(agreement)s rate "
                    "%(pref)s%%, so it applies instead."
                )
                % {
                    "kind": RateKind(fallback.kind).label,
                    "rate": _pct(fallback.rate or ZERO),
                    "agreement": rate.agreement.code if rate.agreement else "",
                    "pref": _pct(rate.rate or ZERO),
                }
            )
            chosen, duty, in_quota = fallback, fallback_duty, fallback_in
        else:
            notes.append(rate.note)
    else:
        notes.append(rate.note)
    result.import_rate = chosen.rate
    result.import_rate_kind = str(chosen.kind)
    result.agreement = chosen.agreement.code if chosen.agreement else ""
    result.import_duty_vnd = duty
    if chosen.out_of_quota is not None:
        _quota_notes(line, hs, chosen, in_quota, result, fmt, balances)
    if chosen.specific:
        notes.append(
            _("Plus a specific duty of %(amount)s VND per %(unit)s on %(qty)s %(unit)s.")
            % {
                "amount": fmt.amount(chosen.specific),
                "unit": hs.unit,
                "qty": fmt.amount(line.quantity),
            }
        )
    notes.append(_("Import duty: %(amount)s VND.") % {"amount": fmt.amount(duty)})


def _sct_and_env_tax(line: LineIn, hs: HsLineData, result: LineDuties, fmt: _NumberFormat) -> None:
    """Special consumption tax and environmental protection tax, where the line has them."""
    notes = result.notes
    if hs.sct_rate is not None:
        result.sct_rate = hs.sct_rate
        result.sct_vnd = vnd(
            (result.customs_value_vnd + result.import_duty_vnd) * hs.sct_rate / HUNDRED
        )
        notes.append(
            _(
                "Special consumption tax at %(rate)s%% of the customs value plus import duty: "
                "%(amount)s VND."
            )
            % {"rate": _pct(hs.sct_rate), "amount": fmt.amount(result.sct_vnd)}
        )
    if hs.env_tax_vnd_per_unit is not None:
        env_unit = hs.env_tax_unit or hs.unit
        factor = unit_factor(hs.unit, env_unit) or Decimal(1)  # the loader refuses other pairs
        env_quantity = line.quantity * factor
        result.env_tax_vnd = vnd(env_quantity * hs.env_tax_vnd_per_unit)
        notes.append(
            _("Environmental protection tax: %(qty)s %(unit)s x %(amount)s VND = %(tax)s VND.")
            % {
                "qty": fmt.amount(env_quantity),
                "unit": env_unit,
                "amount": fmt.amount(hs.env_tax_vnd_per_unit),
                "tax": fmt.amount(result.env_tax_vnd),
            }
        )


def _vat(hs: HsLineData, result: LineDuties, fmt: _NumberFormat) -> None:
    """VAT on the customs value plus every duty and tax before it."""
    result.vat_rate = hs.vat_rate
    vat_base = (
        result.customs_value_vnd
        + result.import_duty_vnd
        + result.remedy_vnd
        + result.sct_vnd
        + result.env_tax_vnd
    )
    result.vat_vnd = vnd(vat_base * hs.vat_rate / HUNDRED)
    if result.remedy_vnd:
        vat_text = _(
            "VAT at %(rate)s%% of %(base)s VND (customs value, import duty, trade remedy "
            "duties, special consumption and environmental taxes): %(amount)s VND."
        )
    else:
        vat_text = _(
            "VAT at %(rate)s%% of %(base)s VND (customs value, import duty, "
            "special consumption and "
            "environmental taxes): %(amount)s VND."
        )
    result.notes.append(
        vat_text
        % {
            "rate": _pct(hs.vat_rate),
            "base": fmt.amount(vat_base),
            "amount": fmt.amount(result.vat_vnd),
        }
    )


def _in_quota(
    quantity: Decimal, unit: str, rate: _Rate, balances: Mapping[str, Decimal]
) -> Decimal | None:
    """How much of the line (in its own unit) fits in what is left of the allocation; None when
    the rate has no quota part."""
    if rate.out_of_quota is None:
        return None
    if rate.quota is None:
        return ZERO
    left = balances.get(rate.quota.code, ZERO)
    factor = unit_factor(unit, rate.quota.unit)
    if factor is None or left <= 0:
        return ZERO
    return min(quantity, left / factor)


def _duty(
    cv: Decimal, quantity: Decimal, unit: str, rate: _Rate, balances: Mapping[str, Decimal]
) -> tuple[Decimal, Decimal | None]:
    """(duty, the quantity within the quota or None) for a line at this rate."""
    in_quota = _in_quota(quantity, unit, rate, balances)
    if in_quota is None or rate.out_of_quota is None or quantity <= 0:
        amount = cv * (rate.rate or ZERO) / HUNDRED
    else:
        share = in_quota / quantity
        amount = (
            cv * share * (rate.rate or ZERO) / HUNDRED
            + cv * (1 - share) * rate.out_of_quota / HUNDRED
        )
    if rate.specific:
        amount += quantity * rate.specific
    return vnd(amount), in_quota


def _quota_notes(
    line: LineIn,
    hs: HsLineData,
    rate: _Rate,
    in_quota: Decimal | None,
    result: LineDuties,
    fmt: _NumberFormat,
    balances: dict[str, Decimal],
) -> None:
    """Say how the quota split the line, and take what it used from the allocation left."""
    notes = result.notes
    quota = rate.quota
    in_quota = in_quota or ZERO
    out_quota = line.quantity - in_quota
    if quota is None:
        notes.append(
            _(
                "HS code %(code)s is under a tariff-rate quota but no quota is open on this day: "
                "the out-of-quota rate %(oq)s%% applies."
            )
            % {"code": hs.code, "oq": _pct(rate.out_of_quota or ZERO)}
        )
        result.import_rate = rate.out_of_quota
        return
    factor = unit_factor(hs.unit, quota.unit) or Decimal(1)
    drawn = in_quota * factor
    left = balances.get(quota.code, ZERO)
    balances[quota.code] = left - drawn
    result.quota = quota.code
    result.in_quota_quantity = drawn
    if in_quota <= 0:
        notes.append(
            _(
                "Tariff-rate quota %(quota)s: nothing is left of the importer's allocation, so "
                "the out-of-quota rate %(oq)s%% applies to all %(qty)s %(unit)s."
            )
            % {
                "quota": quota.code,
                "oq": _pct(rate.out_of_quota or ZERO),
                "qty": fmt.amount(line.quantity),
                "unit": hs.unit,
            }
        )
        result.import_rate = rate.out_of_quota
    elif out_quota <= 0:
        notes.append(
            _(
                "Tariff-rate quota %(quota)s: all %(qty)s %(unit)s are within the importer's "
                "allocation (%(left)s %(qunit)s left after this line), at the in-quota rate."
            )
            % {
                "quota": quota.code,
                "qty": fmt.amount(line.quantity),
                "unit": hs.unit,
                "left": fmt.amount(left - drawn),
                "qunit": quota.unit,
            }
        )
    else:
        notes.append(
            _(
                "Tariff-rate quota %(quota)s: %(inq)s %(unit)s within what was left of the "
                "importer's allocation at %(rate)s%%, the other %(outq)s %(unit)s at the "
                "out-of-quota rate %(oq)s%%."
            )
            % {
                "quota": quota.code,
                "inq": fmt.amount(in_quota),
                "outq": fmt.amount(out_quota),
                "unit": hs.unit,
                "rate": _pct(rate.rate or ZERO),
                "oq": _pct(rate.out_of_quota or ZERO),
            }
        )
        if result.customs_value_vnd > 0:  # the rate the line paid on the whole
            result.import_rate = (
                (result.import_duty_vnd - (line.quantity * rate.specific if rate.specific else 0))
                * HUNDRED
                / result.customs_value_vnd
            ).quantize(Decimal("0.001"))


_REMEDY_LABELS = {
    RemedyKind.ANTI_DUMPING.value: RemedyKind.ANTI_DUMPING.label,
    RemedyKind.COUNTERVAILING.value: RemedyKind.COUNTERVAILING.label,
    RemedyKind.SAFEGUARD.value: RemedyKind.SAFEGUARD.label,
    RemedyKind.ANTI_CIRCUMVENTION.value: RemedyKind.ANTI_CIRCUMVENTION.label,
}


def _remedy_duties(
    decl: DeclarationIn,
    line: LineIn,
    hs: HsLineData,
    result: LineDuties,
    fmt: _NumberFormat,
    tariff: Tariff,
) -> None:
    """Anti-dumping, countervailing and safeguard duties on the line, each with its reason."""
    if not tariff.remedies:
        return
    for remedy in tariff.remedies_on(hs.code, line.origin, decl.on_day):
        r = remedy.rate_for((line.producer, decl.exporter))
        if r is None:
            continue
        amount = result.customs_value_vnd * (r.rate or ZERO) / HUNDRED
        if r.specific_vnd:
            factor = unit_factor(hs.unit, r.unit or hs.unit) or Decimal(1)
            amount += line.quantity * factor * r.specific_vnd
        amount = vnd(amount)
        result.remedy_vnd += amount
        result.remedies.append(
            RemedyDuty(
                code=remedy.code,
                kind=remedy.kind,
                legal_basis=remedy.legal_basis,
                producer=r.producer,
                rate=r.rate,
                amount_vnd=amount,
            )
        )
        title = (
            remedy.title_en
            if (get_language() or "vi") != "vi" and remedy.title_en
            else (remedy.title_vi)
        )
        params = {
            "kind": _REMEDY_LABELS.get(remedy.kind, remedy.kind),
            "case": remedy.code,
            "title": title,
            "basis": remedy.legal_basis,
            "origin": line.origin,
            "rate": _pct(r.rate or ZERO),
            "amount": fmt.amount(amount),
            "producer": r.producer,
        }
        if r.producer:
            text = _(
                "%(kind)s, case %(case)s (%(title)s; %(basis)s) on goods from %(origin)s: the "
                "producer/exporter %(producer)s is named in the decision at %(rate)s%% of the "
                "customs value: %(amount)s VND."
            )
        else:
            text = _(
                "%(kind)s, case %(case)s (%(title)s; %(basis)s) on goods from %(origin)s: the "
                "producer/exporter is not one the decision names, so the rate for all others, "
                "%(rate)s%% of the customs value, applies: %(amount)s VND."
            )
        result.notes.append(text % params)


# --- formatting for the notes -----------------------------------------------------------------


def _unit_label(unit: str) -> str:
    return str(UnitCode(unit).label) if unit in UnitCode.values else unit


def _pct(rate: Decimal) -> str:
    """70.000 → '70', 7.500 → '7.5' (rates print without trailing zeros)."""
    text = format(rate, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass(frozen=True)
class _NumberFormat:
    """Amounts grouped by thousands the way a language writes them (253.125.000 in Vietnamese)."""

    thousands: str
    decimal: str

    def amount(self, value: Decimal) -> str:
        text = format(value, ",f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        whole, _point, fraction = text.partition(".")
        return whole.replace(",", self.thousands) + (self.decimal + fraction if fraction else "")


@functools.lru_cache(maxsize=16)
def _number_format(language: str) -> _NumberFormat:
    # Looked up once per language: Django's get_format is slow on a hot path.
    return _NumberFormat(
        thousands=str(get_format("THOUSAND_SEPARATOR", language)) or ",",
        decimal=str(get_format("DECIMAL_SEPARATOR", language)) or ".",
    )
