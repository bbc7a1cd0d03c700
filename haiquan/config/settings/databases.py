"""The databases, from the environment: the primary (`DATABASE_URL`) and, when there is one, a
streaming-replication standby that serves reports, lists and dashboards
(`HAIQUAN_STANDBY_DATABASE_URL`; haiquan.core.dbrouter decides which reads go there).

Either URL may name several nodes, libpq's way: `postgres://user@db1:5432,db2:5432/haiquan`.
For the primary libpq then connects to whichever node accepts writes
(`target_session_attrs=read-write`, the default for a list of nodes), so after a failover a
worker's next connection reaches the promoted standby by itself; for the standby it prefers a
node in recovery and takes the primary when none is left (`prefer-standby`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import dj_database_url

NODES = re.compile(r"^(?P<head>[^:]+://(?:[^@/]*@)?)(?P<nodes>[^/?]*)(?P<tail>.*)$")


def database_from_url(url: str, *, conn_max_age: int, session_attrs: str) -> dict[str, Any]:
    """One DATABASES entry from a URL; a comma-separated list of nodes becomes libpq's lists of
    hosts and ports, tried in order for a node of `session_attrs`."""
    m = NODES.match(url)
    nodes = m.group("nodes").split(",") if m else []
    db: dict[str, Any]
    if len(nodes) < 2:
        db = dict(dj_database_url.parse(url, conn_max_age=conn_max_age))
    else:
        assert m is not None
        db = dict(
            dj_database_url.parse(m["head"] + nodes[0] + m["tail"], conn_max_age=conn_max_age)
        )
        pairs = [n.rsplit(":", 1) if ":" in n else [n, "5432"] for n in nodes]
        db["HOST"] = ",".join(host for host, _port in pairs)
        db["PORT"] = ",".join(port for _host, port in pairs)
        options: dict[str, Any] = db.setdefault("OPTIONS", {})
        options.setdefault("target_session_attrs", session_attrs)
    return db


def database_from_env(env: dict[str, str], default_sqlite: Path) -> dict[str, Any]:
    """`DATABASE_URL` selects the database; SQLite under var/ when it is not set."""
    url = env.get("DATABASE_URL") or f"sqlite:///{default_sqlite}"
    conn_max_age = int(env.get("HAIQUAN_CONN_MAX_AGE", "60"))
    db = database_from_url(url, conn_max_age=conn_max_age, session_attrs="read-write")
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers work while one writer commits; the busy timeout queues writers
        # instead of failing them at once.
        db["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
        db["CONN_MAX_AGE"] = 0
    else:
        options = db.setdefault("OPTIONS", {})
        # Statements run this many times on a connection by a server-binding cursor are
        # prepared (haiquan.core.prepared: the filing path); "off" for a pooler that cannot
        # keep them (PgBouncer before 1.21 in transaction mode). Django's default is off.
        threshold = env.get("HAIQUAN_DB_PREPARE_THRESHOLD", "5")
        options.setdefault("prepare_threshold", None if threshold == "off" else int(threshold))
        db["CONN_HEALTH_CHECKS"] = True
    return db


def databases_from_env(env: dict[str, str], default_sqlite: Path) -> dict[str, dict[str, Any]]:
    """`default` (the primary) and, if `HAIQUAN_STANDBY_DATABASE_URL` is set, `standby`. Without
    a standby every read and write goes to `default`, as in the demo and a one-server install."""
    databases = {"default": database_from_env(env, default_sqlite)}
    standby_url = env.get("HAIQUAN_STANDBY_DATABASE_URL")
    if standby_url:
        standby = database_from_url(
            standby_url,
            conn_max_age=int(env.get("HAIQUAN_CONN_MAX_AGE", "60")),
            session_attrs="prefer-standby",
        )
        if standby["ENGINE"] != databases["default"]["ENGINE"]:
            raise ValueError(
                "HAIQUAN_STANDBY_DATABASE_URL must name the same kind of database as DATABASE_URL"
            )
        standby["CONN_HEALTH_CHECKS"] = True
        # The tests have one database: the standby is the primary under another name.
        standby["TEST"] = {"MIRROR": "default"}
        databases["standby"] = standby
    return databases
