"""The rule for legal time limits that fall inside a declared outage, in one place.

A time limit whose last moment falls inside an outage that covers its office (or the whole
country) is extended by the outage's length: the party could not act while haiquan was down.
If the extended limit falls inside a later outage, it is extended again. For limits counted in
days (an e-service's working days, a payment due date), the days the outage touched are given
back: as many working days (or calendar days) as it covered, at least one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta


@dataclass(frozen=True)
class Span:
    """An ended outage: [start, end]."""

    start: datetime
    end: datetime

    @property
    def length(self) -> timedelta:
        return self.end - self.start


def extended_moment(deadline: datetime, spans: Sequence[Span]) -> datetime:
    """A deadline in time (an inquiry's answer, a transit arrival) after the outages."""
    for span in sorted(spans, key=lambda s: s.start):
        if span.start <= deadline <= span.end:
            deadline += span.length
    return deadline


def calendar_days_lost(first: date, last: date) -> int:
    return (last - first).days + 1


def extended_day(
    due: date,
    spans: Sequence[Span],
    *,
    local_day: Callable[[datetime], date],
    days_lost: Callable[[date, date], int] = calendar_days_lost,
    add_days: Callable[[date, int], date] = lambda d, n: d + timedelta(days=n),
) -> date:
    """A due date counted in days, after the outages: an outage touching the due date (from
    its first to its last local day) gives back the days it covered (`days_lost`, at least
    one), added with `add_days` (working days for e-services, calendar days otherwise)."""
    for span in sorted(spans, key=lambda s: s.start):
        first, last = local_day(span.start), local_day(span.end)
        if first <= due <= last:
            due = add_days(due, max(1, days_lost(first, last)))
    return due
