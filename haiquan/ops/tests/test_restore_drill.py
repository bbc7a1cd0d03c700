"""Backups that restore (issue 23), on real PostgreSQL clusters of the test's own: a primary
archiving its WAL, a base backup taken by `haiquan base-backup`, a small history written after
it, and `haiquan restore-drill` restoring to a point in the middle of that history into a
scratch cluster it starts. The restored database holds what was committed before the point and
nothing after, and its event chain verifies; an UPDATE made there behind the application's back
(the table's owner, triggers disabled) is then named by `haiquan verify-log`.

Needs PostgreSQL's server programs and root or the postgres user (CI has both; set
HAIQUAN_REQUIRE_PG_CLUSTERS=1, as .ci/run does, to fail instead of skipping without them)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from haiquan.ops.pgcluster import (
    Cluster,
    ClusterError,
    bindir,
    copy_database,
    free_port,
    give_to_owner,
    owned_dir,
)

ROOT = Path(__file__).resolve().parents[3]


def _missing() -> str | None:
    if connection.vendor != "postgresql":
        return "the drill restores PostgreSQL"
    try:
        bindir()
    except ClusterError as exc:
        return str(exc)
    if os.geteuid() != 0 and shutil.which("runuser") is None:
        return "needs root (to run PostgreSQL's programs as postgres)"
    return None


@pytest.fixture
def clusters_possible() -> None:
    reason = _missing()
    if reason:
        if os.environ.get("HAIQUAN_REQUIRE_PG_CLUSTERS"):
            pytest.fail(f"HAIQUAN_REQUIRE_PG_CLUSTERS is set but: {reason}")
        pytest.skip(reason)


@pytest.fixture
def workdir(clusters_possible: None) -> Iterator[Path]:
    path = owned_dir("haiquan-drill-test-")
    yield path
    for data in path.glob("*/postmaster.pid"):  # every cluster the test started
        Cluster(data.parent, 0).stop("immediate")
    shutil.rmtree(path, ignore_errors=True)


def haiquan(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "LANG": "C", "LC_ALL": "C"}
    env.pop("HAIQUAN_STANDBY_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "haiquan.config.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def events(cluster: Cluster, subject_id: int, kinds: list[str]) -> None:
    """Events written straight into the table (the chain's trigger links them)."""
    rows = ", ".join(
        f"(clock_timestamp(), '{kind}', 'declaration', {subject_id}, {subject_id}, '20BD', '', "
        f"'customs', '{{\"n\": {n}}}', '')"
        for n, kind in enumerate(kinds)
    )
    cluster.sql(
        "INSERT INTO eventlog_event (occurred_at, kind, subject_type, subject_id, "
        "declaration_id, office_code, actor_label, party, data, chain_hash) VALUES " + rows,
        "haiquan",
    )


@pytest.mark.django_db
def test_restore_to_a_point_in_time_verifies_and_a_later_rewrite_is_named(workdir: Path):
    archive = workdir / "wal"
    archive.mkdir()
    give_to_owner(archive)
    primary = Cluster(workdir / "primary", free_port(5450))
    primary.initdb()
    primary.configure(
        archive_mode="on",
        archive_command=f'test ! -f "{archive}/%f" && cp "%p" "{archive}/%f"',
        fsync="off",  # a test's cluster: speed over durability of the machine's crash
    )
    primary.start()
    db = connection.settings_dict
    source = (
        f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    copy_database(source, primary, "haiquan")  # migrated, with the reference data

    backups = workdir / "backups"
    taken = haiquan("base-backup", "--to", str(backups), database_url=primary.url("haiquan"))
    assert taken.returncode == 0, taken.stderr
    (backup,) = backups.iterdir()
    assert (backup / "backup_manifest").exists()
    at_backup = int(primary.sql("SELECT count(*) FROM eventlog_event", "haiquan"))

    # The history: three events before the point in time, two after it.
    events(primary, 9001, ["declaration.registered", "declaration.lane_decided", "declaration.released"])  # fmt: skip
    time.sleep(1.1)
    target = primary.sql("SELECT to_char(clock_timestamp(), 'YYYY-MM-DD\"T\"HH24:MI:SS.USOF')")
    time.sleep(1.1)
    events(primary, 9002, ["declaration.registered", "declaration.cleared"])
    segment = primary.sql("SELECT pg_walfile_name(pg_switch_wal())")
    primary.wait_until(
        "the archiving of the last WAL segment",
        lambda: primary.sql("SELECT last_archived_wal FROM pg_stat_archiver") >= segment,
    )
    primary.stop()  # what is restored comes from the backup and the archive alone

    report = workdir / "drill.json"
    drill = haiquan(
        "restore-drill", "--base-backup", str(backup), "--wal-archive", str(archive),
        "--target-time", target, "--database", "haiquan", "--port", str(free_port(5460)),
        "--keep", "--report", str(report),
        database_url=primary.url("haiquan"),
    )  # fmt: skip
    result = json.loads(report.read_text())
    restored = Cluster(Path(result["datadir"]), result["port"])
    try:
        assert drill.returncode == 0, drill.stdout + drill.stderr
        assert "The restore drill passed." in drill.stdout
        assert result["counts"]["eventlog_event"] == at_backup + 3  # 9001's three, not 9002's two
        assert result["counts"]["refdata_country"] > 200  # the reference data came back too
        assert result["events_after_target"] == 0
        assert result["verify_log_ok"], result["verify_log_output"]
        assert "Every link and every root verifies." in result["verify_log_output"]

        assert restored.sql("SELECT pg_is_in_recovery()") == "f"
        subjects = restored.sql(
            "SELECT subject_id, count(*) FROM eventlog_event WHERE subject_id IN (9001, 9002) "
            "GROUP BY 1",
            "haiquan",
        )
        assert subjects == "9001|3"

        # Behind the application's back, as the table's owner: the lane rewritten.
        lane = restored.sql(
            "SELECT id FROM eventlog_event WHERE subject_id = 9001 "
            "AND kind = 'declaration.lane_decided'",
            "haiquan",
        )
        restored.sql(
            "BEGIN; ALTER TABLE eventlog_event DISABLE TRIGGER USER; "
            f'UPDATE eventlog_event SET data = \'{{"n": 1, "lane": "green"}}\' WHERE id = {lane}; '
            "ALTER TABLE eventlog_event ENABLE TRIGGER USER; COMMIT",
            "haiquan",
        )
        check = haiquan("verify-log", database_url=restored.url("haiquan"))
        assert check.returncode != 0
        assert f"event #{lane} (Lane decided, declaration #9001)" in check.stdout
        assert "does not match its hash" in check.stdout
    finally:
        restored.stop("immediate")
        shutil.rmtree(restored.datadir.parent, ignore_errors=True)
