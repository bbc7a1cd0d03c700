"""Health checks for load balancers and Kubernetes probes.

- `GET /health/live`: the process answers (no database, nothing else): 200.
- `GET /health/ready`: the database answers, the MQTT broker accepts a connection (when the
  installation receives telemetry over MQTT), and every periodic job's last success is within
  its limit. 200 when all pass, 503 when one fails.

Both answer `application/health+json` (the IETF draft "Health Check Response Format for HTTP
APIs"): `{"status": "pass"|"fail", "checks": {"database": {"status": "pass"}, ...}}`, a failed
check with a short `output` (never an address, a password or an exception's text: those go to
the log). No log-in; each probe costs one `SELECT 1` and one read of a few job rows.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from . import registry
from .models import JobState
from .schedule import job_schedule

log = logging.getLogger("haiquan.ops.health")
CONTENT_TYPE = "application/health+json"


def database_check() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        log.warning("readiness: the database does not answer", exc_info=True)
        connection.close_if_unusable_or_obsolete()
        return "unreachable"
    return None


def job_late(job: registry.Job, state: JobState | None, now: datetime) -> bool:
    """Whether the job's last success is older than its limit. A job never run counts from
    when a scheduler first planned it; one no scheduler has ever planned is late at once."""
    if state is None:
        return True
    return now - (state.last_success_at or state.registered_at) > job.freshness


def jobs_late(*, now: datetime | None = None) -> list[str]:
    """The periodic jobs (switched on) that are late."""
    now = now or timezone.now()
    states = {s.name: s for s in JobState.objects.all()}
    return [
        name
        for name, job in registry.jobs().items()
        if job_schedule(job) is not None and job_late(job, states.get(name), now)
    ]


def jobs_check() -> str | None:
    late = jobs_late()
    return f"late: {', '.join(late)}" if late else None


def readiness() -> tuple[bool, dict[str, dict[str, str]]]:
    """Run every readiness check: the database first (the jobs' check reads it), then the
    ones the apps declared."""
    checks: dict[str, Callable[[], str | None]] = {"database": database_check}
    checks.update(registry.readiness_checks())
    results: dict[str, dict[str, str]] = {}
    for name, check in checks.items():
        if name == "jobs" and results["database"]["status"] == "fail":
            results[name] = {"status": "fail", "output": "not checked: no database"}
            continue
        try:
            problem = check()
        except Exception:
            log.exception("readiness check %s raised", name)
            problem = "error"
        results[name] = {"status": "fail", "output": problem} if problem else {"status": "pass"}
    ok = all(r["status"] == "pass" for r in results.values())
    return ok, results


def _answer(body: dict[str, object], status: int) -> HttpResponse:
    return HttpResponse(json.dumps(body), status=status, content_type=CONTENT_TYPE)


@require_safe
@never_cache
def live(request: HttpRequest) -> HttpResponse:
    return _answer({"status": "pass"}, 200)


@require_safe
@never_cache
def ready(request: HttpRequest) -> HttpResponse:
    ok, checks = readiness()
    return _answer({"status": "pass" if ok else "fail", "checks": checks}, 200 if ok else 503)
