"""The report's figures against hand-computed expectations (see conftest.py's table)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from haiquan.core.problems import Forbidden, ValidationFailed
from haiquan.stats.selectors import change, percent, statistics_report
from haiquan.stats.services import target_set

from .conftest import TODAY

pytestmark = pytest.mark.django_db

M = 1_000_000


def report(history, role="leader", **kw):
    kw.setdefault("month_from", "2026-10")
    kw.setdefault("month_to", "2026-10")
    kw.setdefault("office_code", "20")
    return statistics_report(user=history.users[role], today=TODAY, **kw)


def test_october_at_quang_ninh_counts_sums_and_changes(history):
    r = report(history)
    # D1, D2 (31 Oct 23:30 local), D3; D4 cancelled apart; D6 is November; D7 is Bình Dương.
    assert r.totals.declarations == 3
    assert r.totals.cancelled == 1
    assert r.totals.value_usd == Decimal("35000.00")
    assert r.totals.duties_vnd == 78 * M
    # Receipts issued in October: D1's 26 M and D9's 12.5 M (a September declaration paid
    # at 00:10 on 1 October); D2's is issued in November.
    assert r.totals.revenue_vnd == Decimal(38_500_000)
    # September: D8, D9 (15,000 USD), D8's receipt 25 M. October 2025: D10, its receipt 24 M.
    assert (r.previous.declarations, r.previous.value_usd, r.previous.revenue_vnd) == (
        2,
        Decimal("15000.00"),
        25 * M,
    )
    assert (r.year_ago.declarations, r.year_ago.value_usd, r.year_ago.revenue_vnd) == (
        1,
        Decimal("10000.00"),
        24 * M,
    )
    metrics = {m.name: m for m in r.metrics}
    assert (metrics["declarations"].mom.delta, metrics["declarations"].mom.pct) == (
        1,
        Decimal("50.00"),
    )
    assert (metrics["declarations"].yoy.delta, metrics["declarations"].yoy.pct) == (
        2,
        Decimal("200.00"),
    )
    assert metrics["value_usd"].mom.delta == Decimal(20000)
    assert metrics["value_usd"].mom.pct == Decimal("133.33")  # 20,000 / 15,000
    assert metrics["value_usd"].yoy.pct == Decimal("250.00")
    assert metrics["revenue_vnd"].mom.delta == Decimal(13_500_000)
    assert metrics["revenue_vnd"].mom.pct == Decimal("54.00")
    assert metrics["revenue_vnd"].yoy.pct == Decimal("60.42")  # 14.5 / 24 = 0.60416…


def test_active_enterprises_in_and_out_of_province_and_new(history):
    r = report(history)
    # E1 and E3 are from province 22 (Quảng Ninh), E2 from Hà Nội; E5 only cancelled.
    assert (r.enterprises.active, r.enterprises.in_province, r.enterprises.out_of_province) == (
        3,
        2,
        1,
    )
    # E1 first filed in October 2025 and E2 in September 2026: only E3 is new.
    assert r.enterprises.new == 1
    assert (r.enterprises_previous.active, r.enterprises_previous.new) == (2, 1)
    assert r.enterprises_year_ago.active == 1
    metrics = {m.name: m for m in r.metrics}
    assert metrics["enterprises"].mom.pct == Decimal("50.00")
    # Bình Dương: E4 (province 79) is in-province there.
    bd = statistics_report(
        user=history.users["admin"], office_code="43", month_from="2026-10", today=TODAY
    )
    assert (bd.enterprises.active, bd.enterprises.in_province, bd.totals.value_usd) == (
        1,
        1,
        Decimal("100000.00"),
    )


def test_the_flow_filter(history):
    imports = report(history, flow="import")
    assert (imports.totals.declarations, imports.totals.value_usd) == (2, Decimal("30000.00"))
    assert imports.enterprises.active == 2
    exports = report(history, flow="export")
    assert (exports.totals.declarations, exports.totals.value_usd) == (1, Decimal("5000.00"))
    assert exports.totals.revenue_vnd == 0


def test_breakdowns_by_lane_chapter_country_type(history):
    b = report(history).breakdowns
    assert [(s.key, s.declarations, s.value_usd, s.share) for s in b["lane"]] == [
        ("green", 1, Decimal("10000.00"), Decimal("33.33")),
        ("yellow", 1, Decimal("20000.00"), Decimal("33.33")),
        ("red", 1, Decimal("5000.00"), Decimal("33.33")),
    ]
    # Chapter 08 holds D1 and D3; D2 splits into 84 (312 M) and 85 (208 M) at 26,000.
    assert [(s.key, s.declarations, s.value_usd) for s in b["chapter"]] == [
        ("08", 2, Decimal("15000.00")),
        ("84", 1, Decimal("12000.00")),
        ("85", 1, Decimal("8000.00")),
    ]
    assert [(s.key, s.declarations, s.value_usd) for s in b["country"]] == [
        ("KR", 1, Decimal("20000.00")),
        ("CN", 2, Decimal("15000.00")),
    ]
    assert {s.key: s.declarations for s in b["type"]} == {"A12": 1, "A11": 1, "B11": 1}
    assert {s.key: s.declarations for s in b["transport"]} == {"sea": 1, "road": 2}


def test_drill_down_to_the_offices_of_the_department(history):
    r = report(history)
    rows = {row.office.code: row for row in r.children}
    assert set(rows) >= {"20BD", "20CD", "20BC"}
    assert (rows["20BD"].totals.declarations, rows["20BD"].totals.value_usd) == (
        2,
        Decimal("15000.00"),
    )
    assert rows["20BD"].totals.revenue_vnd == 26 * M
    assert rows["20BD"].enterprises == 2
    assert rows["20BD"].yoy_declarations.pct == Decimal("100.00")  # 2 against D10 alone
    assert (rows["20CD"].totals.declarations, rows["20CD"].totals.revenue_vnd) == (1, 12_500_000)
    assert rows["20CD"].yoy_declarations.pct is None  # nothing a year ago: no percentage
    assert rows["20BC"].totals.declarations == 0
    # One office down: Móng Cái alone.
    mc = report(history, office_code="20BD")
    assert mc.totals.declarations == 2 and mc.children == []
    assert [o.code for o in mc.ancestors] == ["20"]  # the leader may go back up to 20, not 00


def test_months_of_the_year_and_the_year_before(history):
    r = report(history)
    months = {m["month"]: m for m in r.months}
    assert (months[10]["declarations"], months[10]["last_year_declarations"]) == (3, 1)
    assert months[11]["declarations"] == 1  # D6
    assert months[9]["value_usd"] == Decimal("15000.00")
    assert months[11]["revenue_vnd"] == 52 * M
    assert months[10]["revenue_cumulative_vnd"] == 63_500_000  # 25 M + 38.5 M
    assert months[12]["revenue_cumulative_vnd"] == 115_500_000


def test_percent_reached_of_each_authoritys_target(history):
    leader = history.users["leader"]
    target_set(actor=leader, office_code="20", year=2026, authority="mof", amount_vnd=100 * M)
    target_set(actor=leader, office_code="20", year=2026, authority="gdvc", amount_vnd=120 * M)
    r = report(history)
    # Revenue of 2026 to the end of October, every flow: 25 M + 26 M + 12.5 M.
    assert r.revenue_to_date_vnd == 63_500_000
    assert [(t.target.authority, t.pct) for t in r.targets] == [
        ("mof", Decimal("63.50")),
        ("gdvc", Decimal("52.92")),  # 63.5 / 120 = 0.529166…
    ]
    # To date in November (today 25 Nov) D2's 52 M counts too.
    nov = report(history, month_from="2026-11", month_to="2026-11")
    assert nov.revenue_to_date_vnd == 115_500_000
    assert nov.targets[0].pct == Decimal("115.50")


def test_the_seeds_arithmetic():
    # Quảng Ninh to 13 Sep 2020: VND 9,259 bn collected, "97.4%" of the Ministry's 9,500 bn and
    # "88.1%" of the General Department's 10,500 bn (the press cut to one decimal).
    assert percent(9259, 9500) == Decimal("97.46")
    assert percent(9259, 10500) == Decimal("88.18")
    # H1 2020: 26,863 declarations, -18.4% year on year, so about 32,920 a year before.
    c = change(26863, 32920)
    assert c.delta == -6057 and c.pct == Decimal("-18.40")
    assert change(5, 0).pct is None


def test_enterprises_over_a_period_across_two_years(history):
    r = report(history, month_from="2025-10", month_to="2026-10")
    # E1 (October 2025 and 2026), E2 (from September 2026), E3 (October 2026): all first seen
    # in the period.
    assert (r.enterprises.active, r.enterprises.in_province, r.enterprises.new) == (3, 2, 3)
    assert r.totals.declarations == 6  # D10, D8, D9, D1, D2, D3


def test_a_period_of_several_months_compares_with_the_months_before(history):
    r = report(history, month_from="2026-09", month_to="2026-10")
    assert r.totals.declarations == 5
    assert r.period.previous().first.isoformat() == "2026-07-01"
    assert r.previous.declarations == 0
    assert r.year_ago.declarations == 1
    assert {m.name: m for m in r.metrics}["declarations"].mom.pct is None


def test_scope_and_bad_filters(history):
    with pytest.raises(Forbidden):
        report(history, role="officer", office_code="20")  # its scope is Móng Cái
    assert report(history, role="officer", office_code=None).office.code == "20BD"
    assert report(history, role="analyst", office_code=None).office.code == "00"
    with pytest.raises(Forbidden):
        report(history, role="leader", office_code="43")
    with pytest.raises(Forbidden):
        report(history, role="declarant")
    with pytest.raises(ValidationFailed) as exc:
        report(history, month_from="2026-13", month_to="2026-1", flow="transit")
    assert {e.field for e in exc.value.errors} == {"from", "to", "flow"}
    with pytest.raises(ValidationFailed) as exc:
        report(history, month_from="2026-10", month_to="2026-09")
    assert exc.value.errors[0].field == "to"
    with pytest.raises(ValidationFailed) as exc:
        report(history, office_code="99ZZ")
    assert exc.value.errors[0].field == "office"
    # Default period: the last complete month.
    r = statistics_report(user=history.users["leader"], today=TODAY)
    assert (r.period.first.isoformat(), r.period.last.isoformat()) == ("2026-10-01", "2026-10-01")
