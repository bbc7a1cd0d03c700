"""The scheduler on a clock the tests drive: every job on time, failures retried and logged,
a running job never started twice, missed occurrences made up once, schedules overridden."""

from __future__ import annotations

import dataclasses
import logging
import os
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from haiquan.ops import registry
from haiquan.ops.checks import ops_settings_check
from haiquan.ops.health import jobs_late
from haiquan.ops.models import JobRun, JobState, Outcome
from haiquan.ops.registry import NothingToDo
from haiquan.ops.schedule import job_schedule, schedules
from haiquan.ops.scheduler import Inline, Scheduler

from .helpers import SUNDAY, FakeClock, Recorder, job

pytestmark = pytest.mark.django_db

S = timedelta(seconds=1)
M = timedelta(minutes=1)


def _runs(name: str) -> list[JobRun]:
    return list(JobRun.objects.filter(job=name).order_by("started_at", "id"))


@pytest.mark.slow
def test_every_registered_job_runs_on_time_over_a_simulated_day():
    """The apps' own jobs, with their own schedules, from Sunday 00:00 to Monday 00:00: each
    runs at every occurrence of its schedule, at that very moment, and at no other."""
    clock = FakeClock(SUNDAY)
    recorders = {name: Recorder(clock) for name in registry.jobs()}
    jobs = {
        name: dataclasses.replace(j, run=recorders[name]) for name, j in registry.jobs().items()
    }
    end = SUNDAY + timedelta(days=1)

    Scheduler(jobs=jobs, clock=clock, node="node-a", executor=Inline()).run(until=end)

    for name, j in jobs.items():
        schedule = job_schedule(j)
        assert schedule is not None
        expected = schedule.between(SUNDAY, end)
        assert expected, f"{name} has no occurrence in the simulated day"
        assert recorders[name].calls == expected, name
        runs = _runs(name)
        assert [r.scheduled_for for r in runs] == expected, name
        assert {(r.outcome, r.node, r.attempt) for r in runs} == {("succeeded", "node-a", 1)}
        assert all(r.started_at == r.scheduled_for for r in runs), name
    # Every minute, every five, every quarter, nightly and the weekly training (Sunday 02:00).
    assert len(recorders["transit-watch"].calls) == 24 * 60
    assert recorders["risk-train"].calls == [SUNDAY + timedelta(hours=2)]


def test_jobs_run_in_order_of_due_time():
    clock = FakeClock(SUNDAY)
    order: list[str] = []

    def note(name: str):  # type: ignore[no-untyped-def]
        return lambda: order.append(name) or ""

    jobs = {
        "b-every-minute": job("b-every-minute", "* * * * *", note("b")),
        "a-hourly": job("a-hourly", "0 * * * *", note("a")),
    }
    scheduler = Scheduler(jobs=jobs, clock=clock, node="n", executor=Inline())
    # Both last ran long ago: the hourly one's missed occurrence (23:00) is older than the
    # minutely one's (23:59), so it goes first.
    JobState.objects.create(
        name="a-hourly", registered_at=SUNDAY - 2 * M * 60, last_due=SUNDAY - 2 * M * 60
    )
    JobState.objects.create(
        name="b-every-minute", registered_at=SUNDAY - 5 * M, last_due=SUNDAY - 5 * M
    )
    clock.advance(-30 * S)  # Saturday 23:59:30
    scheduler.prepare()
    assert scheduler.tick() == ["a-hourly", "b-every-minute"]
    scheduler.close()
    assert order == ["a", "b"]


def test_a_failing_job_is_logged_and_retried_and_the_others_keep_time(caplog):
    clock = FakeClock(SUNDAY)
    flaky = Recorder(clock, fail_times=2)
    steady = Recorder(clock)
    jobs = {
        "flaky": job("flaky", "0 * * * *", flaky),
        "steady": job("steady", "*/10 * * * *", steady),
    }
    caplog.set_level(logging.INFO, logger="haiquan.ops")

    Scheduler(jobs=jobs, clock=clock, node="n", executor=Inline()).run(until=SUNDAY + 2 * 60 * M)

    runs = _runs("flaky")
    # Tried again after 30 s, then after 60 s (the back-off doubles), then on time at 01:00.
    assert [(r.attempt, r.outcome, r.started_at - SUNDAY) for r in runs] == [
        (1, Outcome.FAILED, 0 * S),
        (2, Outcome.FAILED, 30 * S),
        (3, Outcome.SUCCEEDED, 90 * S),
        (1, Outcome.SUCCEEDED, 60 * M),
    ]
    assert "Traceback" in runs[0].error
    assert "RuntimeError: the backend refused (call 1)" in runs[0].error
    assert "RuntimeError: the backend refused (call 2)" in runs[1].error
    assert runs[2].error == "" and runs[2].detail == "done"
    state = JobState.objects.get(name="flaky")
    assert (state.runs, state.failures, state.last_outcome) == (4, 2, Outcome.SUCCEEDED)
    assert state.last_success_at == SUNDAY + 60 * M
    # The failure is in the log, with its traceback.
    failed = [r for r in caplog.records if r.getMessage() == "periodic job flaky failed"]
    assert len(failed) == 2 and failed[0].levelno == logging.ERROR and failed[0].exc_info
    assert any("tried again" in r.getMessage() for r in caplog.records)
    # The other job kept its schedule throughout.
    assert steady.calls == [SUNDAY + 10 * M * k for k in range(12)]


def test_a_job_failing_every_attempt_waits_for_its_next_occurrence():
    clock = FakeClock(SUNDAY)
    broken = Recorder(clock, fail_times=10**6)
    jobs = {"broken": job("broken", "0 * * * *", broken, attempts=3)}
    Scheduler(jobs=jobs, clock=clock, node="n", executor=Inline()).run(until=SUNDAY + 60 * M + S)
    assert broken.calls == [SUNDAY, SUNDAY + 30 * S, SUNDAY + 90 * S, SUNDAY + 60 * M]
    assert JobState.objects.get(name="broken").failures == 4


def test_a_retry_never_runs_past_the_next_occurrence():
    clock = FakeClock(SUNDAY)
    broken = Recorder(clock, fail_times=10**6)
    jobs = {"minutely": job("minutely", "* * * * *", broken, attempts=5)}
    Scheduler(jobs=jobs, clock=clock, node="n", executor=Inline()).run(until=SUNDAY + 3 * M)
    # 30 s later, then 60 s later would be past 00:01: the 00:01 occurrence comes instead.
    assert broken.calls == [SUNDAY + k * 30 * S for k in range(6)]
    assert [r.attempt for r in _runs("minutely")] == [1, 2, 1, 2, 1, 2]


def test_nothing_to_do_is_recorded_as_skipped_and_not_retried():
    clock = FakeClock(SUNDAY)
    calls = []

    def idle() -> str:
        calls.append(clock.now())
        raise NothingToDo("no checked declarations to learn from")

    jobs = {"idle": job("idle", "0 * * * *", idle)}
    Scheduler(jobs=jobs, clock=clock, node="n", executor=Inline()).run(until=SUNDAY + 10 * M)
    (run,) = _runs("idle")
    assert (run.outcome, run.detail, run.error) == (
        Outcome.SKIPPED,
        "no checked declarations to learn from",
        "",
    )
    assert calls == [SUNDAY]
    assert JobState.objects.get(name="idle").last_success_at == SUNDAY


@pytest.mark.django_db(transaction=True)
def test_a_job_still_running_is_not_started_again_and_is_made_up_once(refdata_reloaded):
    clock = FakeClock(SUNDAY)
    release = threading.Event()
    started: list[object] = []

    def slow() -> str:
        started.append(clock.now())
        assert release.wait(30)
        return "slow work done"

    scheduler = Scheduler(jobs={"slow": job("slow", "* * * * *", slow)}, clock=clock, node="n")
    scheduler.prepare()
    try:
        assert scheduler.tick() == ["slow"]
        _until(lambda: len(started) == 1)
        clock.advance(3 * M + 10 * S)  # 00:01, 00:02 and 00:03 pass while it runs
        assert scheduler.tick() == []
        assert scheduler.running() == ["slow"]
        release.set()
        _until(lambda: scheduler.running() == [])
        assert scheduler.tick() == ["slow"]  # the latest missed occurrence, once
        _until(lambda: scheduler.running() == [])
        assert scheduler.tick() == []
        assert scheduler.plan() == {"slow": SUNDAY + 4 * M}
    finally:
        release.set()
        scheduler.close()
    assert [r.scheduled_for for r in _runs("slow")] == [SUNDAY, SUNDAY + 3 * M]
    assert started == [SUNDAY, SUNDAY + 3 * M + 10 * S]


def _until(condition, seconds: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_occurrences_missed_while_the_scheduler_was_down_are_made_up_once():
    # The hourly job last ran at 00:00; the scheduler comes back at 03:20.
    JobState.objects.create(name="hourly", registered_at=SUNDAY - 60 * M, last_due=SUNDAY)
    clock = FakeClock(SUNDAY + 200 * M)
    hourly, fresh = Recorder(clock), Recorder(clock)
    jobs = {"hourly": job("hourly", "0 * * * *", hourly), "fresh": job("fresh", "0 * * * *", fresh)}
    scheduler = Scheduler(jobs=jobs, clock=clock, node="n", executor=Inline())
    scheduler.prepare()
    # The hourly job's latest missed occurrence (03:00) is due at once; a job never seen
    # before starts at its next occurrence.
    assert scheduler.plan() == {"fresh": SUNDAY + 240 * M, "hourly": SUNDAY + 180 * M}
    scheduler.run(until=SUNDAY + 300 * M)
    assert hourly.calls == [SUNDAY + 200 * M, SUNDAY + 240 * M]
    assert [r.scheduled_for for r in _runs("hourly")] == [SUNDAY + 180 * M, SUNDAY + 240 * M]
    assert fresh.calls == [SUNDAY + 240 * M]


def test_a_schedule_is_overridden_by_settings_and_a_job_switched_off(settings):
    settings.HAIQUAN_OPS = {
        **settings.HAIQUAN_OPS,
        "JOBS": {"transit-watch": "*/10 * * * *", "risk-train": "off"},
    }
    plan = schedules()
    assert plan["transit-watch"] is not None
    assert plan["transit-watch"].expression == "*/10 * * * *"
    assert plan["risk-train"] is None
    clock = FakeClock(SUNDAY + 61 * S)
    scheduler = Scheduler(clock=clock, node="n", executor=Inline())
    scheduler.prepare()
    scheduler.close()
    planned = scheduler.plan()
    assert "risk-train" not in planned
    assert planned["transit-watch"] == SUNDAY + 10 * M
    # A job switched off is not expected to be fresh either.
    assert "risk-train" not in jobs_late(now=SUNDAY)


def test_a_malformed_or_unknown_schedule_is_refused(settings):
    settings.HAIQUAN_OPS = {**settings.HAIQUAN_OPS, "JOBS": {"transit-watch": "every minute"}}
    with pytest.raises(ImproperlyConfigured, match="transit-watch: 'every minute' is not a cron"):
        schedules()
    assert [m.id for m in ops_settings_check()] == ["haiquan_ops.E001"]
    with pytest.raises(CommandError, match="every minute"):
        call_command("scheduler", "--list")
    settings.HAIQUAN_OPS = {**settings.HAIQUAN_OPS, "JOBS": {"transit-wacth": "* * * * *"}}
    with pytest.raises(ImproperlyConfigured, match="unknown periodic jobs: transit-wacth"):
        schedules()


def test_schedules_come_from_the_environment():
    code = (
        "from haiquan.config.settings import base; print(sorted(base.HAIQUAN_OPS['JOBS'].items()))"
    )
    env = {
        **os.environ,
        "HAIQUAN_SCHEDULE_TRANSIT_WATCH": "*/2 * * * *",
        "HAIQUAN_SCHEDULE_RISK_TRAIN": "off",
    }
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[('risk-train', 'off'), ('transit-watch', '*/2 * * * *')]"


def test_the_scheduler_command_runs_one_job_and_lists_them(capsys):
    call_command("scheduler", "--run", "portal-escalate", "--node", "ops-1")
    (run,) = _runs("portal-escalate")
    assert (run.node, run.outcome) == ("ops-1", Outcome.SUCCEEDED)
    call_command("scheduler", "--list")
    out = capsys.readouterr().out
    for name in registry.jobs():
        assert name in out
    with pytest.raises(CommandError, match="no-such-job"):
        call_command("scheduler", "--run", "no-such-job")


def test_a_run_the_scheduler_could_not_record_does_not_stop_it(monkeypatch, caplog):
    """When the record cannot be written (the database is away), the run counts as failed,
    is logged and tried again; the scheduler goes on."""
    clock = FakeClock(SUNDAY)
    work = Recorder(clock)
    scheduler = Scheduler(
        jobs={"w": job("w", "0 * * * *", work)}, clock=clock, node="n", executor=Inline()
    )
    scheduler.prepare()
    from haiquan.ops import scheduler as module

    real = module.job_run_begin
    calls = {"n": 0}

    def begin_fails_once(**kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 1:
            from django.db import OperationalError

            raise OperationalError("server closed the connection unexpectedly")
        return real(**kwargs)

    monkeypatch.setattr(module, "job_run_begin", begin_fails_once)
    scheduler.run(until=SUNDAY + 5 * M)
    assert work.calls == [SUNDAY + 30 * S]
    assert any(r.getMessage() == "periodic job w could not be run" for r in caplog.records)
