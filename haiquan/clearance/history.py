"""Importing declaration history from another system (e.g. an administration moving off its
legacy clearance system), in bulk.

The input is JSON Lines: one finished declaration per line, as the legacy system assessed and
decided it (see `docs/history-import.md` for the fields and an example). Duties are taken as
recorded, not recomputed: the rates, exchange rates and rules of the day they were assessed
were the law then.

The file is read once, a chunk of records at a time, inside one transaction: each record is
checked (`history_records.py`) against the reference data (declaration types, offices, enterprises, currencies,
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
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

import psycopg
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone
from psycopg.copy import Copy, FileWriter

from haiquan.accounts.models import User
from haiquan.core.bulkwrite import IdAllocator, Table, write_rows
from haiquan.core.problems import FieldProblem
from haiquan.eventlog import kinds
from haiquan.eventlog.choices import Party
from haiquan.eventlog.models import Event

from .history_records import LANES, ZERO, Parsed, Refs, record_check
from .models import Container, Declaration, DeclarationLine, DeclarationVersion, NumberSequence
from .numbering import FLOW_PREFIX, SERIAL_DIGITS, number_is_valid
from .workflow import Action, By, emitted

MAX_PROBLEMS = 1000  # reported at most; the count says how many there were
CHUNK = 5000  # records checked and written at a time

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
# The events of each step, at the time it happened: what the live workflow writes for it.
REGISTERED = kinds.DECLARATION_REGISTERED.code
LANE_DECIDED = kinds.DECLARATION_LANE_DECIDED.code
CLEARED = emitted(Action.CLEAR, By.SYSTEM).code
RELEASED = emitted(Action.RELEASE, By.OFFICER).code
CANCELLED = kinds.DECLARATION_CANCELLED.code


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
class _Chunk:
    """What reading and checking a stretch of the file found: its records' problems in file
    order, then the sound records (at most CHUNK of them), which are the ones to write."""

    records: int
    problems: list[tuple[int, FieldProblem]]
    parsed: list[Parsed]
    numbers: list[tuple[int, str]] = field(default_factory=list)  # (line, number) of `parsed`
    copy: dict[str, bytes] | None = None  # COPY text per table, when the checker wrote it
    rows: dict[str, int] = field(default_factory=dict)  # rows per table in `copy`
    highest: dict[str, int] = field(default_factory=dict)  # flow → highest serial of ours


def _chunks(stream: IO[str], refs: Refs, seen: set[str]) -> Iterator[_Chunk]:
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
        record, problems = record_check(raw, refs, seen)
        if record is None:
            chunk.problems.extend((n, p) for p in problems)
            continue
        record.line_no = n
        chunk.parsed.append(record)
        if len(chunk.parsed) >= CHUNK:
            yield chunk
            chunk = _Chunk(0, [], [])
    yield chunk


def _highest(parsed: Iterable[Parsed]) -> dict[str, int]:
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
    p: Parsed,
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
        (v["registered_at"], REGISTERED, Party.TRADER.value, _IMPORTED),
        (v["registered_at"], LANE_DECIDED, Party.CUSTOMS.value, _LANE_DECIDED[lane]),
        (v["cleared_at"], CLEARED, Party.CUSTOMS.value, _IMPORTED),
        (v["released_at"], RELEASED, Party.MOVEMENT.value, _IMPORTED),
        (v["cancelled_at"], CANCELLED, Party.TRADER.value, _IMPORTED),
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
    for chunk in _chunks(stream, Refs.load(), set()):
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
    for chunk in _chunks(stream, Refs.load(), set()):
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
    refs: Refs
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
    refs = Refs.load()
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
