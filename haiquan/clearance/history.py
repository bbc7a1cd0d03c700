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

A file with any problem writes nothing. A number that fits haiquan's own numbering moves that
flow's counter past it, so numbers given later never collide with imported ones.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from stdnum.vn import mst as mst_std

from haiquan.accounts.models import User
from haiquan.core.bulkwrite import IdAllocator, Table, write_rows
from haiquan.core.problems import FieldProblem
from haiquan.eventlog.choices import Party
from haiquan.eventlog.models import Event
from haiquan.refdata.models import Country, Currency, DeclarationType, Enterprise, Office
from haiquan.tariff.models import HsLine

from .choices import Incoterm, Lane, PaymentState, Status, TransportMode
from .models import Container, Declaration, DeclarationLine, DeclarationVersion, NumberSequence
from .numbering import FLOW_PREFIX, SERIAL_DIGITS, number_is_valid

MAX_LINES = 999  # VNACCS allows 50 lines a declaration; legacy systems more, never this many
FINISHED = {Status.CLEARED, Status.RELEASED, Status.CANCELLED}
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
LIMIT = 10**16  # amounts have at most 16 digits before the point (DecimalField(18, 2))
LANES = frozenset(Lane.values)
MODES = frozenset(TransportMode.values)
INCOTERMS = frozenset(Incoterm.values)

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
ACTOR_LABEL = "history import"


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
    """One line of the file, checked field by field; problems gathered, never raised."""

    def __init__(self, raw: dict[str, Any], problems: list[FieldProblem]) -> None:
        self.raw = raw
        self.problems = problems

    def bad(self, name: str, text: str, code: str = "invalid") -> None:
        self.problems.append(FieldProblem(name, text, code))

    def text(self, name: str, limit: int, *, required: bool = False, src: Any = None) -> str:
        src = self.raw if src is None else src
        value = src.get(name[name.rfind(".") + 1 :], "")
        if value is None:
            value = ""
        if type(value) is not str:
            self.bad(name, "must be a string", "type")
            return ""
        value = value.strip()
        if required and not value:
            self.bad(name, "is required", "required")
        elif len(value) > limit:
            self.bad(name, f"is longer than {limit} characters", "too-long")
        return value

    def amount(
        self, name: str, *, src: Any = None, default: Decimal | None = None, places: int = 2
    ) -> Decimal:
        src = self.raw if src is None else src
        value = src.get(name[name.rfind(".") + 1 :])
        if value is None:
            if default is not None:
                return default
            self.bad(name, "is required", "required")
            return ZERO
        kind = type(value)
        if kind is int:  # the common case for amounts in đồng: no decimals to check
            if 0 <= value < LIMIT:
                return Decimal(value)
            self.bad(name, "must be zero or more, under 10^16", "out-of-range")
            return ZERO
        if kind is not str and kind is not float:
            self.bad(name, "must be a number", "type")
            return ZERO
        try:
            number = Decimal(value if kind is str else repr(value))
        except InvalidOperation:
            self.bad(name, f"'{value}' is not a number", "type")
            return ZERO
        if not number.is_finite() or number < 0 or number >= LIMIT:
            self.bad(name, "must be zero or more, under 10^16", "out-of-range")
            return ZERO
        exponent = number.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > places:
            self.bad(name, f"has more than {places} decimals", "out-of-range")
            return ZERO
        return number

    def moment(self, name: str, *, required: bool = False) -> datetime | None:
        value = self.raw.get(name)
        if value in (None, ""):
            if required:
                self.bad(name, "is required", "required")
            return None
        parsed = parse_datetime(value) if isinstance(value, str) else None
        if parsed is None or timezone.is_naive(parsed):
            self.bad(name, "must be an ISO 8601 date-time with its UTC offset", "invalid-datetime")
            return None
        return parsed

    def day(self, name: str, src: dict[str, Any]) -> date | None:
        value = src.get(name.rsplit(".", 1)[-1])
        if value in (None, ""):
            return None
        parsed = parse_date(value) if isinstance(value, str) else None
        if parsed is None:
            self.bad(name, "must be a date (YYYY-MM-DD)", "invalid-date")
        return parsed


@dataclass
class _Parsed:
    number: str
    flow: str
    values: dict[str, Any]
    lines: list[dict[str, Any]]
    containers: list[str]
    line_no: int = 0


def _check(raw: Any, refs: _Refs, seen: set[str]) -> tuple[_Parsed | None, list[FieldProblem]]:
    problems: list[FieldProblem] = []
    if not isinstance(raw, dict):
        return None, [FieldProblem("", "each line must be a JSON object", "type")]
    r = _Record(raw, problems)
    number = r.text("number", 12, required=True)
    if number and not (len(number) == 12 and number.isdigit()):
        r.bad("number", "must be 12 digits", "invalid-number")
    elif number in seen:
        r.bad("number", f"{number} appears twice in the file", "duplicate")
    type_code = r.text("type_code", 3, required=True).upper()
    flow = refs.types.get(type_code, "")
    if type_code and not flow:
        r.bad("type_code", f"'{type_code}' is not a declaration type code", "unknown-type")
    office_code = r.text("office_code", 16, required=True).upper()
    office = refs.offices.get(office_code)
    if office_code and office is None:
        r.bad("office_code", f"'{office_code}' is not a customs office code", "unknown-office")
    mst = r.text("enterprise_mst", 14, required=True)
    enterprise_id = refs.enterprises.get(mst)
    if mst and enterprise_id is None:
        if not mst_std.is_valid(mst):
            r.bad("enterprise_mst", f"'{mst}' is not a valid tax code", "invalid-mst")
        else:
            r.bad("enterprise_mst", f"no enterprise with tax code {mst}", "unknown-enterprise")
    status = r.text("status", 16, required=True)
    if status and status not in FINISHED:
        r.bad("status", "must be cleared, released or cancelled (finished history)", "status")
    lane = r.text("lane", 6, required=True)
    if lane and lane not in LANES:
        r.bad("lane", "must be green, yellow or red", "invalid-lane")
    mode = r.text("transport_mode", 16, required=True)
    if mode and mode not in MODES:
        r.bad("transport_mode", f"'{mode}' is not a transport mode", "invalid-choice")
    incoterm = r.text("incoterm", 3, required=True).upper()
    if incoterm and incoterm not in INCOTERMS:
        r.bad("incoterm", f"'{incoterm}' is not an Incoterm", "invalid-choice")
    currency = r.text("currency", 3, required=True).upper()
    if currency and currency not in refs.currencies:
        r.bad("currency", f"'{currency}' is not a currency code", "unknown-currency")
    partner = r.text("partner_country", 2).upper()
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
    values: dict[str, Any] = {
        k: r.text(k, n) for k, n in HEADER_TEXT.items() if k != "cancel_reason"
    }
    values["cancel_reason"] = r.text("cancel_reason", HEADER_TEXT["cancel_reason"])
    invoice_value = r.amount("invoice_value")
    freight = r.amount("freight", default=Decimal(0))
    insurance = r.amount("insurance", default=Decimal(0))
    exchange_rate = r.amount("exchange_rate", places=4)
    duties_src = raw.get("duties") or {}
    if not isinstance(duties_src, dict):
        r.bad("duties", "must be an object", "type")
        duties_src = {}
    duties = {k: r.amount(f"duties.{k}", src=duties_src, default=Decimal(0)) for k in DUTIES}
    paid = r.amount("duties.paid_vnd", src=duties_src, default=Decimal(0))

    raw_lines = raw.get("lines")
    lines: list[dict[str, Any]] = []
    if not isinstance(raw_lines, list) or not raw_lines:
        r.bad("lines", "at least one goods line is required", "required")
        raw_lines = []
    elif len(raw_lines) > MAX_LINES:
        r.bad("lines", f"more than {MAX_LINES} lines", "too-many")
        raw_lines = []
    total = Decimal(0)
    customs_value = Decimal(0)
    for i, ln in enumerate(raw_lines):
        at = f"lines[{i}]"
        if not isinstance(ln, dict):
            r.bad(at, "must be an object", "type")
            continue
        hs = r.text(f"{at}.hs_code", 10, required=True, src=ln).replace(".", "")
        if hs and hs not in refs.hs_codes:
            r.bad(f"{at}.hs_code", f"'{hs}' is not a tariff line", "unknown-hs")
        origin = r.text(f"{at}.origin", 2, required=True, src=ln).upper()
        if origin and origin not in refs.countries:
            r.bad(f"{at}.origin", f"'{origin}' is not a country code", "unknown-country")
        line: dict[str, Any] = {
            "hs_code": hs,
            "description": r.text(f"{at}.description", 500, required=True, src=ln),
            "origin_id": origin,
            "quantity": r.amount(f"{at}.quantity", src=ln, places=3),
            "unit": r.text(f"{at}.unit", 8, required=True, src=ln).upper(),
            "unit_price": r.amount(f"{at}.unit_price", src=ln, places=4),
            "value": r.amount(f"{at}.value", src=ln),
            "preference": r.text(f"{at}.preference", 16, src=ln).upper(),
            "co_number": r.text(f"{at}.co_number", 35, src=ln),
            "co_date": r.day(f"{at}.co_date", ln),
            "import_rate_kind": r.text(f"{at}.import_rate_kind", 32, src=ln),
        }
        for k in ("customs_value_vnd", *DUTIES):
            line[k] = r.amount(f"{at}.{k}", src=ln, default=Decimal(0))
        for k in LINE_RATES:
            line[k] = r.amount(f"{at}.{k}", src=ln, places=4) if ln.get(k) is not None else None
        line["total_vnd"] = sum((line[k] for k in DUTIES), Decimal(0))
        total += line["value"]
        customs_value += line["customs_value_vnd"]
        lines.append(line)
    if lines and abs(total - invoice_value) > Decimal("0.01"):
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
    total_duties = sum(duties.values(), Decimal(0))
    values.update(
        type_id=type_code,
        status=status,
        lane=lane,
        enterprise_id=enterprise_id,
        office_id=office[0],
        office_code=office[1],
        partner_country_id=partner or None,
        transport_mode=mode,
        incoterm=incoterm,
        currency_id=currency,
        invoice_value=invoice_value,
        freight=freight,
        insurance=insurance,
        exchange_rate=exchange_rate,
        customs_value_vnd=customs_value,
        total_duties_vnd=total_duties,
        paid_vnd=paid,
        payment_state=(
            PaymentState.NONE_DUE
            if total_duties == 0
            else PaymentState.PAID
            if paid >= total_duties
            else PaymentState.PARTIAL
            if paid > 0
            else PaymentState.UNPAID
        ),
        registered_at=registered,
        cleared_at=cleared,
        released_at=released,
        cancelled_at=cancelled,
        **duties,
    )
    seen.add(number)
    return _Parsed(number, flow, values, lines, [c.strip().upper() for c in containers_raw]), []


def _records(stream: IO[str]) -> Iterator[tuple[int, Any]]:
    for n, text in enumerate(stream, start=1):
        if not text.strip():
            continue
        try:
            yield n, json.loads(text)
        except json.JSONDecodeError as exc:
            yield n, exc


class _Rollback(Exception):
    """Raised inside the import's transaction to undo it when a record was wrong."""


@dataclass
class _Writer:
    actor: User
    tables: dict[str, Table] = field(init=False)
    ids: dict[str, IdAllocator] = field(init=False)
    highest: dict[str, int] = field(default_factory=dict)  # flow → highest serial of ours

    def __post_init__(self) -> None:
        self.tables = {
            "declaration": Table(Declaration, DECLARATION_COLUMNS),
            "line": Table(DeclarationLine, LINE_COLUMNS),
            "container": Table(Container, CONTAINER_COLUMNS),
            "version": Table(DeclarationVersion, VERSION_COLUMNS),
            "event": Table(Event, EVENT_COLUMNS),
        }
        self.ids = {name: IdAllocator(t.model, block=CHUNK * 4) for name, t in self.tables.items()}

    def write(self, chunk: list[_Parsed], report: ImportReport) -> None:
        rows: dict[str, list[tuple[Any, ...]]] = {name: [] for name in self.tables}
        now = timezone.now()
        prefix_flow = {v: k for k, v in FLOW_PREFIX.items()}
        for rec in chunk:
            _rows(rec, self.actor, self.ids, rows, now)
            if number_is_valid(rec.number):
                flow = prefix_flow[rec.number[0]]
                serial = int(rec.number[1 : 1 + SERIAL_DIGITS])
                self.highest[flow] = max(self.highest.get(flow, 0), serial)
        # Parents before children, so no reader ever sees a line without its declaration.
        started = time.perf_counter()
        written = {name: write_rows(table, rows[name]) for name, table in self.tables.items()}
        report.write_seconds += time.perf_counter() - started
        report.declarations += written["declaration"]
        report.lines += written["line"]
        report.events += written["event"]


def _scan(
    stream: IO[str], report: ImportReport, write: Callable[[list[_Parsed]], None] | None
) -> None:
    """Read the file a chunk at a time, check every record and, while nothing has been found
    wrong, hand each checked chunk to `write`. Memory stays bounded by the chunk (plus the set of
    numbers seen, to find a number given twice)."""
    refs = _Refs.load()
    seen: set[str] = set()
    chunk: list[_Parsed] = []

    def flush() -> None:
        existing = _existing_numbers([rec.number for rec in chunk])
        for rec in chunk:
            if rec.number in existing:
                _note(report, rec.line_no, FieldProblem(
                    "number", f"{rec.number} exists already", "duplicate"
                ))  # fmt: skip
        if write is not None and report.ok:
            write(chunk)
        chunk.clear()

    for n, raw in _records(stream):
        report.records += 1
        if isinstance(raw, json.JSONDecodeError):
            _note(report, n, FieldProblem("", f"not JSON: {raw.msg} at column {raw.colno}", "json"))
            continue
        record, problems = _check(raw, refs, seen)
        for problem in problems:
            _note(report, n, problem)
        if record is not None:
            record.line_no = n
            chunk.append(record)
            if len(chunk) >= CHUNK:
                flush()
    if chunk:
        flush()


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


def _dump(value: Any) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)


def history_check(stream: IO[str]) -> ImportReport:
    """Check every record against the reference data and the database; nothing is written."""
    report = ImportReport()
    _scan(stream, report, None)
    return report


def history_import(*, stream: IO[str], actor: User, dry_run: bool = False) -> ImportReport:
    """Check every record and, if none is wrong (and not a dry run), write them all in one
    transaction. Checked chunks are written as the file is read; the first problem stops the
    writing and, once the rest of the file is checked, rolls back what was written."""
    if dry_run:
        return history_check(stream)
    report = ImportReport()
    writer = _Writer(actor)
    try:
        with transaction.atomic():
            _scan(stream, report, lambda chunk: writer.write(chunk, report))
            if not report.ok:
                raise _Rollback
            _counters_past(writer.highest)
    except _Rollback:
        report.declarations = report.lines = report.events = 0
    return report


def _rows(
    p: _Parsed,
    actor: User,
    ids: dict[str, IdAllocator],
    rows: dict[str, list[tuple[Any, ...]]],
    now: datetime,
) -> None:
    v = p.values
    did = ids["declaration"].next()
    reasons = [
        {
            "source": "history",
            "code": "IMPORTED",
            "lane": v["lane"],
            "text": "Lane decided by the system of record before import",
            "line_no": None,
            "version": None,
        }
    ]
    rows["declaration"].append(
        (
            did, p.number, p.flow, v["type_id"], v["status"], v["lane"], _dump(reasons),
            v["enterprise_id"], actor.pk, v["office_id"], v["partner_name"],
            v["partner_country_id"], v["transport_mode"], v["bill_of_lading"],
            v["invoice_number"], v["incoterm"], v["currency_id"], v["invoice_value"],
            v["freight"], v["insurance"], v["exchange_rate"], v["customs_value_vnd"],
            v["import_duty_vnd"], v["export_duty_vnd"], v["sct_vnd"], v["env_tax_vnd"],
            v["vat_vnd"], v["total_duties_vnd"], v["paid_vnd"], Decimal(0), v["payment_state"],
            v["registered_at"], now, v["registered_at"], v["cleared_at"], v["released_at"],
            v["cancelled_at"], v["cancel_reason"], False,
        )
    )  # fmt: skip
    for n, ln in enumerate(p.lines, start=1):
        rows["line"].append(
            (
                ids["line"].next(), did, n, ln["hs_code"], ln["description"], ln["origin_id"],
                ln["quantity"], ln["unit"], ln["unit_price"], ln["value"], ln["preference"],
                ln["co_number"], ln["co_date"], ln["customs_value_vnd"], ln["import_rate"],
                ln["import_rate_kind"], ln["import_duty_vnd"], ln["export_rate"],
                ln["export_duty_vnd"], ln["sct_rate"], ln["sct_vnd"], ln["env_tax_vnd"],
                ln["vat_rate"], ln["vat_vnd"], ln["total_vnd"], "[]",
            )
        )  # fmt: skip
    for c in p.containers:
        rows["container"].append((ids["container"].next(), did, c, ""))
    rows["version"].append(
        (
            ids["version"].next(), did, 1, "", actor.pk, v["registered_at"],
            _dump({"imported": True, "number": p.number}), v["total_duties_vnd"],
            v["total_duties_vnd"],
        )
    )  # fmt: skip
    office = v["office_code"]
    steps: list[tuple[datetime | None, str, str, dict[str, Any]]] = [
        (v["registered_at"], "declaration.registered", Party.TRADER, {"imported": True}),
        (v["registered_at"], "declaration.lane_decided", Party.CUSTOMS, {"lane": v["lane"]}),
        (v["cleared_at"], "declaration.cleared", Party.CUSTOMS, {}),
        (v["released_at"], "declaration.released", Party.MOVEMENT, {}),
        (v["cancelled_at"], "declaration.cancelled", Party.TRADER, {}),
    ]
    for at, kind, party, data in steps:
        if at is None:
            continue
        rows["event"].append(
            (
                ids["event"].next(), at, kind, "declaration", did, did, office, None,
                ACTOR_LABEL, party, _dump({**data, "imported": True}),
            )
        )  # fmt: skip


def _counters_past(highest: dict[str, int]) -> None:
    """Move each flow's counter past the imported numbers that fit haiquan's numbering."""
    for flow, serial in highest.items():
        seq, _created = NumberSequence.objects.select_for_update().get_or_create(
            name=flow, defaults={"last": 0}
        )
        if seq.last < serial:
            seq.last = serial
            seq.save(update_fields=["last"])
