"""The statistics pages as leaders and officers use them: dashboard, drill-down, exports,
targets."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from django.test import Client
from openpyxl import load_workbook

from haiquan.accounts.tests.helpers import login
from haiquan.stats.models import Target

pytestmark = pytest.mark.django_db

OCT = "office=20&month_from=2026-10&month_to=2026-10"


def as_(history, role):
    return login(Client(), history.users[role])


def test_the_dashboard_shows_the_figures_charts_and_drill_down(history):
    page = as_(history, "leader").get(f"/statistics/?{OCT}")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="kpis"' in html and "+50.0%" in html  # declarations month on month
    assert "chart-4.6.1.umd.min.js" in html and "haiquan/stats/stats.js" in html
    assert "<script>" not in html and "onclick" not in html  # CSP: no inline script
    data = json.loads(re.search(r'id="stats-chart-data"[^>]*>(.*?)</script>', html, re.S)[1])
    assert data["series"]["declarations"][9] == 3  # October
    assert data["series"]["declarations_last_year"][9] == 1
    assert data["lanes"]["keys"] == ["green", "yellow", "red"]
    assert data["chapters"]["labels"][0] == "Chapter 08"
    # Drill-down: each office of the Department links to its own figures.
    assert 'href="?office=20BD&amp;month_from=2026-10&amp;month_to=2026-10"' in html
    down = as_(history, "leader").get("/statistics/?office=20BD&month_from=2026-10")
    assert down.status_code == 200 and down.context["report"].totals.declarations == 2
    assert b'href="?office=20&amp;' in down.content  # and back up


def test_the_menu_entry_is_for_customs_roles(history):
    assert (
        b'href="/statistics/"'
        in as_(history, "officer").get("/statistics/?month_from=2026-10").content
    )
    home = as_(history, "declarant").get("/", follow=True)
    assert b'href="/statistics/"' not in home.content
    assert as_(history, "declarant").get("/statistics/").status_code == 403
    assert Client().get("/statistics/").status_code == 302  # to the log-in


def test_bad_filters_are_shown_next_to_their_fields(history):
    page = as_(history, "leader").get("/statistics/?office=20&month_from=2026-13&flow=transit")
    assert page.status_code == 422
    form = page.context["form"]
    assert set(form.errors) == {"month_from", "flow"}
    assert b"error-summary" in page.content
    assert as_(history, "leader").get("/statistics/?office=43").status_code == 403


def test_csv_and_xlsx_exports(history):
    client = as_(history, "leader")
    resp = client.get(f"/statistics/export.csv?{OCT}")
    assert resp.status_code == 200 and resp["Content-Type"].startswith("text/csv")
    assert "statistics-20-202610-202610.csv" in resp["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(resp.content.decode("utf-8-sig"))))
    summary = rows[rows.index(["Summary"]) + 2]
    assert summary[:5] == ["Declarations", "3", "2", "1", "50.00"]
    by_chapter = rows[rows.index(["By HS chapter"]) + 2]
    assert by_chapter[:3] == ["08", "Chapter 08", "2"]

    resp = client.get(f"/statistics/export.xlsx?{OCT}")
    assert resp.status_code == 200
    wb = load_workbook(io.BytesIO(resp.content))
    assert "Summary" in wb.sheetnames and "Offices" in wb.sheetnames
    ws = wb["Summary"]
    values = [[c.value for c in row] for row in ws.iter_rows()]
    declarations = next(r for r in values if r[0] == "Declarations")
    assert declarations[1:5] == [3, 2, 1, 50]
    offices = [[c.value for c in row] for row in wb["Offices"].iter_rows()]
    assert next(r for r in offices if r[0] == "20BD")[2] == 2
    # Bad filters: the page with the problems, not a file.
    assert client.get("/statistics/export.csv?month_from=2026-99").status_code == 422


def test_the_printable_report(history):
    resp = as_(history, "leader").get(f"/statistics/report.pdf?{OCT}")
    assert resp.status_code == 200 and resp["Content-Type"] == "application/pdf"
    assert resp.content.startswith(b"%PDF-")
    assert "statistics-20-202610-202610.pdf" in resp["Content-Disposition"]


def test_without_weasyprint_the_report_answers_503_not_500(history, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_weasyprint(name, *args, **kwargs):
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_weasyprint)
    resp = as_(history, "leader").get(f"/statistics/report.pdf?{OCT}")
    assert resp.status_code == 503 and resp["Retry-After"]
    assert "stats/pdf_unavailable.html" in [t.name for t in resp.templates]


def test_a_leader_sets_a_target_on_the_page(history):
    client = as_(history, "leader")
    page = client.get("/statistics/targets/")
    assert page.status_code == 200 and b'data-testid="target-form"' in page.content
    form = {"office_code": "20", "year": "2026", "authority": "mof", "amount_vnd": "100000000"}
    resp = client.post("/statistics/targets/", form, follow=True)
    assert (
        "Target 2026 of 20 set by the Ministry of Finance: VND 100,000,000."
        in resp.content.decode()
    )
    resp = client.post(
        "/statistics/targets/", form | {"amount_vnd": "125000000", "reason": "Giao bổ sung"}
    )
    target = Target.objects.get(office__code="20", year=2026, authority="mof")
    assert target.amount_vnd == 125_000_000
    detail = client.get(f"/statistics/targets/{target.pk}/")
    assert detail.status_code == 200
    assert [c.amount_after_vnd for c in detail.context["changes"]] == [125_000_000, 100_000_000]
    assert "Giao bổ sung" in detail.content.decode()
    # The dashboard of November shows it reached.
    nov = client.get("/statistics/?office=20&month_from=2026-11")
    assert b'data-testid="targets"' in nov.content and "92.4%" in nov.content.decode()


def test_bad_target_input_is_shown_next_to_the_field(history):
    client = as_(history, "leader")
    resp = client.post(
        "/statistics/targets/",
        {"office_code": "20", "year": "1999", "authority": "mof", "amount_vnd": "-5"},
    )
    assert resp.status_code == 422
    errors = resp.context["form"].errors
    assert "year" in errors and "amount_vnd" in errors
    assert not Target.objects.exists()


def test_officers_see_targets_but_do_not_set_them(history):
    client = as_(history, "officer")
    page = client.get("/statistics/targets/")
    assert page.status_code == 200 and b"target-form" not in page.content
    resp = client.post(
        "/statistics/targets/",
        {"office_code": "20BD", "year": "2026", "authority": "mof", "amount_vnd": "5"},
    )
    assert resp.status_code == 403 and not Target.objects.exists()


def test_a_nul_character_is_a_422_not_a_500(history):
    client = as_(history, "leader")
    assert client.get("/statistics/?office=2%000").status_code == 422
    resp = client.post(
        "/statistics/targets/",
        {"office_code": "2\x000", "year": "2026", "authority": "mof", "amount_vnd": "5"},
    )
    assert resp.status_code == 422 and not Target.objects.exists()
    resp = client.post(
        "/statistics/targets/",
        {
            "office_code": "20",
            "year": "2026",
            "authority": "mof",
            "amount_vnd": "5",
            "reason": "a\x00",
        },
    )
    assert resp.status_code == 422 and "reason" in resp.context["form"].errors


def test_the_admin_lists_targets_with_their_history(history):
    from haiquan.stats.services import target_set

    target, _created = target_set(
        actor=history.users["admin"], office_code="20", year=2026, authority="mof", amount_vnd=5
    )
    client = as_(history, "admin")
    assert client.get("/admin/stats/target/").status_code == 200
    page = client.get(f"/admin/stats/target/{target.pk}/change/")
    assert page.status_code == 200 and b"s.admin" in page.content
