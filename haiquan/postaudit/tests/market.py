"""A hand-built import history for the anomaly rules: twelve honest traders importing phones
from China month after month at the market price, and five traders each hiding one pattern.

Months are counted from January 2024; every trader files two declarations a month."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from haiquan.postaudit.anomalies import LINE_COLUMNS

PHONE = ("85171300", "Điện thoại di động thông minh", "PCE", 3_300_000.0)
STEEL_OLD = ("72081000", "Thép cán nóng dạng cuộn, dày trên 10mm", "KGM", 18_000.0)
STEEL_NEW = ("72082500", "Thép cán nóng dạng cuộn, dày trên 10mm", "KGM", 18_000.0)
FURNITURE = ("94036090", "Bàn ghế gỗ nội thất", "PCE", 2_000_000.0)
RATES = {"85171300": 0.0, "72081000": 10.0, "72082500": 0.0, "94036090": 25.0}
MONTHS = 18
HONEST = list(range(1, 13))
UNDERVALUES, SPIKES, SWITCHES_HS, NEWCOMER, SWITCHES_ORIGIN = 101, 102, 103, 104, 105


def month_day(m: int, half: int) -> datetime:
    return datetime(2024 + m // 12, m % 12 + 1, 5 if half == 0 else 20, 9, 30)


@dataclass
class Market:
    rows: list[dict] = field(default_factory=list)
    established: dict[int, date | None] = field(default_factory=dict)
    next_id: int = 1
    rng: np.random.Generator = field(default_factory=lambda: np.random.default_rng(11))

    def declare(
        self,
        ent: int,
        when: datetime,
        goods: tuple[str, str, str, float],
        qty: float,
        *,
        price_factor: float = 1.0,
        origin: str = "CN",
        preference: str = "",
        rate: float | None = None,
    ) -> int:
        code, desc, unit, price = goods
        unit_price = price * price_factor * float(np.exp(self.rng.normal(0, 0.05)))
        value = qty * unit_price
        applied = RATES[code] if rate is None else rate
        did = self.next_id
        self.next_id += 1
        self.rows.append(
            {
                "declaration_id": did,
                "enterprise_id": ent,
                "registered_at": when,
                "flow": "import",
                "hs_code": code,
                "description": desc,
                "origin": origin,
                "unit": unit,
                "quantity": qty,
                "value_vnd": value,
                "duties_vnd": value * (applied / 100 + 0.1 * (1 + applied / 100)),
                "import_rate": applied,
                "preference": preference,
            }
        )
        return did

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=list(LINE_COLUMNS))


@dataclass
class Planted:
    market: Market
    undervalued: set[int]
    spike_month: int
    spiked: set[int]
    switched: set[int]
    newcomer: set[int]
    moved: set[int]


def build_market() -> Planted:
    mk = Market()
    for ent in [*HONEST, UNDERVALUES, SPIKES]:
        mk.established[ent] = date(2015, 1, 1)
    undervalued: set[int] = set()
    spiked: set[int] = set()
    switched: set[int] = set()
    newcomer: set[int] = set()
    moved: set[int] = set()
    spike_month = 9
    for m in range(MONTHS):
        for half in (0, 1):
            when = month_day(m, half)
            for ent in HONEST:
                mk.declare(ent, when, PHONE, 150 + 10 * (ent % 3))
            # Undervaluation: months 10–12 at 45% of the price.
            if 10 <= m <= 12:
                undervalued.add(mk.declare(UNDERVALUES, when, PHONE, 150, price_factor=0.45))
            else:
                mk.declare(UNDERVALUES, when, PHONE, 150)
            # A sudden rise: eight times the usual quantity in one month.
            did = mk.declare(SPIKES, when, PHONE, 1200 if m == spike_month else 150)
            if m == spike_month:
                spiked.add(did)
            # Steel under a 10% code, then the same steel under a 0% code from month 9.
            goods = STEEL_OLD if m < 9 else STEEL_NEW
            did = mk.declare(SWITCHES_HS, when, goods, 20_000)
            if m >= 9:
                switched.add(did)
            # Furniture from China without preference, then "from Thailand" under ATIGA.
            if m < 10:
                mk.declare(SWITCHES_ORIGIN, when, FURNITURE, 100)
            else:
                moved.add(
                    mk.declare(
                        SWITCHES_ORIGIN,
                        when,
                        FURNITURE,
                        100,
                        origin="TH",
                        preference="ATIGA",
                        rate=0.0,
                    )
                )
            # A company set up in month 11 trading far more than anyone from month 13.
            if 13 <= m <= 15:
                newcomer.add(mk.declare(NEWCOMER, when, PHONE, 5000))
    mk.established[SWITCHES_HS] = date(2015, 1, 1)
    mk.established[SWITCHES_ORIGIN] = date(2015, 1, 1)
    mk.established[NEWCOMER] = (month_day(11, 0) - timedelta(days=1)).date()
    return Planted(mk, undervalued, spike_month, spiked, switched, newcomer, moved)
