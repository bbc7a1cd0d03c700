"""/api/v1/post-audit through HTTP: an audit from plan to result and what it feeds back, bad
input refused with the field named, and who sees what."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from haiquan.accounts.services import user_create
from haiquan.accounts.tests.helpers import api_token
from haiquan.clearance.models import Declaration
from haiquan.eventlog.models import Event
from haiquan.postaudit.models import AuditCase, AuditFinding, AuditOutcome
from haiquan.postaudit.selectors import audit_outcomes
from haiquan.refdata.models import Enterprise, Office

from .helpers import plan_body, scan_store, volume_rise

pytestmark = pytest.mark.django_db
API = "/api/v1/post-audit"


@pytest.fixture
def api(world):
    client = Client()

    def call(method: str, path: str, role: str, body: dict | None = None, **params):
        headers = world.auth(role)
        if method == "get":
            return client.get(API + path, params, **headers)
        return client.post(API + path, body or {}, content_type="application/json", **headers)

    return call


def _fields(response) -> set[str]:
    assert response["Content-Type"] == "application/problem+json", response.content
    return {e["field"] for e in response.json().get("errors", [])}


def test_an_audit_goes_from_plan_to_result_and_feeds_back(world, api):
    ent = world.own.enterprise
    cleared = world.own.declarations["cleared"]
    assert ent.compliance_rank == "high"

    r = api("post", "/cases", "analyst", plan_body(world))
    assert r.status_code == 201, r.content
    case = r.json()
    assert case["state"] == "planned" and case["team"] == ["w.officer"]
    assert case["declaration_ids"] == [cleared.pk]  # only the cleared ones are audited
    assert case["reference"].startswith("HK-")

    r = api("post", f"/cases/{case['id']}/start", "officer")
    assert r.status_code == 200 and r.json()["state"] == "in_progress"

    r = api(
        "post",
        f"/cases/{case['id']}/findings",
        "officer",
        {
            "declaration_id": cleared.pk,
            "kind": "undervaluation",
            "description": "Giá thực thanh toán cao hơn giá khai báo theo chứng từ ngân hàng.",
            "additional_duty_vnd": "5000000",
            "penalty_vnd": "1000000",
        },
    )
    assert r.status_code == 201, r.content
    assert r.json()["declaration_number"] == cleared.number

    # Closing is the leader's (or analyst's) decision, not the team officer's.
    close = {"result": "violation", "conclusion": "Truy thu thuế và xử phạt vi phạm hành chính."}
    r = api("post", f"/cases/{case['id']}/close", "officer", close)
    assert r.status_code == 403
    r = api("post", f"/cases/{case['id']}/close", "leader", close)
    assert r.status_code == 200, r.content
    closed = r.json()
    assert closed["state"] == "closed" and closed["result"] == "violation"
    assert Decimal(closed["additional_duties_vnd"]) == 5_000_000
    assert Decimal(closed["penalties_vnd"]) == 1_000_000
    # The rank is recomputed from the record: one audit with violations → low.
    assert closed["enterprise_rank"] == "low"
    assert Enterprise.objects.get(pk=ent.pk).compliance_rank == "low"

    # The result is where the learned model's training reads it.
    rows = [o for o in audit_outcomes() if o["case"] == case["reference"]]
    assert rows == [
        {
            "declaration_id": cleared.pk,
            "fraud_found": True,
            "fraud_kind": "undervaluation",
            "revenue_found_vnd": Decimal(5_000_000),
            "penalty_vnd": Decimal(1_000_000),
            "closed_at": rows[0]["closed_at"],
            "case": case["reference"],
        }
    ]
    r = api("get", "/outcomes", "analyst")
    assert any(o["declaration_id"] == cleared.pk and o["fraud_found"] for o in r.json()["items"])

    # Every step is in the event log.
    kinds = list(
        Event.objects.filter(subject_type="audit_case", subject_id=case["id"]).values_list(
            "kind", flat=True
        )
    )
    assert kinds == [
        "audit.case_planned",
        "audit.case_started",
        "audit.finding_recorded",
        "audit.case_closed",
    ]
    assert Event.objects.filter(
        kind="declaration.audit_violation", declaration_id=cleared.pk
    ).exists()
    rank_event = Event.objects.get(kind="enterprise.compliance_rank_recomputed", subject_id=ent.pk)
    assert rank_event.data["before"] == "high" and rank_event.data["after"] == "low"

    # A closed case takes no more findings, and its declarations are no longer candidates.
    r = api("post", f"/cases/{case['id']}/start", "leader")
    assert r.status_code == 409


def test_a_clean_audit_closes_without_violation_and_keeps_a_clean_rank(world, api):
    case = api("post", "/cases", "leader", plan_body(world)).json()
    api("post", f"/cases/{case['id']}/start", "officer")
    r = api(
        "post",
        f"/cases/{case['id']}/close",
        "leader",
        {"result": "no_violation", "conclusion": "Không phát hiện vi phạm."},
    )
    assert r.status_code == 200, r.content
    assert r.json()["result"] == "no_violation"
    outcome = AuditOutcome.objects.get(case_id=case["id"])
    assert outcome.fraud_found is False and outcome.revenue_found_vnd == 0


def test_planning_refuses_bad_input_naming_each_field(world, api):
    before = AuditCase.objects.count()
    r = api(
        "post",
        "/cases",
        "analyst",
        plan_body(
            world,
            enterprise_mst="0000000000",
            office_code="XX",
            plan=" ",
            period_from="2026-01-10",
            period_to="2025-01-01",
            planned_start="2026-03-01",
            planned_end="2026-02-01",
            team=["nobody", "w.declarant"],
        ),
    )
    assert r.status_code == 422
    assert _fields(r) == {
        "enterprise_mst",
        "office_code",
        "plan",
        "period_to",
        "planned_end",
        "team[0]",
        "team[1]",
    }
    r = api("post", "/cases", "analyst", plan_body(world, team=[]))
    assert r.status_code == 422 and _fields(r) == {"team"}
    r = api("post", "/cases", "analyst", plan_body(world, period_from="yesterday"))
    assert r.status_code == 422 and _fields(r) == {"period_from"}
    other = world.other.declarations["cleared"].pk
    r = api("post", "/cases", "analyst", plan_body(world, declaration_ids=[other]))
    assert r.status_code == 422 and _fields(r) == {"declaration_ids[0]"}
    r = api("post", "/cases", "analyst", plan_body(world, declaration_ids=[2**63]))
    assert r.status_code == 422 and _fields(r) == {"declaration_ids[0]"}
    assert AuditCase.objects.count() == before  # nothing half-saved


def test_findings_and_closing_refuse_bad_input(world, api):
    case = api("post", "/cases", "analyst", plan_body(world)).json()
    cid = case["id"]
    finding = {
        "declaration_id": world.own.declarations["cleared"].pk,
        "kind": "undervaluation",
        "description": "x",
        "additional_duty_vnd": "100",
    }
    # Not started yet.
    r = api("post", f"/cases/{cid}/findings", "officer", finding)
    assert r.status_code == 409
    api("post", f"/cases/{cid}/start", "officer")
    r = api(
        "post",
        f"/cases/{cid}/findings",
        "officer",
        {
            "declaration_id": world.own.declarations["red"].pk,
            "kind": "smuggling",
            "description": "",
            "additional_duty_vnd": "-5",
            "penalty_vnd": "10.5",
        },
    )
    assert r.status_code == 422
    assert _fields(r) == {
        "declaration_id",
        "kind",
        "description",
        "additional_duty_vnd",
        "penalty_vnd",
    }
    r = api("post", f"/cases/{cid}/findings", "officer", {**finding, "penalty_vnd": "lots"})
    assert r.status_code == 422 and _fields(r) == {"penalty_vnd"}
    assert not AuditFinding.objects.filter(case_id=cid).exists()
    r = api("post", f"/cases/{cid}/close", "leader", {"result": "violation", "conclusion": "x"})
    assert r.status_code == 422 and _fields(r) == {"result"}
    r = api("post", f"/cases/{cid}/close", "leader", {"result": "maybe", "conclusion": ""})
    assert r.status_code == 422 and _fields(r) == {"result", "conclusion"}
    assert AuditCase.objects.get(pk=cid).state == "in_progress"


@pytest.mark.parametrize("role", ["declarant", "broker"])
def test_traders_are_refused_everywhere(world, api, role):
    case = AuditCase.objects.first()
    paths = ["/traders", "/anomalies", "/runs", "/cases", "/outcomes"]
    paths += [f"/enterprises/{world.own.enterprise.mst}"]
    for path in paths:
        assert api("get", path, role).status_code == 403, path
    today = timezone.localdate().isoformat()
    r = api("get", "/candidates", role, period_from=today, period_to=today)
    assert r.status_code == 403
    assert api("post", "/cases", role, plan_body(world)).status_code == 403
    if case is not None:
        assert api("get", f"/cases/{case.pk}", role).status_code == 403
    assert api("get", "/cases", "anonymous").status_code == 401


def test_officers_see_only_the_cases_they_work(world, api):
    case = api("post", "/cases", "analyst", plan_body(world)).json()
    assert api("get", "/traders", "officer").status_code == 403
    listed = api("get", "/cases", "officer").json()["items"]
    assert case["id"] in [c["id"] for c in listed]
    stranger = user_create(
        username="w.stranger", password=None, role="officer", office_codes=["20BD"]
    )
    raw = api_token(stranger, name="t")
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get(f"{API}/cases/{case['id']}", **auth).status_code == 404
    r = client.post(f"{API}/cases/{case['id']}/start", {}, content_type="application/json", **auth)
    assert r.status_code == 404
    assert client.get(f"{API}/cases", **auth).json()["items"] == []


def test_leaders_plan_and_see_only_within_their_scope(world, api):
    other = world.other
    r = api(
        "post",
        "/cases",
        "leader",
        plan_body(world, enterprise_mst=other.enterprise.mst, office_code="43IH"),
    )
    assert r.status_code == 403  # another department's office: not the leader's to audit
    # The analyst may plan there (with a team that works that office).
    assert api("get", f"/enterprises/{other.enterprise.mst}", "leader").status_code == 404
    assert api("get", f"/enterprises/{other.enterprise.mst}", "analyst").status_code == 200

    today = timezone.localdate()
    window = {"period_from": (today - timedelta(days=5)).isoformat(), "period_to": today}
    leader = api("get", "/candidates", "leader", **window).json()
    analyst = api("get", "/candidates", "analyst", **window).json()
    cleared = Declaration.objects.filter(status__in=["cleared", "released"])
    quang_ninh = Office.objects.get(code="20").path
    mine = set(cleared.filter(office__path__startswith=quang_ninh).values_list("pk", flat=True))
    assert world.own.declarations["cleared"].pk in mine
    assert other.declarations["cleared"].pk not in mine
    assert {c["declaration_id"] for c in leader["declarations"]} == mine
    assert {c["declaration_id"] for c in analyst["declarations"]} == set(
        cleared.values_list("pk", flat=True)
    )
    assert leader["source"] == "estimate"
    r = api("get", "/candidates", "leader", office_code="43IH", **window)
    assert r.status_code == 422 and _fields(r) == {"office_code"}
    r = api("get", "/candidates", "analyst", period_from=today, period_to=today - timedelta(1))
    assert r.status_code == 422 and _fields(r) == {"period_to"}


def test_candidates_leave_out_declarations_already_audited(world, api):
    today = timezone.localdate()
    window = {"period_from": (today - timedelta(days=5)).isoformat(), "period_to": today}
    before = api("get", "/candidates", "analyst", **window).json()
    assert world.own.declarations["cleared"].pk in [
        c["declaration_id"] for c in before["declarations"]
    ]
    api("post", "/cases", "analyst", plan_body(world))
    after = api("get", "/candidates", "analyst", **window).json()
    assert world.own.declarations["cleared"].pk not in [
        c["declaration_id"] for c in after["declarations"]
    ]
    assert after["pool"] == before["pool"] - 1


def test_enterprise_risk_explains_the_rank(world, api):
    r = api("get", f"/enterprises/{world.own.enterprise.mst}", "analyst")
    assert r.status_code == 200
    body = r.json()
    # Two months of trading: too new to rank by the rule, whatever is stored.
    assert body["rank"]["stored"] == "high"
    assert (body["rank"]["computed"], body["rank"]["rule"]) == ("unranked", "too_new")
    filed = Declaration.objects.filter(enterprise=world.own.enterprise).exclude(status="draft")
    assert body["rank"]["inputs"]["declarations"] == filed.count() >= 4  # drafts do not count
    assert sum(m["declarations"] for m in body["history"]) == filed.count()
    r = api("post", f"/enterprises/{world.own.enterprise.mst}/rank", "analyst")
    assert r.status_code == 200 and r.json()["rank_after"] == "unranked"
    assert (
        api("post", f"/enterprises/{world.own.enterprise.mst}/rank", "officer").status_code == 403
    )


def test_candidates_follow_the_active_model_when_there_is_one(world, api, monkeypatch):
    """The learned model's seam (riskml.selectors.expected_recovery): its expected revenue
    orders the candidates; with no active model (None) or a failing one, the own estimate."""
    from haiquan.riskml import selectors as riskml_selectors

    today = timezone.localdate()
    window = {"period_from": (today - timedelta(days=5)).isoformat(), "period_to": today}
    own, other = world.own.declarations["cleared"].pk, world.other.declarations["cleared"].pk
    asked: list[list[int]] = []

    def model(*, declaration_ids):
        asked.append(sorted(declaration_ids))
        return {own: (0.1, 1_000.0), other: (0.9, 9_000_000.0)}

    monkeypatch.setattr(riskml_selectors, "expected_recovery", model)
    body = api("get", "/candidates", "analyst", **window).json()
    pool = Declaration.objects.filter(status__in=["cleared", "released"])
    assert body["source"] == "model" and asked == [sorted(pool.values_list("pk", flat=True))]
    assert [c["declaration_id"] for c in body["declarations"]][:2] == [other, own]
    assert body["declarations"][0]["expected_vnd"] == 9_000_000
    assert body["declarations"][0]["probability"] == 0.9

    monkeypatch.setattr(riskml_selectors, "expected_recovery", lambda **kw: None)
    assert api("get", "/candidates", "analyst", **window).json()["source"] == "estimate"

    def broken(**kw):
        raise RuntimeError("model file missing")

    monkeypatch.setattr(riskml_selectors, "expected_recovery", broken)
    assert api("get", "/candidates", "analyst", **window).json()["source"] == "estimate"


def test_anomalies_and_traders_by_scope(world, api):
    own, other = world.own, world.other
    run = scan_store(
        volume_rise(own.enterprise, own.declarations["cleared"], 80.0),
        volume_rise(other.enterprise, other.declarations["cleared"], 40.0),
    )
    body = api("get", "/anomalies", "analyst").json()
    assert [(a["enterprise_mst"], a["score"]) for a in body["items"]] == [
        (own.enterprise.mst, 80.0),
        (other.enterprise.mst, 40.0),
    ]
    first = body["items"][0]
    assert first["run_id"] == run.pk and first["declaration_ids"] == [
        own.declarations["cleared"].pk
    ]
    month = timezone.localdate().strftime("%Y-%m")
    assert month in first["reason"] and "%(" not in first["reason"]
    leader = api("get", "/anomalies", "leader").json()["items"]
    assert [a["enterprise_mst"] for a in leader] == [own.enterprise.mst]
    assert [
        a["score"] for a in api("get", "/anomalies", "analyst", min_score=50).json()["items"]
    ] == [80.0]
    traders = api("get", "/traders", "leader").json()
    assert [t["enterprise_mst"] for t in traders] == [own.enterprise.mst]
    assert traders[0]["kinds"] == ["volume_change"]
    assert api("get", "/runs", "analyst").json()["items"][0]["id"] == run.pk
    assert api("get", "/anomalies", "officer").status_code == 403
    r = api("get", "/anomalies", "analyst", run_id=run.pk + 1000)
    assert r.status_code == 422 and _fields(r) == {"run_id"}
    r = api("get", "/anomalies", "analyst", min_score=101)
    assert r.status_code == 422 and _fields(r) == {"min_score"}
    r = api("get", "/anomalies", "analyst", offset=2**60)
    assert r.status_code == 422 and _fields(r) == {"offset"}


def test_an_audit_is_not_closed_before_its_planned_start(world, api):
    """Planned for next week, started early by mistake: its conclusion waits for the planned
    start (409 saying from when), and nothing is closed."""
    start = timezone.localdate() + timedelta(days=7)
    body = plan_body(
        world,
        planned_start=start.isoformat(),
        planned_end=(start + timedelta(days=20)).isoformat(),
    )
    cid = api("post", "/cases", "analyst", body).json()["id"]
    api("post", f"/cases/{cid}/start", "officer")
    r = api(
        "post", f"/cases/{cid}/close", "leader", {"result": "no_violation", "conclusion": "Sạch"}
    )
    assert r.status_code == 409, r.content
    assert r.json()["type"].endswith("not-started")
    assert AuditCase.objects.get(pk=cid).state == "in_progress"


def test_rows_seen_through_several_declarations_or_team_members_are_listed_once(world, api):
    """An anomaly resting on two of the leader's declarations, a case whose team has two of the
    office's officers: each listed once (`visibility` reads a to-many path as a subquery); the
    leader of another department lists neither."""
    own = world.own.declarations
    found = volume_rise(world.own.enterprise, own["cleared"], 90.0)
    found.declaration_ids = [own["cleared"].pk, own["red"].pk]
    scan_store(found)
    second = user_create(username="w.second", password=None, role="officer", office_codes=["20BD"])
    case = api("post", "/cases", "analyst", plan_body(world, team=["w.officer", "w.second"]))
    assert case.status_code == 201, case.content
    anomalies = api("get", "/anomalies", "leader").json()["items"]
    assert len(anomalies) == 1
    cases = api("get", "/cases", "leader").json()["items"]
    assert [c["id"] for c in cases] == [case.json()["id"]]
    assert [c["id"] for c in api("get", "/cases", "officer").json()["items"]] == [case.json()["id"]]
    elsewhere = user_create(username="w.l43", password=None, role="leader", office_codes=["43"])
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token(elsewhere, name='t')}"}
    assert client.get(f"{API}/anomalies", **auth).json()["items"] == []
    assert client.get(f"{API}/cases", **auth).json()["items"] == []
    assert second.audit_cases.count() == 1
