"""What haiquan.ops declares for itself: the freshness of the jobs as a readiness check, the
jobs' own figures for /metrics, and the pruning of old run records."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from haiquan.eventlog.chain import CHAINS, log_root_close
from haiquan.eventlog.signing import private_key_load, signed_roots_write

from .conf import ops_setting
from .health import job_late, jobs_check
from .models import JobState
from .registry import (
    NothingToDo,
    collector_register,
    job_register,
    jobs,
    readiness_check_register,
)
from .schedule import job_schedule
from .services import job_runs_prune


def _prune() -> str:
    days = int(ops_setting("JOB_RUNS_KEPT_DAYS"))
    deleted = job_runs_prune(before=timezone.now() - timedelta(days=days))
    return _("%(n)d job run record(s) older than %(days)d days removed.") % {
        "n": deleted,
        "days": days,
    }


job_register(
    name="job-runs-prune",
    schedule="40 3 * * *",
    run=_prune,
    freshness=timedelta(days=2),
    description=gettext_lazy(
        "Remove the records of job runs older than HAIQUAN_JOB_RUNS_KEPT_DAYS."
    ),
)


def _log_roots() -> str:
    """Close yesterday's roots of the event log and the access trail (eventlog.chain)."""
    day = timezone.localdate() - timedelta(days=1)
    closed = [log_root_close(chain, day=day) for chain in CHAINS.values()]
    return _("Daily roots of %(day)s closed: %(roots)s.") % {
        "day": day.isoformat(),
        "roots": ", ".join(f"{r.log} {r.root[:16]}… ({r.count})" for r in closed),
    }


job_register(
    name="log-roots",
    schedule="5 0 * * *",
    run=_log_roots,
    freshness=timedelta(days=2),
    description=gettext_lazy(
        "Close yesterday's roots of the event log's and the access trail's hash chains "
        "(print them with haiquan log-roots export and send them to the partner)."
    ),
)


def log_roots_dir() -> Path:
    """Where the signed daily roots are written (`HAIQUAN_LOG_ROOTS_DIR`, else var/log-roots)."""
    configured = settings.HAIQUAN.get("LOG_ROOTS_DIR") or ""
    return Path(configured) if configured else Path(settings.VAR_DIR) / "log-roots"


def _log_roots_sign() -> str:
    """Sign the closed days' roots with the administration's key (eventlog.signing)."""
    key_path = settings.HAIQUAN.get("LOG_ROOT_KEY") or ""
    if not key_path:
        raise NothingToDo(
            _("No signing key is configured (HAIQUAN_LOG_ROOT_KEY): the roots are not signed.")
        )
    directory = log_roots_dir()
    days = signed_roots_write(key=private_key_load(Path(key_path)), directory=directory)
    if not days:
        raise NothingToDo(_("Every closed day's roots are signed already."))
    return _("Daily roots signed into %(dir)s: %(days)s.") % {
        "dir": directory,
        "days": ", ".join(d.isoformat() for d in days),
    }


job_register(
    name="log-roots-sign",
    schedule="20 0 * * *",
    run=_log_roots_sign,
    freshness=timedelta(days=2),
    description=gettext_lazy(
        "Sign the closed days' roots with the administration's key (HAIQUAN_LOG_ROOT_KEY), "
        "one file a day in HAIQUAN_LOG_ROOTS_DIR, to send to the partner."
    ),
)

readiness_check_register("jobs", jobs_check, when=lambda: bool(ops_setting("READY_JOBS")))


def job_metrics() -> Iterator[Any]:
    """From the job states (one row per job): runs, failures, last success, running, late."""
    labels = ["job"]
    runs = CounterMetricFamily(
        "haiquan_job_runs", "Runs of each periodic job, on every node.", labels=labels
    )
    failures = CounterMetricFamily(
        "haiquan_job_failures", "Failed runs of each periodic job.", labels=labels
    )
    success = GaugeMetricFamily(
        "haiquan_job_last_success_timestamp_seconds",
        "When each periodic job last succeeded (Unix time).",
        labels=labels,
    )
    duration = GaugeMetricFamily(
        "haiquan_job_last_duration_seconds", "How long each job's last run took.", labels=labels
    )
    running = GaugeMetricFamily(
        "haiquan_job_running", "1 while a run of the job is under way.", labels=labels
    )
    limit = GaugeMetricFamily(
        "haiquan_job_freshness_limit_seconds",
        "How old each job's last success may be before the system counts as not ready.",
        labels=labels,
    )
    late = GaugeMetricFamily(
        "haiquan_job_late", "1 when the job's last success is older than its limit.", labels=labels
    )
    now = timezone.now()
    states = {s.name: s for s in JobState.objects.all()}
    for name, job in jobs().items():
        if job_schedule(job) is None:
            continue
        state = states.get(name)
        limit.add_metric([name], job.freshness.total_seconds())
        late.add_metric([name], 1 if job_late(job, state, now) else 0)
        if state is None:
            continue
        runs.add_metric([name], state.runs)
        failures.add_metric([name], state.failures)
        running.add_metric([name], 1 if state.running_on else 0)
        if state.last_success_at is not None:
            success.add_metric([name], state.last_success_at.timestamp())
        if state.last_duration is not None:
            duration.add_metric([name], state.last_duration)
    yield from (runs, failures, success, duration, running, limit, late)


collector_register(job_metrics)
