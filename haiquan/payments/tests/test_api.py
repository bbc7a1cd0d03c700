"""/api/v1/payments through HTTP: what a bank's system and a trader's software get back."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from django.test import Client
from django.utils import timezone

from haiquan.accounts.choices import Role
from haiquan.accounts.models import User
from haiquan.accounts.tests.factories import UserFactory
from haiquan.accounts.tests.helpers import api_token
from haiquan.clearance.choices import Status
from haiquan.payments.models import BankConfirmation, Guarantee, PaymentOrder, Receipt
from haiquan.payments.services import payment_order_create
from haiquan.payments.tests.conftest import SigningBank
from haiquan.refdata.tests.factories import EnterpriseFactory, OfficeFactory

from .factories import confirmation_body, declaration_make, signed, trader_for

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db

BASE = "/api/v1/payments"


def bank_post(
    client: Client, bank: SigningBank, path: str, raw_body: bytes, **header_overrides: str | None
) -> Response:
    sig = signed(bank.secret, raw_body)
    headers: dict[str, str | None] = {
        "X-Bank-Code": bank.code,
        "X-Timestamp": sig["timestamp"],
        "X-Signature": sig["signature"],
    }
    headers.update(header_overrides)
    sent = {k: v for k, v in headers.items() if v is not None}
    return client.post(BASE + path, data=raw_body, content_type="application/json", headers=sent)


def bearer(user: User) -> dict[str, str]:
    raw = api_token(user, name="trader software")
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def client() -> Client:
    return Client()


# --- Bank confirmations ------------------------------------------------------------------------


def test_a_confirmation_answers_201_with_the_receipt_then_200_on_retry(
    client: Client, vcb: SigningBank
) -> None:
    declaration = declaration_make(total_duties_vnd=12_500_000)
    order = payment_order_create(declaration=declaration, actor=trader_for(declaration))
    body = confirmation_body(order.reference, bank_transaction_id="FT26060123456")
    first = bank_post(client, vcb, "/confirmations", body)
    assert first.status_code == 201, first.content
    receipt = first.json()
    year = timezone.localtime(timezone.now(), timezone.get_default_timezone()).year
    assert receipt == {
        "number": f"BL{year}-000001",
        "declaration_number": declaration.number,
        "order_reference": order.reference,
        "amount_vnd": 12_500_000,
        "issued_at": receipt["issued_at"],
        "paid_at": "2026-03-01T02:30:00Z",
        "payer_mst": declaration.enterprise.mst,
        "payer_name": declaration.enterprise.name,
        "bank_code": "VCB",
        "bank_transaction_id": "FT26060123456",
    }
    retry = bank_post(client, vcb, "/confirmations", body)
    assert retry.status_code == 200
    assert retry.json() == receipt
    assert BankConfirmation.objects.count() == 1


@pytest.mark.parametrize(
    ("headers", "field"),
    [
        ({"X-Signature": "ab" * 32}, "X-Signature"),
        ({"X-Signature": None}, "X-Signature"),
        ({"X-Bank-Code": "NOPE"}, "X-Bank-Code"),
        ({"X-Bank-Code": None}, "X-Bank-Code"),
    ],
)
def test_a_refused_signature_is_a_401_problem_naming_the_header(
    client: Client, vcb: SigningBank, headers: dict[str, str | None], field: str
) -> None:
    order = payment_order_create(declaration=(d := declaration_make()), actor=trader_for(d))
    resp = bank_post(client, vcb, "/confirmations", confirmation_body(order.reference), **headers)
    assert resp.status_code == 401
    assert resp["Content-Type"] == "application/problem+json"
    assert resp["WWW-Authenticate"].startswith("HMAC-SHA256")
    assert [e["field"] for e in resp.json()["errors"]] == [field]
    assert not Receipt.objects.exists()
    order.refresh_from_db()
    assert order.status == "open"


def test_a_stale_timestamp_is_a_401(client: Client, vcb: SigningBank) -> None:
    order = payment_order_create(declaration=(d := declaration_make()), actor=trader_for(d))
    body = confirmation_body(order.reference)
    old = signed(vcb.secret, body, at=timezone.now().timestamp() - 3600)
    resp = bank_post(
        client,
        vcb,
        "/confirmations",
        body,
        **{"X-Timestamp": old["timestamp"], "X-Signature": old["signature"]},
    )
    assert resp.status_code == 401
    assert resp.json()["errors"][0]["code"] == "stale-timestamp"


def test_a_wrong_amount_is_a_422_naming_the_field(client: Client, vcb: SigningBank) -> None:
    order = payment_order_create(declaration=(d := declaration_make()), actor=trader_for(d))
    resp = bank_post(
        client, vcb, "/confirmations", confirmation_body(order.reference, amount_vnd=1)
    )
    assert resp.status_code == 422
    assert resp["Content-Type"] == "application/problem+json"
    assert resp.json()["errors"][0]["field"] == "amount_vnd"


def test_malformed_json_is_a_422_naming_the_body(client: Client, vcb: SigningBank) -> None:
    resp = bank_post(client, vcb, "/confirmations", b'{"order_reference": ')
    assert resp.status_code == 422
    assert resp.json()["errors"] == [
        {"field": "body", "problem": resp.json()["errors"][0]["problem"], "code": "malformed"}
    ]


def test_a_reused_transaction_id_is_a_409(client: Client, vcb: SigningBank) -> None:
    order = payment_order_create(declaration=(d := declaration_make()), actor=trader_for(d))
    assert (
        bank_post(client, vcb, "/confirmations", confirmation_body(order.reference)).status_code
        == 201
    )
    other = confirmation_body(order.reference, paid_at="2026-03-02T09:30:00+07:00")
    resp = bank_post(client, vcb, "/confirmations", other)
    assert resp.status_code == 409
    assert resp.json()["type"] == "urn:haiquan:problem:transaction-reused"


# --- Guarantees --------------------------------------------------------------------------------


def test_a_guarantee_answers_201_then_200_and_settles(client: Client, vcb: SigningBank) -> None:
    declaration = declaration_make(total_duties_vnd=12_500_000)
    today = timezone.localdate(timezone=timezone.get_default_timezone())
    body = json.dumps(
        {
            "reference": "BL-VCB-2026-0001",
            "declaration_number": declaration.number,
            "amount_vnd": 12_500_000,
            "valid_from": today.isoformat(),
            "valid_to": today.replace(year=today.year + 1).isoformat(),
        }
    ).encode()
    resp = bank_post(client, vcb, "/guarantees", body)
    assert resp.status_code == 201, resp.content
    assert resp.json()["declaration_number"] == declaration.number
    assert resp.json()["status"] == "active"
    assert bank_post(client, vcb, "/guarantees", body).status_code == 200
    assert Guarantee.objects.count() == 1
    declaration.refresh_from_db()
    assert declaration.status == Status.CLEARED


# --- Traders and officers ----------------------------------------------------------------------


def test_a_trader_orders_payment_and_reads_its_orders_and_receipts(
    client: Client, vcb: SigningBank
) -> None:
    declaration = declaration_make(total_duties_vnd=12_500_000)
    assert declaration.number is not None
    auth = bearer(trader_for(declaration))
    resp = client.post(
        BASE + "/orders",
        data={"declaration_number": declaration.number},
        content_type="application/json",
        headers=auth,
    )
    assert resp.status_code == 201, resp.content
    order = resp.json()
    assert order["reference"] == f"TT{declaration.number}01"
    assert (order["amount_vnd"], order["status"], order["bank_code"]) == (12_500_000, "open", None)

    bank_post(client, vcb, "/confirmations", confirmation_body(order["reference"]))

    listed = client.get(BASE + "/orders", {"declaration_number": declaration.number}, headers=auth)
    assert listed.status_code == 200
    assert [(o["reference"], o["status"], o["bank_code"]) for o in listed.json()["items"]] == [
        (order["reference"], "paid", "VCB")
    ]
    receipts = client.get(
        BASE + "/receipts", {"declaration_number": declaration.number}, headers=auth
    )
    assert receipts.json()["count"] == 1
    number = receipts.json()["items"][0]["number"]
    one = client.get(f"{BASE}/receipts/{number}", headers=auth)
    assert one.status_code == 200 and one.json()["amount_vnd"] == 12_500_000


def test_ordering_for_a_declaration_with_nothing_due_is_a_409(client: Client) -> None:
    declaration = declaration_make(total_duties_vnd=0)
    resp = client.post(
        BASE + "/orders",
        data={"declaration_number": declaration.number},
        content_type="application/json",
        headers=bearer(trader_for(declaration)),
    )
    assert resp.status_code == 409


def test_a_trader_cannot_order_or_read_another_enterprises_payments(
    client: Client, vcb: SigningBank
) -> None:
    declaration = declaration_make()
    order = payment_order_create(declaration=declaration, actor=trader_for(declaration))
    receipt_number = bank_post(
        client, vcb, "/confirmations", confirmation_body(order.reference)
    ).json()["number"]
    stranger = UserFactory.create(role=Role.DECLARANT)
    stranger.enterprises.add(EnterpriseFactory.create())
    auth = bearer(stranger)
    resp = client.post(
        BASE + "/orders",
        data={"declaration_number": declaration.number},
        content_type="application/json",
        headers=auth,
    )
    assert resp.status_code == 404
    assert client.get(BASE + "/orders", headers=auth).json()["count"] == 0
    assert client.get(BASE + "/receipts", headers=auth).json()["count"] == 0
    assert client.get(f"{BASE}/receipts/{receipt_number}", headers=auth).status_code == 404


def test_officers_of_the_office_read_but_do_not_order(client: Client, vcb: SigningBank) -> None:
    parent = OfficeFactory.create()
    office = OfficeFactory.create(parent=parent)
    declaration = declaration_make(office=office)
    order = payment_order_create(declaration=declaration, actor=trader_for(declaration))
    bank_post(client, vcb, "/confirmations", confirmation_body(order.reference))

    officer = UserFactory.create(role=Role.OFFICER)
    officer.offices.add(parent)  # the department sees its sub-offices' declarations
    auth = bearer(officer)
    assert client.get(BASE + "/receipts", headers=auth).json()["count"] == 1
    assert client.get(BASE + "/orders", headers=auth).json()["count"] == 1
    resp = client.post(
        BASE + "/orders",
        data={"declaration_number": declaration.number},
        content_type="application/json",
        headers=auth,
    )
    assert resp.status_code == 403

    elsewhere = UserFactory.create(role=Role.OFFICER)
    elsewhere.offices.add(OfficeFactory.create())
    assert client.get(BASE + "/receipts", headers=bearer(elsewhere)).json()["count"] == 0


def test_trader_endpoints_need_authentication(client: Client) -> None:
    assert client.get(BASE + "/orders").status_code == 401
    assert client.get(BASE + "/receipts").status_code == 401


def test_an_invalid_declaration_number_is_a_422(client: Client) -> None:
    user = UserFactory.create(role=Role.DECLARANT)
    resp = client.post(
        BASE + "/orders",
        data={"declaration_number": "12345"},
        content_type="application/json",
        headers=bearer(user),
    )
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"] == "declaration_number"
    assert not PaymentOrder.objects.exists()
