"""Reports over a hand-built event log; every expected figure is worked out by hand below.

Quảng Ninh imports registered in May 2026 (the leader's view, flow = import). Times are
seconds after registration; the columns are total / customs / trader / bank / agency / movement.

A green, 20BD: arrived 2 h before; order 3600, paid 4200, cleared 4205, released 14400;
  amended a day *after* release (not counted).        14400 / 5 / 3600 / 600 / 0 / 10195
B red, 20BD, non-compliant firm, main line HS 85: inspection 10800, order 14400, paid 16200,
  cleared 16200, released 28800, gate-out 32400.      28800 / 10800 / 3600 / 1800 / 0 / 12600
C yellow, 20CD: document check 3600, amended 7200, order 10800, paid 12000, cleared,
  released 21600.                                     21600 / 3600 / 7200 / 1200 / 0 / 9600
F green, 20BD, no inspection: permit requested 1800 (the trader's time), agency result 9000,
  order 10800, paid 11400, cleared, released 14400.   14400 / 0 / 3600 / 600 / 7200 / 3000
D green: ordered payment, not yet paid: unfinished.
E green: cancelled.
G green: released after 31 days: an outlier (cap 30 days).

Measured: A, B, C, F. Σ = 79200 s; mean 19800 (5 h 30 min 00 s); median (14400 + 21600) / 2 = 18000;
p90 at rank 0.9 × 3 = 2.7 → 21600 + 0.7 × 7200 = 26640; p95 → 21600 + 0.85 × 7200 = 27720.
Customs share (ratio of sums) = 14405 / 79200. April 2026 (previous): one import of 18000 → mean
+1800 s (+10.00%). May 2025 (last year): one of 22000 → −2200 s (−10.00%).
Released within 6 h: A, C (exactly 6 h), F of the five released (G and B not) → 3/5.
Bình Dương has one more import (Y, 3600 s) that only the analyst sees.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.utils import translation

from haiquan.core.problems import Forbidden, ValidationFailed
from haiquan.timerelease.formatting import format_change, format_duration
from haiquan.timerelease.reports import (
    Filters,
    breakdown,
    filters_build,
    report,
    sample_study,
    trading_across_borders,
    working_days,
)

from .builders import at

H = 3600
AS_OF = at("2026-06-01 08:00")


def may(user: Any, **kw: Any) -> Filters:
    kw.setdefault("date_from", date(2026, 5, 1))
    kw.setdefault("date_to", date(2026, 5, 31))
    kw.setdefault("flow", "import")
    kw.setdefault("within_hours", 6)
    return filters_build(user=user, **kw)


def test_refresh_writes_one_row_per_registered_consignment(logbook: dict, db: Any) -> None:
    assert logbook["refresh"].full is True
    assert logbook["refresh"].consignments == 11  # twelve declarations, one a draft


def test_the_leaders_may_figures_as_worked_out_by_hand(logbook: dict, db: Any) -> None:
    r = report(may(logbook["users"]["leader"]), AS_OF)
    now = r["current"]
    assert now["registered"] == 7
    assert now["consignments"] == 4
    assert now["mean_s"] == pytest.approx(19800)
    assert now["median_s"] == pytest.approx(18000)
    assert now["p90_s"] == pytest.approx(26640)
    assert now["p95_s"] == pytest.approx(27720)
    assert (now["min_s"], now["max_s"]) == (14400, 28800)
    assert now["customs_share"] == pytest.approx(14405 / 79200)
    buckets = {b["bucket"]: b["seconds"] for b in now["buckets"]}
    assert buckets == {
        "customs": 14405,
        "trader": 18000,
        "bank": 4200,
        "agency": 7200,
        "movement": 35395,
    }
    steps = {s["step"]: s["seconds"] for s in now["steps"]}
    assert steps["inspection"] == 10800  # B only: A, C and F had no inspection
    assert steps["document_check"] == 3600
    assert steps["agency"] == 9000  # F: the request (trader's time) and the agency's result
    assert steps["payment_order"] == 12600
    assert steps["amendment"] == 3600  # C's, before release; A's after release does not count
    assert sum(steps.values()) == pytest.approx(79200)
    assert now["amended"] == 1 and now["inspected"] == 1
    assert now["unfinished"]["open"] == 1
    assert now["unfinished"]["median_age_s"] == pytest.approx(12 * 24 * H)  # D: 20 May → 1 June
    assert now["unfinished"]["cancelled"] == 1
    assert now["outliers"]["count"] == 1
    assert now["outliers"]["mean_s"] == 31 * 24 * H
    assert now["within"] == {"hours": 6, "released": 5, "count": 3, "share": pytest.approx(0.6)}


def test_changes_against_april_and_may_last_year(logbook: dict, db: Any) -> None:
    r = report(may(logbook["users"]["leader"]), AS_OF)
    assert r["previous_period"] == {"date_from": date(2026, 4, 1), "date_to": date(2026, 4, 30)}
    assert r["previous"]["consignments"] == 1 and r["previous"]["mean_s"] == 18000
    assert r["change_previous"]["mean_s"] == {"seconds": 1800, "ratio": pytest.approx(0.1)}
    assert r["change_previous"]["median_s"] == {"seconds": 0, "ratio": 0}
    assert r["last_year"]["mean_s"] == 22000
    assert r["change_last_year"]["mean_s"] == {"seconds": -2200, "ratio": pytest.approx(-0.1)}
    with translation.override("en"):
        assert format_duration(r["current"]["mean_s"]) == "5 h 30 min 00 s"
        assert format_change_of(r["change_last_year"]["mean_s"]) == "−36 min 40 s (−10.00%)"


def format_change_of(block: dict) -> str:
    from haiquan.timerelease.formatting import Change

    return format_change(Change(block["seconds"], block["ratio"]))


def test_bottlenecks_are_ranked_by_their_share_of_the_time(logbook: dict, db: Any) -> None:
    ranked = report(may(logbook["users"]["leader"]), AS_OF)["bottlenecks"]
    assert [b["step"] for b in ranked] == [
        "release",
        "payment_order",
        "inspection",
        "agency",
        "payment",
        "amendment",
        "document_check",
        "clearance",
    ]
    assert ranked[0]["share"] == pytest.approx(35395 / 79200)
    assert ranked[2]["mean_when_present_s"] == 10800 and ranked[2]["consignments"] == 1


def test_breakdowns_by_lane_group_chapter_and_office(logbook: dict, db: Any) -> None:
    leader = logbook["users"]["leader"]
    lanes = {r["key"]: r for r in breakdown(may(leader), "lane", AS_OF)}
    assert lanes["green"]["registered"] == 5 and lanes["green"]["mean_s"] == 14400
    assert lanes["yellow"]["mean_s"] == 21600 and lanes["red"]["mean_s"] == 28800
    groups = {r["key"]: r["mean_s"] for r in breakdown(may(leader), "compliance", AS_OF)}
    assert groups == {"compliant": pytest.approx(16800), "not_compliant": 28800}
    chapters = {r["key"]: r["consignments"] for r in breakdown(may(leader), "hs_chapter", AS_OF)}
    assert chapters == {"08": 3, "85": 1}  # B's largest line is the phones
    months = breakdown(may(leader, date_from=date(2026, 4, 1)), "month", AS_OF)
    assert [(r["key"], r["consignments"]) for r in months] == [("2026-04", 1), ("2026-05", 4)]
    offices = {r["key"]: r for r in breakdown(may(leader), "office", AS_OF)}
    assert set(offices) == {"20BD", "20CD"}
    assert offices["20BD"]["mean_s"] == pytest.approx(19200)
    assert offices["20CD"]["label"].startswith("20CD ")
    only_red = report(may(leader, lane="red"), AS_OF)["current"]
    assert only_red["consignments"] == 1 and only_red["customs_share"] == pytest.approx(
        10800 / 28800
    )


def test_drill_down_from_the_general_department(logbook: dict, db: Any) -> None:
    analyst = logbook["users"]["analyst"]
    offices = {r["key"]: r for r in breakdown(may(analyst), "office", AS_OF)}
    assert set(offices) == {"20", "43"}
    assert offices["20"]["registered"] == 7 and offices["43"]["mean_s"] == 3600
    assert report(may(analyst), AS_OF)["current"]["consignments"] == 5
    below = {r["key"] for r in breakdown(may(analyst, office="20"), "office", AS_OF)}
    assert below == {"20BD", "20CD"}


def test_an_officer_sees_only_the_offices_in_scope(logbook: dict, db: Any) -> None:
    officer = logbook["users"]["officer"]
    now = report(may(officer), AS_OF)["current"]
    assert now["registered"] == 1 and now["mean_s"] == 21600  # C at Cái Lân only
    with pytest.raises(Forbidden):
        may(officer, office="20BD")
    with pytest.raises(Forbidden):
        may(logbook["users"]["declarant"])


def test_bad_filters_name_the_field(logbook: dict, db: Any) -> None:
    leader = logbook["users"]["leader"]
    cases = {
        "date_to": {"date_to": date(2026, 4, 1)},
        "flow": {"flow": "sideways"},
        "office": {"office": "ZZZZ"},
        "hs_chapter": {"hs_chapter": "8"},
        "within_hours": {"within_hours": 0},
    }
    for field, kw in cases.items():
        with pytest.raises(ValidationFailed) as caught:
            may(leader, **kw)
        assert [e.field for e in caught.value.errors] == [field]


def test_trading_across_borders_from_arrival_or_lodging_to_exit(logbook: dict, db: Any) -> None:
    tab = trading_across_borders(may(logbook["users"]["leader"]))
    (imports,) = tab["flows"]
    # A from arrival (2 h before registration), the others from lodging (4 s before); B to its
    # gate-out an hour after release: 21600 + 32404 + 21604 + 14404 = 90012 s over 4.
    assert imports["consignments"] == 4 and imports["with_arrival"] == 1
    assert imports["mean_hours"] == pytest.approx(90012 / 4 / 3600)
    assert imports["within_target_share"] == 1 and imports["target_met"] is True
    assert tab["target_hours"] == 160


def test_a_wco_sample_of_six_working_days(logbook: dict, db: Any) -> None:
    assert working_days(date(2026, 5, 1), 6) == (
        date(2026, 5, 1),
        date(2026, 5, 4),
        date(2026, 5, 5),
        date(2026, 5, 6),
        date(2026, 5, 7),
        date(2026, 5, 8),
    )
    study = sample_study(may(logbook["users"]["leader"]), date(2026, 5, 1), 6, AS_OF)
    s = study["summary"]  # A, B, C, F (G was registered on Sunday 3 May: outside)
    assert s["registered"] == 4 and s["consignments"] == 4 and s["outliers"]["count"] == 0
    assert s["mean_s"] == pytest.approx(19800)
    with pytest.raises(ValidationFailed):
        sample_study(may(logbook["users"]["leader"]), date(2026, 5, 1), 0, AS_OF)


def test_the_daily_rollup_gives_the_same_figures_as_the_facts(
    logbook: dict, db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from haiquan.timerelease import reports as module

    leader = logbook["users"]["leader"]
    cases = [
        lambda: report(may(leader), AS_OF),
        lambda: report(may(leader, hs_chapter="08"), AS_OF),  # the chapters' rollup
        lambda: breakdown(may(leader), "lane", AS_OF),
        lambda: breakdown(may(leader), "compliance", AS_OF),
        lambda: breakdown(may(leader, lane="green"), "month", AS_OF),
    ]
    from_rollups = [case() for case in cases]
    monkeypatch.setattr(module, "_rollup_for", lambda f, by="": None)
    assert [case() for case in cases] == from_rollups
