"""Fixtures for clearance: enterprises, their declarants, officers, rates and API clients."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from haiquan.accounts.models import User
from haiquan.accounts.services import user_create
from haiquan.accounts.tests.helpers import api_token
from haiquan.clearance import services
from haiquan.clearance.inputs import DeclarationInput, LineInput
from haiquan.refdata.models import BrokerAuthorisation, Enterprise
from haiquan.refdata.services import exchange_rate_set
from haiquan.refdata.tests.factories import EnterpriseFactory, valid_mst
from haiquan.risk.services import profile_create

USD_RATE = Decimal("25000")
# Each filing made by the helpers below is of another invoice (the same invoice and container
# filed twice is refused as a duplicate); tests of duplicates name theirs.
_invoices = itertools.count(1)


def fresh_invoice() -> str:
    return f"INV-2026-{next(_invoices):03d}"


@pytest.fixture
def rates(db: Any) -> None:
    today = timezone.localdate()
    for d in (today - timedelta(days=1), today, today + timedelta(days=1)):
        exchange_rate_set(currency="USD", day=d, rate_vnd=USD_RATE, source="test")
        exchange_rate_set(currency="CNY", day=d, rate_vnd=Decimal("3500"), source="test")


@pytest.fixture
def hoanglong(db: None) -> Enterprise:
    return EnterpriseFactory.create(
        mst=valid_mst(1), name="Công ty TNHH Hoàng Long", province_code="22"
    )


@pytest.fixture
def other_enterprise(db: None) -> Enterprise:
    return EnterpriseFactory.create(
        mst=valid_mst(2), name="Công ty CP Minh Anh", province_code="01"
    )


@pytest.fixture
def broker_firm(db: None) -> Enterprise:
    return EnterpriseFactory.create(
        mst=valid_mst(3), name="Đại lý Hải quan Tân Phát", is_broker=True
    )


@pytest.fixture
def declarant(hoanglong: Enterprise) -> User:
    return user_create(
        username="dn.hoanglong",
        password="pw-hl-2026!",
        role="declarant",
        enterprise_msts=[hoanglong.mst],
    )


@pytest.fixture
def other_declarant(other_enterprise: Enterprise) -> User:
    return user_create(
        username="dn.minhanh",
        password="pw-ma-2026!",
        role="declarant",
        enterprise_msts=[other_enterprise.mst],
    )


@pytest.fixture
def broker(broker_firm: Enterprise, hoanglong: Enterprise) -> User:
    BrokerAuthorisation.objects.create(
        principal=hoanglong,
        broker=broker_firm,
        valid_from=timezone.localdate() - timedelta(days=30),
    )
    return user_create(
        username="broker.tanphat",
        password="pw-tp-2026!",
        role="broker",
        employer_mst=broker_firm.mst,
    )


@pytest.fixture
def officer(db: Any) -> User:
    return user_create(
        username="cc.mongcai", password="pw-mc-2026!", role="officer", office_codes=["20BD"]
    )


@pytest.fixture
def leader_qn(db: Any) -> User:
    return user_create(
        username="ld.quangninh", password="pw-ld-2026!", role="leader", office_codes=["20"]
    )


@pytest.fixture
def officer_elsewhere(db: Any) -> User:
    return user_create(
        username="cc.songthan", password="pw-st-2026!", role="officer", office_codes=["43IH"]
    )


def line(**kw: Any) -> LineInput:
    """A line of fresh dragon fruit from China, 10,000 kg at USD 0.80: USD 8,000."""
    base: dict[str, Any] = {
        "hs_code": "08109092",
        "description": "Quả thanh long tươi",
        "origin": "CN",
        "quantity": Decimal("10000"),
        "unit": "KGM",
        "unit_price": Decimal("0.8"),
        "value": Decimal("8000.00"),
    }
    base.update(kw)
    return LineInput(**base)


def declaration_input(
    enterprise_mst: str, lines: tuple[LineInput, ...] | None = None, **kw: Any
) -> DeclarationInput:
    lines = lines or (line(),)
    base: dict[str, Any] = {
        "type_code": "A11",
        "office_code": "20BD",
        "enterprise_mst": enterprise_mst,
        "transport_mode": "road",
        "incoterm": "CIF",
        "currency": "USD",
        "invoice_value": sum((ln.value for ln in lines), Decimal(0)),
        "lines": lines,
        "partner_name": "Guangxi Pingxiang Trading Co.",
        "partner_country": "CN",
        "invoice_number": fresh_invoice(),
        "containers": ("CSQU3054383",),
    }
    base.update(kw)
    return DeclarationInput(**base)


def payload(enterprise_mst: str, **kw: Any) -> dict[str, Any]:
    """The JSON a trader's software sends: one line of dragon fruit, CIF USD 8,000."""
    body: dict[str, Any] = {
        "type_code": "A11",
        "office_code": "20BD",
        "enterprise_mst": enterprise_mst,
        "transport_mode": "road",
        "incoterm": "CIF",
        "currency": "USD",
        "invoice_value": "8000.00",
        "partner_name": "Guangxi Pingxiang Trading Co.",
        "partner_country": "CN",
        "invoice_number": fresh_invoice(),
        "containers": ["CSQU3054383"],
        "lines": [
            {
                "hs_code": "08109092",
                "description": "Quả thanh long tươi",
                "origin": "CN",
                "quantity": "10000",
                "unit": "KGM",
                "unit_price": "0.8",
                "value": "8000.00",
            }
        ],
    }
    body.update(kw)
    return body


@pytest.fixture
def api() -> Callable[[User], Client]:
    """An HTTP client that authenticates as `user` with a bearer token, as a trader's system does."""

    def make(user: User) -> Client:
        raw = api_token(user, name="test system")
        return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    return make


@pytest.fixture
def analyst(db: Any) -> User:
    return user_create(username="rr.phantich", password="pw-rr-2026!", role="analyst")


def yellow_profile(analyst: Any) -> None:
    profile_create(
        code="FRUIT-Y",
        name="Fruit",
        criteria={"hs_prefixes": ["0810"]},
        lane="yellow",
        reason="Check the phytosanitary certificate",
        actor=analyst,
    )


@pytest.fixture
def yellow(analyst: Any, rates: Any, declarant: Any, hoanglong: Enterprise) -> Any:
    """A declaration in the yellow lane, under document check."""
    yellow_profile(analyst)
    decl = services.declaration_register(actor=declarant, data=declaration_input(hoanglong.mst))
    assert decl.status == "document_check"
    return decl
