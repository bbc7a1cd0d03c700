"""The two spans over test_reports' hand-built log (see its table): registration → release, as
Vietnam Customs measures it, and arrival → release, the WCO's.

Of Quảng Ninh's May imports measured (A, B, C, F), only A reported an arrival: 2 h before its
registration, released 14400 s after it, so arrival → release = 7200 + 14400 = 21600 s, and the
customs share of its registration → release part is 5 / 14400. April (the previous period) and
May 2025 have no arrival: no figure, no change.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from haiquan.accounts.tests.helpers import api_token, login
from haiquan.core.problems import ValidationFailed
from haiquan.timerelease.reports import Filters, breakdown, filters_build, report, sample_study

from .builders import at

AS_OF = at("2026-06-01 08:00")
MAY = {"date_from": "2026-05-01", "date_to": "2026-05-31", "flow": "import", "within_hours": 6}


def may(user: Any, **kw: Any) -> Filters:
    kw.setdefault("date_from", date(2026, 5, 1))
    kw.setdefault("date_to", date(2026, 5, 31))
    kw.setdefault("flow", "import")
    kw.setdefault("within_hours", 6)
    return filters_build(user=user, **kw)


def test_registration_to_release_is_the_default_span(logbook: dict, db: Any) -> None:
    now = report(may(logbook["users"]["leader"]), AS_OF)["current"]
    assert now["span"]["code"] == "registration"
    assert now["consignments"] == 4 and now["mean_s"] == pytest.approx(19800)


def test_arrival_to_release_over_the_consignments_that_reported_an_arrival(
    logbook: dict, db: Any
) -> None:
    r = report(may(logbook["users"]["leader"], span="arrival"), AS_OF)
    now = r["current"]
    assert now["span"]["code"] == "arrival"
    assert now["span"]["of_measured"] == 4  # A, B, C, F measured from registration
    assert now["consignments"] == 1  # only A arrived
    assert now["mean_s"] == pytest.approx(21600)
    assert now["median_s"] == pytest.approx(21600)
    assert (now["min_s"], now["max_s"]) == (21600, 21600)
    assert now["span"]["before_registration_mean_s"] == pytest.approx(7200)
    # The shares stay those of the registration → release part.
    assert now["customs_share"] == pytest.approx(5 / 14400)
    # Within 6 hours: A took exactly 6 h from its arrival.
    assert now["within"]["count"] == 1
    assert r["previous"]["consignments"] == 0 and r["previous"]["mean_s"] is None
    assert r["change_previous"]["mean_s"]["seconds"] is None


def test_a_breakdown_and_a_sample_follow_the_span(logbook: dict, db: Any) -> None:
    leader = logbook["users"]["leader"]
    rows = breakdown(may(leader, span="arrival"), "lane", AS_OF)
    assert [(r["key"], r["consignments"], r["mean_s"]) for r in rows] == [("green", 1, 21600)]
    by_lane = {r["key"]: r["mean_s"] for r in breakdown(may(leader), "lane", AS_OF)}
    assert by_lane["red"] == pytest.approx(28800)  # B, from registration
    study = sample_study(may(leader, span="arrival"), date(2026, 5, 1), 6, AS_OF)
    assert study["summary"]["consignments"] == 1
    assert study["summary"]["mean_s"] == pytest.approx(21600)


def test_an_unknown_span_is_refused_naming_the_field(logbook: dict, db: Any) -> None:
    with pytest.raises(ValidationFailed) as caught:
        may(logbook["users"]["leader"], span="gate")
    assert [e.field for e in caught.value.errors] == ["span"]


def test_the_page_and_the_exports_state_the_span(logbook: dict, db: Any) -> None:
    leader = login(Client(HTTP_ACCEPT_LANGUAGE="en"), logbook["users"]["leader"])
    html = leader.get("/time-release/", {**MAY, "span": "arrival"}).content.decode()
    assert "Headline span: Arrival → release (WCO Time Release Study)." in html
    assert "Mean time, arrival to release" in html and "6 h 00 min 00 s" in html
    assert "1 of the 4 consignments measured had a reported arrival" in html
    default = leader.get("/time-release/", MAY).content.decode()
    assert "Headline span: Registration → release (Vietnam Customs)." in default
    got = leader.get("/time-release/export.csv", {**MAY, "by": "lane", "span": "arrival"})
    assert "from-arrival" in got["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert rows[0][3] == "Mean arrival → release (hours)"
    assert rows[1][0] == "Green" and float(rows[1][3]) == 6.0
    xlsx = leader.get("/time-release/export.xlsx", {**MAY, "span": "arrival"})
    summary = load_workbook(io.BytesIO(xlsx.content))["Summary"]
    assert summary["A2"].value == "Headline span"
    assert summary["B2"].value == "Arrival → release (WCO Time Release Study)"
    assert summary["B4"].value == "6 h 00 min 00 s"


def test_the_api_gives_the_span(logbook: dict, db: Any) -> None:
    token = api_token(logbook["users"]["leader"], name="spans")
    got = Client().get(
        "/api/v1/time-release/report",
        {**MAY, "span": "arrival"},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert got.status_code == 200, got.content
    body = got.json()
    assert body["current"]["span"]["code"] == "arrival"
    assert body["current"]["mean_s"] == pytest.approx(21600)
    bad = Client().get(
        "/api/v1/time-release/report",
        {**MAY, "span": "gate"},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert bad.status_code == 422 and "span" in bad.content.decode()
