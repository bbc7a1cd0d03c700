"""The risk API through HTTP: who may do what, what comes back, and problem+json errors."""

from __future__ import annotations

import pytest
from django.test import Client

from haiquan.accounts.tests.helpers import api_token
from haiquan.eventlog.models import Event
from haiquan.risk.engine import lane_decide
from haiquan.risk.models import RiskProfile, RiskProfileVersion

from .facts import facts, line

pytestmark = [pytest.mark.django_db, pytest.mark.urls("haiquan.risk.tests.urls")]
BASE = "/api/v1/risk"


def client_for(user) -> Client:
    raw = api_token(user, name="analysis workstation")
    return Client(headers={"authorization": f"Bearer {raw}"})


@pytest.fixture
def api(analyst):
    return client_for(analyst)


CARS = {
    "code": "CARS-8703",
    "name": "Passenger cars",
    "hs_prefixes": ["8703"],
    "flow": "import",
    "lane": "yellow",
    "reason": "Check the type approval and the declared value.",
}


def test_analyst_creates_updates_and_deactivates_a_profile(api):
    resp = api.post(f"{BASE}/profiles", CARS, content_type="application/json")
    assert resp.status_code == 201, resp.content
    body = resp.json()
    pid = body["id"]
    assert body["code"] == "CARS-8703" and body["active"] is True
    assert body["created_by"] == "analyst.hoa"
    assert body["current_version"]["number"] == 1
    assert body["current_version"]["hs_prefixes"] == ["8703"]
    assert [v["number"] for v in body["versions"]] == [1]
    car = line(hs="87032363", origin="JP", quantity=1, value=900_000_000)
    assert lane_decide(facts(car)).lane == "yellow"

    update = {
        "hs_prefixes": ["8703"],
        "origins": ["JP", "KR"],
        "min_value_vnd": "1500000000",
        "lane": "red",
        "reason": "Luxury cars from Japan and Korea: inspect.",
        "change_note": "Under-declared luxury cars found at Cai Lan.",
    }
    resp = api.put(f"{BASE}/profiles/{pid}", update, content_type="application/json")
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["current_version"]["number"] == 2
    assert body["current_version"]["min_value_vnd"] in ("1500000000", 1500000000)
    assert [v["number"] for v in body["versions"]] == [2, 1]
    assert body["versions"][1]["lane"] == "yellow"  # the old version is kept as it was
    assert lane_decide(facts(car)).lane == "green"  # 900 M is below the new 1.5 bn threshold

    resp = api.post(
        f"{BASE}/profiles/{pid}/deactivate",
        {"reason": "Replaced by the valuation model."},
        content_type="application/json",
    )
    assert resp.status_code == 200, resp.content
    assert resp.json()["active"] is False
    assert resp.json()["deactivation_reason"] == "Replaced by the valuation model."
    assert lane_decide(facts(line(hs="87032363", origin="JP", quantity=1, value=2e9))).lane == (
        "green"
    )
    kinds = list(
        Event.objects.filter(subject_id=pid, subject_type="risk_profile").values_list(
            "kind", flat=True
        )
    )
    assert kinds == ["risk.profile_created", "risk.profile_updated", "risk.profile_deactivated"]

    resp = api.get(f"{BASE}/profiles/{pid}")
    assert resp.status_code == 200 and len(resp.json()["versions"]) == 2


def test_list_is_paginated_and_filtered(api, make_profile):
    for i in range(5):
        make_profile(f"P{i}", {"origins": ["CN"]})
    RiskProfile.objects.filter(code="P4").update(active=False)
    resp = api.get(f"{BASE}/profiles", {"limit": 2, "offset": 0})
    assert resp.status_code == 200
    body = resp.json()
    assert body["count"] == 5
    assert [p["code"] for p in body["items"]] == ["P0", "P1"]
    assert body["items"][0]["current_version"]["origins"] == ["CN"]
    resp = api.get(f"{BASE}/profiles", {"active": "false"})
    assert [p["code"] for p in resp.json()["items"]] == ["P4"]
    resp = api.get(f"{BASE}/profiles", {"q": "p3"})
    assert [p["code"] for p in resp.json()["items"]] == ["P3"]


def test_leader_reads_but_does_not_write(leader, make_profile):
    profile = make_profile("P1", {"origins": ["CN"]})
    c = client_for(leader)
    assert c.get(f"{BASE}/profiles").status_code == 200
    assert c.get(f"{BASE}/profiles/{profile.pk}").status_code == 200
    assert c.get(f"{BASE}/offices/20BD/setting").status_code == 200
    resp = c.post(f"{BASE}/profiles", CARS, content_type="application/json")
    assert resp.status_code == 403
    assert resp["Content-Type"] == "application/problem+json"


def test_declarant_gets_403_everywhere(declarant, make_profile):
    profile = make_profile("P1", {"origins": ["CN"]})
    c = client_for(declarant)
    calls = [
        c.get(f"{BASE}/profiles"),
        c.get(f"{BASE}/profiles/{profile.pk}"),
        c.post(f"{BASE}/profiles", CARS, content_type="application/json"),
        c.put(
            f"{BASE}/profiles/{profile.pk}",
            {**CARS, "change_note": "x"},
            content_type="application/json",
        ),
        c.post(
            f"{BASE}/profiles/{profile.pk}/deactivate",
            {"reason": "x"},
            content_type="application/json",
        ),
        c.get(f"{BASE}/offices/20BD/setting"),
        c.put(
            f"{BASE}/offices/20BD/setting", {"random_rate": "1"}, content_type="application/json"
        ),
    ]
    assert [r.status_code for r in calls] == [403] * len(calls)
    assert all(r["Content-Type"] == "application/problem+json" for r in calls)
    assert calls[0].json()["type"] == "urn:haiquan:problem:forbidden"
    assert RiskProfile.objects.get().active and RiskProfileVersion.objects.count() == 1


def test_without_credentials_401():
    assert Client().get(f"{BASE}/profiles").status_code == 401


def test_bad_input_is_a_422_problem_naming_the_field_and_nothing_is_saved(api):
    bad = {**CARS, "origins": ["VN", "XY"], "hs_prefixes": ["87a3"]}
    resp = api.post(f"{BASE}/profiles", bad, content_type="application/json")
    assert resp.status_code == 422
    assert resp["Content-Type"] == "application/problem+json"
    body = resp.json()
    assert body["type"] == "urn:haiquan:problem:validation-error"
    assert {e["field"] for e in body["errors"]} == {"origins[1]", "hs_prefixes[0]"}
    assert not RiskProfile.objects.exists() and not RiskProfileVersion.objects.exists()
    assert not Event.objects.filter(kind__startswith="risk.").exists()


def test_wrong_types_are_422_too(api):
    resp = api.post(
        f"{BASE}/profiles",
        {**CARS, "origins": "CN", "min_value_vnd": "lots"},
        content_type="application/json",
    )
    assert resp.status_code == 422
    assert {e["field"] for e in resp.json()["errors"]} == {"origins", "min_value_vnd"}
    assert not RiskProfile.objects.exists()


def test_bad_update_keeps_the_current_version(api, make_profile):
    profile = make_profile("P1", {"origins": ["CN"]})
    resp = api.put(
        f"{BASE}/profiles/{profile.pk}",
        {"origins": ["CN"], "lane": "green", "reason": "r", "change_note": "n"},
        content_type="application/json",
    )
    assert resp.status_code == 422
    assert [e["field"] for e in resp.json()["errors"]] == ["lane"]
    assert profile.versions.count() == 1


def test_unknown_profile_and_office_are_404(api):
    assert api.get(f"{BASE}/profiles/999999").status_code == 404
    assert api.get(f"{BASE}/offices/ZZ99/setting").status_code == 404
    resp = api.put(
        f"{BASE}/offices/ZZ99/setting", {"random_rate": "0.01"}, content_type="application/json"
    )
    assert resp.status_code == 404


def test_office_setting_through_http(api):
    resp = api.get(f"{BASE}/offices/20BD/setting")
    assert resp.status_code == 200
    assert resp.json()["random_rate"] is None and resp.json()["inherited_from"] == ""

    resp = api.put(
        f"{BASE}/offices/20/setting", {"random_rate": "0.02"}, content_type="application/json"
    )
    assert resp.status_code == 200, resp.content
    assert resp.json()["inherited_from"] == "20"

    gate = api.get(f"{BASE}/offices/20bd/setting").json()
    assert gate["office_code"] == "20BD"
    assert gate["random_rate"] is None
    assert float(gate["effective_random_rate"]) == 0.02 and gate["inherited_from"] == "20"

    resp = api.put(
        f"{BASE}/offices/20BD/setting",
        {"random_rate": "1.2", "target_inspection_rate": "0.1"},
        content_type="application/json",
    )
    assert resp.status_code == 422
    assert [e["field"] for e in resp.json()["errors"]] == ["random_rate"]
