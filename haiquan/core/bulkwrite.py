"""Writing rows in bulk (the demo generator, the history import): COPY on PostgreSQL,
batched multi-row INSERTs elsewhere.

Rows are plain tuples in the order of the columns a table declares, with their primary keys
already assigned: the generator links lines, versions, checks and events to declarations
before anything is written. Keys are reserved from each table's own sequence in blocks, so
rows written by the running system meanwhile never collide with them:

* PostgreSQL: `nextval()` of the table's identity sequence, a block at a time;
* SQLite: the table's AUTOINCREMENT counter in `sqlite_sequence` is moved past the block
  (inside the caller's transaction, which holds SQLite's single write lock).

JSON columns are given as already-encoded text; aware datetimes are converted to what the
backend stores (naive UTC text on SQLite, as Django writes it).

The chained tables (the event log, the access trail: `haiquan.eventlog.chain`) get their hash
links as every insert does on PostgreSQL: from the trigger — told that this transaction writes
in bulk, so it does not hold one advisory lock per chain until commit (the rows' subjects are
new, and the unique index on each link refuses a fork all the same). On SQLite the trigger
calls back into Python once per row (a third of the demo generator's time), so the links are
computed here instead, by the same `link_hash` over the same text SQLite's trigger reads, with
the trigger dropped for the length of the write and made again before it returns (inside the
caller's transaction, which holds SQLite's single write lock: no other writer meanwhile).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from django.db import connection, models

from haiquan.eventlog.chain import (
    BULK_SETTING,
    CHAINED_TABLES,
    ChainedTable,
    link_hash,
    sqlite_trigger_sql,
)

INSERT_BATCH = 500  # rows per executemany call on SQLite


def _sqlite_datetime(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


class Table:
    """A model's table and the columns the generator fills; the other columns get their
    model defaults (so a field added later with a default does not break the generator)."""

    def __init__(self, model: type[models.Model], columns: Sequence[str]) -> None:
        self.model = model
        self.name = model._meta.db_table
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = [c for c in columns if c not in fields]
        if unknown:
            raise ValueError(f"{self.name} has no column(s) {unknown}")
        self.columns = tuple(columns)
        self.defaults: tuple[Any, ...] = ()
        extra = []
        for attname, f in fields.items():
            if attname in self.columns:
                continue
            if not f.has_default() and not f.null:
                raise ValueError(
                    f"{self.name}.{attname} has no default: the generator must fill it"
                )
            extra.append(attname)
            value = f.get_default()
            if isinstance(f, models.JSONField):
                value = f.get_prep_value(value)
            self.defaults += (value,)
        self.all_columns = self.columns + tuple(extra)
        self.datetime_idx = [
            i for i, c in enumerate(self.all_columns) if isinstance(fields[c], models.DateTimeField)
        ]


class IdAllocator:
    """Primary keys for one table, reserved from its sequence a block at a time.

    `execute`, when given, is where the SQLite counter's moves are sent instead of this
    connection: a writer that holds the write transaction in another process (the demo's
    `writer.ProcessWriter`). The first block is then read from the table as committed (no row of
    it can be uncommitted: its keys come from here), and the next ones follow it in memory."""

    def __init__(
        self,
        model: type[models.Model],
        block: int = 10_000,
        execute: Callable[[str, list[Any]], None] | None = None,
    ) -> None:
        self.table = model._meta.db_table
        self.block = block
        self.execute = execute
        self._free: deque[int] = deque()
        self._last: int | None = None  # the last key reserved (with `execute`)
        self._counted = False  # the table has its row in sqlite_sequence

    def next(self) -> int:
        if not self._free:
            self._reserve(self.block)
        return self._free.popleft()

    def _reserve(self, n: int) -> None:
        qn = connection.ops.quote_name
        if self.execute is not None and self._last is not None:
            start, last = self._last + 1, self._last + n
            self._counter_move(last, exists=self._counted)
            self._free.extend(range(start, last + 1))
            return
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [self.table, n],
                )
                self._free.extend(row[0] for row in cursor.fetchall())
                return
            if connection.vendor != "sqlite":
                raise NotImplementedError(f"reserving keys on {connection.vendor}")
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [self.table])
            row = cursor.fetchone()
            cursor.execute(f"SELECT MAX(id) FROM {qn(self.table)}")  # noqa: S608
            highest = cursor.fetchone()[0] or 0
        start = max(row[0] if row else 0, highest) + 1
        last = start + n - 1
        self._counter_move(last, exists=row is not None)
        self._free.extend(range(start, last + 1))

    def _counter_move(self, last: int, *, exists: bool) -> None:
        """sqlite_sequence's counter of the table moved to `last`."""
        params: list[Any]
        if exists:
            sql, params = "UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [last, self.table]
        else:
            sql, params = (
                "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)",
                [self.table, last],
            )
        if self.execute is not None:
            self.execute(sql, params)
        else:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
        self._last, self._counted = last, True


def write_rows(table: Table, rows: Iterable[tuple[Any, ...]]) -> int:
    """Write rows (tuples in `table.columns` order). Call inside a transaction."""
    qn = connection.ops.quote_name
    cols = ", ".join(qn(c) for c in table.all_columns)
    defaults = table.defaults
    n = 0
    chain = CHAINED_TABLES.get(table.name)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            if chain is not None:
                cursor.execute("SELECT set_config(%s, 'on', true)", [BULK_SETTING])
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(f"COPY {qn(table.name)} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row + defaults if defaults else row)
                    n += 1
            return n
        placeholders = ", ".join(["%s"] * len(table.all_columns))
        sql = f"INSERT INTO {qn(table.name)} ({cols}) VALUES ({placeholders})"  # noqa: S608
        dt_idx = table.datetime_idx
        with sqlite_links(cursor, table) as links:
            batch: list[list[Any]] = []
            for row in rows:
                full = list(row + defaults if defaults else row)
                for i in dt_idx:
                    full[i] = _sqlite_datetime(full[i])
                batch.append(full)
                if len(batch) >= INSERT_BATCH:
                    if links is not None:
                        links.fill(batch)
                    cursor.executemany(sql, batch)
                    n += len(batch)
                    batch = []
            if batch:
                if links is not None:
                    links.fill(batch)
                cursor.executemany(sql, batch)
                n += len(batch)
    return n


@contextmanager
def sqlite_links(
    cursor: Any, table: Table, placeholder: str = "%s"
) -> Iterator[_SqliteLinks | None]:
    """Around an SQLite bulk write of `table`: when it is a chained table, its trigger dropped
    and the links computed by the `_SqliteLinks` given (`fill` each batch before inserting it),
    the trigger made again after the last. On an error the caller's transaction is rolled back,
    which brings the trigger back with it (SQLite's schema changes are transactional).
    `placeholder`: the cursor's parameter style (Django's cursors `%s`, sqlite3's own `?`)."""
    chain = CHAINED_TABLES.get(table.name)
    if chain is None:
        yield None
        return
    cursor.execute(f"DROP TRIGGER IF EXISTS {chain.trigger}")
    yield _SqliteLinks(chain, table, cursor, placeholder)
    for statement in sqlite_trigger_sql(chain):
        cursor.execute(statement)


class _SqliteLinks:
    """The chain links of rows about to be inserted on SQLite, as its trigger would write
    them: each row after its chain's head (read from the table once per chain, then carried
    along), in the order the rows are written."""

    def __init__(self, chain: ChainedTable, table: Table, cursor: Any, placeholder: str) -> None:
        index = {c: i for i, c in enumerate(table.all_columns)}
        missing = {"chain_seq", "chain_hash", *chain.partition} - index.keys()
        if missing:
            raise ValueError(f"{table.name} is written without {sorted(missing)}")
        self.chain = chain
        self.cursor = cursor
        self.placeholder = placeholder
        self.key_idx = [index[c] for c in chain.partition]
        # Columns the generator leaves to their defaults are read as the default's text.
        self.value_idx = [index.get(c.name) for c in chain.columns]
        self.seq_idx, self.hash_idx = index["chain_seq"], index["chain_hash"]
        self.heads: dict[tuple[Any, ...], tuple[int, str]] = {}

    def fill(self, batch: list[list[Any]]) -> None:
        keys = {tuple(row[i] for i in self.key_idx) for row in batch}
        self._heads_read([k for k in keys if k not in self.heads])
        heads = self.heads
        for row in batch:
            key = tuple(row[i] for i in self.key_idx)
            seq, previous = heads.get(key, (0, ""))
            seq += 1
            values = ["" if i is None or row[i] is None else str(row[i]) for i in self.value_idx]
            link = link_hash(self.chain, previous=previous, seq=seq, values=values)
            row[self.seq_idx], row[self.hash_idx] = seq, link
            heads[key] = (seq, link)

    def _heads_read(self, keys: list[tuple[Any, ...]]) -> None:
        """The current head of each chain that has rows already, through the index on
        (partition, chain_seq) (SQLite returns the bare column `chain_hash` from the row
        holding the max)."""
        chain = self.chain
        width = len(chain.partition)
        names = [f"k{i}" for i in range(width)]
        on = " AND ".join(f"r.{c} = k.{n}" for c, n in zip(chain.partition, names, strict=True))
        part = ", ".join(f"r.{c}" for c in chain.partition)
        one = "(" + ", ".join([self.placeholder] * width) + ")"
        # The names come from the fixed chain specs (haiquan.eventlog.chain), never from input.
        select = (
            f"SELECT {part}, max(r.chain_seq), r.chain_hash FROM k JOIN {chain.table} r "  # noqa: S608
            f"ON {on} WHERE r.chain_seq IS NOT NULL GROUP BY {part}"
        )
        for start in range(0, len(keys), 200):
            chunk = keys[start : start + 200]
            values = ", ".join([one] * len(chunk))
            sql = f"WITH k({', '.join(names)}) AS (VALUES {values}) {select}"
            self.cursor.execute(sql, [v for key in chunk for v in key])
            for *key, seq, link in self.cursor.fetchall():
                self.heads[tuple(key)] = (seq, link)
