"""A primary and a streaming standby of our own on this machine, for the failover fault test
(bench/faults.py --scenarios promote-standby) and for measuring submission against a
synchronous standby (bench/submit.py --standby sync).

Both are clusters made with initdb under a temporary directory, on the first free ports from
5433, and removed by `stop()`: the machine's own cluster on 5432 is only read from (the bench's
template database is copied out of it) and its settings are never touched.

synchronous_commit on the primary (with the standby named in synchronous_standby_names):
- "off"/"local" — asynchronous: a commit is acknowledged before the standby has it; a crash of
  the primary can lose the last acknowledged transactions;
- "on" (remote flush) — acknowledged once the standby has written it to disk: no acknowledged
  transaction is lost when the standby is promoted;
- "remote_apply" — and once the standby has applied it: what a client was told is also what a
  report read from the standby shows.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import bench_parties, postgres_url, template_database  # noqa: E402
from haiquan.ops.pgcluster import (  # noqa: E402
    Cluster,
    ClusterError,
    copy_database,
    free_port,
    owned_dir,
    standby_of,
)

DATABASE = "haiquan"


class ReplicaPair:
    """`start()` makes both clusters and the bench's database; `env` then points haiquan at
    them (every node listed: writes find the primary, reports prefer the standby)."""

    def __init__(self, synchronous_commit: str = "on", *, durable: bool = True) -> None:
        self.synchronous_commit = synchronous_commit
        self.durable = durable  # fsync on (measuring) or off (a fault test's speed)
        self.workdir: Path | None = None
        self.primary: Cluster | None = None
        self.standby: Cluster | None = None

    @property
    def synchronous(self) -> bool:
        return self.synchronous_commit not in ("off", "local")

    def start(self, env: dict[str, str]) -> dict[str, str]:
        """Both clusters running, the database migrated with the reference data and the bench's
        parties; returns those parties' tokens (bench.common.bench_parties)."""
        template = template_database({**env, "DATABASE_URL": postgres_url("haiquan_bench")})
        self.workdir = owned_dir("haiquan-replicas-")
        primary = self.primary = Cluster(self.workdir / "primary", free_port(5433))
        primary.initdb()
        primary.configure(
            wal_level="replica",
            max_wal_senders=4,
            fsync="on" if self.durable else "off",
            max_connections=60,
        )
        primary.start()
        copy_database(postgres_url(template), primary, DATABASE)
        parties = bench_parties({**env, "DATABASE_URL": primary.url(DATABASE)})
        self.standby = standby_of(
            primary, self.workdir / "standby", free_port(primary.port + 1), name="standby"
        )
        names = "standby" if self.synchronous else ""
        primary.sql(f"ALTER SYSTEM SET synchronous_standby_names = '{names}'")
        primary.sql(f"ALTER SYSTEM SET synchronous_commit = '{self.synchronous_commit}'")
        primary.sql("SELECT pg_reload_conf()")
        want = "sync" if self.synchronous else "async"
        primary.wait_until(
            f"the standby streaming ({want})",
            lambda: (
                primary.sql(
                    "SELECT state || ' ' || sync_state FROM pg_stat_replication "
                    "WHERE application_name = 'standby'"
                )
                == f"streaming {want}"
            ),
        )
        return parties

    @property
    def env(self) -> dict[str, str]:
        assert self.primary is not None and self.standby is not None
        p, s = self.primary.port, self.standby.port
        return {
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{p},127.0.0.1:{s}/{DATABASE}",
            "HAIQUAN_STANDBY_DATABASE_URL": f"postgres://postgres@127.0.0.1:{s},127.0.0.1:{p}/{DATABASE}",
        }

    def stop(self) -> None:
        for cluster in (self.primary, self.standby):
            if cluster is not None:
                try:
                    cluster.stop("immediate")
                except ClusterError as exc:  # still remove what can be removed
                    print(f"stopping {cluster.datadir}: {exc}", file=sys.stderr)
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None


def cluster_programs_missing() -> str | None:
    """Why clusters of our own cannot be made here, if they cannot."""
    from haiquan.ops.pgcluster import bindir

    try:
        bindir()
    except ClusterError as exc:
        return str(exc)
    if os.geteuid() != 0 and shutil.which("runuser") is None:
        return "needs root (to run PostgreSQL's programs as postgres)"
    return None
