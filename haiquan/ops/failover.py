"""The nodes of a primary and its standbys, as the application sees them, and the promotion of
a standby when the primary is gone.

The application finds the primary by itself: DATABASE_URL lists every node and libpq connects
to the one that accepts writes (`target_session_attrs=read-write`); reports read from the
standby alias, which prefers a node in recovery. A failover is therefore only: make sure the old
primary is down (or fenced), promote one standby; each worker's next connection reaches it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import psycopg
from django.db import DatabaseError, connections

from haiquan.core.dbrouter import PRIMARY, STANDBY


@dataclass(frozen=True)
class Node:
    host: str
    port: str


@dataclass
class NodeState:
    node: Node
    role: str  # "primary", "standby" or "down"
    detail: str = ""


def nodes() -> list[Node]:
    """Every node the primary's and the standby's settings name, in their order."""
    found: list[Node] = []
    for alias in (PRIMARY, STANDBY):
        db = connections.settings.get(alias)
        if not db or db["ENGINE"] != "django.db.backends.postgresql":
            continue
        hosts = str(db.get("HOST") or "localhost").split(",")
        ports = str(db.get("PORT") or "5432").split(",")
        ports += [ports[-1]] * (len(hosts) - len(ports))
        for host, port in zip(hosts, ports, strict=False):
            if Node(host, port) not in found:
                found.append(Node(host, port))
    return found


def _connect(node: Node, timeout: int = 3) -> psycopg.Connection[Any]:
    db = connections.settings[PRIMARY]
    return psycopg.connect(
        host=node.host,
        port=node.port,
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        dbname=db.get("NAME"),
        connect_timeout=timeout,
        autocommit=True,
    )


def node_state(node: Node) -> NodeState:
    try:
        with _connect(node) as conn:
            (in_recovery,) = conn.execute("SELECT pg_is_in_recovery()").fetchone() or (None,)
            if in_recovery:
                row = conn.execute(
                    "SELECT pg_last_wal_replay_lsn()::text, "
                    "coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0)"
                ).fetchone()
                lsn, lag = row if row else ("?", 0)
                return NodeState(node, "standby", f"replayed {lsn}, last commit {lag:.1f} s ago")
            standbys = conn.execute(
                "SELECT application_name, state, sync_state FROM pg_stat_replication "
                "ORDER BY application_name"
            ).fetchall()
            streaming = ", ".join(f"{name} {state} {sync}" for name, state, sync in standbys)
            return NodeState(node, "primary", streaming)
    except psycopg.OperationalError as exc:
        return NodeState(node, "down", str(exc).strip().splitlines()[0][:200])


def promote(node: Node, wait_seconds: int = 60) -> None:
    """Promote a standby (pg_promote): it ends recovery and accepts writes."""
    with _connect(node) as conn:
        row = conn.execute("SELECT pg_promote(true, %s)", [wait_seconds]).fetchone()
        if not row or not row[0]:
            raise RuntimeError(f"{node.host}:{node.port} did not finish its promotion")


def application_primary(wait_seconds: float) -> tuple[str, int] | None:
    """Which node the application's own connection reaches for writes, once it reaches one
    that accepts them (a fresh connection: libpq tries the listed nodes in turn)."""
    deadline = time.monotonic() + wait_seconds
    conn = connections[PRIMARY]
    while True:
        conn.close()
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT pg_is_in_recovery(), inet_server_port()")
                row = cur.fetchone()
        except DatabaseError:
            row = None  # not reachable yet: try again until the deadline
        if row and not row[0]:
            return conn.connection.info.host, int(row[1])
        if time.monotonic() > deadline:
            return None
        time.sleep(0.5)
