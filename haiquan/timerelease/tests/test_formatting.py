"""Durations and changes as the sources write them."""

from __future__ import annotations

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from haiquan.timerelease.formatting import change, format_change, format_duration, format_percent


@pytest.fixture(autouse=True)
def english() -> object:
    with translation.override("en"):
        yield


def hms(text: str) -> int:
    h, m, s = (int(x) for x in text.split(":"))
    return h * 3600 + m * 60 + s


def test_the_seeds_arithmetic() -> None:
    """Quảng Ninh, May 2020: imports 10 h 05 min 48 s, 31 min 06 s (4.88%) less than 2019,
    whose figure was therefore 10:36:54 (1,866 s / 38,214 s = 4.88%)."""
    before, now = hms("10:36:54"), hms("10:05:48")
    c = change(now, before)
    assert c.seconds == -1866
    assert c.ratio == pytest.approx(-1866 / 38214)
    assert format_duration(now) == "10 h 05 min 48 s"
    assert format_change(c) == "−31 min 06 s (−4.88%)"


def test_the_export_figure_too() -> None:
    """Exports 2 h 29 min 22 s, 18 min 08 s (10.83%) less: 2019 was 2 h 47 min 30 s."""
    c = change(hms("2:29:22"), hms("2:47:30"))
    assert format_change(c) == "−18 min 08 s (−10.83%)"


def test_short_long_and_missing_durations() -> None:
    assert format_duration(0) == "0 s"
    assert format_duration(59.6) == "1 min 00 s"
    assert format_duration(115 * 3600) == "115 h 00 min 00 s"
    assert format_duration(None) == "–"
    assert format_change(change(3600, 1800)) == "+30 min 00 s (+100.00%)"
    assert format_change(change(None, 1800)) == "–"
    assert format_change(change(60, 0)) == "+1 min 00 s"  # nothing before: no percentage


def test_vietnamese_writes_a_decimal_comma() -> None:
    with translation.override("vi"):
        assert format_percent(-1866 / 38214) == "−4,88%"


@given(st.integers(min_value=0, max_value=10**7), st.integers(min_value=1, max_value=10**7))
def test_a_change_adds_back_to_the_figure(now: int, before: int) -> None:
    c = change(now, before)
    assert c.seconds is not None and before + c.seconds == now
    assert c.ratio == pytest.approx((now - before) / before)
