"""The pages: trader analysis with the enterprise risk page, and an audit worked through the
forms, with errors next to their fields; traders kept out."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone, translation

from haiquan.accounts.tests.helpers import login
from haiquan.clearance.models import Declaration
from haiquan.core.nav import nav_items_for
from haiquan.postaudit.models import AuditCase
from haiquan.postaudit.services import anomaly_scan_run
from haiquan.postaudit.tests.helpers import scan_store, volume_rise

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def _as(world, role: str) -> Client:
    return login(Client(), world.users[role])


def _no_inline_script(html: str) -> None:
    assert "<script>" not in html and not re.search(r"\son[a-z]+=", html)


def test_analysts_leaders_and_admins_have_both_menu_entries_officers_one(world):
    def labels(role):
        return [str(i["label"]) for i in nav_items_for(world.users[role], None)]

    for role in ("analyst", "leader", "admin"):
        assert {"Trader analysis", "Post-clearance audit"} <= set(labels(role)), role
    assert "Trader analysis" not in labels("officer")
    assert "Post-clearance audit" in labels("officer")
    for role in ("declarant", "broker"):
        assert not {"Trader analysis", "Post-clearance audit"} & set(labels(role))


def test_the_enterprise_risk_page_shows_history_chart_record_and_rank(world):
    anomaly_scan_run()
    mst = world.own.enterprise.mst
    resp = _as(world, "analyst").get(f"/post-audit/traders/{mst}/")
    assert resp.status_code == 200
    html = resp.content.decode()
    _no_inline_script(html)
    assert "/static/haiquan/vendor/chart-4.6.1.umd.min.js" in html
    assert "/static/haiquan/postaudit/enterprise.js" in html
    data = json.loads(re.search(r'id="enterprise-history"[^>]*>(.*?)</script>', html, re.S)[1])
    filed = Declaration.objects.filter(enterprise=world.own.enterprise).exclude(status="draft")
    assert sum(data["declarations"]) == filed.count() >= 4 and len(data["labels"]) >= 1
    assert 'data-testid="rank-inputs"' in html and "not ranked yet" in html
    assert "0 checks, 0 with a discrepancy." in html  # its checks are still pending
    assert "Recompute and store the rank" in html


def test_anomalies_show_with_their_reason_and_declarations(world):
    cleared = world.own.declarations["cleared"]
    scan_store(volume_rise(world.own.enterprise, cleared, 77.0))
    page = _as(world, "leader").get("/post-audit/traders/").content.decode()
    assert world.own.enterprise.name in page and "Sudden change of volume or value" in page
    mst = world.own.enterprise.mst
    page = _as(world, "leader").get(f"/post-audit/traders/{mst}/").content.decode()
    assert 'data-testid="anomalies"' in page and cleared.number in page
    assert "times its median month over the previous 12 months" in page


def test_leaders_reach_only_enterprises_of_their_scope(world):
    other = world.other.enterprise.mst
    assert _as(world, "leader").get(f"/post-audit/traders/{other}/").status_code == 404
    assert _as(world, "analyst").get(f"/post-audit/traders/{other}/").status_code == 200
    assert _as(world, "leader").get("/post-audit/traders/").status_code == 200


@pytest.mark.parametrize("role", ["declarant", "broker"])
def test_traders_are_refused_every_page(world, role):
    client = _as(world, role)
    mst = world.own.enterprise.mst
    for path in (
        "/post-audit/",
        "/post-audit/candidates/",
        "/post-audit/cases/new/",
        "/post-audit/traders/",
        f"/post-audit/traders/{mst}/",
    ):
        assert client.get(path).status_code == 403, path


def test_officers_see_the_audit_list_but_not_the_analysis(world):
    client = _as(world, "officer")
    assert client.get("/post-audit/").status_code == 200
    assert client.get("/post-audit/traders/").status_code == 403
    assert client.get("/post-audit/candidates/").status_code == 403


def test_an_audit_worked_through_the_pages(world):
    today = timezone.localdate()
    analyst, officer, leader = (_as(world, r) for r in ("analyst", "officer", "leader"))
    resp = analyst.get("/post-audit/candidates/")
    assert (
        resp.status_code == 200
        and world.own.declarations["cleared"].number in resp.content.decode()
    )

    form = {
        "enterprise_mst": world.own.enterprise.mst,
        "office_code": "20BD",
        "plan": "Kiểm tra trị giá.",
        "period_from": (today - timedelta(days=10)).isoformat(),
        "period_to": today.isoformat(),
        "planned_start": today.isoformat(),
        "planned_end": (today + timedelta(days=5)).isoformat(),
        "team": "w.officer, nobody",
    }
    resp = analyst.post("/post-audit/cases/new/", form)
    assert resp.status_code == 422
    html = resp.content.decode()
    assert 'class="error-summary"' in html
    assert re.search(r'id="id_team-error".*no such user', html, re.S)
    assert not AuditCase.objects.filter(enterprise=world.own.enterprise).exists()
    resp = analyst.post("/post-audit/cases/new/", {**form, "team": "w.officer", "plan": ""})
    assert resp.status_code == 422 and 'id="id_plan-error"' in resp.content.decode()
    assert not AuditCase.objects.filter(enterprise=world.own.enterprise).exists()
    resp = analyst.post("/post-audit/cases/new/", {**form, "team": "w.officer"})
    case = AuditCase.objects.get(enterprise=world.own.enterprise)
    assert resp.status_code == 302 and resp["Location"] == f"/post-audit/cases/{case.pk}/"

    page = officer.get(f"/post-audit/cases/{case.pk}/")
    assert page.status_code == 200 and "Start the audit" in page.content.decode()
    assert officer.post(f"/post-audit/cases/{case.pk}/start/").status_code == 302
    decl = world.own.declarations["cleared"]
    resp = officer.post(
        f"/post-audit/cases/{case.pk}/findings/",
        {
            "declaration_id": decl.pk,
            "kind": "undervaluation",
            "description": "",
            "penalty_vnd": "-1",
        },
    )
    assert resp.status_code == 422
    html = resp.content.decode()
    assert 'id="id_description-error"' in html and 'id="id_penalty_vnd-error"' in html
    resp = officer.post(
        f"/post-audit/cases/{case.pk}/findings/",
        {
            "declaration_id": decl.pk,
            "kind": "undervaluation",
            "description": "Giá thực tế cao hơn.",
            "additional_duty_vnd": "2000000",
            "penalty_vnd": "500000",
        },
    )
    assert resp.status_code == 302
    # The officer sees no closing form; the leader closes.
    assert "Close the audit" not in officer.get(f"/post-audit/cases/{case.pk}/").content.decode()
    resp = leader.post(
        f"/post-audit/cases/{case.pk}/close/", {"result": "no_violation", "conclusion": "x"}
    )
    assert resp.status_code == 422 and 'id="id_result-error"' in resp.content.decode()
    resp = leader.post(
        f"/post-audit/cases/{case.pk}/close/", {"result": "violation", "conclusion": "Truy thu."}
    )
    assert resp.status_code == 302
    case.refresh_from_db()
    assert case.state == "closed" and case.additional_duties_vnd == 2_000_000
    page = leader.get(f"/post-audit/cases/{case.pk}/").content.decode()
    # the history in words (eventlog.kinds), never the event kind
    assert "Audit closed" in page and "audit.case_closed" not in page
    assert "Violations found" in page
    _no_inline_script(page)
