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
links as every insert does: from the trigger on PostgreSQL — told that this transaction writes
in bulk, so it does not hold one advisory lock per chain until commit (the rows' subjects are
new, and the unique index on each link refuses a fork all the same).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from django.db import connection, models

from haiquan.eventlog.chain import BULK_SETTING, CHAINED_TABLES

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
    """Primary keys for one table, reserved from its sequence a block at a time."""

    def __init__(self, model: type[models.Model], block: int = 10_000) -> None:
        self.table = model._meta.db_table
        self.block = block
        self._free: deque[int] = deque()

    def next(self) -> int:
        if not self._free:
            self._reserve(self.block)
        return self._free.popleft()

    def _reserve(self, n: int) -> None:
        qn = connection.ops.quote_name
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
            if row:
                cursor.execute(
                    "UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [last, self.table]
                )
            else:
                cursor.execute(
                    "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [self.table, last]
                )
        self._free.extend(range(start, last + 1))


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
        batch: list[Sequence[Any]] = []
        for row in rows:
            full = list(row + defaults if defaults else row)
            for i in dt_idx:
                full[i] = _sqlite_datetime(full[i])
            batch.append(full)
            if len(batch) >= INSERT_BATCH:
                cursor.executemany(sql, batch)
                n += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            n += len(batch)
    return n
