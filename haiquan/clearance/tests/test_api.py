"""/api/v1/declarations through HTTP, as a trader's or an officer's system uses it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from django.test import Client

from haiquan.accounts.models import User
from haiquan.clearance.models import Declaration
from haiquan.refdata.models import Enterprise
from haiquan.risk.services import profile_create

from .conftest import payload

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db
URL = "/api/v1/declarations"


def post(client: Client, url: str, body: object, **headers: Any) -> Response:
    return client.post(url, data=json.dumps(body), content_type="application/json", **headers)


def test_filing_answers_number_duties_and_lane_in_one_call(
    rates: None, declarant: User, hoanglong: Enterprise, api: Callable[[User], Client]
) -> None:
    resp = post(api(declarant), URL, payload(hoanglong.mst))
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert len(body["number"]) == 12 and body["status"] == "awaiting_payment"
    assert body["lane"] == "green"
    assert body["duties"]["total_vnd"] == 62_500_000
    assert body["lines"][0]["duties"]["import_duty_vnd"] == 50_000_000
    assert body["amount_due_vnd"] == 62_500_000
    assert "lane_reasons" not in body or body["lane_reasons"] is None  # not shown to traders


def test_without_token_401_problem(rates: None, hoanglong: Enterprise, client: Client) -> None:
    resp = post(client, URL, payload(hoanglong.mst))
    assert resp.status_code == 401
    assert resp["Content-Type"] == "application/problem+json"


def test_bad_token_401(rates: None, hoanglong: Enterprise, client: Client) -> None:
    resp = post(client, URL, payload(hoanglong.mst), HTTP_AUTHORIZATION="Bearer hq_nope")
    assert resp.status_code == 401


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"enterprise_mst": "0100109105"}, "enterprise_mst"),
        (
            {
                "lines": [
                    {
                        "hs_code": "99999999",
                        "description": "x",
                        "origin": "CN",
                        "quantity": "1",
                        "unit": "KGM",
                        "unit_price": "1",
                        "value": "1",
                    }
                ],
                "invoice_value": "1",
            },
            "lines[0].hs_code",
        ),
        (
            {
                "lines": [
                    {
                        "hs_code": "08109092",
                        "description": "x",
                        "origin": "QQ",
                        "quantity": "1",
                        "unit": "KGM",
                        "unit_price": "1",
                        "value": "1",
                    }
                ],
                "invoice_value": "1",
            },
            "lines[0].origin",
        ),
        (
            {
                "lines": [
                    {
                        "hs_code": "08109092",
                        "description": "x",
                        "origin": "CN",
                        "quantity": "-5",
                        "unit": "KGM",
                        "unit_price": "1",
                        "value": "-5",
                    }
                ],
                "invoice_value": "1",
            },
            "lines[0].quantity",
        ),
        ({"invoice_value": "9999"}, "invoice_value"),
        ({"containers": ["CSQU3054384"]}, "containers[0]"),
        ({"transport_mode": "teleport"}, "transport_mode"),
        ({"lines": []}, "lines"),
        ({"currency": "XYZ"}, "currency"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(
    rates: None,
    declarant: User,
    hoanglong: Enterprise,
    api: Callable[[User], Client],
    change: dict[str, Any],
    field: str,
) -> None:
    resp = post(api(declarant), URL, {**payload(hoanglong.mst), **change})
    assert resp.status_code == 422, resp.content
    assert resp["Content-Type"] == "application/problem+json"
    problem = resp.json()
    assert field in [e["field"] for e in problem["errors"]], problem
    assert all(e["problem"] for e in problem["errors"])
    assert Declaration.objects.count() == 0


def test_malformed_json_is_a_4xx_not_a_500(declarant: User, api: Callable[[User], Client]) -> None:
    resp = api(declarant).post(URL, data=b"{not json", content_type="application/json")
    assert 400 <= resp.status_code < 500


def test_idempotent_retry_returns_the_first_answer(
    rates: None, declarant: User, hoanglong: Enterprise, api: Callable[[User], Client]
) -> None:
    client = api(declarant)
    body = payload(hoanglong.mst)
    first = post(client, URL, body, HTTP_IDEMPOTENCY_KEY="erp-7781")
    again = post(client, URL, body, HTTP_IDEMPOTENCY_KEY="erp-7781")
    assert first.status_code == again.status_code == 201
    assert first.json()["number"] == again.json()["number"]
    assert again["Idempotent-Replayed"] == "true"
    assert Declaration.objects.count() == 1
    other = post(
        client, URL, payload(hoanglong.mst, invoice_number="OTHER"), HTTP_IDEMPOTENCY_KEY="erp-7781"
    )
    assert other.status_code == 409
    assert Declaration.objects.count() == 1


def test_one_enterprise_cannot_reach_anothers_declaration(
    rates: None,
    declarant: User,
    other_declarant: User,
    hoanglong: Enterprise,
    api: Callable[[User], Client],
) -> None:
    mine = post(api(declarant), URL, payload(hoanglong.mst)).json()
    intruder = api(other_declarant)
    pid = mine["id"]
    body: dict[str, Any] | None
    for method, url, body in [
        ("get", f"{URL}/{pid}", None),
        ("get", f"{URL}/{pid}/events", None),
        ("get", f"{URL}/{pid}/versions", None),
        ("get", f"{URL}/{pid}/checks", None),
        ("put", f"{URL}/{pid}", payload(hoanglong.mst)),
        ("post", f"{URL}/{pid}/register", {}),
        ("post", f"{URL}/{pid}/amend", {**payload(hoanglong.mst), "reason": "x"}),
        ("post", f"{URL}/{pid}/cancel", {"reason": "x"}),
        ("post", f"{URL}/{pid}/inspection", {"outcome": "match"}),
        ("post", f"{URL}/{pid}/document-check", {"outcome": "match"}),
        ("post", f"{URL}/{pid}/check-preview", {"corrections": []}),
        ("post", f"{URL}/{pid}/escalate", {"reason": "x"}),
        ("post", f"{URL}/{pid}/release", {}),
    ]:
        kwargs = (
            {"data": json.dumps(body), "content_type": "application/json"}
            if body is not None
            else {}
        )
        resp = getattr(intruder, method)(url, **kwargs)
        assert resp.status_code == 404, (method, url, resp.status_code)
    listed = intruder.get(URL).json()
    assert listed["count"] == 0 and listed["items"] == []
    # And the other enterprise cannot file in its name either.
    resp = post(intruder, URL, payload(hoanglong.mst))
    assert resp.status_code == 403


def test_list_is_paginated_and_filtered(
    rates: None, declarant: User, hoanglong: Enterprise, api: Callable[[User], Client]
) -> None:
    client = api(declarant)
    for _ in range(3):
        post(client, URL, payload(hoanglong.mst))
    post(client, URL, {**payload(hoanglong.mst), "draft": True})
    page = client.get(URL, {"limit": 2, "offset": 0}).json()
    assert page["count"] == 4 and len(page["items"]) == 2
    drafts = client.get(URL, {"status": "draft"}).json()
    assert drafts["count"] == 1 and drafts["items"][0]["number"] is None
    assert client.get(URL, {"status": "nonsense"}).status_code == 422


def test_officer_flow_over_http(
    rates: None,
    declarant: User,
    officer: User,
    analyst: User,
    hoanglong: Enterprise,
    api: Callable[[User], Client],
) -> None:
    profile_create(
        code="FRUIT-RED",
        name="Fruit",
        criteria={"hs_prefixes": ["0810"]},
        lane="red",
        reason="Inspect fresh fruit",
        actor=analyst,
    )
    decl = post(api(declarant), URL, payload(hoanglong.mst)).json()
    assert decl["lane"] == "red" and decl["status"] == "inspection"
    off = api(officer)
    queue = off.get(f"{URL}/queue").json()
    assert [d["number"] for d in queue["items"]] == [decl["number"]]
    seen = off.get(f"{URL}/{decl['id']}").json()
    assert seen["lane_reasons"][0]["text"] == "Inspect fresh fruit"
    preview = post(
        off,
        f"{URL}/{decl['id']}/check-preview",
        {"corrections": [{"line_no": 1, "quantity": "12000"}]},
    )
    assert preview.json()["difference_vnd"] == 12_500_000
    bad = post(
        off,
        f"{URL}/{decl['id']}/inspection",
        {
            "outcome": "discrepancy",
            "findings": "",
            "corrections": [{"line_no": 1, "quantity": "12000"}],
        },
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "findings"
    stale = post(
        off, f"{URL}/{decl['id']}/inspection", {"outcome": "match", "version": seen["version"] - 1}
    )
    assert stale.status_code == 409
    done = post(
        off,
        f"{URL}/{decl['id']}/inspection",
        {
            "outcome": "discrepancy",
            "findings": "12 t found",
            "version": seen["version"],
            "corrections": [{"line_no": 1, "quantity": "12000"}],
        },
    )
    assert done.status_code == 200, done.content
    assert (
        done.json()["duties"]["total_vnd"] == 75_000_000
        and done.json()["status"] == "awaiting_payment"
    )
    events = api(declarant).get(f"{URL}/{decl['id']}/events").json()
    kinds = [e["kind"] for e in events]
    assert kinds == [
        "declaration.lodged",
        "declaration.registered",
        "declaration.lane_decided",
        "declaration.inspection_recorded",
    ]
    assert "reasons" not in events[2]["data"]  # the selectivity's reasons stay with customs
    assert len(api(declarant).get(f"{URL}/{decl['id']}/versions").json()) == 2


def test_a_trader_cannot_record_checks(
    rates: None,
    declarant: User,
    analyst: User,
    hoanglong: Enterprise,
    api: Callable[[User], Client],
) -> None:
    profile_create(
        code="FRUIT-RED",
        name="Fruit",
        criteria={"hs_prefixes": ["0810"]},
        lane="red",
        reason="Inspect",
        actor=analyst,
    )
    decl = post(api(declarant), URL, payload(hoanglong.mst)).json()
    resp = post(api(declarant), f"{URL}/{decl['id']}/inspection", {"outcome": "match"})
    assert resp.status_code == 403


def test_duty_preview_saves_nothing(
    rates: None, declarant: User, hoanglong: Enterprise, api: Callable[[User], Client]
) -> None:
    resp = post(api(declarant), f"{URL}/duty-preview", payload(hoanglong.mst))
    assert resp.status_code == 200
    assert resp.json()["total_vnd"] == 62_500_000
    assert Declaration.objects.count() == 0


def test_openapi_document(client: Client) -> None:
    resp = client.get("/api/v1/openapi.json")
    assert resp.status_code == 200
    paths = resp.json()["paths"]
    assert "/api/v1/declarations" in paths and "/api/v1/payments/confirmations" in paths


REFERENCE_TABLES = (
    "refdata_office",
    "refdata_country",
    "refdata_currency",
    "refdata_declarationtype",
    "refdata_exchangerate",
)


def test_a_filing_reads_no_reference_table_once_the_process_holds_them(
    rates: None, declarant: User, hoanglong: Enterprise, api: Callable[[User], Client]
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api(declarant)
    assert post(client, URL, payload(hoanglong.mst)).status_code == 201
    with CaptureQueriesContext(connection) as ctx:
        resp = post(client, URL, payload(hoanglong.mst), HTTP_IDEMPOTENCY_KEY="erp-q-1")
    assert resp.status_code == 201, resp.content
    read = [q["sql"] for q in ctx.captured_queries if any(t in q["sql"] for t in REFERENCE_TABLES)]
    assert read == []
    # The idempotency record goes in with one statement, and a keyed registration runs inside
    # the idempotency transaction without a savepoint of its own: the one left is that
    # transaction's (a savepoint here only because the test itself runs in a transaction).
    assert sum(q["sql"].startswith("SAVEPOINT") for q in ctx.captured_queries) == 1


def test_a_change_of_reference_data_applies_to_the_next_filing(
    rates: None, declarant: User, hoanglong: Enterprise, api: Callable[[User], Client]
) -> None:
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from haiquan.refdata.models import Office
    from haiquan.refdata.services import exchange_rate_set
    from haiquan.tariff.models import LineRate
    from haiquan.tariff.services import tariff_changed

    client = api(declarant)
    first = post(client, URL, payload(hoanglong.mst)).json()
    assert first["duties"]["exchange_rate"] == "25000.0000"
    exchange_rate_set(currency="USD", day=timezone.localdate(), rate_vnd=Decimal("26000"))
    second = post(client, URL, payload(hoanglong.mst)).json()
    assert second["duties"]["exchange_rate"] == "26000.0000"
    assert second["duties"]["customs_value_vnd"] == 8000 * 26000
    assert second["lines"][0]["duties"]["import_duty_vnd"] == 8000 * 26000 * 25 // 100
    # The tariff changes too (its token is read in the same statement as the reference data's).
    LineRate.objects.filter(hs_line="08109092").update(mfn_rate=Decimal("20"))
    tariff_changed()
    third = post(client, URL, payload(hoanglong.mst)).json()
    assert third["lines"][0]["duties"]["import_duty_vnd"] == 8000 * 26000 * 20 // 100
    # The office closes (an administrator sets its last day to yesterday).
    Office.objects.filter(code="20BD").update(valid_to=timezone.localdate() - timedelta(days=1))
    closed = post(client, URL, payload(hoanglong.mst))
    assert closed.status_code == 422
    assert closed.json()["errors"][0]["field"] == "office_code"
    assert closed.json()["errors"][0]["code"] == "office-inactive"


def test_a_replayed_answer_is_byte_for_byte_the_first(
    rates: None, declarant: User, hoanglong: Enterprise, api: Callable[[User], Client]
) -> None:
    client = api(declarant)
    body = payload(hoanglong.mst)
    first = post(client, URL, body, HTTP_IDEMPOTENCY_KEY="erp-r-1")
    again = post(client, URL, body, HTTP_IDEMPOTENCY_KEY="erp-r-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and not first.has_header("Idempotent-Replayed")
    assert first["Content-Type"] == again["Content-Type"] == "application/json; charset=utf-8"
    assert first.content == again.content
