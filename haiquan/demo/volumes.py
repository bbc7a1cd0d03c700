"""How many declarations a day, and at what hour: the calendar of the demo history.

Calibrated on Quảng Ninh Customs (MISSION.md): about 5,000 declarations a month; H1 2020
26,863 (−18.4% on H1 2019, COVID-19 closing the Chinese border crossings in February-April)
and July 2020 5,408. Filing is open 24/7 but most happens in office hours on working days;
Tết (the lunar new year) stops trade for about a week, after a build-up in the weeks before.
"""

from __future__ import annotations

import math
import random
from datetime import date, timedelta

# First day of the lunar new year.
TET = {
    2017: date(2017, 1, 28),
    2018: date(2018, 2, 16),
    2019: date(2019, 2, 5),
    2020: date(2020, 1, 25),
    2021: date(2021, 2, 12),
    2022: date(2022, 2, 1),
    2023: date(2023, 1, 22),
    2024: date(2024, 2, 10),
    2025: date(2025, 1, 29),
    2026: date(2026, 2, 17),
    2027: date(2027, 2, 6),
    2028: date(2028, 1, 26),
    2029: date(2029, 2, 13),
    2030: date(2030, 2, 3),
}
# Solar public holidays (day, month) → share of a normal day's filings.
HOLIDAYS = {(1, 1): 0.4, (30, 4): 0.3, (1, 5): 0.3, (2, 9): 0.3}
# Monday … Sunday.
WEEKDAY = (1.12, 1.15, 1.15, 1.12, 1.10, 0.80, 0.45)
_WEEKDAY_MEAN = sum(WEEKDAY) / 7
# Months outside Tết: the year-end rush, a quieter spring.
MONTH = (1.0, 0.95, 1.0, 0.97, 1.0, 1.0, 1.03, 1.02, 1.0, 1.04, 1.07, 1.1)
# Local hour 0 … 23: open 24/7, busy 8-11 and 13-17.
HOURS = (
    0.3,
    0.25,
    0.2,
    0.2,
    0.25,
    0.4,
    0.8,
    2.0,
    4.5,
    6.0,
    6.5,
    5.0,
    2.5,
    4.0,
    6.0,
    6.0,
    5.0,
    3.0,
    1.8,
    1.3,
    1.1,
    0.9,
    0.6,
    0.4,
)
# Border gates keep trucks moving into the evening.
HOURS_BORDER = (
    0.5,
    0.4,
    0.3,
    0.3,
    0.4,
    0.6,
    1.2,
    2.5,
    4.5,
    5.5,
    5.5,
    4.5,
    3.0,
    4.0,
    5.0,
    5.0,
    4.5,
    3.5,
    2.5,
    2.0,
    1.6,
    1.2,
    0.9,
    0.7,
)


def tet_factor(day: date) -> float:
    """Share of a normal day's filings around Tết: build-up, stop, slow restart."""
    tet = TET.get(day.year)
    next_tet = TET.get(day.year + 1)
    for t in (tet, next_tet):
        if t is None:
            continue
        d = (day - t).days
        if -25 <= d <= -8:
            return 1.2
        if -7 <= d <= -2:
            return 1.1
        if d == -1:
            return 0.4
        if 0 <= d <= 3:
            return 0.08
        if 4 <= d <= 6:
            return 0.35
        if 7 <= d <= 13:
            return 0.85
    return 1.0


def day_weight(day: date) -> float:
    """A day's filings relative to an average day of its year (before the yearly level)."""
    w = WEEKDAY[day.weekday()] / _WEEKDAY_MEAN * MONTH[day.month - 1] * tet_factor(day)
    return w * HOLIDAYS.get((day.day, day.month), 1.0)


def poisson(rng: random.Random, lam: float) -> int:
    """A Poisson draw (normal approximation above 50, exact below)."""
    if lam <= 0:
        return 0
    if lam > 50:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def month_starts(start: date, end: date) -> list[date]:
    """First days of the months from `start`'s month to `end`'s (inclusive)."""
    out, d = [], start.replace(day=1)
    while d <= end:
        out.append(d)
        d = (d.replace(day=28) + timedelta(days=4)).replace(day=1)
    return out


def month_days(first: date) -> list[date]:
    nxt = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return [first + timedelta(days=i) for i in range((nxt - first).days)]


def hour_of_day(rng: random.Random, border: bool) -> int:
    return rng.choices(range(24), weights=HOURS_BORDER if border else HOURS)[0]
