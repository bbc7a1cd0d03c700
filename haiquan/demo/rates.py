"""Daily customs exchange rates for the demo: a smooth, seeded random walk around the levels of
each year (the State Bank keeps the dong on a managed float: USD about 23,100-23,300 in
2019-2020, 25,000-26,300 in 2024-2026).

The level of a day is its year's (moving to the next year's in the last weeks); the walk is a mean-reverting
(Ornstein-Uhlenbeck) deviation of about ±0.5% for the dollar and ±1-2% for the others.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

# VND per unit: the level of each year.
ANCHORS: dict[str, dict[int, float]] = {
    "USD": {
        2017: 22_700,
        2018: 22_850,
        2019: 23_200,
        2020: 23_200,
        2021: 23_050,
        2022: 23_500,
        2023: 23_900,
        2024: 25_100,
        2025: 25_900,
        2026: 26_250,
        2027: 26_500,
    },
    "CNY": {
        2017: 3_350,
        2018: 3_430,
        2019: 3_360,
        2020: 3_360,
        2021: 3_570,
        2022: 3_480,
        2023: 3_370,
        2024: 3_500,
        2025: 3_590,
        2026: 3_680,
        2027: 3_700,
    },
    "JPY": {
        2017: 203,
        2018: 205,
        2019: 213,
        2020: 217,
        2021: 209,
        2022: 180,
        2023: 170,
        2024: 165,
        2025: 172,
        2026: 170,
        2027: 170,
    },
    "KRW": {
        2017: 20.1,
        2018: 20.6,
        2019: 19.9,
        2020: 19.7,
        2021: 20.1,
        2022: 18.2,
        2023: 18.4,
        2024: 18.4,
        2025: 18.3,
        2026: 18.2,
        2027: 18.2,
    },
    "EUR": {
        2017: 25_700,
        2018: 26_800,
        2019: 26_000,
        2020: 26_500,
        2021: 27_300,
        2022: 24_700,
        2023: 25_900,
        2024: 27_200,
        2025: 29_300,
        2026: 30_400,
        2027: 30_500,
    },
}
# Daily shock (log) and how fast the deviation returns to the level.
_VOLATILITY = {"USD": 0.0012, "CNY": 0.0025, "JPY": 0.0035, "KRW": 0.0035, "EUR": 0.003}
_REVERSION = 0.03
_QUANTUM = {
    "USD": Decimal(1),
    "EUR": Decimal(1),
    "CNY": Decimal("0.01"),
    "JPY": Decimal("0.01"),
    "KRW": Decimal("0.01"),
}
CURRENCIES = tuple(ANCHORS)
_TRANSITION_DAYS = 45


def level(currency: str, day: date) -> float:
    """The year's level; in its last weeks it moves linearly to the next year's level."""
    anchors = ANCHORS[currency]
    years = sorted(anchors)
    year = min(max(day.year, years[0]), years[-1])
    nxt = min(year + 1, years[-1])
    turn = date(day.year, 12, 31) - timedelta(days=_TRANSITION_DAYS)
    if day <= turn or year == nxt:
        return anchors[year]
    f = (day - turn).days / (_TRANSITION_DAYS + 1)
    return anchors[year] + (anchors[nxt] - anchors[year]) * f


def rate_walk(currency: str, start: date, end: date, seed: int) -> Iterator[tuple[date, Decimal]]:
    """(day, VND per unit) for every day from `start` to `end` inclusive."""
    rng = random.Random(f"{seed}:rates:{currency}")
    sigma = _VOLATILITY[currency]
    deviation = rng.gauss(0, sigma / math.sqrt(2 * _REVERSION))
    q = _QUANTUM[currency]
    day = start
    while day <= end:
        value = level(currency, day) * math.exp(deviation)
        yield day, Decimal(repr(value)).quantize(q)
        deviation = deviation * (1 - _REVERSION) + rng.gauss(0, sigma)
        day += timedelta(days=1)
