"""The pages, as a leader, an officer and a trader use them."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.test import Client
from openpyxl import load_workbook

from haiquan.accounts.tests.helpers import login
from haiquan.core.nav import nav_items_for

MAY = {"date_from": "2026-05-01", "date_to": "2026-05-31", "flow": "import", "within_hours": 6}


def page(user: Any) -> Client:
    return login(Client(HTTP_ACCEPT_LANGUAGE="en"), user)


def test_the_dashboard_shows_the_figures_and_the_charts_data(logbook: dict, db: Any) -> None:
    r = page(logbook["users"]["leader"]).get("/time-release/", MAY)
    assert r.status_code == 200
    html = r.content.decode()
    assert "5 h 30 min 00 s" in html
    assert "−36 min 40 s (−10.00%)" in html  # against May 2025
    assert 'id="tr-chart-data"' in html and "chart-4.6.1.umd.min.js" in html
    assert "onclick" not in html and "<script>" not in html  # CSP: no inline script
    assert "?date_from=2026-05-01" in html and "office=20CD" in html  # drill-down links


def test_the_dashboard_without_filters_opens_on_last_month(logbook: dict, db: Any) -> None:
    assert page(logbook["users"]["analyst"]).get("/time-release/").status_code == 200


def test_bad_filters_are_shown_next_to_their_field(logbook: dict, db: Any) -> None:
    r = page(logbook["users"]["leader"]).get("/time-release/", {**MAY, "hs_chapter": "8"})
    assert r.status_code == 200
    html = r.content.decode()
    assert 'id="id_hs_chapter-error"' in html and "error-summary" in html


def test_other_views_render(logbook: dict, db: Any) -> None:
    leader = page(logbook["users"]["leader"])
    borders = leader.get("/time-release/borders/", MAY).content.decode()
    assert "160" in borders and "6.3" in borders  # 22503 s / 3600 = 6.25 h
    sample = leader.get("/time-release/sample/", {"start": "2026-05-01", "days": 6}).content
    assert b'data-testid="sample-days"' in sample


def test_exports(logbook: dict, db: Any) -> None:
    leader = page(logbook["users"]["leader"])
    got = leader.get("/time-release/export.csv", {**MAY, "by": "lane"})
    assert got.status_code == 200 and got["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Lane" and len(rows) == 4
    red = next(r for r in rows if r[0] == "Red")
    assert float(red[3]) == 8.0  # B: 28800 s
    xlsx = leader.get("/time-release/export.xlsx", MAY)
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["Summary", "Steps", "Breakdown"]
    assert book["Summary"]["B4"].value == "5 h 30 min 00 s"


def test_the_printable_report(logbook: dict, db: Any) -> None:
    r = page(logbook["users"]["leader"]).get("/time-release/report.pdf", MAY)
    assert r.status_code in (200, 503)
    if r.status_code == 200:
        assert r.content.startswith(b"%PDF")


def test_traders_get_403_and_no_menu_entry(logbook: dict, db: Any) -> None:
    trader = logbook["users"]["declarant"]
    for url in ("/time-release/", "/time-release/borders/", "/time-release/export.csv"):
        assert page(trader).get(url).status_code == 403
    assert not [i for i in nav_items_for(trader, None) if i["href"] == "/time-release/"]
    leader_menu = nav_items_for(logbook["users"]["leader"], "timerelease:borders")
    (entry,) = [i for i in leader_menu if i["href"] == "/time-release/"]
    assert entry["current"] is True
