"""Time release shows the time inside declared outages apart: the part of each consignment's
measured time that fell inside an outage at its office (or national) is its own figure, not a
party's time, and the parties still add up to the whole."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from haiquan.accounts.services import user_create
from haiquan.accounts.tests.helpers import login
from haiquan.outage.services import outage_declare
from haiquan.refdata.tests.factories import EnterpriseFactory, valid_mst
from haiquan.timerelease.facts import (
    BUCKETS,
    Dimensions,
    EventRow,
    consignment_fact,
    outage_seconds,
)
from haiquan.timerelease.reports import filters_build, report
from haiquan.timerelease.services import timerelease_refresh
from haiquan.timerelease.views import _dashboard_context

from .builders import REGISTER, consignment

T0 = datetime(2026, 5, 4, 1, 0)  # naive UTC, as the fact rows hold times
H = 3600


def test_only_the_overlap_counts_and_overlapping_outages_count_once() -> None:
    spans = [(T0 - timedelta(hours=1), T0 + timedelta(hours=1))]
    assert outage_seconds(T0, T0 + timedelta(hours=3), spans) == H
    spans.append((T0 + timedelta(minutes=30), T0 + timedelta(hours=2)))  # overlaps the first
    assert outage_seconds(T0, T0 + timedelta(hours=3), spans) == 2 * H
    assert outage_seconds(T0 + timedelta(hours=5), T0 + timedelta(hours=6), spans) == 0


moments = st.integers(min_value=0, max_value=48 * H)


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)  # a shared machine
@given(
    release=st.integers(min_value=1, max_value=48 * H),
    outages=st.lists(st.tuples(moments, moments), max_size=4),
)
def test_outage_time_is_within_the_measured_time_and_the_parties_still_add_up(
    release: int, outages: list[tuple[int, int]]
) -> None:
    spans = [
        (T0 + timedelta(seconds=min(a, b)), T0 + timedelta(seconds=max(a, b))) for a, b in outages
    ]
    events = [
        EventRow(1, T0, "declaration.registered", "trader"),
        EventRow(2, T0 + timedelta(seconds=release // 2), "declaration.cleared", "customs"),
        EventRow(3, T0 + timedelta(seconds=release), "declaration.released", "movement"),
    ]
    row = consignment_fact(Dimensions(declaration_id=1), events, spans)
    assert row is not None
    assert 0 <= row["outage_s"] <= row["total_s"] == release
    assert sum(row[f"{b}_s"] for b in BUCKETS) == release


@pytest.fixture
def people(db: Any, store_root: Path) -> dict[str, Any]:
    firm = EnterpriseFactory(mst=valid_mst(7811))
    return {
        "firm": firm,
        "filer": user_create(
            username="ot.filer", password=None, role="declarant", enterprise_msts=[firm.mst]
        ),
        "analyst": user_create(username="ot.analyst", password=None, role="analyst"),
        "admin": user_create(username="ot.admin", password=None, role="admin"),
    }


def two_consignments(people: dict[str, Any]) -> datetime:
    """Two consignments registered two days ago, released after 4 h, at Móng Cái and at Sóng
    Thần; their facts built. Returns when they were registered."""
    start = (timezone.now() - timedelta(days=2)).replace(microsecond=0)
    kw = {"filer": people["filer"], "enterprise": people["firm"]}
    # Móng Cái: registered, cleared after 3 h, released after 4 h.
    consignment(start=start, **kw).events(
        *REGISTER,
        (3 * H, "declaration.cleared", "customs"),
        (4 * H, "declaration.released", "movement"),
    )
    # Sóng Thần, the same times: an outage at Móng Cái is not its time.
    consignment(start=start, office="43IH", **kw).events(
        *REGISTER,
        (3 * H, "declaration.cleared", "customs"),
        (4 * H, "declaration.released", "movement"),
    )
    timerelease_refresh(full=True)
    return start


def an_outage_at_mong_cai(people: dict[str, Any], start: datetime) -> None:
    """Declared afterwards: from 1 h to 2 h 30 min after registration, at Móng Cái."""
    outage_declare(
        actor=people["admin"],
        office_code="20BD",
        starts_at=start + timedelta(hours=1),
        ends_at=start + timedelta(hours=2, minutes=30),
        reason="Mất kết nối VNACCS",
    )


def test_the_report_shows_the_outage_time_apart_once_the_outage_is_declared(people) -> None:
    start = two_consignments(people)
    day = timezone.localdate(start)
    filters = filters_build(user=people["analyst"], date_from=day, date_to=day, flow="import")
    before = report(filters, timezone.now())["current"]
    assert before["consignments"] == 2 and before["outage"]["seconds"] == 0

    an_outage_at_mong_cai(people, start)
    assert timerelease_refresh().full is False  # the incremental refresh looks again
    after = report(filters, timezone.now())["current"]
    outage = after["outage"]
    assert outage["seconds"] == 1.5 * H and outage["consignments"] == 1
    assert outage["share"] == pytest.approx(1.5 / 8)
    assert outage["mean_without_s"] == (8 - 1.5) * H / 2
    assert after["mean_s"] == 4 * H  # the normal figures are unchanged
    assert sum(b["seconds"] for b in after["buckets"]) == 8 * H


def period_of(start: datetime) -> dict[str, str]:
    day = timezone.localdate(start).isoformat()
    return {"date_from": day, "date_to": day, "flow": "import"}


def summary_row(sheet: Any, label: str) -> list[Any]:
    (row,) = [r for r in sheet.iter_rows(values_only=True) if r[0] == label]
    return list(row[1:])


def test_the_exports_show_the_outage_time_apart_as_the_page_does(people) -> None:
    start = two_consignments(people)
    an_outage_at_mong_cai(people, start)
    timerelease_refresh()
    client = login(Client(HTTP_ACCEPT_LANGUAGE="en"), people["analyst"])
    page = client.get("/time-release/", period_of(start)).content.decode()
    assert "Time inside declared outages" in page and "1 h 30 min 00 s" in page
    assert "3 h 15 min 00 s" in page  # the mean without the outages: (8 h − 1 h 30) / 2

    # CSV (the breakdown): each office's time inside the outages, in hours and as a share.
    got = client.get("/time-release/export.csv", {**period_of(start), "by": "office"})
    assert got.status_code == 200
    rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    header, offices = rows[0], rows[1:]
    assert header[-2:] == [
        "Time inside declared outages (hours)",
        "Share of the time inside declared outages (%)",
    ]
    assert sorted((float(r[-2]), float(r[-1])) for r in offices) == [(0.0, 0.0), (1.5, 37.5)]

    # XLSX: the summary's rows as the page's figures, and the breakdown's columns as the CSV's.
    got = client.get("/time-release/export.xlsx", {**period_of(start), "by": "office"})
    book = load_workbook(io.BytesIO(got.content))
    summary = book["Summary"]
    now = summary_row(summary, "Time inside declared outages (apart: not a party's time)")
    assert now[0] == "1 h 30 min 00 s"
    assert summary_row(summary, "Time inside declared outages (hours)")[0] == 1.5
    assert summary_row(summary, "Share of the time inside declared outages (%)")[0] == 18.75
    assert summary_row(summary, "Consignments with time inside declared outages")[0] == 1
    assert summary_row(summary, "Mean time without the outages")[0] == "3 h 15 min 00 s"
    assert summary_row(summary, "Mean time without the outages (hours)")[0] == 3.25
    table = list(book["Breakdown"].iter_rows(values_only=True))
    assert list(table[0][-2:]) == header[-2:]
    assert sorted((r[-2], r[-1]) for r in table[1:]) == [(0.0, 0.0), (1.5, 37.5)]

    # PDF: the printed page, made from the same figures (503 where weasyprint cannot run).
    got = client.get("/time-release/report.pdf", period_of(start))
    assert got.status_code in (200, 503)
    if got.status_code == 200:
        assert got.content.startswith(b"%PDF")
    request = RequestFactory(HTTP_ACCEPT_LANGUAGE="en").get("/time-release/report.pdf")
    request.user = people["analyst"]
    filters = filters_build(
        user=people["analyst"],
        date_from=timezone.localdate(start),
        date_to=timezone.localdate(start),
        flow="import",
    )
    with translation.override("en"):
        printed = render_to_string(
            "timerelease/print.html",
            _dashboard_context(request, filters, "office"),
            request=request,
        )
    assert 'data-testid="outage-time"' in printed and "1 h 30 min 00 s" in printed
    assert 'data-testid="mean-without-outage"' in printed and "3 h 15 min 00 s" in printed
