"""Working days for legal time limits: Monday to Friday, except public holidays.

Vietnam's working week for administrative procedures is Monday–Friday; public holidays (Tết,
Hùng Kings' day, 30/4, 1/5, 2/9 and the compensating days off) are data (`Holiday`, loaded
from `data/holidays.csv` by `haiquan load-eservices`, editable in the admin).

The counting rule (documented in the README of the app and on every filing page): a time limit
of N working days starts the working day *after* the day the complete filing reached customs,
so a decision on the day of filing has used 0 days, and the N-th working day after it is the
last day on time. Days while customs waits for the enterprise's answer to a request for more
information do not count.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

# A time limit never needs more than this many calendar days to be counted: a guard against a
# corrupted date walking the loops below for ever.
_MAX_SPAN_DAYS = 366 * 20


def is_working_day(day: date, holidays: frozenset[date] | set[date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def working_days_between(start: date, end: date, holidays: Iterable[date] = ()) -> int:
    """How many working days fall after `start` up to and including `end` (0 if end ≤ start)."""
    if end <= start:
        return 0
    hol = frozenset(holidays)
    span = (end - start).days
    if span > _MAX_SPAN_DAYS:
        raise ValueError("span of more than 20 years")
    # Whole weeks first (5 working days each), then the rest day by day.
    weeks, rest = divmod(span, 7)
    count = weeks * 5
    day = start + timedelta(days=weeks * 7)
    for _i in range(rest):
        day += timedelta(days=1)
        if day.weekday() < 5:
            count += 1
    count -= sum(1 for h in hol if start < h <= end and h.weekday() < 5)
    return count


def working_day_add(start: date, n: int, holidays: Iterable[date] = ()) -> date:
    """The n-th working day after `start` (n = 0: `start` itself)."""
    if n < 0:
        raise ValueError("n must not be negative")
    hol = frozenset(holidays)
    day = start
    remaining = n
    steps = 0
    while remaining > 0:
        day += timedelta(days=1)
        steps += 1
        if steps > _MAX_SPAN_DAYS:
            raise ValueError("span of more than 20 years")
        if is_working_day(day, hol):
            remaining -= 1
    return day
