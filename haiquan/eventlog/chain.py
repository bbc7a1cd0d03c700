"""The hash chains that make the append-only record tamper-evident (chuỗi băm nhật ký).

The database triggers (`haiquan.core.appendonly`) stop the application from changing the event
log and the access trail, but not whoever owns the tables: a database administrator can disable
a trigger and UPDATE a row. So every row also carries a link of a hash chain:

    chain_hash = sha256(VERSION, log, previous link's chain_hash, chain_seq, the row's columns)

(each part prefixed with its length in bytes, so no two rows read alike). A change to a row
breaks its own link (its hash no longer matches its content); a row removed from the middle of
a chain leaves a gap in `chain_seq`; a rewrite that recomputes every later hash of a chain, or a
row removed from its end, changes the log's *root* for that period (below), which was printed
and sent to a partner before the rewrite.

**One chain per subject, not one for the whole log.** The events of a declaration (of a payment
order, a filing...) form a chain, and the access records of one user another. A single chain
would make every filing in the country wait for the one before it to commit (its head is the
previous row); per subject, two filings never wait for each other, and writers to one subject
already wait for each other on the subject's row lock. The chains are tied together by the
daily roots.

**Computed by the database, in the INSERT itself.** On PostgreSQL a BEFORE INSERT trigger takes
a transaction-scoped advisory lock on the chain (so two transactions never both extend the same
head), reads the chain's head through the unique index (partition, chain_seq) and fills
`chain_seq` and `chain_hash`: no extra round trip on the filing path, and the application
cannot choose what it writes there. On SQLite (development and tests) the same links are
written by an AFTER INSERT trigger calling `hq_chain_link`, a Python function registered on
every SQLite connection.

**Daily roots.** Once a day `log_root_close` takes a cut: every row with an id up to the highest
visible when no transaction that began before the cut is still open, after the previous root's
last id. Its root is sha256 over (the previous root, the id range, the count and every row's
hash in id order): each root commits to all roots before it. `haiquan log-roots` prints them
(to be printed, signed and sent to a partner such as the Ministry); `haiquan verify-log`
recomputes every link and every root and compares them with a partner's copy when given one.

The canonical text of each column is what the database itself renders (`jsonb::text`,
`host(inet)`, the timestamp as microseconds since the epoch), read by the same SQL expressions
in the trigger and in `chain_verify`: the check does not depend on the database's functions,
only on its reading of its own columns.
"""

# The SQL here is built from the fixed table specs below, never from input.
# ruff: noqa: S608

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from django.db import connection, transaction

VERSION = "hq-chain-1"
ROOT_VERSION = "hq-root-1"
BULK_SETTING = "haiquan.chain_bulk"

Kind = Literal["text", "int", "time", "json", "inet"]


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind = "text"


@dataclass(frozen=True)
class ChainedTable:
    """An append-only table whose rows are linked in chains, one per `partition` value."""

    log: str  # its name on the command line and in the roots: "events", "access"
    table: str
    partition: tuple[str, ...]
    columns: tuple[Column, ...]
    row_guard: str  # the append-only UPDATE/DELETE trigger (haiquan.core.appendonly)

    @property
    def function(self) -> str:
        return f"{self.table}_chain_link"

    @property
    def trigger(self) -> str:
        return f"{self.table}_chain"


EVENTS = ChainedTable(
    log="events",
    table="eventlog_event",
    partition=("subject_type", "subject_id"),
    columns=(
        Column("occurred_at", "time"),
        Column("kind"),
        Column("subject_type"),
        Column("subject_id", "int"),
        Column("declaration_id", "int"),
        Column("office_code"),
        Column("actor_id", "int"),
        Column("actor_label"),
        Column("party"),
        Column("data", "json"),
    ),
    row_guard="eventlog_event_append_only",
)
ACCESS = ChainedTable(
    log="access",
    table="audit_accessrecord",
    partition=("user_id",),
    columns=(
        Column("occurred_at", "time"),
        Column("user_id", "int"),
        Column("role"),
        Column("via"),
        Column("part"),
        Column("subject_id", "int"),
        Column("subject_reference"),
        Column("enterprise_id", "int"),
        Column("office_code"),
        Column("address", "inet"),
    ),
    row_guard="audit_accessrecord_append_only",
)
CHAINS: dict[str, ChainedTable] = {c.log: c for c in (EVENTS, ACCESS)}
CHAINED_TABLES: dict[str, ChainedTable] = {c.table: c for c in CHAINS.values()}


# --- The canonical text and the hash -------------------------------------------------------


def _expr(col: Column, vendor: str, alias: str) -> str:
    x = f"{alias}.{col.name}"
    if vendor == "postgresql":
        return {
            "text": f"coalesce({x}, '')",
            "int": f"coalesce({x}::text, '')",
            "time": f"coalesce(((extract(epoch from {x}) * 1000000)::bigint)::text, '')",
            "json": f"coalesce({x}::text, '')",
            "inet": f"coalesce(host({x}), '')",
        }[col.kind]
    # SQLite keeps what Django wrote: datetimes and JSON as text.
    if col.kind == "int":
        return f"coalesce(CAST({x} AS TEXT), '')"
    return f"coalesce({x}, '')"


def link_hash(chain: ChainedTable, *, previous: str, seq: int, values: Sequence[str]) -> str:
    """The hash of one link: the version, the log, the previous link, the position and the
    row's columns, each prefixed with its length in bytes."""
    digest = hashlib.sha256()
    for part in (VERSION, chain.log, previous, str(seq), *values):
        raw = part.encode()
        digest.update(f"{len(raw)}:".encode())
        digest.update(raw)
    return digest.hexdigest()


def trigger_sql(chain: ChainedTable) -> str:
    """The PostgreSQL function and BEFORE INSERT trigger that write each row's link."""
    exprs = [_expr(c, "postgresql", "NEW") for c in chain.columns]
    parts = [
        f"'{VERSION}'",
        f"'{chain.log}'",
        "coalesce(head.chain_hash, '')",
        "NEW.chain_seq::text",
        *exprs,
    ]
    message = " || ".join(f"octet_length({p})::text || ':' || {p}" for p in parts)
    where = " AND ".join(f"{c} = NEW.{c}" for c in chain.partition)
    key = " || ':' || ".join(f"NEW.{c}::text" for c in chain.partition)
    return f"""
CREATE OR REPLACE FUNCTION {chain.function}() RETURNS trigger AS $$
DECLARE
    head record;
BEGIN
    -- Writers to one chain wait for each other here (until commit); a bulk load that holds the
    -- table alone skips the lock (the unique index still refuses a fork).
    IF coalesce(current_setting('{BULK_SETTING}', true), '') <> 'on' THEN
        PERFORM pg_advisory_xact_lock(hashtextextended('{chain.table}:' || {key}, 0));
    END IF;
    SELECT chain_seq, chain_hash INTO head FROM {chain.table}
        WHERE {where} AND chain_seq IS NOT NULL ORDER BY chain_seq DESC LIMIT 1;
    NEW.chain_seq := coalesce(head.chain_seq, 0) + 1;
    NEW.chain_hash := encode(sha256(convert_to({message}, 'UTF8')), 'hex');
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS {chain.trigger} ON {chain.table};
CREATE TRIGGER {chain.trigger} BEFORE INSERT ON {chain.table}
    FOR EACH ROW EXECUTE FUNCTION {chain.function}();
"""


def drop_trigger_sql(chain: ChainedTable) -> str:
    return (
        f"DROP TRIGGER IF EXISTS {chain.trigger} ON {chain.table};\n"
        f"DROP FUNCTION IF EXISTS {chain.function}();"
    )


def _select(chain: ChainedTable, vendor: str, where: str = "", order: str = "") -> str:
    cols = ", ".join(
        ["r.id", *(f"r.{c}" for c in chain.partition), "r.chain_seq", "r.chain_hash"]
        + [_expr(c, vendor, "r") for c in chain.columns]
    )
    sql = f"SELECT {cols} FROM {chain.table} r"
    if where:
        sql += f" WHERE {where}"
    if order:
        sql += f" ORDER BY {order}"
    return sql


# --- Sealing rows written without a link (the migration's backfill) -------------------------


def chain_seal(chain: ChainedTable, *, ids: Sequence[int] | None = None, using: Any = None) -> int:
    """Write the links of rows that have none (`chain_hash` empty), chain by chain in id
    order, after each chain's last sealed row: the rows written before the chain existed
    (run as the tables' owner: PostgreSQL's append-only trigger is lifted meanwhile)."""
    conn = using or connection
    vendor = conn.vendor
    part = ", ".join(f"r.{c}" for c in chain.partition)
    where = "r.chain_hash = ''"
    params: list[Any] = []
    if ids is not None:
        if not ids:
            return 0
        where += f" AND r.id IN ({', '.join(['%s'] * len(ids))})"
        params = list(ids)
    n_part = len(chain.partition)
    head_sql = (
        f"SELECT chain_seq, chain_hash FROM {chain.table} WHERE "
        + " AND ".join(f"{c} = %s" for c in chain.partition)
        + " AND chain_hash <> '' ORDER BY chain_seq DESC LIMIT 1"
    )
    update_sql = f"UPDATE {chain.table} SET chain_seq = %s, chain_hash = %s WHERE id = %s"
    sealed = 0
    with transaction.atomic(using=conn.alias), conn.cursor() as cur:
        if vendor == "postgresql":
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred checks pending
            cur.execute(f'ALTER TABLE {chain.table} DISABLE TRIGGER "{chain.row_guard}"')
        cur.execute(_select(chain, vendor, where, f"{part}, r.id"), params)
        rows = cur.fetchall()
        current: tuple[Any, ...] | None = None
        seq, previous = 0, ""
        updates: list[tuple[int, str, int]] = []
        for row in rows:
            key = tuple(row[1 : 1 + n_part])
            if key != current:
                current = key
                cur.execute(head_sql, list(key))
                head = cur.fetchone()
                seq, previous = (head[0], head[1]) if head else (0, "")
            seq += 1
            values = [str(v) for v in row[3 + n_part :]]
            previous = link_hash(chain, previous=previous, seq=seq, values=values)
            updates.append((seq, previous, row[0]))
        if updates:
            cur.executemany(update_sql, updates)
            sealed = len(updates)
        if vendor == "postgresql":
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cur.execute(f'ALTER TABLE {chain.table} ENABLE TRIGGER "{chain.row_guard}"')
    return sealed


def sqlite_link(log: str, previous: str, seq: int, *values: Any) -> str:
    """`hq_chain_link(...)`, the SQL function SQLite's trigger calls (registered on every
    SQLite connection by the eventlog app)."""
    return link_hash(
        CHAINS[log], previous=previous or "", seq=int(seq), values=[str(v) for v in values]
    )


def sqlite_trigger_sql(chain: ChainedTable) -> list[str]:
    """SQLite's AFTER INSERT trigger: the same link, written by an UPDATE of the new row
    (SQLite has one writer at a time, so the head cannot move meanwhile)."""
    same = " AND ".join(f"{c} = NEW.{c}" for c in chain.partition) + " AND id <> NEW.id"
    seq = f"(SELECT coalesce(max(chain_seq), 0) + 1 FROM {chain.table} WHERE {same})"
    head = (
        f"coalesce((SELECT chain_hash FROM {chain.table} WHERE {same} "
        "ORDER BY chain_seq DESC LIMIT 1), '')"
    )
    values = ", ".join(_expr(c, "sqlite", "NEW") for c in chain.columns)
    return [
        f"DROP TRIGGER IF EXISTS {chain.trigger}",
        f"""CREATE TRIGGER {chain.trigger} AFTER INSERT ON {chain.table} FOR EACH ROW
BEGIN
    UPDATE {chain.table} SET chain_seq = {seq},
        chain_hash = hq_chain_link('{chain.log}', {head}, {seq}, {values})
    WHERE id = NEW.id;
END""",
    ]


def chain_trigger_install(chain: ChainedTable, schema_editor: Any) -> None:
    """Install the trigger that links every new row, on PostgreSQL or SQLite."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(trigger_sql(chain))
    elif schema_editor.connection.vendor == "sqlite":
        for statement in sqlite_trigger_sql(chain):
            schema_editor.execute(statement)


def chain_trigger_remove(chain: ChainedTable, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(drop_trigger_sql(chain))
    elif schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {chain.trigger}")


# --- Verifying ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Break:
    """The first broken link of one chain (or a root that no longer matches)."""

    log: str
    reason: Literal["altered", "missing", "forked", "unsealed", "root"]
    row_id: int | None
    chain: tuple[Any, ...] = ()
    seq: int | None = None
    detail: str = ""


@dataclass
class Verification:
    log: str
    rows: int = 0
    chains: int = 0
    roots: int = 0
    breaks: list[Break] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.breaks


def _rows(chain: ChainedTable, sql: str, params: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
    with transaction.atomic(), connection.chunked_cursor() as cur:
        cur.execute(sql, list(params))
        while batch := cur.fetchmany(5000):
            yield from batch


def chain_verify(
    chain: ChainedTable, *, partner_roots: Sequence[dict[str, Any]] = ()
) -> Verification:
    """Recompute every link of every chain of `chain`'s table, and every stored root; compare
    the stored roots with a partner's copy. Each chain's first broken link is reported (a row
    changed, a row removed from the middle, two rows in one place), then each root that no
    longer matches its rows (a chain rewritten to its end, rows removed from an end or added
    behind the application's back)."""
    vendor = connection.vendor
    n_part = len(chain.partition)
    result = Verification(log=chain.log)
    part = ", ".join(f"r.{c}" for c in chain.partition)
    current: tuple[Any, ...] | None = None
    broken = False
    expected, previous, previous_id = 1, "", None
    for row in _rows(chain, _select(chain, vendor, "", f"{part}, r.chain_seq, r.id")):
        result.rows += 1
        row_id, key = row[0], tuple(row[1 : 1 + n_part])
        seq, stored = row[1 + n_part], row[2 + n_part]
        if key != current:
            current, broken = key, False
            expected, previous, previous_id = 1, "", None
            result.chains += 1
        if broken:
            continue
        if seq is None or not stored:
            result.breaks.append(Break(chain.log, "unsealed", row_id, key, seq))
            broken = True
            continue
        if seq < expected:
            result.breaks.append(Break(chain.log, "forked", row_id, key, seq, str(previous_id)))
            broken = True
            continue
        if seq > expected:
            result.breaks.append(
                Break(chain.log, "missing", row_id, key, seq, f"{expected}-{seq - 1}")
            )
            broken = True
            continue
        values = [str(v) for v in row[3 + n_part :]]
        if link_hash(chain, previous=previous, seq=seq, values=values) != stored:
            result.breaks.append(
                Break(chain.log, "altered", row_id, key, seq, str(previous_id or ""))
            )
            broken = True
            continue
        expected, previous, previous_id = seq + 1, stored, row_id
    _verify_roots(chain, result, partner_roots)
    result.breaks.sort(key=lambda b: (b.reason == "root", b.row_id or 0))
    return result


def _root_of(chain: ChainedTable, previous: str, first_id: int, last_id: int) -> tuple[str, int]:
    """(root, count) of the rows first_id < id <= last_id, after the root `previous`."""
    digest = hashlib.sha256()
    for part in (ROOT_VERSION, chain.log, previous, str(first_id), str(last_id)):
        digest.update(f"{len(part)}:{part}".encode())
    count = 0
    sql = f"SELECT chain_hash FROM {chain.table} WHERE id > %s AND id <= %s ORDER BY id"
    for (h,) in _rows(chain, sql, [first_id, last_id]):
        digest.update(h.encode())
        count += 1
    digest.update(f"|{count}".encode())
    return digest.hexdigest(), count


def root_recompute(
    chain: ChainedTable, *, previous: str, first_id: int, last_id: int
) -> tuple[str, int]:
    """(root, count) of a range of the log as it is now: what an exported root is checked
    against (haiquan.eventlog.signing)."""
    return _root_of(chain, previous, first_id, last_id)


def _verify_roots(
    chain: ChainedTable, result: Verification, partner_roots: Sequence[dict[str, Any]]
) -> None:
    from .models import LogRoot

    stored = {r.day.isoformat(): r for r in LogRoot.objects.filter(log=chain.log)}
    for theirs in partner_roots:
        if theirs.get("log") != chain.log:
            continue
        ours = stored.get(str(theirs.get("day")))
        if ours is None or ours.root != theirs.get("root"):
            result.breaks.append(
                Break(chain.log, "root", None, (str(theirs.get("day")),), None, "partner")
            )
    for root in stored.values():
        result.roots += 1
        again, count = _root_of(chain, root.previous_root, root.first_id, root.last_id)
        if again != root.root or count != root.count:
            result.breaks.append(
                Break(chain.log, "root", None, (root.day.isoformat(),), None, "recomputed")
            )


# --- Daily roots ----------------------------------------------------------------------------


class RootNotReady(Exception):
    """Transactions begun before the cut are still open: their rows may yet commit."""


def _wait_for_older_transactions(cut: datetime, wait_seconds: float) -> None:
    if connection.vendor != "postgresql":
        return  # SQLite has one writer at a time
    deadline = time.monotonic() + wait_seconds
    while True:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
                "AND pid <> pg_backend_pid() AND xact_start IS NOT NULL AND xact_start < %s "
                "AND datname = current_database()",
                [cut],
            )
            if cur.fetchone()[0] == 0:
                return
        if time.monotonic() > deadline:
            raise RootNotReady(cut)
        time.sleep(0.5)


def log_root_close(chain: ChainedTable, *, day: date, wait_seconds: float = 120) -> Any:
    """Close `day`'s root of a log: every row written since the previous root, up to the
    highest id visible now, once no transaction begun before now is still open (so no row
    with a lower id can still commit). Nothing is done for a day already closed."""
    from django.utils import timezone

    from .models import LogRoot

    existing = LogRoot.objects.filter(log=chain.log, day=day).first()
    if existing is not None:
        return existing
    if LogRoot.objects.filter(log=chain.log, day__gt=day).exists():
        raise ValueError(f"a later day than {day} is already closed")
    cut = timezone.now()
    with connection.cursor() as cur:
        cur.execute(f"SELECT coalesce(max(id), 0) FROM {chain.table}")
        last_id = cur.fetchone()[0]
    _wait_for_older_transactions(cut, wait_seconds)
    before = LogRoot.objects.filter(log=chain.log, day__lt=day).order_by("-day").first()
    first_id = before.last_id if before else 0
    previous = before.root if before else ""
    last_id = max(last_id, first_id)
    root, count = _root_of(chain, previous, first_id, last_id)
    return LogRoot.objects.create(
        log=chain.log,
        day=day,
        first_id=first_id,
        last_id=last_id,
        count=count,
        root=root,
        previous_root=previous,
        cut_at=cut,
    )
