"""Reading tariff schedules from CSV files, checking every cell before anything is written.

All files are UTF-8 with a header row; rows are numbered as a spreadsheet shows them (the header
is row 1). Empty cells in optional columns mean "not set". Rates are percentages written with a
dot for decimals ("7.5"), amounts are VND.

Lines file (one row per national tariff line):

=====================  ========  ===============================================================
column                 required  meaning
=====================  ========  ===============================================================
code                   yes       8-digit national line; dots and spaces allowed ("8703.23.61")
description_vi         yes       Vietnamese description
description_en         no        English description (also description_ja, _zh_hans, _ko)
unit                   yes       UN/ECE Rec. 20 unit code: KGM, TNE, LTR, PCE, SET, PR, MTK...
mfn_rate               yes       MFN (ưu đãi) import rate, %
general_rate           no        ordinary (thông thường) rate, %; empty = 150% of mfn_rate
specific_duty_vnd      no        specific import duty, VND per unit
export_rate            no        export duty rate, %; empty = 0
vat_rate               yes       VAT rate, %: 0, 5, 8 or 10
sct_rate               no        special consumption tax rate, %
env_tax_vnd_per_unit   no        environmental protection tax, VND per env_tax_unit
env_tax_unit           no        unit of that tax; empty = the line's unit (KGM/TNE convert)
valid_from, valid_to   no        ISO dates (2024-01-01); empty = always / open-ended
=====================  ========  ===============================================================

Preferential file: ``agreement`` (ATIGA, ACFTA, ...), ``hs_code``, ``rate`` (%), and optionally
``schedule`` (an agreement's schedule for some parties: RCEP's A–F, CPTPP's MX).

Agreements file: ``code``, ``name``, ``name_vi``, ``co_form``, ``co_validity_days``,
``in_force_from``. Parties file: ``agreement``, ``country_code`` (ISO 3166 alpha-2),
``joined_on`` (the day the agreement started to apply to that party, when later than the
agreement's entry into force), ``schedule`` (the schedule of Vietnam's commitments its goods
take; empty for the agreement's common one).

The tariff as Vietnam publishes it (every row of the nomenclature, rates in the decrees' own
notation) is read by `published.py`.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import IO, Any

import pycountry
from django.utils.translation import gettext as _

from haiquan.core.problems import FieldProblem

from .models import VAT_RATES
from .normalise import (
    hs_code_is_valid,
    hs_code_normalise,
    unit_factor,
    unit_is_known,
    unit_normalise,
)

# Past this many problems a file is clearly wrong; listing more helps nobody.
MAX_PROBLEMS = 100
RATE_LIMIT = Decimal(10_000)  # rates are stored with 7 digits, 3 after the point
AMOUNT_LIMIT = Decimal(10) ** 16

LINE_COLUMNS_REQUIRED = ("code", "description_vi", "unit", "mfn_rate", "vat_rate")
PREFERENTIAL_COLUMNS = ("agreement", "hs_code", "rate")
AGREEMENT_COLUMNS = ("code", "name", "co_form")
PARTY_COLUMNS = ("agreement", "country_code")


@dataclass(frozen=True)
class LineRow:
    code: str
    description_vi: str
    description_en: str
    description_ja: str
    description_zh_hans: str
    description_ko: str
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


@dataclass(frozen=True)
class PreferentialRow:
    agreement: str
    hs_code: str
    rate: Decimal
    schedule: str = ""


@dataclass(frozen=True)
class AgreementRow:
    code: str
    name: str
    name_vi: str
    co_form: str
    co_validity_days: int
    in_force_from: date | None


@dataclass(frozen=True)
class PartyRow:
    agreement: str
    country_code: str
    joined_on: date | None
    schedule: str = ""


class TooManyProblems(Exception):
    pass


class _Sheet:
    """One CSV file being read: its label in error messages and the problems found so far."""

    def __init__(self, fh: IO[str], label: str, problems: list[FieldProblem]) -> None:
        self.reader = csv.DictReader(fh)
        self.label = label
        self.problems = problems
        self.rowno = 1

    def header_ok(self, required: Iterable[str]) -> bool:
        header = [h.strip() for h in (self.reader.fieldnames or [])]
        self.reader.fieldnames = header
        missing = [c for c in required if c not in header]
        for col in missing:
            self.problems.append(
                FieldProblem(
                    self.label,
                    _("the column '%(col)s' is missing from the header row") % {"col": col},
                    "missing-column",
                )
            )
        return not missing

    def rows(self) -> Iterable[dict[str, str]]:
        for row in self.reader:
            self.rowno += 1
            yield {k: (v or "").strip() for k, v in row.items() if k is not None}

    def problem(self, column: str, text: str, code: str = "invalid") -> None:
        self.problems.append(
            FieldProblem(
                f"{self.label}[{self.rowno}].{column}",
                _("row %(row)d, column %(col)s: %(problem)s")
                % {"row": self.rowno, "col": column, "problem": text},
                code,
            )
        )
        if len(self.problems) >= MAX_PROBLEMS:
            raise TooManyProblems

    # Cell readers: each returns the parsed value, or None after recording a problem.

    def text(self, row: dict[str, str], column: str, *, required: bool = False) -> str:
        value = row.get(column, "")
        if required and not value:
            self.problem(column, _("must not be empty"), "required")
        return value

    def decimal(
        self,
        row: dict[str, str],
        column: str,
        *,
        places: int,
        limit: Decimal,
        required: bool = False,
    ) -> Decimal | None:
        raw = row.get(column, "")
        if not raw:
            if required:
                self.problem(column, _("must not be empty"), "required")
            return None
        try:
            value = Decimal(raw)
        except InvalidOperation:
            self.problem(
                column, _("'%(raw)s' is not a number (write decimals with a dot)") % {"raw": raw}
            )
            return None
        if not value.is_finite():
            self.problem(
                column, _("'%(raw)s' is not a number (write decimals with a dot)") % {"raw": raw}
            )
            return None
        if value < 0:
            self.problem(
                column, _("%(raw)s is negative; it must be zero or more") % {"raw": raw}, "negative"
            )
            return None
        exponent = value.as_tuple().exponent
        if value >= limit or (isinstance(exponent, int) and -exponent > places):
            self.problem(
                column,
                _("%(raw)s is out of range (below %(limit)s, at most %(places)d decimals)")
                % {"raw": raw, "limit": limit, "places": places},
            )
            return None
        return value

    def rate(self, row: dict[str, str], column: str, *, required: bool = False) -> Decimal | None:
        return self.decimal(row, column, places=3, limit=RATE_LIMIT, required=required)

    def amount(self, row: dict[str, str], column: str) -> Decimal | None:
        return self.decimal(row, column, places=2, limit=AMOUNT_LIMIT)

    def day(self, row: dict[str, str], column: str) -> date | None:
        raw = row.get(column, "")
        if not raw:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            self.problem(column, _("'%(raw)s' is not a date written as YYYY-MM-DD") % {"raw": raw})
            return None


def _read(
    fh: IO[str],
    label: str,
    required: tuple[str, ...],
    problems: list[FieldProblem],
    parse: Callable[[_Sheet, dict[str, str]], Any],
) -> list[Any]:
    sheet = _Sheet(fh, label, problems)
    out: list[Any] = []
    try:
        if not sheet.header_ok(required):
            return out
        for row in sheet.rows():
            if not any(row.values()):
                continue  # blank line
            parsed = parse(sheet, row)
            if parsed is not None:
                out.append(parsed)
    except TooManyProblems:
        pass
    return out


def read_lines(
    fh: IO[str], problems: list[FieldProblem], label: str = "lines_csv"
) -> list[LineRow]:
    seen: set[str] = set()

    def parse(sheet: _Sheet, row: dict[str, str]) -> LineRow | None:
        before = len(problems)
        code = hs_code_normalise(row.get("code", ""))
        if not hs_code_is_valid(code):
            sheet.problem(
                "code", _("'%(code)s' is not an 8-digit HS code") % {"code": row.get("code", "")}
            )
        elif code in seen:
            sheet.problem(
                "code", _("HS code %(code)s appears more than once") % {"code": code}, "duplicate"
            )
        seen.add(code)
        description_vi = sheet.text(row, "description_vi", required=True)
        unit = unit_normalise(row.get("unit", ""))
        if not unit_is_known(unit):
            sheet.problem(
                "unit",
                _(
                    "'%(unit)s' is not a known UN/ECE Rec. 20 unit code (KGM, TNE, LTR, "
                    "PCE, SET, PR, MTK, MTQ...)"
                )
                % {"unit": row.get("unit", "")},
                "unknown-unit",
            )
        mfn = sheet.rate(row, "mfn_rate", required=True)
        general = sheet.rate(row, "general_rate")
        specific = sheet.amount(row, "specific_duty_vnd")
        export = sheet.rate(row, "export_rate")
        vat = sheet.rate(row, "vat_rate", required=True)
        if vat is not None and vat not in VAT_RATES:
            sheet.problem(
                "vat_rate", _("%(rate)s is not a VAT rate; use 0, 5, 8 or 10") % {"rate": vat}
            )
        sct = sheet.rate(row, "sct_rate")
        env = sheet.amount(row, "env_tax_vnd_per_unit")
        env_unit = unit_normalise(row.get("env_tax_unit", "")) if row.get("env_tax_unit") else ""
        if env_unit and unit_is_known(unit) and unit_factor(unit, env_unit) is None:
            sheet.problem(
                "env_tax_unit",
                _("a quantity in %(unit)s cannot be converted to %(env)s")
                % {"unit": unit, "env": env_unit},
                "unit-mismatch",
            )
        if env_unit and env is None:
            sheet.problem("env_tax_unit", _("set env_tax_vnd_per_unit too, or leave this empty"))
        valid_from = sheet.day(row, "valid_from")
        valid_to = sheet.day(row, "valid_to")
        if valid_from and valid_to and valid_to < valid_from:
            sheet.problem("valid_to", _("must not be before valid_from"))
        if len(problems) > before or mfn is None or vat is None:
            return None
        return LineRow(
            code=code,
            description_vi=description_vi,
            description_en=row.get("description_en", ""),
            description_ja=row.get("description_ja", ""),
            description_zh_hans=row.get("description_zh_hans", ""),
            description_ko=row.get("description_ko", ""),
            unit=unit,
            mfn_rate=mfn,
            general_rate=general,
            specific_duty_vnd=specific,
            export_rate=export if export is not None else Decimal(0),
            vat_rate=vat,
            sct_rate=sct,
            env_tax_vnd_per_unit=env,
            env_tax_unit=(env_unit or unit) if env is not None else "",
            valid_from=valid_from or date(2000, 1, 1),
            valid_to=valid_to,
        )

    return _read(fh, label, LINE_COLUMNS_REQUIRED, problems, parse)


def read_preferential(
    fh: IO[str],
    problems: list[FieldProblem],
    *,
    agreements: set[str],
    hs_codes: set[str],
    label: str = "preferential_csv",
) -> list[PreferentialRow]:
    """`agreements` and `hs_codes`: what the rows may refer to (in the database or the file)."""
    seen: set[tuple[str, str, str]] = set()

    def parse(sheet: _Sheet, row: dict[str, str]) -> PreferentialRow | None:
        before = len(problems)
        agreement = row.get("agreement", "").upper()
        if agreement not in agreements:
            sheet.problem(
                "agreement",
                _("'%(code)s' is not a known agreement (%(known)s)")
                % {"code": row.get("agreement", ""), "known": ", ".join(sorted(agreements))},
                "unknown-agreement",
            )
        code = hs_code_normalise(row.get("hs_code", ""))
        if not hs_code_is_valid(code):
            sheet.problem(
                "hs_code",
                _("'%(code)s' is not an 8-digit HS code") % {"code": row.get("hs_code", "")},
            )
        elif code not in hs_codes:
            sheet.problem(
                "hs_code",
                _("HS code %(code)s is neither in the lines file nor in the tariff")
                % {"code": code},
                "unknown-hs-code",
            )
        elif (agreement, row.get("schedule", "").upper(), code) in seen:
            sheet.problem(
                "hs_code",
                _("%(agreement)s rate for %(code)s appears more than once")
                % {"agreement": agreement, "code": code},
                "duplicate",
            )
        seen.add((agreement, row.get("schedule", "").upper(), code))
        rate = sheet.rate(row, "rate", required=True)
        schedule = row.get("schedule", "").upper()
        if len(schedule) > 4:
            sheet.problem("schedule", _("at most 4 characters"))
        if len(problems) > before or rate is None:
            return None
        return PreferentialRow(agreement=agreement, hs_code=code, rate=rate, schedule=schedule)

    return _read(fh, label, PREFERENTIAL_COLUMNS, problems, parse)


def read_agreements(
    fh: IO[str], problems: list[FieldProblem], label: str = "agreements_csv"
) -> list[AgreementRow]:
    def parse(sheet: _Sheet, row: dict[str, str]) -> AgreementRow | None:
        before = len(problems)
        code = sheet.text(row, "code", required=True).upper()
        if len(code) > 16:
            sheet.problem("code", _("at most 16 characters"))
        name = sheet.text(row, "name", required=True)
        co_form = sheet.text(row, "co_form", required=True)
        days_raw = row.get("co_validity_days", "") or "365"
        days = int(days_raw) if days_raw.isdigit() else None
        if days is None or days == 0:
            sheet.problem(
                "co_validity_days",
                _("'%(raw)s' is not a positive whole number of days") % {"raw": days_raw},
            )
        in_force = sheet.day(row, "in_force_from")
        if len(problems) > before or days is None:
            return None
        return AgreementRow(code, name, row.get("name_vi", ""), co_form, days, in_force)

    return _read(fh, label, AGREEMENT_COLUMNS, problems, parse)


def read_parties(
    fh: IO[str], problems: list[FieldProblem], *, agreements: set[str], label: str = "parties_csv"
) -> list[PartyRow]:
    seen: set[tuple[str, str]] = set()

    def parse(sheet: _Sheet, row: dict[str, str]) -> PartyRow | None:
        before = len(problems)
        agreement = row.get("agreement", "").upper()
        if agreement not in agreements:
            sheet.problem(
                "agreement",
                _("'%(code)s' is not a known agreement") % {"code": row.get("agreement", "")},
                "unknown-agreement",
            )
        country = row.get("country_code", "").upper()
        if len(country) != 2 or pycountry.countries.get(alpha_2=country) is None:
            sheet.problem(
                "country_code",
                _("'%(code)s' is not an ISO 3166 alpha-2 country code")
                % {"code": row.get("country_code", "")},
                "unknown-country",
            )
        elif (agreement, country) in seen:
            sheet.problem(
                "country_code",
                _("%(country)s is listed twice for %(agreement)s")
                % {"country": country, "agreement": agreement},
                "duplicate",
            )
        seen.add((agreement, country))
        joined = sheet.day(row, "joined_on")
        schedule = row.get("schedule", "").upper()
        if len(schedule) > 4:
            sheet.problem("schedule", _("at most 4 characters"))
        if len(problems) > before:
            return None
        return PartyRow(agreement, country, joined, schedule)

    return _read(fh, label, PARTY_COLUMNS, problems, parse)
