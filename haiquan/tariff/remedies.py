"""Loading trade remedies (anti-dumping, countervailing, safeguard, anti-circumvention) from the
decisions of the Ministry of Industry and Trade, one CSV row per case and producer/exporter:

==============  ======================================================================
column          meaning
==============  ======================================================================
code            the case (AD20, SG04...): the rows of one case give its fields once
kind            anti_dumping, countervailing, safeguard or anti_circumvention
title_vi        what goods (title_en optional)
legal_basis     the decision imposing it ("1959/QĐ-BCT")
origins         ISO 3166 countries the measure covers, separated by spaces; empty: all
exempt_origins  countries exempted (a safeguard's developing countries), optional
hs_codes        the 8-digit lines it covers, separated by spaces (every line of a
                4- or 6-digit code given so)
valid_from      first day (YYYY-MM-DD); valid_to: last day, optional
producer        the producer/exporter the decision names; empty for everyone else
                (the residual rate)
rate            % of the customs value; specific_vnd (VND per unit, with unit)
                for a specific duty
==============  ======================================================================

Every row is checked first; nothing is loaded when one is wrong. A case in the file replaces
the case in the tariff (its lines and rates).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

import pycountry
from django.db import transaction
from django.utils.translation import gettext as _

from haiquan.core.problems import FieldProblem, ValidationFailed
from haiquan.eventlog import kinds
from haiquan.eventlog.choices import Party

from .choices import RemedyKind, UnitCode
from .models import HsLine, TradeRemedy, TradeRemedyRate, producer_key
from .normalise import unit_normalise
from .services import tariff_changed

REQUIRED = ("code", "kind", "title_vi", "legal_basis", "hs_codes", "valid_from", "producer")


@dataclass
class _Case:
    code: str
    fields: dict[str, Any]
    codes: set[str] = field(default_factory=set)
    rates: list[dict[str, Any]] = field(default_factory=list)


def trade_remedies_load(*, path: Path, actor: Any = None) -> int:
    """Load the cases of a trade remedies CSV (see the module's table); returns how many."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return trade_remedies_load_from(fh, source=path.name, actor=actor)


def trade_remedies_load_from(fh: IO[str], *, source: str = "", actor: Any = None) -> int:
    problems: list[FieldProblem] = []
    cases = _read(fh, problems)
    if problems:
        raise ValidationFailed(
            problems,
            detail=_("The file has %(n)d problem(s); nothing was loaded.") % {"n": len(problems)},
        )
    with transaction.atomic():
        for case in cases.values():
            remedy, _created = TradeRemedy.objects.update_or_create(
                code=case.code, defaults=case.fields
            )
            remedy.lines.set(HsLine.objects.filter(code__in=sorted(case.codes)))
            remedy.rates.all().delete()
            for r in case.rates:
                TradeRemedyRate(remedy=remedy, **r).save()
        token = tariff_changed(keep_digest=True)
        kinds.TARIFF_REMEDIES_LOADED.record(
            subject_type="tariff",
            subject_id=1,
            party=Party.SYSTEM,
            actor=actor,
            actor_label="" if actor is not None else (source or "trade remedies"),
            data={"cases": sorted(cases), "token": token},
        )
    return len(cases)


def _read(fh: IO[str], problems: list[FieldProblem]) -> dict[str, _Case]:
    reader = csv.DictReader(fh)
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        for c in missing:
            problems.append(
                FieldProblem(
                    "remedies_csv",
                    _("the column '%(col)s' is missing from the header row") % {"col": c},
                    "missing-column",
                )
            )
        return {}
    lines = set(HsLine.objects.values_list("code", flat=True))
    cases: dict[str, _Case] = {}
    for rowno, raw in enumerate(reader, start=2):
        row = {k: (v or "").strip() for k, v in raw.items() if k}
        if not any(row.values()):
            continue
        _read_row(rowno, row, lines, cases, problems)
    for case in cases.values():
        if not any(not producer_key(r["producer"]) for r in case.rates):
            problems.append(
                FieldProblem(
                    "remedies_csv",
                    _(
                        "case %(code)s has no rate for the producers it does not name (a row "
                        "with an empty producer)"
                    )
                    % {"code": case.code},
                    "no-residual-rate",
                )
            )
    return cases


def _read_row(
    rowno: int,
    row: dict[str, str],
    lines: set[str],
    cases: dict[str, _Case],
    problems: list[FieldProblem],
) -> None:
    """One row: a producer's rate under a case (whose own fields every row repeats)."""

    def bad(column: str, text: str) -> None:
        problems.append(
            FieldProblem(
                f"remedies_csv[{rowno}].{column}",
                _("row %(row)d, column %(col)s: %(problem)s")
                % {"row": rowno, "col": column, "problem": text},
            )
        )

    before = len(problems)
    code = row["code"].upper()
    if not code or len(code) > 32:
        bad("code", _("a case code of 1 to 32 characters"))
    if row["kind"] not in RemedyKind.values:
        bad("kind", _("use one of %(kinds)s") % {"kinds": ", ".join(RemedyKind.values)})
    for column in ("title_vi", "legal_basis"):
        if not row.get(column):
            bad(column, _("must not be empty"))
    origins = _countries(row.get("origins", ""), "origins", bad)
    exempt = _countries(row.get("exempt_origins", ""), "exempt_origins", bad)
    codes = _hs_codes(row, lines, bad)
    days = _days(row, bad)
    rate = _decimal(row.get("rate", ""), "rate", bad)
    specific = _decimal(row.get("specific_vnd", ""), "specific_vnd", bad)
    unit = unit_normalise(row.get("unit", "")) if row.get("unit") else ""
    if unit and unit not in UnitCode.values:
        bad("unit", _("not a known unit code"))
    if rate is None and specific is None and len(problems) == before:
        bad("rate", _("give the rate (%) or the specific duty"))
    if len(problems) > before:
        return
    fields = {
        "kind": row["kind"],
        "title_vi": row["title_vi"],
        "title_en": row.get("title_en", ""),
        "legal_basis": row["legal_basis"],
        "origins": origins,
        "exempt_origins": exempt,
        "valid_from": days[0],
        "valid_to": days[1],
    }
    case = cases.get(code)
    if case is None:
        case = cases[code] = _Case(code, fields)
    elif case.fields != fields:
        bad("code", _("the rows of case %(code)s differ in its own fields") % {"code": code})
        return
    case.codes |= codes
    key = producer_key(row["producer"])
    if any(producer_key(r["producer"]) == key for r in case.rates):
        bad("producer", _("this producer is listed twice for the case"))
        return
    case.rates.append(
        {
            "producer": row["producer"],
            "country": row.get("country", "").upper(),
            "rate": rate,
            "specific_vnd": specific,
            "unit": unit,
        }
    )


def _hs_codes(row: dict[str, str], lines: set[str], bad: Any) -> set[str]:
    """The tariff lines under the row's HS code prefixes."""
    codes: set[str] = set()
    for prefix in row.get("hs_codes", "").replace(";", " ").split():
        matched = {c for c in lines if c.startswith(prefix)} if prefix.isdigit() else set()
        if not matched:
            bad("hs_codes", _("'%(code)s' is no line of the tariff") % {"code": prefix})
        codes |= matched
    return codes


def _days(row: dict[str, str], bad: Any) -> list[date | None]:
    """valid_from (required) and valid_to (optional, not before it)."""
    days: list[date | None] = []
    for column in ("valid_from", "valid_to"):
        value = row.get(column, "")
        if not value:
            days.append(None)
            continue
        try:
            days.append(date.fromisoformat(value))
        except ValueError:
            bad(column, _("'%(raw)s' is not a date written as YYYY-MM-DD") % {"raw": value})
            days.append(None)
    if not row.get("valid_from"):
        bad("valid_from", _("must not be empty"))
    if days[0] and days[1] and days[1] < days[0]:
        bad("valid_to", _("must not be before valid_from"))
    return days


def _countries(text: str, column: str, bad: Any) -> list[str]:
    out = []
    for code in text.replace(";", " ").replace(",", " ").split():
        code = code.upper()
        if pycountry.countries.get(alpha_2=code) is None:
            bad(column, _("'%(code)s' is not an ISO 3166 country code") % {"code": code})
        else:
            out.append(code)
    return sorted(set(out))


def _decimal(text: str, column: str, bad: Any) -> Decimal | None:
    if not text:
        return None
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        bad(column, _("'%(raw)s' is not a number") % {"raw": text})
        return None
    if not value.is_finite() or value < 0 or value >= 10_000:
        bad(column, _("'%(raw)s' is out of range") % {"raw": text})
        return None
    return value
