"""Several scheduler nodes on one PostgreSQL database: each occurrence of a job runs once, and
a job under way on one node is not started on another (the advisory lock).

Transactional tests only (the nodes use connections of their own, which see committed rows).
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection, connections

from haiquan.ops.locks import AdvisoryLocks, advisory_key
from haiquan.ops.models import JobRun, JobState
from haiquan.ops.scheduler import Inline, Result, Scheduler, Threads

from .helpers import SUNDAY, FakeClock, job

pytestmark = pytest.mark.django_db(transaction=True)

M = timedelta(minutes=1)


@pytest.fixture(autouse=True)
def _postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's; SQLite is one node (tests in test_locks)")


def test_two_schedulers_reaching_the_same_occurrences_run_each_once():
    """Two nodes, each a scheduler in a thread of its own with its own connections, tick at
    the same moments through ten occurrences of a job: ten runs, not twenty."""
    calls: list[str] = []

    def work() -> str:
        calls.append(threading.current_thread().name)
        time.sleep(0.05)
        return ""

    clock = FakeClock(SUNDAY)
    jobs = {"shared": job("shared", "* * * * *", work)}
    nodes = [
        Scheduler(jobs=jobs, clock=clock, node=name, executor=Inline())
        for name in ("node-a", "node-b")
    ]
    for node in nodes:
        node.prepare()
    start = threading.Barrier(2)
    end = threading.Barrier(2, action=lambda: clock.advance(M))
    failures: list[BaseException] = []

    def tick_ten_times(node: Scheduler) -> None:
        try:
            for _minute in range(10):
                start.wait(timeout=30)
                node.tick()
                end.wait(timeout=30)
        except BaseException as exc:
            failures.append(exc)
        finally:
            node.close()
            connections.close_all()

    threads = [threading.Thread(target=tick_ten_times, args=(n,), name=n.node) for n in nodes]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not failures
    runs = list(JobRun.objects.filter(job="shared").order_by("scheduled_for"))
    assert [r.scheduled_for for r in runs] == [SUNDAY + k * M for k in range(10)]
    assert len(calls) == 10


def test_a_job_under_way_on_one_node_is_not_started_on_another():
    """Node A runs the 00:00 occurrence and is still at it at 00:01: node B could claim 00:01
    (nobody has), but PostgreSQL's advisory lock, held by A, keeps it off the job."""
    release = threading.Event()
    calls: list[str] = []

    def work() -> str:
        calls.append("run")
        assert release.wait(30)
        return ""

    clock = FakeClock(SUNDAY)
    jobs = {"long": job("long", "* * * * *", work)}
    a = Scheduler(jobs=jobs, clock=clock, node="node-a", executor=Threads(1))
    b = Scheduler(jobs=jobs, clock=clock, node="node-b", executor=Inline())
    a.prepare()
    b.prepare()
    try:
        assert a.tick() == ["long"]
        deadline = time.monotonic() + 20
        while not calls:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND (classid::bigint << 32 | objid::bigint) = %s",
                [advisory_key("long")],
            )
            assert cursor.fetchone()[0] == 1
        clock.advance(M)
        # B tries the 00:00 occurrence, then 00:01, which nobody has claimed: the lock alone
        # keeps it off (B never gets as far as claiming 00:01).
        assert b.tick() == ["long"]
        assert b.tick() == ["long"]
        assert calls == ["run"]
        assert JobState.objects.get(name="long").last_due == SUNDAY
        assert b.plan() == {"long": SUNDAY + 2 * M}
    finally:
        release.set()
        a.close()
        b.close()
    runs = list(JobRun.objects.filter(job="long"))
    assert [(r.node, r.scheduled_for) for r in runs] == [("node-a", SUNDAY)]


def test_a_job_whose_lock_another_session_holds_is_not_run():
    scheduler = Scheduler(
        jobs={"held": job("held", "* * * * *", lambda: "ran")}, node="n", executor=Inline()
    )
    other = AdvisoryLocks()
    held = other.acquire("held")
    assert held is not None
    try:
        assert scheduler.run_now("held") is Result.BUSY
    finally:
        held.release()
        other.close()
    assert not JobRun.objects.filter(job="held").exists()
    assert scheduler.run_now("held") is Result.SUCCEEDED
    scheduler.close()


NODE_SCRIPT = """
import os, sys, time
from datetime import timedelta

import django

django.setup()
from django.utils import timezone

from haiquan.ops.registry import Job
from haiquan.ops.scheduler import Scheduler


def work():
    time.sleep(0.3)
    return "pid %d" % os.getpid()


jobs = {"twin": Job("twin", "* * * * * *", work, timedelta(hours=1))}  # every second
scheduler = Scheduler(jobs=jobs, node=sys.argv[1])
scheduler.prepare()
print("ready", flush=True)
sys.stdin.readline()
scheduler.run(until=timezone.now() + timedelta(seconds=4))
"""


@pytest.mark.slow
def test_two_scheduler_processes_never_run_one_job_twice(tmp_path: Path):
    """Two `Scheduler` processes on one database, a job due every second that takes 0.3 s:
    each occurrence is run once, and no two runs overlap."""
    s = connection.settings_dict
    url = (
        f"postgres://{s['USER']}:{s['PASSWORD'] or ''}@{s['HOST'] or '127.0.0.1'}:"
        f"{s['PORT'] or 5432}/{s['NAME']}"
    )
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "haiquan.config.settings.test",
    }
    script = tmp_path / "node.py"
    script.write_text(NODE_SCRIPT)
    nodes = [
        subprocess.Popen(
            [sys.executable, str(script), name],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("proc-a", "proc-b")
    ]
    try:
        for node in nodes:
            assert node.stdout is not None and node.stdout.readline().strip() == "ready"
        for node in nodes:
            assert node.stdin is not None
            node.stdin.write("go\n")
            node.stdin.flush()
        for node in nodes:
            _out, err = node.communicate(timeout=60)
            assert node.returncode == 0, err
    finally:
        for node in nodes:
            if node.poll() is None:
                node.kill()
    runs = list(JobRun.objects.filter(job="twin").order_by("started_at"))
    assert len(runs) >= 3
    assert len({r.scheduled_for for r in runs}) == len(runs)  # no occurrence twice
    assert all(r.outcome == "succeeded" for r in runs)
    for earlier, later in itertools.pairwise(runs):
        assert earlier.finished_at is not None and earlier.finished_at <= later.started_at
