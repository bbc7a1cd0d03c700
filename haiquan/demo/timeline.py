"""How long each step of a consignment takes, and who the time belongs to.

Calibrated on the time-release figures of Quảng Ninh (May 2020): imports about 10 hours from
registration to release, exports about 2.5 hours, customs' own work under 20% of it (6.8% for
imports, 16.6% for exports); the rest is the trader arranging payment, the bank, and moving the
goods. A green declaration clears seconds after the bank confirms payment (VNACCS); document
checks (yellow) come 0.5-6 hours after registration and inspections (red) 2-24 hours, mostly
in office hours; release follows clearance when the goods leave the port or the gate.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

VN_TZ = dt_timezone(timedelta(hours=7))  # Asia/Ho_Chi_Minh has kept UTC+7 without DST since 1975
HOUR = 3600.0
OFFICE_OPENS = 7.5  # local hours
OFFICE_CLOSES = 17.5


def _lognormal(rng: random.Random, median: float, sigma: float, low: float, high: float) -> float:
    return min(high, max(low, median * math.exp(rng.gauss(0, sigma))))


def seconds(value: float) -> timedelta:
    return timedelta(seconds=round(value))


def in_office_hours(moment: datetime) -> bool:
    local = moment.astimezone(VN_TZ)
    hour = local.hour + local.minute / 60
    return local.weekday() < 6 and OFFICE_OPENS <= hour < OFFICE_CLOSES


def next_office_opening(moment: datetime) -> datetime:
    """The next opening of the office (07:30 local, Monday to Saturday) at or after `moment`."""
    local = moment.astimezone(VN_TZ)
    day = local.replace(hour=7, minute=30, second=0, microsecond=0)
    if local > day:
        day += timedelta(days=1)
    while day.weekday() == 6:
        day += timedelta(days=1)
    return day


def office_weighted(rng: random.Random, moment: datetime, probability: float) -> datetime:
    """Work that mostly waits for office hours: outside them, it is done at the next opening
    (plus the queue there) with `probability`, else at once (night shifts, 24/7 services)."""
    if in_office_hours(moment) or rng.random() >= probability:
        return moment
    return next_office_opening(moment) + timedelta(seconds=rng.uniform(0, 1.5 * HOUR))


def document_check_delay(rng: random.Random, flow: str) -> float:
    median = 0.9 if flow == "import" else 0.5
    return _lognormal(rng, median * HOUR, 0.5, 0.5 * HOUR, 6 * HOUR)


def checks_office_hours(flow: str) -> float:
    """How often a check falling outside office hours waits for the next morning: border gates
    and ports check in shifts around the clock, exports (perishables) above all."""
    return 0.3 if flow == "import" else 0.15


def inspection_delay(rng: random.Random, flow: str) -> float:
    median = 3.5 if flow == "import" else 2.5
    return _lognormal(rng, median * HOUR, 0.5, 2 * HOUR, 24 * HOUR)


def trader_payment_delay(rng: random.Random, flow: str) -> float:
    """From registration (or a corrected assessment) to the trader's payment order. Exporters
    owing export duty (coal, clinker) are big firms paying at once; importers take longer."""
    if flow == "export":
        return _lognormal(rng, 0.6 * HOUR, 0.7, 0.1 * HOUR, 12 * HOUR)
    return _lognormal(rng, 1.7 * HOUR, 0.9, 0.1 * HOUR, 30 * HOUR)


def payment_office_hours(flow: str) -> float:
    """How often a payment falling outside office hours waits for the next morning."""
    return 0.4 if flow == "export" else 0.7


def bank_delay(rng: random.Random) -> float:
    return rng.uniform(60, 40 * 60)


def movement_delay(rng: random.Random, flow: str) -> float:
    """From clearance to the goods leaving customs control (handling, trucks, loading)."""
    median = 3.4 if flow == "import" else 1.5
    return _lognormal(rng, median * HOUR, 0.6, 0.2 * HOUR, 6 * HOUR)


def arrival_before_lodging(rng: random.Random, mode: str) -> float | None:
    """How long before lodging an import arrived (None where no arrival is reported)."""
    if mode == "road":
        return rng.uniform(0.3, 4) * HOUR
    if mode == "inland_waterway":
        return rng.uniform(1, 8) * HOUR
    if mode == "sea":
        return _lognormal(rng, 18 * HOUR, 0.7, 2 * HOUR, 120 * HOUR)
    if mode == "air":
        return rng.uniform(2, 12) * HOUR
    return None
