"""Server-side parameter binding and prepared statements for a hot path, on PostgreSQL.

Django's psycopg cursors bind parameters on the client by default: every value is quoted into
the SQL text in Python and PostgreSQL parses and plans each statement afresh. A filing sends the
same dozen statements every time; with server-side binding psycopg sends the parameters apart
and, after `prepare_threshold` executions of the same statement on a connection
(`HAIQUAN_DB_PREPARE_THRESHOLD`, settings/databases.py), prepares it once and executes it by name
from then on: no parsing or planning in PostgreSQL, no quoting in the worker.

Only where it was measured and tested (the API's filing): server-side binding is not switched on
for the whole application, since Django documents queries it breaks (parameters repeated in
SELECT and GROUP BY, Django ticket #34255) and the rest of the application's queries were not
all run under it. Prepared statements survive on the connection for its life (CONN_MAX_AGE);
psycopg forgets them after a DROP or ALTER on that connection, and a worker restarted after a
migration starts afresh.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connections


@contextmanager
def server_binding(using: str = "default") -> Iterator[None]:
    """For the block, the connection's new cursors bind parameters on the server (and so use
    the connection's prepared statements). Elsewhere, or on SQLite, nothing changes."""
    wrapper = connections[using]
    if wrapper.vendor != "postgresql":
        yield
        return
    # Defined only with psycopg 3 (the stubs do not know it).
    from django.db.backends.postgresql.base import ServerBindingCursor  # type: ignore[attr-defined]

    wrapper.ensure_connection()
    raw = wrapper.connection
    before = raw.cursor_factory
    raw.cursor_factory = ServerBindingCursor
    try:
        yield
    finally:
        # The connection may have been closed and replaced inside the block (a lost server):
        # a new one starts with Django's own factory, and only the one changed is restored.
        if not raw.closed:
            raw.cursor_factory = before
