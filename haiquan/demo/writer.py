"""Writing the generator's rows on a second thread, into the generator's own transaction.

Building a declaration is Python (duties, lane, workflow) and holds the interpreter; writing its
rows through PostgreSQL's COPY is mostly another process's work. So while the main thread builds
the next batch of declarations, this thread writes the previous one: the two cores of a small
machine both work, and the rows, their keys and their order are exactly those of a write on the
main thread. The generator uses it on PostgreSQL only by default: on SQLite it was measured
slower than writing inline (`generator._writer` says why), though it still works there.

Both threads use one connection, hence one transaction (the chunk's, and any the caller opened):
what the caller rolls back is rolled back. They never use it at the same moment: the writer holds
`lock` while it writes a block of rows, and every query of the main thread on that connection
(key reservations, counters, look-ups) takes the same lock (`execute_wrapper`). At most one
batch waits while another is written, so memory stays bounded.

On an SQLite file a thread does not help (`generator._writer` says why): `ProcessWriter` writes
the rows from a forked process instead, on its own connection and in its own transaction, which
it commits when the generator ends a chunk. The generator then writes nothing on its own
connection while the process runs (SQLite has one writer): the counters' moves are sent to the
process too, in order with the rows.
"""

from __future__ import annotations

import multiprocessing
import queue
import sys
import threading
import traceback
from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack, suppress
from multiprocessing.connection import Connection
from typing import Any

from django.db import connection as default_connection
from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from haiquan.core.bulkwrite import INSERT_BATCH, Table, _sqlite_datetime, sqlite_links, write_rows
from haiquan.eventlog.chain import BULK_SETTING, CHAINED_TABLES

Batch = list[tuple[Table, list[tuple]]]
_STOP = object()


class BackgroundWriter:
    """`submit(batch)` queues rows for writing; `drain()` waits until all are written and raises
    what the writer met. Use as a context manager around the run."""

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        """`connection`: the main thread's connection object, `connections[alias]` taken on the
        main thread (not `django.db.connection`, which is another one on every thread)."""
        self.connection = connection
        self.lock = threading.Lock()
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=1)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="demo-writer", daemon=True)
        self._stack = ExitStack()

    def __enter__(self) -> BackgroundWriter:
        self.connection.ensure_connection()
        self._stack.enter_context(self.connection.execute_wrapper(self._serialised))
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._queue.put(_STOP)
        self._thread.join()
        self._stack.close()

    def submit(self, batch: Batch) -> None:
        self._raise()
        self._queue.put(batch)

    def drain(self) -> None:
        """Wait until every submitted row is written; raise the writer's error if it had one."""
        self._queue.join()
        self._raise()

    def discard(self) -> BaseException | None:
        """Wait for the writer to stop touching the connection (the transaction is being
        rolled back); the error it met, if any, is handed over rather than raised."""
        self._queue.join()
        error, self._error = self._error, None
        return error

    # -----------------------------------------------------------------------------------------

    def _raise(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def _serialised(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        with self.lock:
            return execute(sql, params, many, context)

    def _run(self) -> None:
        while True:
            batch = self._queue.get()
            try:
                if batch is _STOP:
                    return
                if self._error is None:  # after an error, the rest of the batches are dropped
                    for table, rows in batch:
                        write_rows_shared(self.connection, table, rows, self.lock)
            except BaseException as exc:  # raised again on the main thread
                self._error = exc
            finally:
                batch = None  # the rows go now, not when the next batch comes
                self._queue.task_done()


def write_rows_shared(
    connection: BaseDatabaseWrapper,
    table: Table,
    rows: Sequence[tuple],
    lock: threading.Lock,
) -> int:
    """`core.bulkwrite.write_rows`, on `connection`'s DB-API connection from any thread, taking
    `lock` around each block of rows (COPY on PostgreSQL, multi-row INSERTs on SQLite)."""
    if not rows:
        return 0
    raw = connection.connection
    qn = connection.ops.quote_name
    cols = ", ".join(qn(c) for c in table.all_columns)
    defaults = table.defaults
    chained = table.name in CHAINED_TABLES
    if connection.vendor == "postgresql":
        copy_sql = f"COPY {qn(table.name)} ({cols}) FROM STDIN"
        with lock, raw.cursor() as cursor:
            if chained:  # the chain trigger told this transaction writes in bulk
                cursor.execute("SELECT set_config(%s, 'on', true)", [BULK_SETTING])
            with cursor.copy(copy_sql) as copy:
                for row in rows:
                    copy.write_row(row + defaults if defaults else row)
        return len(rows)
    placeholders = ", ".join(["?"] * len(table.all_columns))
    sql = f"INSERT INTO {qn(table.name)} ({cols}) VALUES ({placeholders})"  # noqa: S608
    dt_idx = table.datetime_idx
    n = 0
    if chained:
        # The chain's trigger is dropped for the write (`sqlite_links`): the lock is held from
        # its dropping to its making again, so no query of the main thread runs without it.
        with lock:
            cursor = raw.cursor()
            try:
                with sqlite_links(cursor, table, placeholder="?") as links:
                    assert links is not None
                    for start in range(0, len(rows), INSERT_BATCH):
                        batch = _sqlite_rows(rows[start : start + INSERT_BATCH], defaults, dt_idx)
                        links.fill(batch)
                        cursor.executemany(sql, batch)
                        n += len(batch)
            finally:
                cursor.close()
        return n
    for start in range(0, len(rows), INSERT_BATCH):
        batch = _sqlite_rows(rows[start : start + INSERT_BATCH], defaults, dt_idx)
        with lock:
            cursor = raw.cursor()
            try:
                cursor.executemany(sql, batch)
            finally:
                cursor.close()
        n += len(batch)
    return n


def _sqlite_rows(rows: Iterable[tuple], defaults: tuple, dt_idx: list[int]) -> list[list[Any]]:
    out = []
    for row in rows:
        full = list(row + defaults if defaults else row)
        for i in dt_idx:
            full[i] = _sqlite_datetime(full[i])
        out.append(full)
    return out


class WriterFailed(Exception):
    """The writing process met an error; the chunk it was writing is rolled back."""


class ProcessWriter:
    """Rows written by a forked process on its own connection to the same SQLite file.

    `begin()` opens the generator's chunk there (the process then holds SQLite's write lock);
    `submit(batch)` and `execute(sql, params)` are sent in order; `drain()` commits what was
    sent as one transaction (the chunk) and raises what the process met;
    `discard()` rolls it back. The pipe holds little, so the generator waits when it is two
    batches ahead: memory stays bounded. Use as a context manager around the run, outside any
    transaction of the caller (the process's transactions are its own): `available()` says
    whether it can be used here."""

    @staticmethod
    def available(connection: BaseDatabaseWrapper) -> bool:
        name = str(connection.settings_dict["NAME"])
        return (
            connection.vendor == "sqlite"
            and name != ":memory:"
            and "mode=memory" not in name
            and not connection.in_atomic_block
            and "fork" in multiprocessing.get_all_start_methods()
        )

    def __init__(self) -> None:
        self._pipe: Connection | None = None
        self._process: Any = None

    def __enter__(self) -> ProcessWriter:
        connections.close_all()  # the process opens its own; this one opens again when asked
        ctx = multiprocessing.get_context("fork")
        self._pipe, child = ctx.Pipe()
        self._process = ctx.Process(
            target=_process_main, args=(child,), name="demo-writer", daemon=True
        )
        self._process.start()
        child.close()
        return self

    def __exit__(self, *exc: object) -> None:
        with suppress(WriterFailed):
            self._send(("stop",))
        self._process.join(timeout=60)
        if self._process.is_alive():  # pragma: no cover - it stops when told
            self._process.terminate()
            self._process.join()
        assert self._pipe is not None
        self._pipe.close()

    def begin(self) -> None:
        """Open the chunk's transaction in the process and wait until it holds SQLite's write
        lock: what this process reads next (the counters) no other writer can move meanwhile."""
        error = self._ask("begin")
        if error is not None:
            raise error

    def submit(self, batch: Batch) -> None:
        self._send(("rows", batch))

    def execute(self, sql: str, params: list[Any]) -> None:
        self._send(("sql", sql, params))

    def drain(self) -> None:
        """Commit what was sent; raise the process's error if it had one (then nothing of the
        chunk is written)."""
        error = self._ask("commit")
        if error is not None:
            raise error

    def discard(self) -> BaseException | None:
        """Roll back what was sent since the last commit; the process's error, if it had one,
        is handed over rather than raised."""
        try:
            return self._ask("rollback")
        except WriterFailed as exc:
            return exc

    def _send(self, message: tuple[Any, ...]) -> None:
        assert self._pipe is not None
        try:
            self._pipe.send(message)
        except (BrokenPipeError, EOFError, OSError) as exc:
            raise WriterFailed(
                f"the writing process stopped (exit code {self._process.exitcode})"
            ) from exc

    def _ask(self, what: str) -> WriterFailed | None:
        self._send((what,))
        assert self._pipe is not None
        try:
            reply = self._pipe.recv()
        except (EOFError, OSError) as exc:
            raise WriterFailed(
                f"the writing process stopped (exit code {self._process.exitcode})"
            ) from exc
        return None if reply[0] == "ok" else WriterFailed(reply[1])


def _process_main(pipe: Connection) -> None:
    """`ProcessWriter`'s process: write what comes, in one transaction until told to commit or
    roll back; after an error, drop what comes until then and report the error."""
    atomic: Any = None
    error: str | None = None
    try:
        while True:
            message = pipe.recv()
            what = message[0]
            if what == "stop":
                break
            if what in ("rows", "sql"):
                if error is not None:
                    continue
                try:
                    if atomic is None:
                        atomic = transaction.atomic()
                        atomic.__enter__()
                    if what == "rows":
                        for table, rows in message[1]:
                            write_rows(table, rows)
                    else:
                        with default_connection.cursor() as cursor:
                            cursor.execute(message[1], message[2])
                except BaseException:
                    error = traceback.format_exc()
                    if atomic is not None:
                        atomic.__exit__(*sys.exc_info())
                        atomic = None
                continue
            if what == "begin":
                if error is None and atomic is None:
                    try:  # BEGIN IMMEDIATE (the settings' transaction mode): the write lock now
                        atomic = transaction.atomic()
                        atomic.__enter__()
                    except BaseException:
                        error, atomic = traceback.format_exc(), None
                pipe.send(("ok",) if error is None else ("failed", error))
                error = None
                continue
            # "commit" or "rollback"
            if atomic is not None:
                try:
                    if what == "commit" and error is None:
                        atomic.__exit__(None, None, None)
                    else:
                        rollback = RuntimeError("rolled back")
                        atomic.__exit__(RuntimeError, rollback, None)
                except BaseException:
                    error = error or traceback.format_exc()
                atomic = None
            pipe.send(("ok",) if error is None else ("failed", error))
            error = None
    finally:
        connections.close_all()
        pipe.close()
