"""/api/v1/time-release over HTTP, on the hand-built event log of test_reports (conftest)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from haiquan.accounts.tests.helpers import api_token

URL = "/api/v1/time-release"
MAY = {"date_from": "2026-05-01", "date_to": "2026-05-31", "flow": "import", "within_hours": 6}


def client_for(user: Any) -> Client:
    raw = api_token(user, name="test system")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_ACCEPT_LANGUAGE="en")


def test_the_report_as_json(logbook: dict, db: Any) -> None:
    r = client_for(logbook["users"]["leader"]).get(f"{URL}/report", MAY)
    assert r.status_code == 200, r.content
    body = r.json()
    now = body["current"]
    assert now["consignments"] == 4 and now["mean_s"] == pytest.approx(19800)
    assert now["mean_text"] == "5 h 30 min 00 s"
    assert now["customs_share"] == pytest.approx(14405 / 79200)
    assert now["unfinished"]["open"] == 1 and now["outliers"]["count"] == 1
    assert body["change_previous"]["mean_s"]["text"] == "+30 min 00 s (+10.00%)"
    assert body["change_last_year"]["mean_s"]["seconds"] == -2200
    assert body["bottlenecks"][0]["step"] == "release"
    assert body["refreshed_at"] is not None


def test_breakdown_borders_sample_and_status(logbook: dict, db: Any) -> None:
    api = client_for(logbook["users"]["leader"])
    lanes = api.get(f"{URL}/breakdown", {**MAY, "by": "lane"}).json()["rows"]
    assert {r["key"]: r["consignments"] for r in lanes} == {"green": 2, "yellow": 1, "red": 1}
    tab = api.get(f"{URL}/trading-across-borders", MAY).json()
    assert tab["target_hours"] == 160 and tab["flows"][0]["consignments"] == 4
    sample = api.get(f"{URL}/sample", {"start": "2026-05-01", "days": 6, "flow": "import"}).json()
    assert len(sample["days"]) == 6 and sample["summary"]["registered"] == 4
    status = api.get(f"{URL}/status").json()
    assert status["consignments"] == 11 and status["last_event_id"] > 0


def test_traders_are_refused(logbook: dict, db: Any) -> None:
    api = client_for(logbook["users"]["declarant"])
    for path in ("/report", "/breakdown", "/trading-across-borders", "/status"):
        r = api.get(URL + path, MAY)
        assert r.status_code == 403, path
        assert r["Content-Type"] == "application/problem+json"
    assert Client().get(f"{URL}/report").status_code == 401


def test_an_office_outside_scope_is_403_and_bad_input_422(logbook: dict, db: Any) -> None:
    api = client_for(logbook["users"]["officer"])
    assert api.get(f"{URL}/report", {**MAY, "office": "20BD"}).status_code == 403
    bad = api.get(f"{URL}/report", {**MAY, "flow": "sideways"})
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["flow"]
    by = api.get(f"{URL}/breakdown", {**MAY, "by": "colour"})
    assert by.status_code == 422 and by.json()["errors"][0]["field"] == "by"
    days = api.get(f"{URL}/sample", {"start": "2026-05-01", "days": 99})
    assert days.status_code == 422 and days.json()["errors"][0]["field"] == "days"
    date = api.get(f"{URL}/report", {"date_from": "2026-13-01"})
    assert date.status_code == 422 and date.json()["errors"][0]["field"] == "date_from"
