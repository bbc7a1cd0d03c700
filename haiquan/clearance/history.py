"""Importing declaration history from another system (e.g. an administration moving off its
legacy clearance system), in bulk.

The input is JSON Lines: one finished declaration per line, as the legacy system assessed and
decided it (see `docs/history-import.md` for the fields and an example). Duties are taken as
recorded, not recomputed: the rates, exchange rates and rules of the day they were assessed
were the law then.

The file is read once, a chunk of records at a time, inside one transaction: each record is
checked against the reference data (declaration types, offices, enterprises, currencies,
countries, HS codes) held in memory, against the file and the database for numbers given twice,
and every problem is reported with its line and field. While nothing is wrong, each checked chunk
is written with `COPY` on PostgreSQL (batched INSERTs on SQLite): declarations, lines, containers,
version 1, and the events of each step at the time it happened (registered, lane decided,
cleared, released or cancelled), so time-release measurement and analytics see the history like
any other. Memory stays bounded by the chunk and the set of numbers seen.

On PostgreSQL the checking runs in a second process (forked, so it shares the reference data
without copying it): it parses and checks each chunk and turns it into COPY text, with keys
drawn from the tables' sequences on its own connection, while this process looks the chunk's
numbers up in the database and writes the previous chunk in the import's one transaction. The
chunks, the problems and their order are the same either way.

A file with any problem writes nothing. A number that fits haiquan's own numbering moves that
flow's counter past it, so numbers given later never collide with imported ones.
"""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import queue
import re
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import IO, Any

import psycopg
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from psycopg.copy import Copy, FileWriter
from stdnum.vn import mst as mst_std

from haiquan.accounts.models import User
from haiquan.core.bulkwrite import IdAllocator, Table, write_rows
from haiquan.core.problems import FieldProblem
from haiquan.eventlog.choices import Party
from haiquan.eventlog.models import Event
from haiquan.refdata.models import Country, Currency, DeclarationType, Enterprise, Office
from haiquan.risk.choices import Lane
from haiquan.tariff.models import HsLine

from .choices import Incoterm, PaymentState, Status, TransportMode
from .models import Container, Declaration, DeclarationLine, DeclarationVersion, NumberSequence
from .numbering import FLOW_PREFIX, SERIAL_DIGITS, number_is_valid

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
MAX_PROBLEMS = 1000  # reported at most; the count says how many there were
CHUNK = 5000  # records checked and written at a time
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

# fmt: off
DECLARATION_COLUMNS = (
    "id", "number", "flow", "type_id", "status", "lane", "lane_reasons", "enterprise_id",
    "created_by_id", "office_id", "partner_name", "partner_country_id", "transport_mode",
    "bill_of_lading", "invoice_number", "incoterm", "currency_id", "invoice_value", "freight",
    "insurance", "exchange_rate", "customs_value_vnd", "import_duty_vnd", "export_duty_vnd",
    "sct_vnd", "env_tax_vnd", "vat_vnd", "total_duties_vnd", "paid_vnd", "guaranteed_vnd",
    "payment_state", "created_at", "updated_at", "registered_at", "cleared_at", "released_at",
    "cancelled_at", "cancel_reason", "checks_pending",
)
LINE_COLUMNS = (
    "id", "declaration_id", "line_no", "hs_code", "description", "origin_id", "quantity", "unit",
    "unit_price", "value", "preference", "co_number", "co_date", "customs_value_vnd",
    "import_rate", "import_rate_kind", "import_duty_vnd", "export_rate", "export_duty_vnd",
    "sct_rate", "sct_vnd", "env_tax_vnd", "vat_rate", "vat_vnd", "total_vnd", "duty_notes",
)
CONTAINER_COLUMNS = ("id", "declaration_id", "number", "seal_number")
VERSION_COLUMNS = (
    "id", "declaration_id", "number", "reason", "created_by_id", "created_at", "content",
    "total_duties_vnd", "difference_vnd",
)
EVENT_COLUMNS = (
    "id", "occurred_at", "kind", "subject_type", "subject_id", "declaration_id", "office_code",
    "actor_id", "actor_label", "party", "data",
)
# fmt: on
# Written parents before children, so no reader ever sees a line without its declaration.
TABLES = {
    "declaration": (Declaration, DECLARATION_COLUMNS),
    "line": (DeclarationLine, LINE_COLUMNS),
    "container": (Container, CONTAINER_COLUMNS),
    "version": (DeclarationVersion, VERSION_COLUMNS),
    "event": (Event, EVENT_COLUMNS),
}
ACTOR_LABEL = "history import"


def _dump(value: Any) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)


# What every imported declaration says about its lane and steps: the same few texts, encoded once.
_LANE_REASONS = {
    lane: _dump(
        [
            {
                "source": "history",
                "code": "IMPORTED",
                "lane": lane,
                "text": "Lane decided by the system of record before import",
                "line_no": None,
                "version": None,
            }
        ]
    )
    for lane in LANES
}
_IMPORTED = _dump({"imported": True})
_LANE_DECIDED = {lane: _dump({"lane": lane, "imported": True}) for lane in LANES}


@dataclass
class ImportReport:
    records: int = 0
    declarations: int = 0
    lines: int = 0
    events: int = 0
    problems: list[tuple[int, FieldProblem]] = field(default_factory=list)
    problem_count: int = 0
    write_seconds: float = 0.0  # of which writing (COPY), the rest reading and checking

    @property
    def ok(self) -> bool:
        return self.problem_count == 0


@dataclass
class _Refs:
    """The reference data the records are checked against, in memory."""

    types: dict[str, str]  # code → flow
    offices: dict[str, tuple[int, str]]  # code → (id, code)
    enterprises: dict[str, int]  # MST → id
    currencies: set[str]
    countries: set[str]
    hs_codes: set[str]

    @classmethod
    def load(cls) -> _Refs:
        return cls(
            types=dict(DeclarationType.objects.values_list("code", "flow")),
            offices={c: (pk, c) for pk, c in Office.objects.values_list("pk", "code")},
            enterprises=dict(Enterprise.objects.values_list("mst", "pk")),
            currencies=set(Currency.objects.values_list("code", flat=True)),
            countries=set(Country.objects.values_list("code", flat=True)),
            hs_codes=set(HsLine.objects.values_list("code", flat=True)),
        )


class _Record:
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
class _Parsed:
    number: str
    flow: str
    values: dict[str, Any]
    # Each line's columns in LINE_COLUMNS order from `hs_code` on (keys and line_no come later).
    lines: list[tuple[Any, ...]]
    containers: list[str]
    line_no: int = 0


def _check(raw: Any, refs: _Refs, seen: set[str]) -> tuple[_Parsed | None, list[FieldProblem]]:
    problems: list[FieldProblem] = []
    if not isinstance(raw, dict):
        return None, [FieldProblem("", "each line must be a JSON object", "type")]
    r = _Record(raw, problems)
    text = r.text
    amount = r.amount
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
    if status in (Status.CLEARED, Status.RELEASED) and raw.get("cancelled_at") not in (None, ""):
        r.bad(
            "cancelled_at",
            f"a {status} declaration has no cancellation; a declaration cancelled after its "
            "release has status cancelled",
            "inconsistent",
        )
    for name, before in (("cleared_at", cleared), ("released_at", released)):
        if status == Status.CANCELLED and cancelled and before and cancelled < before:
            r.bad("cancelled_at", f"is before {name}", "out-of-order")
    partner_name = text(raw, "partner_name", HEADER_TEXT["partner_name"])
    bill_of_lading = text(raw, "bill_of_lading", HEADER_TEXT["bill_of_lading"])
    invoice_number = text(raw, "invoice_number", HEADER_TEXT["invoice_number"])
    cancel_reason = text(raw, "cancel_reason", HEADER_TEXT["cancel_reason"])
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

    raw_lines = raw.get("lines")
    lines: list[tuple[Any, ...]] = []
    if not isinstance(raw_lines, list) or not raw_lines:
        r.bad("lines", "at least one goods line is required", "required")
        raw_lines = []
    elif len(raw_lines) > MAX_LINES:
        r.bad("lines", f"more than {MAX_LINES} lines", "too-many")
        raw_lines = []
    total = ZERO
    customs_value = ZERO
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
    assert office is not None and registered is not None and enterprise_id is not None
    total_duties = sum(duties.values(), ZERO)
    values: dict[str, Any] = {
        "partner_name": partner_name,
        "bill_of_lading": bill_of_lading,
        "invoice_number": invoice_number,
        "cancel_reason": cancel_reason,
        "type_id": type_code,
        "status": status,
        "lane": lane,
        "enterprise_id": enterprise_id,
        "office_id": office[0],
        "office_code": office[1],
        "partner_country_id": partner or None,
        "transport_mode": mode,
        "incoterm": incoterm,
        "currency_id": currency,
        "invoice_value": invoice_value,
        "freight": freight,
        "insurance": insurance,
        "exchange_rate": exchange_rate,
        "customs_value_vnd": customs_value,
        "total_duties_vnd": total_duties,
        "paid_vnd": paid,
        "payment_state": (
            PaymentState.NONE_DUE
            if total_duties == 0
            else PaymentState.PAID
            if paid >= total_duties
            else PaymentState.PARTIAL
            if paid > 0
            else PaymentState.UNPAID
        ).value,
        "registered_at": registered,
        "cleared_at": cleared,
        "released_at": released,
        "cancelled_at": cancelled,
        **duties,
    }
    seen.add(number)
    return _Parsed(number, flow, values, lines, [c.strip().upper() for c in containers_raw]), []


@dataclass
class _Chunk:
    """What reading and checking a stretch of the file found: its records' problems in file
    order, then the sound records (at most CHUNK of them), which are the ones to write."""

    records: int
    problems: list[tuple[int, FieldProblem]]
    parsed: list[_Parsed]
    numbers: list[tuple[int, str]] = field(default_factory=list)  # (line, number) of `parsed`
    copy: dict[str, bytes] | None = None  # COPY text per table, when the checker wrote it
    rows: dict[str, int] = field(default_factory=dict)  # rows per table in `copy`
    highest: dict[str, int] = field(default_factory=dict)  # flow → highest serial of ours


def _chunks(stream: IO[str], refs: _Refs, seen: set[str]) -> Iterator[_Chunk]:
    """Read and check the file, a chunk of CHUNK sound records at a time (and whatever is left
    at the end, even nothing, so that the last problems are handed on)."""
    chunk = _Chunk(0, [], [])
    loads = json.loads
    for n, text in enumerate(stream, start=1):
        if not text.strip():
            continue
        chunk.records += 1
        try:
            raw = loads(text)
        except json.JSONDecodeError as exc:
            chunk.problems.append(
                (n, FieldProblem("", f"not JSON: {exc.msg} at column {exc.colno}", "json"))
            )
            continue
        record, problems = _check(raw, refs, seen)
        if record is None:
            chunk.problems.extend((n, p) for p in problems)
            continue
        record.line_no = n
        chunk.parsed.append(record)
        if len(chunk.parsed) >= CHUNK:
            yield chunk
            chunk = _Chunk(0, [], [])
    yield chunk


def _highest(parsed: Iterable[_Parsed]) -> dict[str, int]:
    """For each flow, the highest serial among the numbers that fit haiquan's numbering."""
    prefix_flow = {v: k for k, v in FLOW_PREFIX.items()}
    highest: dict[str, int] = {}
    for rec in parsed:
        if number_is_valid(rec.number):
            flow = prefix_flow[rec.number[0]]
            serial = int(rec.number[1 : 1 + SERIAL_DIGITS])
            if serial > highest.get(flow, 0):
                highest[flow] = serial
    return highest


def _rows(
    p: _Parsed,
    actor_id: int,
    keys: dict[str, Callable[[], int]],
    rows: dict[str, list[tuple[Any, ...]]],
    now: datetime,
) -> None:
    """The rows of one declaration, in each table's column order, keys drawn from `keys`."""
    v = p.values
    did = keys["declaration"]()
    lane = v["lane"]
    rows["declaration"].append(
        (
            did, p.number, p.flow, v["type_id"], v["status"], lane, _LANE_REASONS[lane],
            v["enterprise_id"], actor_id, v["office_id"], v["partner_name"],
            v["partner_country_id"], v["transport_mode"], v["bill_of_lading"],
            v["invoice_number"], v["incoterm"], v["currency_id"], v["invoice_value"],
            v["freight"], v["insurance"], v["exchange_rate"], v["customs_value_vnd"],
            v["import_duty_vnd"], v["export_duty_vnd"], v["sct_vnd"], v["env_tax_vnd"],
            v["vat_vnd"], v["total_duties_vnd"], v["paid_vnd"], ZERO, v["payment_state"],
            v["registered_at"], now, v["registered_at"], v["cleared_at"], v["released_at"],
            v["cancelled_at"], v["cancel_reason"], False,
        )
    )  # fmt: skip
    line_key = keys["line"]
    line_rows = rows["line"]
    for n, ln in enumerate(p.lines, start=1):
        line_rows.append((line_key(), did, n, *ln))
    for c in p.containers:
        rows["container"].append((keys["container"](), did, c, ""))
    # The number is 12 digits (checked): nothing in it to escape for JSON.
    content = '{"imported": true, "number": "' + p.number + '"}'
    total = v["total_duties_vnd"]
    rows["version"].append(
        (keys["version"](), did, 1, "", actor_id, v["registered_at"], content, total, total)
    )
    office = v["office_code"]
    event_key = keys["event"]
    events = rows["event"]
    for at, kind, party, data in (
        (v["registered_at"], "declaration.registered", Party.TRADER.value, _IMPORTED),
        (v["registered_at"], "declaration.lane_decided", Party.CUSTOMS.value, _LANE_DECIDED[lane]),
        (v["cleared_at"], "declaration.cleared", Party.CUSTOMS.value, _IMPORTED),
        (v["released_at"], "declaration.released", Party.MOVEMENT.value, _IMPORTED),
        (v["cancelled_at"], "declaration.cancelled", Party.TRADER.value, _IMPORTED),
    ):
        if at is not None:
            events.append(
                (event_key(), at, kind, "declaration", did, did, office, None, ACTOR_LABEL,
                 party, data)
            )  # fmt: skip


class _Rollback(Exception):
    """Raised inside the import's transaction to undo it when a record was wrong."""


def _note(report: ImportReport, line_no: int, problem: FieldProblem) -> None:
    report.problem_count += 1
    if len(report.problems) < MAX_PROBLEMS:
        report.problems.append((line_no, problem))


def _existing_numbers(numbers: list[str]) -> set[str]:
    return {
        n
        for n in Declaration.objects.filter(number__in=numbers).values_list("number", flat=True)
        if n
    }


def _take(report: ImportReport, chunk: _Chunk) -> None:
    """Note a chunk's problems in file order, then those of its numbers already in the
    database (so a report reads the same whichever way the chunk was checked)."""
    report.records += chunk.records
    for n, problem in chunk.problems:
        _note(report, n, problem)
    numbers = chunk.numbers or [(rec.line_no, rec.number) for rec in chunk.parsed]
    if numbers:
        existing = _existing_numbers([number for _n, number in numbers])
        for n, number in numbers:
            if number in existing:
                _note(report, n, FieldProblem("number", f"{number} exists already", "duplicate"))


def history_check(stream: IO[str]) -> ImportReport:
    """Check every record against the reference data and the database; nothing is written."""
    report = ImportReport()
    for chunk in _chunks(stream, _Refs.load(), set()):
        _take(report, chunk)
    return report


def history_import(
    *, stream: IO[str], actor: User, dry_run: bool = False, parallel: bool | None = None
) -> ImportReport:
    """Check every record and, if none is wrong (and not a dry run), write them all in one
    transaction. Checked chunks are written as the file is read; the first problem stops the
    writing and, once the rest of the file is checked, rolls back what was written.

    `parallel` checks in a second process while this one writes; by default it does so on
    PostgreSQL (where the keys can be drawn from another connection) when processes can fork.
    """
    if dry_run:
        return history_check(stream)
    if parallel is None:
        parallel = connection.vendor == "postgresql" and _can_fork()
    report = ImportReport()
    try:
        with transaction.atomic():
            highest = (_import_parallel if parallel else _import_inline)(stream, actor, report)
            if not report.ok:
                raise _Rollback
            _counters_past(highest)
    except _Rollback:
        report.declarations = report.lines = report.events = 0
    return report


def _import_inline(stream: IO[str], actor: User, report: ImportReport) -> dict[str, int]:
    """Check and write in this process (SQLite, or where processes cannot fork)."""
    tables = {name: Table(model, columns) for name, (model, columns) in TABLES.items()}
    allocators = {name: IdAllocator(t.model, block=CHUNK * 4) for name, t in tables.items()}
    keys = {name: a.next for name, a in allocators.items()}
    highest: dict[str, int] = {}
    for chunk in _chunks(stream, _Refs.load(), set()):
        _take(report, chunk)
        if not report.ok:
            continue
        rows: dict[str, list[tuple[Any, ...]]] = {name: [] for name in tables}
        now = timezone.now()
        for rec in chunk.parsed:
            _rows(rec, actor.pk, keys, rows, now)
        for flow, serial in _highest(chunk.parsed).items():
            highest[flow] = max(highest.get(flow, 0), serial)
        started = time.perf_counter()
        written = {name: write_rows(table, rows[name]) for name, table in tables.items()}
        report.write_seconds += time.perf_counter() - started
        report.declarations += written["declaration"]
        report.lines += written["line"]
        report.events += written["event"]
    return highest


# --- Checking in a second process (PostgreSQL) ----------------------------------------------


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _copy_text(cursor: Any, rows: list[tuple[Any, ...]], defaults: tuple[Any, ...]) -> bytes:
    """Rows in PostgreSQL's COPY text format, formatted by psycopg as `write_rows` formats them
    but into memory: the parent sends them in its transaction."""
    buffer = io.BytesIO()
    with Copy(cursor, writer=FileWriter(buffer)) as copy:
        for row in rows:
            copy.write_row(row + defaults if defaults else row)
    return buffer.getvalue()


class _SequenceKeys:
    """Primary keys for one table drawn from its sequence, a block at a time, on the checker's
    own connection: `nextval()` is outside any transaction, so the keys are ours whatever the
    import's transaction does (as `core.bulkwrite.IdAllocator` draws them)."""

    def __init__(self, conn: Any, table: str, block: int) -> None:
        self.conn = conn
        self.table = table
        self.block = block
        self._free: deque[int] = deque()

    def next(self) -> int:
        if not self._free:
            rows = self.conn.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [self.table, self.block],
            ).fetchall()
            self._free.extend(row[0] for row in rows)
        return self._free.popleft()


@dataclass
class _CheckerJob:
    """What the forked checker is given: it inherits these, nothing is pickled."""

    read_fd: int
    write_fd: int  # the parent's end of the pipe, closed at once in the checker
    results: Any  # multiprocessing Queue of _Chunk, then None (or a traceback text)
    stop: Any  # multiprocessing Event: the parent found a problem, stop writing COPY text
    refs: _Refs
    conninfo: dict[str, Any]
    actor_id: int


def _checker(job: _CheckerJob) -> None:
    """The second process: read the file from the pipe, check it, and turn each sound chunk into
    COPY text while nothing is wrong. It never touches Django's database connection, which is
    the parent's (forked) and in the middle of the import's transaction."""
    os.close(job.write_fd)
    try:
        stream = open(job.read_fd, encoding="utf-8", newline="\n")  # noqa: SIM115
        tables = {name: Table(model, columns) for name, (model, columns) in TABLES.items()}
        wrong = False
        with psycopg.connect(**job.conninfo, autocommit=True) as conn:
            keys = {name: _SequenceKeys(conn, t.name, CHUNK * 4).next for name, t in tables.items()}
            cursor = conn.cursor()
            for chunk in _chunks(stream, job.refs, set()):
                wrong = wrong or bool(chunk.problems) or job.stop.is_set()
                chunk.numbers = [(rec.line_no, rec.number) for rec in chunk.parsed]
                if not wrong:
                    rows: dict[str, list[tuple[Any, ...]]] = {name: [] for name in tables}
                    now = timezone.now()
                    for rec in chunk.parsed:
                        _rows(rec, job.actor_id, keys, rows, now)
                    chunk.copy = {
                        n: _copy_text(cursor, rows[n], tables[n].defaults) for n in tables
                    }
                    chunk.rows = {n: len(rows[n]) for n in tables}
                    chunk.highest = _highest(chunk.parsed)
                chunk.parsed = []
                job.results.put(chunk)
        job.results.put(None)
    except BaseException:
        job.results.put(traceback.format_exc())


def _feed(stream: IO[str], write_fd: int, failed: list[BaseException]) -> None:
    """Copy the file into the pipe the checker reads. A thread of the parent does it so that any
    stream will do: standard input (which the forked process does not keep), text in memory..."""
    try:
        with open(write_fd, "w", encoding="utf-8", newline="\n") as pipe:
            while block := stream.read(1 << 16):
                pipe.write(block)
    except BrokenPipeError:
        pass  # the checker stopped; the parent hears why from it
    except BaseException as exc:  # e.g. a file that is not UTF-8: raised in the parent
        failed.append(exc)


def _import_parallel(stream: IO[str], actor: User, report: ImportReport) -> dict[str, int]:
    """Check in a forked second process while this one looks numbers up and writes, chunk by
    chunk, in the import's transaction."""
    tables = {name: Table(model, columns) for name, (model, columns) in TABLES.items()}
    connection.ensure_connection()
    info = connection.connection.info
    conninfo = {**info.get_parameters(), "password": info.password}
    ctx = multiprocessing.get_context("fork")
    results = ctx.Queue(maxsize=2)  # chunks checked ahead of the writing: bounds memory
    stop = ctx.Event()
    refs = _Refs.load()
    read_fd, write_fd = os.pipe()
    job = _CheckerJob(read_fd, write_fd, results, stop, refs, conninfo, actor.pk)
    checker = ctx.Process(target=_checker, args=(job,), name="history-import-checker")
    try:
        checker.start()
    except BaseException:
        os.close(write_fd)
        raise
    finally:
        os.close(read_fd)
    failed: list[BaseException] = []
    feeder = threading.Thread(target=_feed, args=(stream, write_fd, failed), daemon=True)
    feeder.start()
    highest: dict[str, int] = {}
    qn = connection.ops.quote_name
    deferred = _foreign_keys_checked_per_statement(tables.values())
    try:
        while True:
            try:
                chunk = results.get(timeout=1)
            except queue.Empty:
                if not checker.is_alive():
                    raise RuntimeError(
                        f"history import: the checking process ended ({checker.exitcode})"
                    ) from None
                continue
            if chunk is None:
                break
            if isinstance(chunk, str):
                raise RuntimeError(f"history import: the checking process failed:\n{chunk}")
            _take(report, chunk)
            if not report.ok:
                stop.set()
                continue
            if chunk.copy is None:
                raise RuntimeError("history import: a sound chunk came without its rows")
            for flow, serial in chunk.highest.items():
                highest[flow] = max(highest.get(flow, 0), serial)
            started = time.perf_counter()
            with connection.cursor() as cursor:
                raw = cursor.cursor  # the psycopg cursor under Django's wrapper
                for name, table in tables.items():
                    if not chunk.rows[name]:
                        continue
                    cols = ", ".join(qn(c) for c in table.all_columns)
                    with raw.copy(f"COPY {qn(table.name)} ({cols}) FROM STDIN") as copy:
                        copy.write(chunk.copy[name])
            report.write_seconds += time.perf_counter() - started
            report.declarations += chunk.rows["declaration"]
            report.lines += chunk.rows["line"]
            report.events += chunk.rows["event"]
        checker.join()
        if deferred:  # as they were, for whatever the caller's transaction does next
            with connection.cursor() as cursor:
                cursor.execute(f"SET CONSTRAINTS {', '.join(deferred)} DEFERRED")
    finally:
        if checker.is_alive():
            checker.terminate()  # this import's own checker, on the way out after a failure
            checker.join()
        feeder.join()
        results.close()
    if failed:
        raise failed[0]
    return highest


def _foreign_keys_checked_per_statement(tables: Iterable[Table]) -> list[str]:
    """Check the tables' foreign keys at the end of each COPY rather than at commit, and return
    those that were deferred (quoted). Django makes them DEFERRABLE INITIALLY DEFERRED, so
    PostgreSQL would check every row's references at once at commit, when the checking process
    has nothing left to do; checked per chunk, they are checked while it checks the next one.
    Nothing else changes: the chunk's parents are written before its children. Rolling back (the
    import's savepoint or transaction) forgets the setting."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE contype = 'f' AND condeferred"
            " AND conrelid = ANY(%s::regclass[])",
            [[t.name for t in tables]],
        )
        names = [connection.ops.quote_name(name) for (name,) in cursor.fetchall()]
        if names:
            cursor.execute(f"SET CONSTRAINTS {', '.join(names)} IMMEDIATE")
    return names


def _counters_past(highest: dict[str, int]) -> None:
    """Move each flow's counter past the imported numbers that fit haiquan's numbering."""
    for flow, serial in highest.items():
        seq, _created = NumberSequence.objects.select_for_update().get_or_create(
            name=flow, defaults={"last": 0}
        )
        if seq.last < serial:
            seq.last = serial
            seq.save(update_fields=["last"])
