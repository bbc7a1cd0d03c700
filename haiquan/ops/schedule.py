"""Cron schedules of the periodic jobs (croniter), in the installation's time zone, and the
per-installation overrides (`HAIQUAN_JOB_<NAME>=<cron>` or `off`, e.g.
`HAIQUAN_JOB_TRANSIT_WATCH="*/2 * * * *"`, or `settings.HAIQUAN_OPS["JOBS"]`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from croniter import croniter  # type: ignore[import-untyped]  # no stubs shipped
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .conf import ops_setting
from .registry import Job, jobs

OFF = "off"
_TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class Schedule:
    """A cron expression read in the installation's time zone (Asia/Ho_Chi_Minh has no
    daylight saving, so every local minute happens exactly once)."""

    expression: str
    zone: str

    def _iter(self, start: datetime) -> croniter:
        return croniter(self.expression, start.astimezone(ZoneInfo(self.zone)))

    def at_or_after(self, moment: datetime) -> datetime:
        return self._iter(moment - _TICK).get_next(datetime)

    def after(self, moment: datetime) -> datetime:
        return self._iter(moment).get_next(datetime)

    def at_or_before(self, moment: datetime) -> datetime:
        return self._iter(moment + _TICK).get_prev(datetime)

    def between(self, start: datetime, end: datetime) -> list[datetime]:
        """Every occurrence in [start, end)."""
        found, at = [], self.at_or_after(start)
        while at < end:
            found.append(at)
            at = self.after(at)
        return found


def _overrides() -> dict[str, str]:
    return {str(k): str(v).strip() for k, v in dict(ops_setting("JOBS")).items()}


def job_schedule(job: Job) -> Schedule | None:
    """The job's schedule on this installation, or None when it is switched off."""
    expression = _overrides().get(job.name, job.schedule)
    if expression.lower() == OFF:
        return None
    if not croniter.is_valid(expression):
        raise ImproperlyConfigured(
            f"periodic job {job.name}: {expression!r} is not a cron expression "
            "(five fields: minute hour day-of-month month day-of-week, e.g. '*/5 * * * *'), "
            f"nor {OFF!r}"
        )
    return Schedule(expression, settings.TIME_ZONE)


def schedules() -> dict[str, Schedule | None]:
    """Every job's schedule; an override naming no job or a malformed one stops here."""
    known = jobs()
    unknown = sorted(set(_overrides()) - set(known))
    if unknown:
        raise ImproperlyConfigured(
            f"schedules given for unknown periodic jobs: {', '.join(unknown)} "
            f"(the jobs are: {', '.join(known)})"
        )
    return {name: job_schedule(job) for name, job in known.items()}
