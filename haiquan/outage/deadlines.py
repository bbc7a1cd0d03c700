"""The rule for legal time limits that fall inside a declared outage, in one place:
`deadline_extended`, which every app that holds a trader (or customs) to a time limit calls.

A time limit whose last moment falls inside an outage that covers its office (or the whole
country) is extended by the outage's length: the party could not act while haiquan was down.
If the extended limit falls inside a later outage, it is extended again. For limits counted in
days (an e-service's working days, a payment due date), the days the outage touched are given
back: as many working days (or calendar days) as it covered, at least one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import overload

from django.utils import timezone


@dataclass(frozen=True)
class Span:
    """An ended outage: [start, end]."""

    start: datetime
    end: datetime

    @property
    def length(self) -> timedelta:
        return self.end - self.start


def calendar_days_lost(first: date, last: date) -> int:
    return (last - first).days + 1


def _calendar_days_add(day: date, n: int) -> date:
    return day + timedelta(days=n)


@dataclass(frozen=True)
class DayCount:
    """How a time limit counted in days is read: the local day of a moment (Vietnam's), how
    many days an outage from its first to its last local day took away, and how they are
    added back (calendar days by default; working days for e-services)."""

    local_day: Callable[[datetime], date] = field(default=timezone.localdate)
    days_lost: Callable[[date, date], int] = calendar_days_lost
    add_days: Callable[[date, int], date] = _calendar_days_add


CALENDAR_DAYS = DayCount()


@overload
def deadline_extended(
    deadline: datetime, spans: Sequence[Span], *, days: DayCount | None = None
) -> datetime: ...
@overload
def deadline_extended(
    deadline: date, spans: Sequence[Span], *, days: DayCount | None = None
) -> date: ...
def deadline_extended(
    deadline: date, spans: Sequence[Span], *, days: DayCount | None = None
) -> date:
    """A time limit after the declared outages `spans` of its office (and national ones).

    A moment (a document request's answer, an inquiry's answer, a transit arrival) that falls
    inside an outage moves on by the outage's length. A day (a payment due date, an e-service's
    last working day) that the outage touched, from its first to its last local day, gets back
    the days it covered (at least one), counted as `days` says (calendar days by default)."""
    ordered = sorted(spans, key=lambda s: s.start)
    if isinstance(deadline, datetime):
        for span in ordered:
            if span.start <= deadline <= span.end:
                deadline += span.length
        return deadline
    count = days or CALENDAR_DAYS
    for span in ordered:
        first, last = count.local_day(span.start), count.local_day(span.end)
        if first <= deadline <= last:
            deadline = count.add_days(deadline, max(1, count.days_lost(first, last)))
    return deadline
