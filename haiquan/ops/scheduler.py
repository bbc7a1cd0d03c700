"""`haiquan scheduler`: one long-running process that runs every periodic job on its schedule.

Rules, in the order they apply:
- each job declared by an app (`<app>/ops.py`, see `registry`) runs at the occurrences of its
  cron schedule, in the installation's time zone; the jobs due first start first;
- a job still running is not started again; an occurrence missed meanwhile (or while the
  scheduler was down) is made up once, as soon as it can be; missed occurrences are never
  queued up;
- on any number of nodes, one copy of a job runs at a time (`locks`) and each occurrence runs
  once (`services.job_run_begin` claims it);
- every run is recorded (`JobRun`) and logged; a failed run is logged with its traceback and
  tried again after a back-off that doubles (30 s, 60 s, ... up to the job's `attempts`), unless
  its next occurrence comes first; a failure never stops the scheduler or the other jobs, which
  run in threads of their own.

The clock is injected: tests drive a fake one through a simulated day.
"""

from __future__ import annotations

import enum
import logging
import os
import socket
import threading
import traceback
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from time import perf_counter
from typing import Any, Protocol

from django.db import connections
from django.utils import timezone

from . import registry
from .locks import Locks, locks_for_database
from .logs import request_id_bound
from .models import Outcome
from .registry import Job, NothingToDo
from .schedule import Schedule, job_schedule
from .services import job_run_begin, job_run_end, job_runs_interrupted, job_states_ensure

log = logging.getLogger("haiquan.ops.scheduler")

# The scheduler looks at the clock at least this often, whatever the schedules say.
MAX_WAIT_SECONDS = 60.0
_TICK = timedelta(microseconds=1)


class Clock(Protocol):
    def now(self) -> datetime: ...

    def sleep(self, seconds: float, wake: threading.Event) -> None:
        """Wait `seconds`, or less if `wake` is set (a job finished, or stop)."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return timezone.now()

    def sleep(self, seconds: float, wake: threading.Event) -> None:
        wake.wait(max(0.0, seconds))


class Executor(Protocol):
    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Future[Any]: ...

    def shutdown(self, wait: bool = True) -> None: ...


class Inline:
    """Runs each job at once in the calling thread (`--run`, and tests with a fake clock)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args))
        except BaseException as exc:  # pragma: no cover - _execute catches what a job raises
            future.set_exception(exc)
        return future

    def shutdown(self, wait: bool = True) -> None:
        return None


class Threads:
    """A thread per job at most: a long job (training) never holds up a short one (a watch).
    Each run ends by closing its thread's database connections."""

    def __init__(self, size: int) -> None:
        self.pool = ThreadPoolExecutor(max_workers=max(1, size), thread_name_prefix="haiquan-job")

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Future[Any]:
        def call() -> Any:
            try:
                return fn(*args)
            finally:
                connections.close_all()

        return self.pool.submit(call)

    def shutdown(self, wait: bool = True) -> None:
        self.pool.shutdown(wait=wait)


class Result(enum.StrEnum):
    SUCCEEDED = Outcome.SUCCEEDED.value
    SKIPPED = Outcome.SKIPPED.value
    FAILED = Outcome.FAILED.value
    BUSY = "busy"  # another node is running the job
    TAKEN = "taken"  # another node has run this occurrence already


@dataclass
class _Plan:
    job: Job
    schedule: Schedule
    next_due: datetime
    handled: datetime  # occurrences up to here are done, here or on another node
    attempt: int = 1
    retry: bool = False
    running: bool = False


def default_node() -> str:
    return os.environ.get("HAIQUAN_NODE") or socket.gethostname()


def _regular_next(schedule: Schedule, handled: datetime, now: datetime) -> datetime:
    """The latest occurrence not yet handled if one has passed (made up now), else the next."""
    latest = schedule.at_or_before(now)
    if latest > handled:
        return latest
    return schedule.after(max(now, handled))


class Scheduler:
    def __init__(
        self,
        *,
        jobs: Mapping[str, Job] | None = None,
        clock: Clock | None = None,
        node: str | None = None,
        locks: Locks | None = None,
        executor: Executor | None = None,
    ) -> None:
        self.jobs = dict(jobs if jobs is not None else registry.jobs())
        self.clock: Clock = clock or SystemClock()
        self.node = node or default_node()
        self._locks = locks
        self._executor = executor
        self._plans: dict[str, _Plan] = {}
        self._mutex = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()

    @property
    def locks(self) -> Locks:
        if self._locks is None:
            self._locks = locks_for_database()
        return self._locks

    @property
    def executor(self) -> Executor:
        if self._executor is None:
            self._executor = Threads(len(self.jobs))
        return self._executor

    # -- planning -----------------------------------------------------------------------------

    def prepare(self) -> None:
        """Read what every node has done so far and plan each job's next run."""
        now = self.clock.now()
        schedules = {name: job_schedule(job) for name, job in self.jobs.items()}
        enabled = {name: s for name, s in schedules.items() if s is not None}
        states = job_states_ensure(names=enabled, now=now)
        with self._mutex:
            self._plans = {}
            for name, schedule in enabled.items():
                state = states[name]
                # A job first seen now runs from its next occurrence (this one, if now is one).
                handled = state.last_due or state.registered_at - _TICK
                self._plans[name] = _Plan(
                    job=self.jobs[name],
                    schedule=schedule,
                    next_due=_regular_next(schedule, handled, now),
                    handled=handled,
                )
        for name in sorted(set(schedules) - set(enabled)):
            log.info("periodic job %s is switched off", name, extra={"job": name})
        for name in enabled:
            self._close_interrupted(name, now)

    def _close_interrupted(self, name: str, now: datetime) -> None:
        """Runs this node left open when it last stopped (killed, crashed) are recorded as
        failed: under the job's lock, so that none of them is in fact still going on."""
        held = self.locks.acquire(name)
        if held is None:
            return
        try:
            if job_runs_interrupted(job=name, node=self.node, now=now):
                log.warning("periodic job %s: runs left open by a stop closed", name)
        finally:
            held.release()

    def plan(self) -> dict[str, datetime]:
        """When each job runs next."""
        with self._mutex:
            return {name: p.next_due for name, p in sorted(self._plans.items())}

    def running(self) -> list[str]:
        """The jobs this scheduler is running now."""
        with self._mutex:
            return sorted(name for name, p in self._plans.items() if p.running)

    # -- running ------------------------------------------------------------------------------

    def tick(self) -> list[str]:
        """Start every job that is due and not running, the earliest due first."""
        now = self.clock.now()
        with self._mutex:
            ready = sorted(
                (p for p in self._plans.values() if not p.running and p.next_due <= now),
                key=lambda p: (p.next_due, p.job.name),
            )
            starts = []
            for p in ready:
                p.running = True
                starts.append((p, p.next_due, p.attempt, p.retry))
        for p, due, attempt, retry in starts:
            self.executor.submit(self._execute, p, due, attempt, retry)
        return [p.job.name for p, *_rest in starts]

    def run(self, *, until: datetime | None = None) -> None:
        """Run the jobs until `stop()` is called (or the clock reaches `until`), then wait for
        the runs under way to end."""
        if not self._plans:
            self.prepare()
        try:
            while not self._stop.is_set():
                if until is not None and self.clock.now() >= until:
                    break
                # Cleared before looking at the plans: a job that ends from here on wakes
                # the sleep below at once.
                self._wake.clear()
                self.tick()
                if self._stop.is_set():
                    break
                self.clock.sleep(self._seconds_to_wait(until), self._wake)
        finally:
            self.close()

    def close(self) -> None:
        """Wait for the runs under way, then let go of the lock connections."""
        if self._executor is not None:
            self._executor.shutdown(wait=True)
        if self._locks is not None:
            self._locks.close()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def run_now(self, name: str) -> Result:
        """Run one job at once, through the same lock, claim and record (`--run NAME`)."""
        job_states_ensure(names=[name], now=self.clock.now())
        return self._run_once(self.jobs[name], self.clock.now(), 1)

    def _seconds_to_wait(self, until: datetime | None) -> float:
        now = self.clock.now()
        with self._mutex:
            idle = [p.next_due for p in self._plans.values() if not p.running]
        wait = MAX_WAIT_SECONDS
        if idle:
            wait = min(wait, (min(idle) - now).total_seconds())
        if until is not None:
            wait = min(wait, (until - now).total_seconds())
        return max(0.0, wait)

    def _execute(self, plan: _Plan, due: datetime, attempt: int, retry: bool) -> Result:
        result = Result.FAILED
        try:
            result = self._run_once(plan.job, due, attempt)
        except Exception:
            # The record itself could not be written (the database is away): try again later.
            log.exception(
                "periodic job %s could not be run", plan.job.name, extra={"job": plan.job.name}
            )
        finally:
            self._finished(plan, due, attempt, retry, result)
            self._wake.set()
        return result

    def _run_once(self, job: Job, due: datetime, attempt: int) -> Result:
        held = self.locks.acquire(job.name)
        if held is None:
            log.info(
                "periodic job %s is running on another node", job.name, extra={"job": job.name}
            )
            return Result.BUSY
        try:
            run = job_run_begin(
                job=job.name, node=self.node, due=due, attempt=attempt, now=self.clock.now()
            )
            if run is None:
                return Result.TAKEN
            extra = {"job": job.name, "job_run": run.pk, "attempt": attempt}
            with request_id_bound(f"job-{job.name}-{run.pk}"):
                log.info("periodic job %s started (attempt %d)", job.name, attempt, extra=extra)
                began = perf_counter()
                detail = error = ""
                try:
                    detail = job.run() or ""
                    outcome = Outcome.SUCCEEDED
                except NothingToDo as exc:
                    outcome, detail = Outcome.SKIPPED, str(exc)
                except Exception:
                    outcome, error = Outcome.FAILED, traceback.format_exc()
                    log.exception("periodic job %s failed", job.name, extra=extra)
                duration = perf_counter() - began
                job_run_end(
                    run=run,
                    outcome=outcome,
                    now=self.clock.now(),
                    duration=duration,
                    detail=detail,
                    error=error,
                )
                log.info(
                    "periodic job %s %s in %.3f s",
                    job.name,
                    outcome,
                    duration,
                    extra={**extra, "outcome": str(outcome), "duration": duration},
                )
            return Result(outcome.value)
        finally:
            held.release()

    def _finished(
        self, plan: _Plan, due: datetime, attempt: int, retry: bool, result: Result
    ) -> None:
        now = self.clock.now()
        with self._mutex:
            plan.running = False
            if not retry:
                plan.handled = max(plan.handled, due)
            regular = _regular_next(plan.schedule, plan.handled, now)
            if result is Result.FAILED and attempt < plan.job.attempts:
                retry_at = now + plan.job.backoff * (2 ** (attempt - 1))
                if retry_at < regular:
                    plan.next_due, plan.attempt, plan.retry = retry_at, attempt + 1, True
                    log.warning(
                        "periodic job %s will be tried again at %s (attempt %d of %d)",
                        plan.job.name,
                        retry_at.isoformat(),
                        attempt + 1,
                        plan.job.attempts,
                        extra={"job": plan.job.name},
                    )
                    return
            plan.next_due, plan.attempt, plan.retry = regular, 1, False
