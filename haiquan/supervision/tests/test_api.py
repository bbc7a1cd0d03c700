"""/api/v1/supervision through HTTP, as a terminal's or a warehouse's system uses it."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from haiquan.clearance import services as clearance
from haiquan.clearance.choices import CheckKind, CheckOutcome

from .conftest import CONTAINER, OTHER_CONTAINER

pytestmark = pytest.mark.django_db
ZONE = "/api/v1/supervision/zones/20CDP01"


def post(client, url, body, **headers):  # type: ignore[no-untyped-def]
    return client.post(url, data=json.dumps(body), content_type="application/json", **headers)


class TestGate:
    def test_a_container_leaves_only_once_cleared(
        self, red_for_fruit, declare, port, operator, officer, api
    ):
        decl = declare()
        terminal = api(operator)
        resp = post(
            terminal,
            f"{ZONE}/gate-events",
            {"message_id": "IN-1", "direction": "in", "container_number": CONTAINER},
        )
        assert resp.status_code == 201 and resp.json()["allowed"] is None

        resp = post(
            terminal,
            f"{ZONE}/gate-events",
            {"message_id": "OUT-1", "direction": "out", "container_number": CONTAINER},
        )
        assert resp.status_code == 201
        body = resp.json()
        assert body["allowed"] is False and body["refusal_code"] == "not_cleared"
        assert decl.number in body["reason"] and body["declaration_number"] == decl.number

        clearance.declaration_check_record(
            actor=officer, declaration=decl, kind=CheckKind.INSPECTION, outcome=CheckOutcome.MATCH
        )
        resp = post(
            terminal,
            f"{ZONE}/gate-events",
            {"message_id": "OUT-2", "direction": "out", "container_number": CONTAINER},
        )
        assert resp.json()["allowed"] is True and resp.json()["outcome"] == "allowed"
        assert terminal.get(f"{ZONE}/inventory").json() == []

    def test_a_retry_gets_the_first_answer(self, port, operator, api):
        terminal = api(operator)
        body = {"message_id": "IN-7", "direction": "in", "container_number": CONTAINER}
        first = post(terminal, f"{ZONE}/gate-events", body)
        again = post(terminal, f"{ZONE}/gate-events", body)
        assert (first.status_code, again.status_code) == (201, 200)
        assert again["Idempotent-Replayed"] == "true" and again.json()["id"] == first.json()["id"]

    def test_problems_are_named(self, port, operator, api):
        resp = post(
            api(operator),
            f"{ZONE}/gate-events",
            {"message_id": "X", "direction": "out", "container_number": "CSQU3054384"},
        )
        assert resp.status_code == 422 and resp["Content-Type"] == "application/problem+json"
        (error,) = resp.json()["errors"]
        assert error["field"] == "container_number" and "should be 3" in error["problem"]

    def test_a_batch_answers_each_report(self, declare, port, operator, api):
        declare()
        resp = post(
            api(operator),
            f"{ZONE}/gate-events/batch",
            {"events": [
                {"message_id": "B1", "direction": "in", "container_number": CONTAINER},
                {"message_id": "B2", "direction": "in", "container_number": "NOPE"},
                {"message_id": "B3", "direction": "out", "container_number": OTHER_CONTAINER},
                {"message_id": "B1", "direction": "in", "container_number": CONTAINER},
            ]},
        )  # fmt: skip
        assert resp.status_code == 200
        results = resp.json()["results"]
        assert [r["status"] for r in results] == [201, 422, 201, 200]
        assert results[1]["errors"][0]["field"] == "events[1].container_number"
        assert results[2]["event"]["allowed"] is False
        assert results[3]["event"]["replayed"] is True

    def test_zones_are_seen_by_their_operator_and_offices_only(
        self, port, warehouse, operator, warehouse_keeper, officer, officer_elsewhere, api
    ):
        assert [z["code"] for z in api(operator).get("/api/v1/supervision/zones").json()] == [
            "20CDP01"
        ]
        assert [z["code"] for z in api(officer).get("/api/v1/supervision/zones").json()] == [
            "20CDK01", "20CDP01",
        ]  # fmt: skip
        assert api(officer_elsewhere).get(ZONE).status_code == 404
        assert post(
            api(warehouse_keeper), f"{ZONE}/gate-events",
            {"message_id": "X", "direction": "in", "container_number": CONTAINER},
        ).status_code == 404  # fmt: skip

    def test_discrepancies(self, declare, port, operator, api):
        declare(containers=(CONTAINER, "TGHU8765436"))
        terminal = api(operator)
        post(
            terminal,
            f"{ZONE}/gate-events",
            {"message_id": "I1", "direction": "in", "container_number": CONTAINER},
        )
        body = terminal.get(f"{ZONE}/discrepancies").json()
        assert [d["container_number"] for d in body["declared_not_gated_in"]] == ["TGHU8765436"]
        assert body["total"] == 1


class TestAlerts:
    def test_officers_acknowledge_and_resolve(
        self, port, operator, officer, officer_elsewhere, api
    ):
        post(
            api(operator),
            f"{ZONE}/gate-events",
            {"message_id": "O1", "direction": "out", "container_number": CONTAINER},
        )
        desk = api(officer)
        (alert,) = desk.get("/api/v1/supervision/alerts", {"state": "raised"}).json()["items"]
        assert alert["kind"] == "exit_refused" and CONTAINER in alert["message"]
        assert api(officer_elsewhere).get("/api/v1/supervision/alerts").json()["items"] == []
        assert api(operator).get("/api/v1/supervision/alerts").json()["items"] == []
        url = f"/api/v1/supervision/alerts/{alert['id']}"
        assert post(desk, f"{url}/acknowledge", {"note": "on it"}).json()["state"] == "acknowledged"
        resp = post(desk, f"{url}/resolve", {"note": ""})
        assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "note"
        resolved = post(desk, f"{url}/resolve", {"note": "Driver had the wrong papers"}).json()
        assert resolved["state"] == "resolved" and resolved["resolved_by"] == "cc.cailan"


class TestBondedWarehouse:
    def test_receive_issue_cancel_and_read_the_stock(
        self, declare, warehouse, warehouse_keeper, api
    ):
        c11 = declare(type_code="C11", containers=())
        keeper = api(warehouse_keeper)
        url = "/api/v1/supervision/zones/20CDK01"
        resp = post(
            keeper,
            f"{url}/receipts",
            {"declaration_number": c11.number, "document_number": "PN-1",
             "lines": [{"line_no": 1, "quantity": "4000"}]},
        )  # fmt: skip
        assert resp.status_code == 201, resp.content
        # 200,000,000 VND × 4,000 / 10,000 kg
        assert Decimal(resp.json()["lines"][0]["value_vnd"]) == Decimal("80000000")
        post(
            keeper, f"{url}/receipts", {"declaration_number": c11.number, "document_number": "PN-2"}
        )
        (row,) = keeper.get(f"{url}/stock").json()
        assert (Decimal(row["quantity"]), Decimal(row["value_vnd"]), row["lots"]) == (
            Decimal("10000"), Decimal("200000000"), 2,
        )  # fmt: skip
        resp = post(keeper, f"{url}/receipts/PN-2/cancel", {"reason": "typed twice"})
        assert resp.status_code == 200 and resp.json()["state"] == "cancelled"
        (row,) = keeper.get(f"{url}/stock").json()
        assert Decimal(row["quantity"]) == Decimal("4000")
        assert [e["kind"] for e in keeper.get(f"{url}/ledger").json()["items"]] == [
            "receipt_cancelled", "receipt", "receipt",
        ]  # fmt: skip
        assert all(r["consistent"] for r in keeper.get(f"{url}/reconciliation").json())


def test_a_wild_offset_is_a_422_not_a_500(port, operator, api):
    client = api(operator)
    for url in (
        "/api/v1/supervision/alerts",
        "/api/v1/transit/movements",
        "/api/v1/transit/eseals",
    ):
        resp = client.get(url, {"offset": 10**30})
        assert resp.status_code == 422, (url, resp.status_code)
