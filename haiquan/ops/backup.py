"""Backups that restore: a base backup of the primary (`pg_basebackup`), the WAL archive the
primary fills (`archive_command`), and a drill that restores both to a point in time into a
scratch cluster and checks what it got.

    haiquan base-backup --to /srv/backups/base            # a dated directory under it
    haiquan restore-drill --base-backup /srv/backups/base/20261207T0300Z \\
        --wal-archive /srv/backups/wal --target-time "2026-12-07 13:20:00+07"

The drill starts its own cluster (port 5440 or the next free one) on a copy of the base backup,
replays the archive up to the target time, promotes it, then verifies: every table's row count,
no event later than the target, and `haiquan verify-log` run against the restored database (the
event log's and the access trail's hash chains and their daily roots). The scratch cluster is
stopped and removed afterwards unless --keep.
"""

from __future__ import annotations

# PostgreSQL's programs and haiquan itself, run with arguments built here (no shell); the SQL
# names only tables read from the catalogue and a time the command parsed first.
# ruff: noqa: S603, S608
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from haiquan.ops.pgcluster import Cluster, ClusterError, bindir, free_port, give_to_owner

# What the scratch cluster must never do with the production's settings it was restored with:
# archive into the production archive, wait for a synchronous standby, or replicate.
SCRATCH_SETTINGS: dict[str, str | int] = {
    "archive_mode": "off",
    "synchronous_standby_names": "",
    "primary_conninfo": "",
    "hot_standby": "on",
}
HBA = (
    "local all all trust\n"
    "host all all 127.0.0.1/32 trust\n"
    "host replication all 127.0.0.1/32 trust\n"
)


def conninfo(settings_dict: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """A libpq connection string for a DATABASES entry (its password in the environment, not on
    a command line), reaching the node that accepts writes when several are listed."""
    parts = {
        "host": settings_dict.get("HOST") or "",
        "port": str(settings_dict.get("PORT") or ""),
        "user": settings_dict.get("USER") or "",
        "dbname": settings_dict.get("NAME") or "",
    }
    if "," in parts["host"]:
        parts["target_session_attrs"] = "read-write"
    env = {"PGPASSWORD": settings_dict["PASSWORD"]} if settings_dict.get("PASSWORD") else {}
    return " ".join(f"{k}={v}" for k, v in parts.items() if v), env


def base_backup(settings_dict: dict[str, Any], to: Path) -> Path:
    """A plain-format base backup of the primary, with the WAL needed to make it consistent and
    a manifest, checked by pg_verifybackup; the new dated directory under `to`."""
    info, env = conninfo(settings_dict)
    target = to / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    to.mkdir(parents=True, exist_ok=True)
    run_env = {**os.environ, **env}
    for cmd in (
        [str(bindir() / "pg_basebackup"), "-d", info, "-D", str(target), "-X", "stream",
         "-c", "fast", "--label", f"haiquan {target.name}"],
        [str(bindir() / "pg_verifybackup"), str(target)],
    ):  # fmt: skip
        out = subprocess.run(cmd, capture_output=True, text=True, env=run_env)
        if out.returncode != 0:
            raise ClusterError(f"{Path(cmd[0]).name}: {out.stderr.strip()[-2000:]}")
    return target


@dataclass
class DrillResult:
    target_time: str
    port: int
    datadir: str
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    last_event_at: str | None = None
    events_after_target: int = 0
    verify_log_ok: bool = False
    verify_log_output: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def scratch_from_backup(backup: Path, archive: Path, workdir: Path, port: int) -> Cluster:
    """The base backup copied into `workdir` and set to replay `archive` (as recovery)."""
    datadir = workdir / "data"
    shutil.copytree(backup, datadir, symlinks=True)
    for leftover in ("postmaster.pid", "standby.signal", "backup_manifest"):
        (datadir / leftover).unlink(missing_ok=True)
    # A Debian cluster keeps its postgresql.conf and pg_hba.conf in /etc: not in the backup.
    (datadir / "postgresql.conf").touch()
    (datadir / "pg_hba.conf").write_text(HBA)
    (datadir / "recovery.signal").touch()
    datadir.chmod(0o700)
    give_to_owner(workdir)
    return Cluster(datadir, port)


def restore_drill(
    *,
    backup: Path,
    archive: Path,
    target_time: str | None,
    database: str,
    port: int | None = None,
    keep: bool = False,
    workdir: Path,
) -> tuple[DrillResult, Cluster]:
    """Restore to `target_time` (None: the end of the archive) and verify. The cluster is
    stopped and `workdir` removed unless `keep`."""
    t0 = time.monotonic()
    cluster = scratch_from_backup(backup, archive, workdir, port or free_port(5440))
    result = DrillResult(
        target_time=target_time or "latest", port=cluster.port, datadir=str(cluster.datadir)
    )
    recovery: dict[str, str | int] = {
        **SCRATCH_SETTINGS,
        "restore_command": f'cp "{archive}/%f" "%p"',
        "recovery_target_action": "promote",
    }
    if target_time:
        recovery["recovery_target_time"] = target_time
    cluster.configure(file="postgresql.auto.conf", **recovery)
    try:
        try:
            cluster.start()
            cluster.wait_until("the end of recovery", lambda: not cluster.in_recovery(), 600)
        except ClusterError as exc:
            result.problems.append(f"{exc}\n{cluster.tail_log()}")
            return result, cluster
        verify_restored(cluster, database, target_time, result)
    finally:
        result.seconds = round(time.monotonic() - t0, 1)
        if not keep:
            cluster.stop("fast")
            shutil.rmtree(workdir, ignore_errors=True)
    return result, cluster


def verify_restored(
    cluster: Cluster, database: str, target_time: str | None, result: DrillResult
) -> None:
    tables = cluster.sql(
        "SELECT relname FROM pg_class WHERE relkind IN ('r', 'p') "
        "AND relnamespace = 'public'::regnamespace ORDER BY relname",
        database,
    ).split()
    if not tables:
        result.problems.append(f"database {database} has no tables")
        return
    counts = cluster.sql(
        " UNION ALL ".join(f"SELECT '{t}', count(*) FROM \"{t}\"" for t in tables), database
    )
    result.counts = {name: int(n) for name, n in (line.split("|") for line in counts.splitlines())}
    if "eventlog_event" in result.counts:
        result.last_event_at = (
            cluster.sql("SELECT max(occurred_at) FROM eventlog_event", database) or None
        )
        if target_time:
            result.events_after_target = int(
                cluster.sql(
                    f"SELECT count(*) FROM eventlog_event WHERE occurred_at > "
                    f"'{target_time}'::timestamptz",
                    database,
                )
            )
            if result.events_after_target:
                result.problems.append(
                    f"{result.events_after_target} events later than the target time"
                )
    env = {k: v for k, v in os.environ.items() if k != "HAIQUAN_STANDBY_DATABASE_URL"} | {
        "DATABASE_URL": cluster.url(database),
        "HAIQUAN_CONN_MAX_AGE": "0",
    }
    out = subprocess.run(
        [sys.executable, "-m", "haiquan.config.cli", "verify-log"],
        capture_output=True, text=True, env=env,
    )  # fmt: skip
    result.verify_log_ok = out.returncode == 0
    result.verify_log_output = (out.stdout + out.stderr).strip()
    if not result.verify_log_ok:
        result.problems.append("verify-log found the record altered (see its output)")
