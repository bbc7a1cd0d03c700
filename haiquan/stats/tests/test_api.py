"""/api/v1/statistics through HTTP, as a leader's or an analyst's software uses it."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

URL = "/api/v1/statistics"
M = 1_000_000


@pytest.fixture
def api():
    return Client()


def test_the_summary_of_october(history, api):
    resp = api.get(f"{URL}/summary?office=20&from=2026-10&to=2026-10", **history.auth("leader"))
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["totals"]["declarations"] == 3
    assert float(body["totals"]["value_usd"]) == 35000
    assert float(body["totals"]["revenue_vnd"]) == 38_500_000
    metrics = {m["name"]: m for m in body["metrics"]}
    assert float(metrics["value_usd"]["month_on_month"]["percent"]) == 133.33
    assert float(metrics["revenue_vnd"]["year_on_year"]["percent"]) == 60.42
    assert body["enterprises"] == {"active": 3, "in_province": 2, "out_of_province": 1, "new": 1}
    assert [s["key"] for s in body["breakdowns"]["chapter"]] == ["08", "84", "85"]
    offices = {o["office_code"]: o for o in body["offices"]}
    assert offices["20BD"]["declarations"] == 2
    assert len(body["months"]) == 12


def test_bad_filters_are_422_naming_the_field(history, api):
    resp = api.get(f"{URL}/summary?from=2026-13&flow=transit", **history.auth("leader"))
    assert resp.status_code == 422
    assert resp["Content-Type"] == "application/problem+json"
    assert {e["field"] for e in resp.json()["errors"]} == {"from", "flow"}
    resp = api.get(f"{URL}/summary?office=NOPE", **history.auth("leader"))
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "office"


def test_who_sees_what(history, api):
    assert api.get(f"{URL}/summary").status_code == 401
    assert api.get(f"{URL}/summary", **history.auth("declarant")).status_code == 403
    assert api.get(f"{URL}/targets", **history.auth("declarant")).status_code == 403
    assert api.get(f"{URL}/summary?office=43", **history.auth("leader")).status_code == 403
    assert api.get(f"{URL}/summary?office=20", **history.auth("officer")).status_code == 403
    resp = api.get(f"{URL}/summary?from=2026-10", **history.auth("officer"))
    assert resp.status_code == 200 and resp.json()["office_code"] == "20BD"
    resp = api.get(f"{URL}/summary?from=2026-10", **history.auth("analyst"))
    assert resp.json()["office_code"] == "00" and resp.json()["totals"]["declarations"] == 4


def test_a_leader_sets_targets_and_changes_them_with_history(history, api):
    leader = history.auth("leader")
    body = {"office_code": "20", "year": 2026, "authority": "mof", "amount_vnd": "100000000"}
    resp = api.post(f"{URL}/targets", body, content_type="application/json", **leader)
    assert resp.status_code == 201, resp.content
    target = resp.json()
    # 2026 to today (any day after 2 Nov 2026): 25 M + 26 M + 12.5 M + 52 M.
    assert float(target["collected_vnd"]) == 115_500_000
    assert float(target["percent_reached"]) == 115.5
    body |= {"amount_vnd": "125000000", "reason": "Bộ Tài chính giao bổ sung"}
    resp = api.post(f"{URL}/targets", body, content_type="application/json", **leader)
    assert resp.status_code == 200 and float(resp.json()["percent_reached"]) == 92.4
    history_resp = api.get(f"{URL}/targets/{target['id']}/history", **leader)
    changes = history_resp.json()
    assert [(c["amount_before_vnd"], float(c["amount_after_vnd"])) for c in changes] == [
        ("100000000", 125_000_000),
        (None, 100_000_000),
    ]
    assert changes[0]["reason"] == "Bộ Tài chính giao bổ sung"
    assert changes[0]["changed_by"] == "s.leader"
    gdvc = body | {"authority": "gdvc", "amount_vnd": "150000000"}
    assert (
        api.post(f"{URL}/targets", gdvc, content_type="application/json", **leader).status_code
        == 201
    )
    listed = api.get(f"{URL}/targets?office=20&year=2026", **leader).json()
    assert [(t["authority"], float(t["percent_reached"])) for t in listed] == [
        ("gdvc", 77.0),
        ("mof", 92.4),
    ]
    # The summary of November shows both, each with its percent.
    summary = api.get(f"{URL}/summary?office=20&from=2026-11", **leader).json()
    assert [(t["authority"], float(t["percent_reached"])) for t in summary["targets"]] == [
        ("mof", 92.4),
        ("gdvc", 77.0),
    ]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount_vnd": "0"}, "amount_vnd"),
        ({"amount_vnd": "-5"}, "amount_vnd"),
        ({"amount_vnd": "100.5"}, "amount_vnd"),
        ({"amount_vnd": "lots"}, "amount_vnd"),
        ({"year": 1999}, "year"),
        ({"year": "soon"}, "year"),
        ({"authority": "mayor"}, "authority"),
        ({"office_code": "XX99"}, "office_code"),
    ],
)
def test_bad_target_input_is_refused_naming_the_field(history, api, change, field):
    body = {"office_code": "20", "year": 2026, "authority": "mof", "amount_vnd": "1000"} | change
    resp = api.post(
        f"{URL}/targets", body, content_type="application/json", **history.auth("leader")
    )
    assert resp.status_code == 422, resp.content
    assert field in {e["field"] for e in resp.json()["errors"]}
    assert api.get(f"{URL}/targets", **history.auth("admin")).json() == []


def test_only_leaders_of_the_office_and_admins_set_targets(history, api):
    body = {"office_code": "20", "year": 2026, "authority": "mof", "amount_vnd": "1000"}
    for role, status in (
        ("officer", 403),
        ("analyst", 403),
        ("leader_bd", 403),
        ("declarant", 403),
    ):
        resp = api.post(
            f"{URL}/targets", body, content_type="application/json", **history.auth(role)
        )
        assert resp.status_code == status, role
    resp = api.post(
        f"{URL}/targets", body, content_type="application/json", **history.auth("admin")
    )
    assert resp.status_code == 201
    target_id = resp.json()["id"]
    # Bình Dương's leader does not even see it.
    assert api.get(f"{URL}/targets/{target_id}", **history.auth("leader_bd")).status_code == 404
    assert api.get(f"{URL}/targets", **history.auth("leader_bd")).json() == []
    assert api.get(f"{URL}/targets/{target_id}", **history.auth("officer")).status_code == 404
