"""The single-node lock (SQLite), the record of interrupted runs, and what the apps declare."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import translation

from haiquan.ops import registry
from haiquan.ops.locks import FileLocks, advisory_key
from haiquan.ops.models import JobRun, JobState, Outcome
from haiquan.ops.scheduler import Inline, Result, Scheduler, SystemClock
from haiquan.ops.services import job_run_begin

from .helpers import SUNDAY, FakeClock, job


def test_a_file_lock_is_held_by_one_holder_at_a_time(tmp_path):
    """Two schedulers on one machine (SQLite): the second finds the job's lock taken."""
    first, second = FileLocks(tmp_path), FileLocks(tmp_path)
    held = first.acquire("stats-refresh")
    assert held is not None
    assert second.acquire("stats-refresh") is None
    other = second.acquire("transit-watch")  # another job is free
    assert other is not None
    other.release()
    held.release()
    again = second.acquire("stats-refresh")
    assert again is not None
    again.release()


def test_advisory_keys_are_stable_and_distinct():
    names = list(registry.jobs())
    keys = {advisory_key(n) for n in names}
    assert len(keys) == len(names)
    assert all(-(2**63) <= k < 2**63 for k in keys)
    assert advisory_key("stats-refresh") == advisory_key("stats-refresh")


@pytest.mark.django_db
def test_an_occurrence_is_claimed_once():
    JobState.objects.create(name="j", registered_at=SUNDAY)
    first = job_run_begin(job="j", node="a", due=SUNDAY, attempt=1, now=SUNDAY)
    assert first is not None
    assert job_run_begin(job="j", node="b", due=SUNDAY, attempt=1, now=SUNDAY) is None
    # An earlier occurrence, reached late by a slow node, is not run either.
    earlier = SUNDAY - timedelta(minutes=1)
    assert job_run_begin(job="j", node="b", due=earlier, attempt=1, now=SUNDAY) is None
    assert JobRun.objects.filter(job="j").count() == 1


@pytest.mark.django_db
def test_runs_left_open_by_a_stopped_scheduler_are_closed_as_failed_when_it_starts():
    JobState.objects.create(name="j", registered_at=SUNDAY, last_due=SUNDAY, running_on="n")
    JobRun.objects.create(
        job="j", node="n", scheduled_for=SUNDAY, started_at=SUNDAY, outcome=Outcome.RUNNING
    )
    JobRun.objects.create(  # another node's run is its own business
        job="j", node="m", scheduled_for=SUNDAY, started_at=SUNDAY, outcome=Outcome.RUNNING
    )
    clock = FakeClock(SUNDAY + timedelta(minutes=5))
    scheduler = Scheduler(
        jobs={"j": job("j", "0 * * * *", lambda: "")}, clock=clock, node="n", executor=Inline()
    )
    with translation.override("en"):
        scheduler.prepare()
    scheduler.close()
    mine = JobRun.objects.get(node="n")
    assert mine.outcome == Outcome.FAILED and "Interrupted" in mine.error
    assert JobRun.objects.get(node="m").outcome == Outcome.RUNNING
    assert JobState.objects.get(name="j").running_on == ""


def test_each_periodic_command_of_the_readme_is_a_job_declared_by_its_app():
    jobs = registry.jobs()
    by_app = {
        "transit-watch": "haiquan.transit.ops",
        "supervision-watch": "haiquan.supervision.ops",
        "portal-escalate": "haiquan.portal.ops",
        "notifications-deliver": "haiquan.notifications.ops",
        "timerelease-refresh": "haiquan.timerelease.ops",
        "stats-refresh": "haiquan.stats.ops",
        "risk-train": "haiquan.riskml.ops",
        "postaudit-scan": "haiquan.postaudit.ops",
        "job-runs-prune": "haiquan.ops.builtin",
        "log-roots": "haiquan.ops.builtin",
        "log-roots-sign": "haiquan.ops.builtin",
        "outage-queue": "haiquan.clearance.ops",
        "document-requests-escalate": "haiquan.clearance.ops",
        "manifests-abandoned": "haiquan.manifests.ops",
    }
    assert set(jobs) == set(by_app)
    for name, module in by_app.items():
        assert jobs[name].run.__module__ == module, name
        assert jobs[name].description


@pytest.mark.slow
@pytest.mark.django_db
def test_every_registered_job_does_its_real_work_on_an_empty_database():
    """Each job's own function, through the scheduler: the training has no history to learn
    from, and the roots no key to be signed with (skipped, not failed); everything else
    succeeds."""
    scheduler = Scheduler(clock=SystemClock(), node="n", executor=Inline())
    try:
        results = {name: scheduler.run_now(name) for name in scheduler.jobs}
    finally:
        scheduler.close()
    failed = {r.job: r.error for r in JobRun.objects.filter(outcome=Outcome.FAILED)}
    assert not failed
    assert results == {
        name: Result.SKIPPED if name in ("risk-train", "log-roots-sign") else Result.SUCCEEDED
        for name in scheduler.jobs
    }
    assert JobRun.objects.get(job="risk-train").detail
