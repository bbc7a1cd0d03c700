"""Hostile input: each is refused with a clear 4xx (problem+json) or stored harmlessly as text.

Never a 500, never a partial write. Cross-cutting: the same hostile strings go through the
declarations, risk, tariff and payments endpoints. The API has no file upload yet; fields that
look like file names (invoice and bill of lading numbers, receipt numbers in paths) are fed
path-traversal strings.
"""

from __future__ import annotations

import json
import time
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings

from haiquan.clearance.models import Declaration
from haiquan.core.ratelimit import bucket_take
from haiquan.payments.models import BankConfirmation, Receipt
from haiquan.payments.services import payment_order_create
from haiquan.tariff.models import HsLine

from .world import World, bank_message, declaration_payload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_limits")]
URL = "/api/v1/declarations"
PROBLEM = "application/problem+json"
ON_POSTGRES = connection.vendor == "postgresql"


def post(client: Client, url: str, body: Any, **headers: Any) -> Any:
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post(url, data=data, content_type="application/json", **headers)


def own_payload(world: World, **changes: Any) -> dict[str, Any]:
    body = declaration_payload(world.own.enterprise.mst, world.own.office_code, "green")
    body.update(changes)
    return body


def assert_problem(resp: Any, status: int, field: str | None = None) -> dict[str, Any]:
    assert resp.status_code == status, resp.content[:500]
    assert resp["Content-Type"] == PROBLEM
    body = resp.json()
    assert body["status"] == status and body["type"].startswith("urn:haiquan:problem:")
    if field is not None:
        assert field in [e["field"] for e in body.get("errors", [])], body
    return body


# --- Size ---------------------------------------------------------------------------------------


def test_a_body_over_the_upload_limit_is_413_and_nothing_is_filed(world, client):
    before = Declaration.objects.count()
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE  # Django's default: 2.5 MB
    huge = own_payload(world, partner_name="x" * (limit + 1))
    resp = post(client, URL, huge, **world.auth("broker"))
    body = assert_problem(resp, 413)
    assert str(limit) in body["detail"]
    assert Declaration.objects.count() == before


def test_a_bank_message_over_the_limit_is_413_before_any_signature_work(world, client):
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000):
        resp = post(client, "/api/v1/payments/confirmations", b"{" + b" " * 2000 + b"}")
    assert_problem(resp, 413)


def test_501_lines_are_refused_by_the_schema(world, client):
    body = own_payload(world)
    body["lines"] = body["lines"] * 501
    resp = post(client, URL, body, **world.auth("broker"))
    assert_problem(resp, 422, "lines")


def test_51_lines_break_the_vnaccs_limit_of_50(world, client):
    before = Declaration.objects.count()
    body = own_payload(world)
    line = body["lines"][0]
    body["lines"] = [line] * 51
    body["invoice_value"] = str(Decimal(line["value"]) * 51)
    resp = post(client, URL, body, **world.auth("broker"))
    problem = assert_problem(resp, 422, "lines")
    assert "50" in json.dumps(problem, ensure_ascii=False)
    assert Declaration.objects.count() == before


def test_a_ten_thousand_character_name_is_refused_naming_the_field(world, client):
    resp = post(client, URL, own_payload(world, partner_name="Đ" * 10_000), **world.auth("broker"))
    assert_problem(resp, 422, "partner_name")


# --- Malformed bytes ----------------------------------------------------------------------------


def test_json_nested_a_hundred_thousand_deep_is_400(world, client):
    deep = "[" * 100_000 + "]" * 100_000
    resp = post(client, URL, deep, **world.auth("broker"))
    assert_problem(resp, 400)


def test_nesting_where_text_is_expected_is_422_naming_the_field(world, client):
    nested: Any = "Công ty"
    for _ in range(200):
        nested = {"a": nested}
    resp = post(client, URL, own_payload(world, partner_name=nested), **world.auth("broker"))
    assert_problem(resp, 422, "partner_name")


def test_a_signed_but_deeply_nested_bank_message_is_422(world, client):
    msg = bank_message(world.bank_secret, {"x": 1})
    raw = b"[" * 100_000 + b"]" * 100_000
    ts = msg["timestamp"]
    from haiquan.payments.signing import sign

    resp = client.post(
        "/api/v1/payments/confirmations",
        data=raw,
        content_type="application/json",
        HTTP_X_BANK_CODE=world.bank.code,
        HTTP_X_TIMESTAMP=ts,
        HTTP_X_SIGNATURE=sign(world.bank_secret, ts, raw),
    )
    assert_problem(resp, 422, "body")


def test_invalid_utf8_in_the_body_is_400(world, client):
    resp = post(client, URL, b'{"partner_name": "C\xf4ng ty \xff\xfe"}', **world.auth("broker"))
    assert_problem(resp, 400)


def test_invalid_utf8_in_the_query_is_read_with_replacement_characters(world, client):
    resp = client.get("/api/v1/tariff/lines?q=%FF%FEthanh", **world.auth("declarant"))
    assert resp.status_code == 200


def test_invalid_utf8_in_a_path_is_a_404_problem(world, client):
    resp = client.get("/api/v1/payments/receipts/%FF%FE", **world.auth("declarant"))
    assert_problem(resp, 404)


def test_a_body_that_is_not_json_is_400(world, client):
    resp = client.post(URL, data="type_code=A11", content_type="text/plain", **world.auth("broker"))
    assert resp.status_code in (400, 422) and resp["Content-Type"] == PROBLEM


def test_the_nul_character_is_refused_where_postgresql_cannot_store_it(world, client):
    resp = post(
        client, URL, own_payload(world, partner_name="Hoàng\x00Long"), **world.auth("broker")
    )
    if ON_POSTGRES:
        assert_problem(resp, 422, "partner_name")
    else:  # SQLite keeps it as text, harmlessly
        assert resp.status_code == 201 and resp.json()["partner_name"] == "Hoàng\x00Long"


@pytest.mark.parametrize(
    ("url", "param", "role"),
    [
        ("/api/v1/tariff/lines", "q", "declarant"),
        ("/api/v1/risk/profiles", "q", "analyst"),
        (URL, "enterprise_mst", "analyst"),
        ("/api/v1/payments/receipts", "declaration_number", "declarant"),
    ],
)
def test_the_nul_character_in_a_query_is_refused_or_harmless(world, client, url, param, role):
    resp = client.get(url, {param: "thanh\x00long"}, **world.auth(role))
    if resp.status_code == 422:  # refused by the schema, or reached PostgreSQL
        assert_problem(resp, 422, param)
    else:  # read as text that matches nothing, or split into words
        assert resp.status_code == 200


# --- Numbers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        f"{URL}/{2**70}",
        f"{URL}/0",
        f"{URL}/-1",
        f"{URL}/abc",
        "/api/v1/risk/profiles/99999999999999999999999",
        f"{URL}?offset={2**70}",
        f"{URL}?limit=0",
    ],
)
def test_wild_numbers_in_paths_and_queries_are_422_naming_the_parameter(world, client, url):
    resp = client.get(url, **world.auth("analyst"))
    assert_problem(resp, 422)


def test_a_non_printable_idempotency_key_is_refused(world, client):
    resp = post(
        client, URL, own_payload(world), HTTP_IDEMPOTENCY_KEY="a\x07b", **world.auth("broker")
    )
    assert_problem(resp, 422, "Idempotency-Key")


# --- Text: Vietnamese, injection, traversal ----------------------------------------------------

VIETNAMESE = {
    "partner_name": "Công ty TNHH Thương mại Quốc tế Đông Á – Chi nhánh Lạng Sơn",
    "invoice_number": "HĐ-Số-0001/ĐÁ",
    "bill_of_lading": "VẬN-ĐƠN-ĐƯỜNG-BỘ-01",
}
VIETNAMESE_LINE = {"description": "Quả thanh long ruột đỏ tươi, loại 1, đóng thùng xốp 10 kg"}


def test_vietnamese_text_in_every_text_field_comes_back_unchanged(world, client):
    body = own_payload(world, **VIETNAMESE)
    body["lines"][0].update(VIETNAMESE_LINE)
    resp = post(client, URL, body, **world.auth("broker"))
    assert resp.status_code == 201, resp.content
    back = client.get(f"{URL}/{resp.json()['id']}", **world.auth("broker")).json()
    for name, text in VIETNAMESE.items():
        assert back[name] == text
    assert back["lines"][0]["description"] == VIETNAMESE_LINE["description"]
    # and where officers and analysts write
    cancel = post(
        client,
        f"{URL}/{back['id']}/cancel",
        {"reason": "Hủy do khai nhầm mã loại hình; sẽ khai lại tờ khai mới"},
        **world.auth("broker"),
    )
    assert cancel.json()["cancel_reason"].startswith("Hủy do khai nhầm")
    profile = post(
        client,
        "/api/v1/risk/profiles",
        {
            "code": "VN-TEXT",
            "name": "Sầu riêng nhập khẩu đường bộ",
            "description": "Theo dõi gian lận xuất xứ ở cửa khẩu Tân Thanh",
            "hs_prefixes": ["0810"],
            "lane": "yellow",
            "reason": "Kiểm tra chứng nhận xuất xứ (C/O mẫu E)",
        },
        **world.auth("analyst"),
    )
    assert profile.status_code == 201, profile.content
    assert profile.json()["current_version"]["reason"] == "Kiểm tra chứng nhận xuất xứ (C/O mẫu E)"


INJECTIONS = [
    "Robert'); DROP TABLE clearance_declaration;--",
    "' OR '1'='1",
    '"><script>alert(document.cookie)</script>',
    "<img src=x onerror=alert(1)>",
    "{{ settings.SECRET_KEY }}",
    "${jndi:ldap://127.0.0.1/a}",
    "%(secret)s %s %n",
]


@pytest.mark.parametrize("text", INJECTIONS)
def test_injection_strings_are_stored_as_text_and_answered_as_json_data(world, client, text):
    body = own_payload(world, partner_name=text, invoice_number=text[:35])
    body["lines"][0]["description"] = text
    resp = post(client, URL, body, **world.auth("broker"))
    assert resp.status_code == 201, resp.content
    assert resp["Content-Type"] == "application/json; charset=utf-8"
    stored = Declaration.objects.get(pk=resp.json()["id"])
    assert stored.partner_name == text and stored.lines.get().description == text
    assert resp.json()["partner_name"] == text  # data, not markup
    assert Declaration.objects.filter(partner_name=text).count() == 1  # the table is still there


@pytest.mark.parametrize("text", INJECTIONS[:3])
def test_injection_strings_in_searches_are_words_not_sql(world, client, text):
    """The search reads them as words (so "1" may match a line): every line found is found by
    a word it matched, and `OR '1'='1` does not turn the search into "every line"."""
    found = client.get("/api/v1/tariff/lines", {"q": text, "limit": 200}, **world.auth("declarant"))
    assert found.status_code == 200
    assert all(hit["matched"] for hit in found.json()["items"])
    assert found.json()["count"] < HsLine.objects.count()
    listed = client.get(URL, {"number": text[:12]}, **world.auth("analyst"))
    assert listed.status_code == 200 and listed.json()["items"] == []


TRAVERSALS = ["../../../../etc/passwd", "..\\..\\windows\\win.ini", "%2e%2e%2fetc%2fpasswd"]


@pytest.mark.parametrize("name", TRAVERSALS)
def test_path_traversal_in_file_name_like_fields_is_stored_as_text(world, client, name):
    resp = post(
        client,
        URL,
        own_payload(world, invoice_number=name, bill_of_lading=name),
        **world.auth("broker"),
    )
    assert resp.status_code == 201, resp.content
    assert resp.json()["invoice_number"] == name and resp.json()["bill_of_lading"] == name


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/payments/receipts/..%2F..%2F..%2Fetc%2Fpasswd",
        "/api/v1/payments/receipts/%2e%2e%5c%2e%2e%5cwin.ini",
        "/api/v1/tariff/lines/..%5C..%5Cetc",
    ],
)
def test_path_traversal_in_paths_finds_nothing(world, client, path):
    resp = client.get(path, **world.auth("declarant"))
    assert resp.status_code == 404
    assert b"root:" not in resp.content


# --- Banks: replays and forgeries ---------------------------------------------------------------


def _confirmation(world: World, *, txn: str = "FT-HOSTILE-1") -> dict[str, Any]:
    decl = world.own.declarations["awaiting"]
    order = payment_order_create(declaration=decl, actor=world.users["broker"])
    return {
        "order_reference": order.reference,
        "bank_transaction_id": txn,
        "amount_vnd": int(order.amount_vnd),
        "paid_at": "2026-03-01T09:30:00+07:00",
    }


def _send_bank(client: Client, world: World, raw: bytes, ts: str, sig: str, code: str = "") -> Any:
    return client.post(
        "/api/v1/payments/confirmations",
        data=raw,
        content_type="application/json",
        HTTP_X_BANK_CODE=code or world.bank.code,
        HTTP_X_TIMESTAMP=ts,
        HTTP_X_SIGNATURE=sig,
    )


def test_a_replayed_confirmation_returns_the_first_receipt_and_pays_once(world, client):
    msg = bank_message(world.bank_secret, _confirmation(world))
    first = _send_bank(client, world, msg["raw"], msg["timestamp"], msg["signature"])
    again = _send_bank(client, world, msg["raw"], msg["timestamp"], msg["signature"])
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["number"] == again.json()["number"]
    decl = world.own.declarations["awaiting"]
    assert Receipt.objects.filter(declaration=decl).count() == 1
    assert BankConfirmation.objects.filter(order__declaration=decl).count() == 1


def test_an_old_confirmation_replayed_later_is_refused_as_stale(world, client):
    max_age = settings.HAIQUAN["BANK_SIGNATURE_MAX_AGE"]
    msg = bank_message(world.bank_secret, _confirmation(world), at=time.time() - max_age - 60)
    resp = _send_bank(client, world, msg["raw"], msg["timestamp"], msg["signature"])
    assert_problem(resp, 401, "X-Timestamp")
    assert not Receipt.objects.filter(declaration=world.own.declarations["awaiting"]).exists()


@pytest.mark.parametrize(
    "forge",
    [
        "wrong secret",
        "body changed after signing",
        "timestamp changed after signing",
        "another bank's code",
        "no signature",
        "signature of the body alone",
    ],
)
def test_forged_confirmations_are_401_and_change_nothing(world, client, forge):
    from haiquan.payments.services import bank_create
    from haiquan.payments.signing import sign

    body = _confirmation(world)
    msg = bank_message(world.bank_secret, body)
    raw, ts, sig, code = msg["raw"], msg["timestamp"], msg["signature"], world.bank.code
    if forge == "wrong secret":
        sig = sign("0" * 64, ts, raw)
    elif forge == "body changed after signing":
        raw = json.dumps({**body, "amount_vnd": 1}).encode()
    elif forge == "timestamp changed after signing":
        ts = str(int(ts) + 1)
    elif forge == "another bank's code":
        code = bank_create(code="BIDV", name="Ngân hàng BIDV")[0].code
    elif forge == "no signature":
        sig = ""
    else:
        import hashlib
        import hmac

        sig = hmac.new(world.bank_secret.encode(), raw, hashlib.sha256).hexdigest()
    resp = _send_bank(client, world, raw, ts, sig, code)
    assert_problem(resp, 401)
    assert resp["WWW-Authenticate"].startswith("HMAC-SHA256")
    decl = world.own.declarations["awaiting"]
    decl.refresh_from_db()
    assert decl.status == "awaiting_payment" and decl.paid_vnd == 0
    assert not Receipt.objects.filter(declaration=decl).exists()


# --- Rate limits on tokens ----------------------------------------------------------------------


def test_the_bucket_follows_the_worked_example():
    key = "test:bucket"
    # burst 3, 1 a second: three pass at t=0, the fourth at t=0.2 waits 1 s, one passes at t=1.
    assert [bucket_take(key=key, burst=3, per_second=1, now=0).allowed for _ in range(3)] == [
        True,
        True,
        True,
    ]
    refused = bucket_take(key=key, burst=3, per_second=1, now=0.2)
    assert (refused.allowed, refused.retry_after) == (False, 1)
    later = bucket_take(key=key, burst=3, per_second=1, now=1.0)
    assert later.allowed and later.tokens_left == pytest.approx(0.0)
    # a long pause refills to the burst, never beyond
    assert bucket_take(key=key, burst=3, per_second=1, now=100).tokens_left == pytest.approx(2.0)


def _limits(burst: int, per_second: float) -> Any:
    return override_settings(
        HAIQUAN={**settings.HAIQUAN, "API_RATE_BURST": burst, "API_RATE_PER_SECOND": per_second}
    )


def test_a_token_past_its_burst_gets_429_with_retry_after(world, client):
    with _limits(burst=5, per_second=0.5):
        codes = [
            client.get("/api/v1/tariff/agreements", **world.auth("declarant")).status_code
            for _ in range(6)
        ]
        refused = client.get("/api/v1/tariff/agreements", **world.auth("declarant"))
        other_token = client.get("/api/v1/tariff/agreements", **world.auth("broker"))
    assert codes == [200] * 5 + [429]
    body = assert_problem(refused, 429)
    assert int(refused["Retry-After"]) >= 1 and body["type"] == "urn:haiquan:problem:rate-limited"
    assert other_token.status_code == 200  # one token's flood does not stop another's system


def test_a_zero_rate_turns_the_limit_off(world, client):
    with _limits(burst=1, per_second=0):
        codes = {
            client.get("/api/v1/tariff/agreements", **world.auth("declarant")).status_code
            for _ in range(5)
        }
    assert codes == {200}


def test_the_limit_counts_refused_tokens_only_after_they_authenticate(world, client):
    """A wrong token is a 401 and spends nobody's budget."""
    with _limits(burst=2, per_second=0.1):
        for _ in range(5):
            client.get("/api/v1/tariff/agreements", HTTP_AUTHORIZATION="Bearer hq_wrong")
        codes = [
            client.get("/api/v1/tariff/agreements", **world.auth("declarant")).status_code
            for _ in range(2)
        ]
    assert codes == [200, 200]
