"""A small, complete world for the cross-cutting API tests (schema, authorisation, hostile input).

Two traders and the customs side around them:

- "own" party: Công ty TNHH Hoàng Long files at Móng Cái (20BD) through its customs broker
  Tân Phát; every "own" declaration is filed by the broker, so both the enterprise's declarant
  and the broker may act on it, and the officer of 20BD and the leader of Quảng Ninh (20)
  work it.
- "other" party: Công ty CP Minh Anh files itself at Sóng Thần (43IH), outside every scope
  above. Only the analyst and the administrator (who see everything) may read it.

For each party one declaration in each state the API acts on: a draft, awaiting payment
(green), in document check (yellow: laptops, HS 8471, by risk profile), in inspection (red:
phones, HS 8517) and cleared (green, paid through the bank VCB, with its receipt).

Every role signs in with a bearer token, as a system does; `anonymous` sends none.
"""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any, TypedDict

from django.utils import timezone

from haiquan.accounts.models import User
from haiquan.accounts.services import user_create
from haiquan.accounts.tests.helpers import api_token
from haiquan.clearance.choices import Status
from haiquan.clearance.inputs import DeclarationInput, LineInput
from haiquan.clearance.models import Declaration
from haiquan.clearance.services import declaration_draft_save, declaration_register
from haiquan.payments.models import Bank, Receipt
from haiquan.payments.services import bank_confirmation_receive, bank_create, payment_order_create
from haiquan.payments.signing import sign
from haiquan.refdata.models import BrokerAuthorisation, Enterprise
from haiquan.refdata.services import exchange_rate_set
from haiquan.refdata.tests.factories import EnterpriseFactory, valid_mst
from haiquan.risk.models import RiskProfile
from haiquan.risk.services import profile_create, profile_deactivate

from .world_supervision import SupervisionParty, build_supervision

ROLES = (
    "declarant",
    "broker",
    "officer",
    "leader",
    "analyst",
    "admin",
    "operator",
    "anonymous",
)
STATES = ("draft", "awaiting", "yellow", "red", "cleared")

# HS code → (description, unit, unit price USD): dragon fruit goes green, laptops yellow,
# phones red (by the risk profiles below).
GOODS = {
    "green": ("08109092", "Quả thanh long tươi", "KGM", Decimal("0.8")),
    "yellow": ("84713020", "Máy tính xách tay", "PCE", Decimal("420")),
    "red": ("85171300", "Điện thoại thông minh", "PCE", Decimal("150")),
}


# Each declaration of the world is of its own invoice: the same invoice and container filed twice
# by an enterprise is refused as a duplicate (clearance.selectors.declaration_duplicates).
_invoices = itertools.count(1)


def declaration_payload(enterprise_mst: str, office_code: str, goods: str = "green") -> dict:
    """The JSON a trader's software sends: one line, 100 units, CIF in USD, a fresh invoice."""
    hs, desc, unit, price = GOODS[goods]
    value = (price * 100).quantize(Decimal("0.01"))
    return {
        "type_code": "A11",
        "office_code": office_code,
        "enterprise_mst": enterprise_mst,
        "transport_mode": "road",
        "incoterm": "CIF",
        "currency": "USD",
        "invoice_value": str(value),
        "partner_name": "Guangxi Pingxiang Trading Co.",
        "partner_country": "CN",
        "invoice_number": f"INV-2026-{next(_invoices):04d}",
        "containers": ["CSQU3054383"],
        "lines": [
            {
                "hs_code": hs,
                "description": desc,
                "origin": "CN",
                "quantity": "100",
                "unit": unit,
                "unit_price": str(price),
                "value": str(value),
            }
        ],
    }


def declaration_input(enterprise_mst: str, office_code: str, goods: str) -> DeclarationInput:
    body = declaration_payload(enterprise_mst, office_code, goods)
    line = body["lines"][0]
    return DeclarationInput(
        type_code="A11",
        office_code=office_code,
        enterprise_mst=enterprise_mst,
        transport_mode="road",
        incoterm="CIF",
        currency="USD",
        invoice_value=Decimal(body["invoice_value"]),
        lines=(
            LineInput(
                hs_code=line["hs_code"],
                description=line["description"],
                origin="CN",
                quantity=Decimal(line["quantity"]),
                unit=line["unit"],
                unit_price=Decimal(line["unit_price"]),
                value=Decimal(line["value"]),
            ),
        ),
        partner_name=body["partner_name"],
        partner_country="CN",
        invoice_number=body["invoice_number"],
        containers=("CSQU3054383",),
    )


def bank_message(secret: str, body: dict[str, Any], *, at: float | None = None) -> dict[str, Any]:
    """Raw body and headers (for django's test Client) of a message signed by a bank."""
    raw = json.dumps(body).encode()
    ts = str(int(time.time() if at is None else at))
    return {"raw": raw, "timestamp": ts, "signature": sign(secret, ts, raw)}


class BearerHeaders(TypedDict, total=False):
    """The extra the test Client sends to authenticate (none for a role without a token)."""

    HTTP_AUTHORIZATION: str


@dataclass
class Party:
    enterprise: Enterprise
    office_code: str
    declarations: dict[str, Declaration] = field(default_factory=dict)
    receipt: Receipt | None = None


@dataclass
class World:
    users: dict[str, User]
    tokens: dict[str, str]
    own: Party
    other: Party
    bank: Bank
    bank_secret: str
    profile: RiskProfile
    inactive_profile: RiskProfile
    broker_firm: Enterprise
    supervision: dict[str, SupervisionParty]
    eservices: dict[str, Any] = field(default_factory=dict)
    # what each part of the matrix (haiquan/core/tests/authz/) built, by part name
    extra: dict[str, Any] = field(default_factory=dict)

    def party(self, scope: str) -> Party:
        return self.own if scope == "own" else self.other

    def auth(self, role: str) -> BearerHeaders:
        """Extra headers for django's test Client to act as `role`."""
        token = self.tokens.get(role)
        return {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}


def _declaration_in(actor: User, party: Party, goods: str, *, draft: bool = False) -> Declaration:
    data = declaration_input(party.enterprise.mst, party.office_code, goods)
    if draft:
        return declaration_draft_save(actor=actor, data=data)
    return declaration_register(actor=actor, data=data)


def _pay(world_bank: Bank, secret: str, actor: User, declaration: Declaration, n: int) -> Receipt:
    order = payment_order_create(declaration=declaration, actor=actor)
    msg = bank_message(
        secret,
        {
            "order_reference": order.reference,
            "bank_transaction_id": f"FT-WORLD-{n}",
            "amount_vnd": int(order.amount_vnd),
            "paid_at": timezone.now().isoformat(),
        },
    )
    receipt, _created = bank_confirmation_receive(
        bank_code=world_bank.code,
        timestamp=msg["timestamp"],
        signature=msg["signature"],
        raw_body=msg["raw"],
    )
    return receipt


def build_world() -> World:
    """Create the world in the current transaction (the caller rolls it back)."""
    today = timezone.localdate()
    for d in (today - timedelta(days=1), today, today + timedelta(days=1)):
        exchange_rate_set(currency="USD", day=d, rate_vnd=Decimal("25000"), source="test")

    own_ent = EnterpriseFactory(
        mst=valid_mst(9101), name="Công ty TNHH Hoàng Long", province_code="22"
    )
    other_ent = EnterpriseFactory(
        mst=valid_mst(9102), name="Công ty CP Minh Anh", province_code="74"
    )
    firm = EnterpriseFactory(mst=valid_mst(9103), name="Đại lý Hải quan Tân Phát", is_broker=True)
    BrokerAuthorisation.objects.create(
        principal=own_ent, broker=firm, valid_from=today - timedelta(days=30)
    )
    users = {
        "declarant": user_create(
            username="w.declarant", password=None, role="declarant", enterprise_msts=[own_ent.mst]
        ),
        "other_declarant": user_create(
            username="w.other", password=None, role="declarant", enterprise_msts=[other_ent.mst]
        ),
        "broker": user_create(
            username="w.broker", password=None, role="broker", employer_mst=firm.mst
        ),
        "officer": user_create(
            username="w.officer", password=None, role="officer", office_codes=["20BD"]
        ),
        "leader": user_create(
            username="w.leader", password=None, role="leader", office_codes=["20"]
        ),
        "analyst": user_create(username="w.analyst", password=None, role="analyst"),
        "admin": user_create(username="w.admin", password=None, role="admin"),
    }
    supervision = build_supervision(
        users,
        {
            "own": (users["broker"], own_ent.mst),
            "other": (users["other_declarant"], other_ent.mst),
        },
    )
    tokens = {
        role: api_token(u, name=f"world {role}")
        for role, u in users.items()
        if role != "other_declarant"
    }
    tokens["other_declarant"] = api_token(users["other_declarant"], name="world other")
    profile = profile_create(
        code="W-LAPTOP",
        name="Máy tính xách tay: kiểm tra hồ sơ",
        criteria={"hs_prefixes": ["8471"]},
        lane="yellow",
        reason="Laptops: check the documents",
        actor=users["analyst"],
    )
    inactive = profile_create(
        code="W-TOY",
        name="Đồ chơi trẻ em (đã ngừng)",
        criteria={"hs_prefixes": ["9503"]},
        lane="yellow",
        reason="Toys: check the certificates",
        actor=users["analyst"],
    )
    profile_deactivate(profile=inactive, actor=users["analyst"], reason="Hết đợt kiểm tra")
    profile_create(
        code="W-PHONE",
        name="Điện thoại: kiểm tra thực tế",
        criteria={"hs_prefixes": ["8517"]},
        lane="red",
        reason="Phones: inspect the goods",
        actor=users["analyst"],
    )
    bank, secret = bank_create(code="VCB", name="Ngân hàng TMCP Ngoại thương Việt Nam")

    own = Party(own_ent, "20BD")
    other = Party(other_ent, "43IH")
    for party, actor in ((own, users["broker"]), (other, users["other_declarant"])):
        d = party.declarations
        d["draft"] = _declaration_in(actor, party, "green", draft=True)
        d["awaiting"] = _declaration_in(actor, party, "green")
        d["yellow"] = _declaration_in(actor, party, "yellow")
        d["red"] = _declaration_in(actor, party, "red")
        cleared = _declaration_in(actor, party, "green")
        party.receipt = _pay(bank, secret, actor, cleared, cleared.pk)
        cleared.refresh_from_db()
        d["cleared"] = cleared
        expected = {
            "draft": Status.DRAFT,
            "awaiting": Status.AWAITING_PAYMENT,
            "yellow": Status.DOCUMENT_CHECK,
            "red": Status.INSPECTION,
            "cleared": Status.CLEARED,
        }
        for state, decl in d.items():
            decl.refresh_from_db()
            assert decl.status == expected[state], (state, decl.status, decl.lane)
    world = World(
        users=users,
        tokens=tokens,
        own=own,
        other=other,
        bank=bank,
        bank_secret=secret,
        profile=profile,
        inactive_profile=inactive,
        broker_firm=firm,
        supervision=supervision,
    )
    from haiquan.eservices.tests.world import eservices_world_build

    world.eservices = eservices_world_build(world)
    from .authz import parts

    for part in parts():
        world.extra[part.__name__.rsplit(".", 1)[-1]] = part.build(world)
    return world
