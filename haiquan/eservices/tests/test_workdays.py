"""Working days for legal time limits (pure functions)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from haiquan.eservices.workdays import is_working_day, working_day_add, working_days_between

TET_2026 = {
    date(2026, 2, 16),
    date(2026, 2, 17),
    date(2026, 2, 18),
    date(2026, 2, 19),
    date(2026, 2, 20),
}

days = st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31))
holiday_sets = st.sets(days, max_size=15)


def test_a_week_has_five_working_days_and_holidays_do_not_count() -> None:
    monday = date(2026, 3, 2)
    assert working_days_between(monday, monday + timedelta(days=7)) == 5
    assert working_days_between(monday, monday) == 0
    # Friday to Monday: one working day (the Monday).
    assert working_days_between(date(2026, 3, 6), date(2026, 3, 9)) == 1
    # Tết 2026: a week of holidays.
    assert working_days_between(date(2026, 2, 13), date(2026, 2, 23), TET_2026) == 1
    assert working_day_add(date(2026, 2, 13), 1, TET_2026) == date(2026, 2, 23)
    assert not is_working_day(date(2026, 2, 17), TET_2026)


def test_ten_working_days_from_a_friday() -> None:
    # Filed Friday 2026-03-06: the 10th working day after it is Friday 2026-03-20.
    assert working_day_add(date(2026, 3, 6), 10) == date(2026, 3, 20)


@given(start=days, n=st.integers(min_value=0, max_value=400), hol=holiday_sets)
def test_adding_n_working_days_then_counting_gives_n(start: date, n: int, hol: set[date]) -> None:
    end = working_day_add(start, n, hol)
    assert working_days_between(start, end, hol) == n
    assert n == 0 or is_working_day(end, hol)


@given(a=days, b=days, c=days, hol=holiday_sets)
def test_counts_add_up_over_consecutive_spans(a: date, b: date, c: date, hol: set[date]) -> None:
    x, y, z = sorted((a, b, c))
    assert working_days_between(x, z, hol) == working_days_between(
        x, y, hol
    ) + working_days_between(y, z, hol)


@given(a=days, b=days, hol=holiday_sets)
def test_counting_matches_a_day_by_day_walk(a: date, b: date, hol: set[date]) -> None:
    start, end = min(a, b), max(a, b)
    walked = sum(
        1
        for i in range(1, (end - start).days + 1)
        if is_working_day(start + timedelta(days=i), hol)
    )
    assert working_days_between(start, end, hol) == walked
