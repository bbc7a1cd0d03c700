"""Writes of the job record: claiming an occurrence, opening and closing its run."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from .models import JobRun, JobState, Outcome


def job_states_ensure(*, names: Iterable[str], now: datetime) -> dict[str, JobState]:
    """A state row for every job (first seen now); the existing ones as they are."""
    names = list(names)
    JobState.objects.bulk_create(
        [JobState(name=n, registered_at=now) for n in names], ignore_conflicts=True
    )
    return {s.name: s for s in JobState.objects.filter(name__in=names)}


def job_run_begin(
    *, job: str, node: str, due: datetime, attempt: int, now: datetime
) -> JobRun | None:
    """Claim the occurrence `due` of `job` for `node` and open its run; None when any node
    has claimed it (or a later one) already. The claim is one UPDATE that moves `last_due`
    forward, so of two schedulers reaching one occurrence only one gets a row back."""
    with transaction.atomic():
        claim = JobState.objects.filter(name=job).filter(
            Q(last_due__isnull=True) | Q(last_due__lt=due)
        )
        if not claim.update(last_due=due, last_started_at=now, running_on=node):
            if JobState.objects.filter(name=job).exists():
                return None
            # A job no scheduler has seen yet (`--run` of a new job): its state, then the claim.
            JobState.objects.get_or_create(name=job, defaults={"registered_at": now})
            if not claim.update(last_due=due, last_started_at=now, running_on=node):
                return None
        return JobRun.objects.create(
            job=job, node=node, scheduled_for=due, attempt=attempt, started_at=now
        )


def job_run_end(
    *,
    run: JobRun,
    outcome: Outcome,
    now: datetime,
    duration: float,
    detail: str = "",
    error: str = "",
) -> JobRun:
    """Close the run and fold it into the job's state (counters, last success)."""
    with transaction.atomic():
        run.finished_at = now
        run.outcome = outcome
        run.duration = duration
        run.detail = detail[:2000]
        run.error = error[-20000:]  # the end of a traceback says the most
        run.save(update_fields=["finished_at", "outcome", "duration", "detail", "error"])
        changes: dict[str, object] = {
            "last_finished_at": now,
            "last_outcome": outcome,
            "last_duration": duration,
            "running_on": "",
            "runs": F("runs") + 1,
        }
        if outcome == Outcome.FAILED:
            changes["failures"] = F("failures") + 1
        else:
            changes["last_success_at"] = now
        JobState.objects.filter(name=run.job).update(**changes)
    return run


def job_runs_interrupted(*, job: str, node: str, now: datetime) -> int:
    """Runs this node left open when it stopped (a crash, a kill): recorded as failed. Called
    only while holding the job's lock, so no run of it is really going on."""
    with transaction.atomic():
        n = JobRun.objects.filter(job=job, node=node, outcome=Outcome.RUNNING).update(
            outcome=Outcome.FAILED,
            finished_at=now,
            error=_("Interrupted: the scheduler stopped while the job was running."),
        )
        JobState.objects.filter(name=job, running_on=node).update(running_on="")
    return n


def job_runs_prune(*, before: datetime) -> int:
    """Forget the runs started before `before` (the job states keep the totals)."""
    deleted, _per_model = (
        JobRun.objects.filter(started_at__lt=before).exclude(outcome=Outcome.RUNNING).delete()
    )
    return deleted
