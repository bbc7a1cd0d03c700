"""Revision tokens of per-process caches, read together in one statement on hot paths.

Several apps keep a table in memory per process and check, on each use, a revision token that
the database renews on every change of that table (the reference data, the tariff, the risk
rules, the single window's requirements). A registration uses all of them: read one by one,
that is one round trip each. Instead each app registers the SQL expression of its token here
(`revision_source_register`, in its AppConfig.ready()), the hot path reads every registered
token in the statement it already sends (`revision_sql` / `revisions_bound`), and for the rest
of that operation each app's cache asks `revision_token(name)` before reading its own.

Outside a bound block `revision_token` answers None and the app reads its token itself, as
before. Inside, the tokens are those read at the start of the operation: a change that commits
while the operation runs applies from the next operation on — as if the request had arrived a
few milliseconds earlier.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

_sources: dict[str, str] = {}
_bound: ContextVar[Mapping[str, str] | None] = ContextVar("haiquan_revisions", default=None)


def revision_source_register(name: str, sql: str) -> None:
    """Register `sql`, a scalar SQL expression (e.g. `(SELECT token FROM t WHERE id = 1)`),
    as the revision token `name`."""
    _sources[name] = sql


def revision_sources() -> list[tuple[str, str]]:
    """(name, SQL expression) of every registered token, in a stable order."""
    return sorted(_sources.items())


def revision_sql() -> tuple[list[str], list[str]]:
    """The names and the select-list expressions to add to a statement the hot path sends."""
    pairs = revision_sources()
    return [n for n, _s in pairs], [s for _n, s in pairs]


@contextmanager
def revisions_bound(names: Sequence[str], values: Sequence[object]) -> Iterator[None]:
    """For the block, `revision_token(name)` answers the token just read with the others."""
    tokens = {n: "" if v is None else str(v) for n, v in zip(names, values, strict=True)}
    reset = _bound.set(tokens)
    try:
        yield
    finally:
        _bound.reset(reset)


def revision_token(name: str) -> str | None:
    """The token `name` as read at the start of the current operation, or None outside one
    (the caller then reads it itself)."""
    tokens = _bound.get()
    if tokens is None:
        return None
    return tokens.get(name)


def revision_token_read(name: str) -> str:
    """The token `name`: the one read with the others at the start of the current operation, or
    else read now through its registered SQL expression ("" while it has no row)."""
    bound = revision_token(name)
    if bound is not None:
        return bound
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f"SELECT {_sources[name]}")  # registered by the apps, never from input
        row = cur.fetchone()
    return str(row[0]) if row and row[0] else ""
