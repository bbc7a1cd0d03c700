"""Checking one record of a history import (`history.py`): each field against the reference
data held in memory, every problem gathered with its field, nothing raised; a sound record comes
out as the values and line columns the import writes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.dateparse import parse_date, parse_datetime
from stdnum.vn import mst as mst_std

from haiquan.core.problems import FieldProblem
from haiquan.refdata.models import Country, Currency, DeclarationType, Enterprise, Office
from haiquan.risk.choices import Lane
from haiquan.tariff.models import HsLine

from .choices import Incoterm, PaymentState, Status, TransportMode

MAX_LINES = 999  # VNACCS allows 50 lines a declaration; legacy systems more, never this many
FINISHED = frozenset({Status.CLEARED.value, Status.RELEASED.value, Status.CANCELLED.value})
HEADER_TEXT = {
    "partner_name": 255,
    "bill_of_lading": 35,
    "invoice_number": 35,
    "cancel_reason": 2000,
}
# The duties and taxes of a declaration, and of each of its lines.
DUTIES = ("import_duty_vnd", "export_duty_vnd", "sct_vnd", "env_tax_vnd", "vat_vnd")
LINE_RATES = ("import_rate", "export_rate", "sct_rate", "vat_rate")
ZERO = Decimal(0)
CENT = Decimal("0.01")
LIMIT = 10**16  # amounts have at most 16 digits before the point (DecimalField(18, 2))
LANES = frozenset(Lane.values)
MODES = frozenset(TransportMode.values)
INCOTERMS = frozenset(Incoterm.values)
# An amount written plainly (digits, at most `places` decimals) is in range as it stands; only
# the other spellings (exponents, signs, spaces...) need the full check.
_PLAIN = {
    places: re.compile(rf"[0-9]{{1,16}}(?:\.[0-9]{{1,{places}}})?").fullmatch
    for places in (2, 3, 4)
}


@dataclass
class Refs:
    """The reference data the records are checked against, in memory."""

    types: dict[str, str]  # code → flow
    offices: dict[str, tuple[int, str]]  # code → (id, code)
    enterprises: dict[str, int]  # MST → id
    currencies: set[str]
    countries: set[str]
    hs_codes: set[str]

    @classmethod
    def load(cls) -> Refs:
        return cls(
            types=dict(DeclarationType.objects.values_list("code", "flow")),
            offices={c: (pk, c) for pk, c in Office.objects.values_list("pk", "code")},
            enterprises=dict(Enterprise.objects.values_list("mst", "pk")),
            currencies=set(Currency.objects.values_list("code", flat=True)),
            countries=set(Country.objects.values_list("code", flat=True)),
            hs_codes=set(HsLine.objects.values_list("code", flat=True)),
        )


class Record:
    """One line of the file, checked field by field; problems gathered, never raised.

    A field is read from `src` (the record, or one of its objects) by its `key`; its name in a
    problem is `at + key` (`lines[2].` + `hs_code`), put together only when there is a problem.
    """

    def __init__(self, raw: dict[str, Any], problems: list[FieldProblem]) -> None:
        self.raw = raw
        self.problems = problems

    def bad(self, name: str, text: str, code: str = "invalid") -> None:
        self.problems.append(FieldProblem(name, text, code))

    def text(
        self, src: dict[str, Any], key: str, limit: int, *, required: bool = False, at: str = ""
    ) -> str:
        value = src.get(key)
        if type(value) is not str:
            if value is None:
                if required:
                    self.bad(at + key, "is required", "required")
                return ""
            self.bad(at + key, "must be a string", "type")
            return ""
        value = value.strip()
        if not value:
            if required:
                self.bad(at + key, "is required", "required")
        elif len(value) > limit:
            self.bad(at + key, f"is longer than {limit} characters", "too-long")
        elif "\x00" in value:  # PostgreSQL text cannot hold it
            self.bad(at + key, "must not contain the NUL character", "invalid-character")
        return value

    def amount(
        self,
        src: dict[str, Any],
        key: str,
        *,
        at: str = "",
        default: Decimal | None = None,
        places: int = 2,
    ) -> Decimal:
        value = src.get(key)
        if value is None:
            if default is not None:
                return default
            self.bad(at + key, "is required", "required")
            return ZERO
        kind = type(value)
        if kind is int:  # the common case for amounts in đồng: no decimals to check
            if 0 <= value < LIMIT:
                return Decimal(value)
            self.bad(at + key, "must be zero or more, under 10^16", "out-of-range")
            return ZERO
        if kind is str and _PLAIN[places](value):
            return Decimal(value)
        if kind is not str and kind is not float:
            self.bad(at + key, "must be a number", "type")
            return ZERO
        try:
            number = Decimal(value if kind is str else repr(value))
        except InvalidOperation:
            self.bad(at + key, f"'{value}' is not a number", "type")
            return ZERO
        if not number.is_finite() or number < 0 or number >= LIMIT:
            self.bad(at + key, "must be zero or more, under 10^16", "out-of-range")
            return ZERO
        exponent = number.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > places:
            self.bad(at + key, f"has more than {places} decimals", "out-of-range")
            return ZERO
        return number

    def moment(self, name: str, *, required: bool = False) -> datetime | None:
        value = self.raw.get(name)
        if value is None or value == "":
            if required:
                self.bad(name, "is required", "required")
            return None
        try:
            parsed = parse_datetime(value) if type(value) is str else None
        except ValueError:  # well formed but no such time (month 13, offset of 25 hours...)
            parsed = None
        if parsed is None or parsed.utcoffset() is None:
            self.bad(name, "must be an ISO 8601 date-time with its UTC offset", "invalid-datetime")
            return None
        return parsed

    def day(self, src: dict[str, Any], key: str, at: str) -> date | None:
        value = src.get(key)
        if value is None or value == "":
            return None
        try:
            parsed = parse_date(value) if type(value) is str else None
        except ValueError:  # well formed but no such day (30 February...)
            parsed = None
        if parsed is None:
            self.bad(at + key, "must be a date (YYYY-MM-DD)", "invalid-date")
        return parsed


@dataclass
class Parsed:
    number: str
    flow: str
    values: dict[str, Any]
    # Each line's columns in LINE_COLUMNS order from `hs_code` on (keys and line_no come later).
    lines: list[tuple[Any, ...]]
    containers: list[str]
    line_no: int = 0


def record_check(raw: Any, refs: Refs, seen: set[str]) -> tuple[Parsed | None, list[FieldProblem]]:
    """Check one record: its codes, its moments, its amounts, its lines and containers, in that
    order (problems come in the same order every time)."""
    problems: list[FieldProblem] = []
    if not isinstance(raw, dict):
        return None, [FieldProblem("", "each line must be a JSON object", "type")]
    r = Record(raw, problems)
    codes = _codes_checked(r, refs, seen)
    moments = _moments_checked(r, codes.status)
    text = r.text
    texts = {name: text(raw, name, limit) for name, limit in HEADER_TEXT.items()}
    amount = r.amount
    invoice_value = amount(raw, "invoice_value")
    freight = amount(raw, "freight", default=ZERO)
    insurance = amount(raw, "insurance", default=ZERO)
    exchange_rate = amount(raw, "exchange_rate", places=4)
    duties_src = raw.get("duties") or {}
    if not isinstance(duties_src, dict):
        r.bad("duties", "must be an object", "type")
        duties_src = {}
    duties = {k: amount(duties_src, k, at="duties.", default=ZERO) for k in DUTIES}
    paid = amount(duties_src, "paid_vnd", at="duties.", default=ZERO)
    lines, total, customs_value = _lines_checked(r, refs)
    if lines and abs(total - invoice_value) > CENT:
        r.bad(
            "invoice_value",
            f"{invoice_value} does not equal the sum of the lines' values ({total})",
            "value-mismatch",
        )
    containers_raw = raw.get("containers") or []
    if not isinstance(containers_raw, list) or not all(
        isinstance(c, str) and 1 <= len(c.strip()) <= 11 for c in containers_raw
    ):
        r.bad("containers", "must be a list of container numbers (at most 11 characters)", "type")
        containers_raw = []
    if problems:
        return None, problems
    office = codes.office
    assert office is not None and moments[0] is not None and codes.enterprise_id is not None
    total_duties = sum(duties.values(), ZERO)
    values: dict[str, Any] = {
        **texts,
        "type_id": codes.type_code,
        "status": codes.status,
        "lane": codes.lane,
        "enterprise_id": codes.enterprise_id,
        "office_id": office[0],
        "office_code": office[1],
        "partner_country_id": codes.partner or None,
        "transport_mode": codes.mode,
        "incoterm": codes.incoterm,
        "currency_id": codes.currency,
        "invoice_value": invoice_value,
        "freight": freight,
        "insurance": insurance,
        "exchange_rate": exchange_rate,
        "customs_value_vnd": customs_value,
        "total_duties_vnd": total_duties,
        "paid_vnd": paid,
        "payment_state": _payment_state(total_duties, paid),
        "registered_at": moments[0],
        "cleared_at": moments[1],
        "released_at": moments[2],
        "cancelled_at": moments[3],
        **duties,
    }
    seen.add(codes.number)
    containers = [c.strip().upper() for c in containers_raw]
    return Parsed(codes.number, codes.flow, values, lines, containers), []


@dataclass
class _Codes:
    """A record's number and the codes of its header, each checked."""

    number: str
    type_code: str
    flow: str
    office: tuple[int, str] | None
    enterprise_id: int | None
    status: str
    lane: str
    mode: str
    incoterm: str
    currency: str
    partner: str


def _codes_checked(r: Record, refs: Refs, seen: set[str]) -> _Codes:
    raw, text = r.raw, r.text
    number = text(raw, "number", 12, required=True)
    if number and not (len(number) == 12 and number.isdigit()):
        r.bad("number", "must be 12 digits", "invalid-number")
    elif number in seen:
        r.bad("number", f"{number} appears twice in the file", "duplicate")
    type_code = text(raw, "type_code", 3, required=True).upper()
    flow = refs.types.get(type_code, "")
    if type_code and not flow:
        r.bad("type_code", f"'{type_code}' is not a declaration type code", "unknown-type")
    office_code = text(raw, "office_code", 16, required=True).upper()
    office = refs.offices.get(office_code)
    if office_code and office is None:
        r.bad("office_code", f"'{office_code}' is not a customs office code", "unknown-office")
    mst = text(raw, "enterprise_mst", 14, required=True)
    enterprise_id = refs.enterprises.get(mst)
    if mst and enterprise_id is None:
        if not mst_std.is_valid(mst):
            r.bad("enterprise_mst", f"'{mst}' is not a valid tax code", "invalid-mst")
        else:
            r.bad("enterprise_mst", f"no enterprise with tax code {mst}", "unknown-enterprise")
    status = text(raw, "status", 16, required=True)
    if status and status not in FINISHED:
        r.bad("status", "must be cleared, released or cancelled (finished history)", "status")
    lane = text(raw, "lane", 6, required=True)
    if lane and lane not in LANES:
        r.bad("lane", "must be green, yellow or red", "invalid-lane")
    mode = text(raw, "transport_mode", 16, required=True)
    if mode and mode not in MODES:
        r.bad("transport_mode", f"'{mode}' is not a transport mode", "invalid-choice")
    incoterm = text(raw, "incoterm", 3, required=True).upper()
    if incoterm and incoterm not in INCOTERMS:
        r.bad("incoterm", f"'{incoterm}' is not an Incoterm", "invalid-choice")
    currency = text(raw, "currency", 3, required=True).upper()
    if currency and currency not in refs.currencies:
        r.bad("currency", f"'{currency}' is not a currency code", "unknown-currency")
    partner = text(raw, "partner_country", 2).upper()
    if partner and partner not in refs.countries:
        r.bad("partner_country", f"'{partner}' is not a country code", "unknown-country")
    return _Codes(
        number, type_code, flow, office, enterprise_id, status, lane, mode, incoterm, currency,
        partner,
    )  # fmt: skip


def _moments_checked(
    r: Record, status: str
) -> tuple[datetime | None, datetime | None, datetime | None, datetime | None]:
    """Registered, cleared, released and cancelled: each required by the status, in order."""
    registered = r.moment("registered_at", required=True)
    cleared = r.moment("cleared_at", required=status in (Status.CLEARED, Status.RELEASED))
    released = r.moment("released_at", required=status == Status.RELEASED)
    cancelled = r.moment("cancelled_at", required=status == Status.CANCELLED)
    for name, later in (("cleared_at", cleared), ("cancelled_at", cancelled)):
        if registered and later and later < registered:
            r.bad(name, "is before registered_at", "out-of-order")
    if cleared and released and released < cleared:
        r.bad("released_at", "is before cleared_at", "out-of-order")
    # What a declaration ended as is its status: a cancelled one may have been cleared and released
    # first (an export released for loading, never shipped, cancelled on the officer's decision), so
    # its cancellation comes after those steps; a cleared or released one was never cancelled.
    if status in (Status.CLEARED, Status.RELEASED) and r.raw.get("cancelled_at") not in (None, ""):
        r.bad(
            "cancelled_at",
            f"a {status} declaration has no cancellation; a declaration cancelled after its "
            "release has status cancelled",
            "inconsistent",
        )
    for name, before in (("cleared_at", cleared), ("released_at", released)):
        if status == Status.CANCELLED and cancelled and before and cancelled < before:
            r.bad("cancelled_at", f"is before {name}", "out-of-order")
    return registered, cleared, released, cancelled


def _lines_checked(r: Record, refs: Refs) -> tuple[list[tuple[Any, ...]], Decimal, Decimal]:
    """The goods lines' columns, the sum of their values and of their customs values."""
    raw_lines = r.raw.get("lines")
    lines: list[tuple[Any, ...]] = []
    if not isinstance(raw_lines, list) or not raw_lines:
        r.bad("lines", "at least one goods line is required", "required")
        raw_lines = []
    elif len(raw_lines) > MAX_LINES:
        r.bad("lines", f"more than {MAX_LINES} lines", "too-many")
        raw_lines = []
    total = ZERO
    customs_value = ZERO
    text = r.text
    amount = r.amount
    hs_codes = refs.hs_codes
    countries = refs.countries
    for i, ln in enumerate(raw_lines):
        at = f"lines[{i}]."
        if not isinstance(ln, dict):
            r.bad(at[:-1], "must be an object", "type")
            continue
        hs = text(ln, "hs_code", 10, required=True, at=at).replace(".", "")
        if hs and hs not in hs_codes:
            r.bad(at + "hs_code", f"'{hs}' is not a tariff line", "unknown-hs")
        origin = text(ln, "origin", 2, required=True, at=at).upper()
        if origin and origin not in countries:
            r.bad(at + "origin", f"'{origin}' is not a country code", "unknown-country")
        # In the order the fields are checked, so problems come in the same order every time.
        description = text(ln, "description", 500, required=True, at=at)
        quantity = amount(ln, "quantity", at=at, places=3)
        unit = text(ln, "unit", 8, required=True, at=at).upper()
        unit_price = amount(ln, "unit_price", at=at, places=4)
        value = amount(ln, "value", at=at)
        preference = text(ln, "preference", 16, at=at).upper()
        co_number = text(ln, "co_number", 35, at=at)
        co_date = r.day(ln, "co_date", at)
        rate_kind = text(ln, "import_rate_kind", 32, at=at)
        line_value = amount(ln, "customs_value_vnd", at=at, default=ZERO)
        import_duty = amount(ln, "import_duty_vnd", at=at, default=ZERO)
        export_duty = amount(ln, "export_duty_vnd", at=at, default=ZERO)
        sct = amount(ln, "sct_vnd", at=at, default=ZERO)
        env_tax = amount(ln, "env_tax_vnd", at=at, default=ZERO)
        vat = amount(ln, "vat_vnd", at=at, default=ZERO)
        rates = [None if ln.get(k) is None else amount(ln, k, at=at, places=4) for k in LINE_RATES]
        lines.append(
            (
                hs, description, origin, quantity, unit, unit_price, value, preference,
                co_number, co_date, line_value, rates[0], rate_kind, import_duty, rates[1],
                export_duty, rates[2], sct, env_tax, rates[3], vat,
                import_duty + export_duty + sct + env_tax + vat, "[]",
            )
        )  # fmt: skip
        total += value
        customs_value += line_value
    return lines, total, customs_value


def _payment_state(total_duties: Decimal, paid: Decimal) -> str:
    if total_duties == 0:
        return PaymentState.NONE_DUE.value
    if paid >= total_duties:
        return PaymentState.PAID.value
    return (PaymentState.PARTIAL if paid > 0 else PaymentState.UNPAID).value
