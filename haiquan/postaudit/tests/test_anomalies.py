"""The anomaly rules find what was planted in a hand-built history and leave honest traders
alone."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haiquan.postaudit.anomalies import (
    LINE_COLUMNS,
    REASONS,
    ScanSettings,
    detect,
    price_gap_percent,
    reason_text,
    unit_price_outliers,
)
from haiquan.postaudit.choices import AnomalyKind

from .market import (
    HONEST,
    NEWCOMER,
    PHONE,
    RATES,
    SPIKES,
    SWITCHES_HS,
    SWITCHES_ORIGIN,
    UNDERVALUES,
    Market,
    build_market,
    month_day,
)


@pytest.fixture(scope="module")
def planted():
    return build_market()


@pytest.fixture(scope="module")
def found(planted):
    return detect(planted.market.frame(), mfn_rates=RATES, established=planted.market.established)


def _by_enterprise(found):
    out = defaultdict(list)
    for f in found:
        out[f.enterprise_id].append(f)
    return out


def test_honest_traders_are_not_flagged(found):
    flagged = {f.enterprise_id for f in found}
    assert flagged.isdisjoint(HONEST), [f for f in found if f.enterprise_id in HONEST]


def test_each_planted_pattern_is_found_on_its_trader_only(found):
    kinds = {ent: {f.kind for f in fs} for ent, fs in _by_enterprise(found).items()}
    assert kinds == {
        UNDERVALUES: {AnomalyKind.UNIT_PRICE},
        SPIKES: {AnomalyKind.VOLUME_CHANGE},
        SWITCHES_HS: {AnomalyKind.HS_SWITCH},
        NEWCOMER: {AnomalyKind.NEW_LARGE},
        SWITCHES_ORIGIN: {AnomalyKind.ORIGIN_SWITCH},
    }


def test_undervaluation_names_its_declarations_and_the_shortfall(found, planted):
    fs = [f for f in found if f.enterprise_id == UNDERVALUES]
    assert {f.reason_code for f in fs} == {"unit_price_low"}
    assert set().union(*(f.declaration_ids for f in fs)) == planted.undervalued
    for f in fs:
        assert 45 <= f.facts["pct"] <= 65  # declared at 45% of the market price
        assert f.facts["hs"] == PHONE[0] and f.facts["origin"] == "CN"
        assert f.gap_vnd > 0 and f.score >= 50


def test_volume_spike_is_the_month_of_the_spike(found, planted):
    (f,) = [f for f in found if f.enterprise_id == SPIKES]
    assert f.reason_code == "volume_rise"
    assert f.period_start == month_day(planted.spike_month, 0).date().replace(day=1)
    assert set(f.declaration_ids) == planted.spiked
    assert f.facts["ratio"] >= 4


def test_hs_switch_names_both_codes_and_the_duty_drop(found, planted):
    (f,) = [f for f in found if f.enterprise_id == SWITCHES_HS]
    assert f.reason_code == "hs_switch_description"
    assert (f.facts["old"], f.facts["new"], f.facts["drop"]) == ("72081000", "72082500", 10.0)
    assert set(f.declaration_ids) == planted.switched
    assert f.gap_vnd == pytest.approx(f.value_vnd * 0.10)


def test_newcomer_with_large_volume(found, planted):
    (f,) = [f for f in found if f.enterprise_id == NEWCOMER]
    assert f.reason_code == "new_large"
    assert set(f.declaration_ids) == planted.newcomer
    assert f.facts["pct"] >= 90


def test_origin_moved_to_a_partner_with_a_claim(found, planted):
    (f,) = [f for f in found if f.enterprise_id == SWITCHES_ORIGIN]
    assert f.reason_code == "origin_to_partner"
    assert (f.facts["before"], f.facts["origin"], f.facts["preference"]) == ("CN", "TH", "ATIGA")
    assert set(f.declaration_ids) == planted.moved
    assert f.gap_vnd == pytest.approx(f.value_vnd * 0.25)


def test_every_reason_reads_in_plain_words(found):
    for f in found:
        text = reason_text(f.reason_code, f.facts)
        assert text != f.reason_code and "%(" not in text
    assert set(REASONS) >= {f.reason_code for f in found}


def test_scores_are_between_0_and_100(found):
    assert all(0 <= f.score <= 100 for f in found)


def test_an_empty_history_has_no_anomaly():
    assert detect(pd.DataFrame(columns=list(LINE_COLUMNS)), mfn_rates=RATES) == []


def test_too_few_traders_give_no_price_reference():
    mk = Market()
    for m in range(3):
        for ent in (1, 2):
            for half in (0, 1):
                mk.declare(ent, month_day(m, half), PHONE, 100, price_factor=0.3 if ent == 2 else 1)
    # Two traders only: no robust centre, no verdict on trader 2's low prices.
    assert unit_price_outliers(mk.frame(), ScanSettings()) == []


def test_a_line_declared_too_rarely_is_priced_against_its_subheading():
    """Two lines of one subheading (8517.13), 6 and 7 lines: neither is a reference of its own
    (8 lines from 3 traders), together they are, and the cheap trader is found against it."""
    other_phone = ("85171390", PHONE[1], PHONE[2], PHONE[3])
    mk = Market()
    for ent in (1, 2, 3):
        for half in (0, 1):
            mk.declare(ent, month_day(0, half), PHONE, 100)
            mk.declare(ent, month_day(0, half), other_phone, 100, rate=0.0)
    mk.declare(4, month_day(0, 1), other_phone, 100, price_factor=0.3, rate=0.0)
    frame = mk.frame()
    (f,) = unit_price_outliers(frame, ScanSettings())
    assert (f.enterprise_id, f.reason_code, f.facts["hs"]) == (4, "unit_price_low", "851713")
    assert (f.facts["lines"], f.facts["traders"], f.facts["flagged"]) == (13, 4, 1)
    # one more line of the cheap trader's gives the line a reference of its own (8 lines from
    # 4 traders): it is judged against its own line then
    mk.declare(4, month_day(0, 0), other_phone, 100, price_factor=0.3, rate=0.0)
    (f,) = unit_price_outliers(mk.frame(), ScanSettings())
    assert (f.facts["hs"], f.facts["lines"], f.facts["flagged"]) == ("85171390", 8, 2)


@settings(max_examples=25, deadline=None)
@given(
    traders=st.integers(min_value=3, max_value=8),
    noise=st.floats(min_value=0.0, max_value=0.05),
    level=st.floats(min_value=1_000.0, max_value=1e8),
    seed=st.integers(min_value=0, max_value=10_000),
)
def test_honest_prices_never_make_outliers(traders, noise, level, seed):
    """Whatever the price level and however many traders, prices within ±5% noise of one
    market price are never outliers."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(traders * 6):
        qty = float(rng.integers(1, 500))
        price = level * float(np.exp(rng.normal(0, noise)))
        rows.append(
            {
                "declaration_id": i,
                "enterprise_id": i % traders,
                "registered_at": datetime(2024, 1 + i % 3, 10),
                "flow": "import",
                "hs_code": "85171300",
                "description": "",
                "origin": "CN",
                "unit": "PCE",
                "quantity": qty,
                "value_vnd": qty * price,
                "duties_vnd": qty * price * 0.1,
                "import_rate": 0.0,
                "preference": "",
            }
        )
    frame = pd.DataFrame(rows, columns=list(LINE_COLUMNS))
    frame["registered_at"] = pd.to_datetime(frame["registered_at"])
    assert unit_price_outliers(frame, ScanSettings()) == []


@given(st.floats(min_value=1e-9, max_value=0.999999))
def test_a_price_below_the_median_is_never_said_to_be_100_percent_below(ratio):
    pct = price_gap_percent(ratio, "low")
    assert 0 <= pct <= 99
    assert pct <= 100 * (1 - ratio)  # never more than it is


def test_price_gaps_read_as_they_are():
    assert price_gap_percent(0.45, "low") == 55
    assert price_gap_percent(0.0004, "low") == 99
    assert price_gap_percent(0.0, "low") == 100
    assert price_gap_percent(2.5, "high") == 150
