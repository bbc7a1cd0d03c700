"""What each app asks operators' tooling to run and watch, declared in the app's own `ops.py`.

An app declares there, with the functions below:
- its periodic jobs (`job_register`): a name, a cron schedule, the function, how stale its last
  success may grow before the system counts as not ready;
- its gauges for `/metrics` (`collector_register`): functions that yield Prometheus metric
  families computed at scrape time with cheap queries;
- its readiness checks (`readiness_check_register`): a service it cannot work without.

`haiquan.ops` imports every haiquan app's `ops.py` once (`discover`), so the scheduler, the
health checks and the metrics never hold a list of apps.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from importlib import import_module
from typing import Any

from django.apps import apps
from django.utils.module_loading import module_has_submodule

# A job returns a short summary of what it did (kept with the run), or None.
JobFunction = Callable[[], str | None]
# A readiness check returns None when all is well, else a short reason (no secrets in it).
ReadinessCheck = Callable[[], str | None]
# A collector yields prometheus_client metric families.
Collector = Callable[[], Iterable[Any]]


class NothingToDo(Exception):
    """Raised by a job that found nothing to work on (e.g. no history to train on yet): the run
    is recorded as skipped, counts as fresh, and is not retried."""


@dataclass(frozen=True)
class Job:
    name: str
    schedule: str  # cron expression (5 fields, or 6 with seconds), in settings.TIME_ZONE
    run: JobFunction
    freshness: timedelta  # the last success may be at most this old
    description: Any = ""  # a (lazily) translated sentence
    attempts: int = 3  # a failed run is tried again up to attempts - 1 times
    backoff: timedelta = timedelta(seconds=30)  # before the first retry; doubled each time


_jobs: dict[str, Job] = {}
_collectors: list[Collector] = []
_checks: dict[str, tuple[ReadinessCheck, Callable[[], bool]]] = {}
_discovered = False
_discovering = threading.Lock()


def job_register(
    *,
    name: str,
    schedule: str,
    run: JobFunction,
    freshness: timedelta,
    description: Any = "",
    attempts: int = 3,
    backoff: timedelta = timedelta(seconds=30),
) -> Job:
    """Declare a periodic job. Its schedule can be overridden per installation
    (`HAIQUAN_JOB_<NAME>`, see `schedule.job_schedule`)."""
    if name in _jobs and _jobs[name].run is not run:
        raise ValueError(f"periodic job {name!r} is declared twice")
    if attempts < 1:
        raise ValueError(f"periodic job {name!r}: attempts must be at least 1")
    job = Job(name, schedule, run, freshness, description, attempts, backoff)
    _jobs[name] = job
    return job


def collector_register(collector: Collector) -> Collector:
    if collector not in _collectors:
        _collectors.append(collector)
    return collector


def readiness_check_register(
    name: str, check: ReadinessCheck, *, when: Callable[[], bool] = lambda: True
) -> None:
    """Declare a readiness check, made only while `when()` holds (read at each probe)."""
    _checks[name] = (check, when)


def discover() -> None:
    """Import `<app>.ops` of every installed haiquan app, once."""
    global _discovered
    with _discovering:
        if _discovered:
            return
        import_module("haiquan.ops.builtin")
        for config in apps.get_app_configs():
            if not config.name.startswith("haiquan.") or config.name == "haiquan.ops":
                continue
            if module_has_submodule(config.module, "ops"):
                import_module(f"{config.name}.ops")
        _discovered = True


def jobs() -> dict[str, Job]:
    """Every declared job, by name (sorted)."""
    discover()
    return dict(sorted(_jobs.items()))


def collectors() -> list[Collector]:
    discover()
    return list(_collectors)


def readiness_checks() -> dict[str, ReadinessCheck]:
    """The checks that apply now, by name."""
    discover()
    return {name: check for name, (check, when) in _checks.items() if when()}
