"""Fixtures for supervision: Cái Lân port and its operator, a bonded warehouse, officers,
a trader's declarations registered through the clearance services, API clients."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation

from haiquan.accounts.models import User
from haiquan.accounts.services import user_create
from haiquan.accounts.tests.helpers import api_token
from haiquan.clearance import services as clearance
from haiquan.clearance.inputs import DeclarationInput, LineInput
from haiquan.clearance.models import Declaration
from haiquan.refdata.services import exchange_rate_set
from haiquan.refdata.tests.factories import EnterpriseFactory, valid_mst
from haiquan.risk.services import profile_create
from haiquan.supervision.models import ControlZone
from haiquan.supervision.services import zone_create

# Cái Lân port, Hạ Long (a rough outline of the container terminal).
CAI_LAN_AREA = (
    "POLYGON ((107.040 20.960, 107.060 20.960, 107.060 20.978, 107.040 20.978, 107.040 20.960))"
)
CONTAINER = "CSQU3054383"
OTHER_CONTAINER = "MSKU1234565"


@pytest.fixture(autouse=True)
def in_english(settings: Any) -> Any:
    """The messages these tests read are the English ones (the installation speaks Vietnamese
    by default, and its catalogues translate them)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def rates(db: Any) -> None:
    today = timezone.localdate()
    for d in (today - timedelta(days=1), today, today + timedelta(days=1)):
        exchange_rate_set(currency="USD", day=d, rate_vnd=Decimal("25000"), source="test")


@pytest.fixture
def hoanglong(db: Any) -> Any:
    return EnterpriseFactory(mst=valid_mst(11), name="Công ty TNHH Hoàng Long", province_code="22")


@pytest.fixture
def declarant(hoanglong: Any) -> User:
    return user_create(
        username="dn.hoanglong", password=None, role="declarant", enterprise_msts=[hoanglong.mst]
    )


@pytest.fixture
def port_company(db: Any) -> Any:
    return EnterpriseFactory(mst=valid_mst(12), name="Công ty CP Cảng Quảng Ninh")


@pytest.fixture
def warehouse_company(db: Any) -> Any:
    return EnterpriseFactory(mst=valid_mst(13), name="Công ty TNHH Kho vận Cái Lân")


@pytest.fixture
def operator(port_company: Any) -> User:
    return user_create(
        username="op.cailan", password=None, role="operator", employer_mst=port_company.mst
    )


@pytest.fixture
def warehouse_keeper(warehouse_company: Any) -> User:
    return user_create(
        username="op.kho", password=None, role="operator", employer_mst=warehouse_company.mst
    )


@pytest.fixture
def officer(db: Any) -> User:
    return user_create(username="cc.cailan", password=None, role="officer", office_codes=["20CD"])


@pytest.fixture
def officer_elsewhere(db: Any) -> User:
    return user_create(username="cc.songthan", password=None, role="officer", office_codes=["43IH"])


@pytest.fixture
def analyst(db: Any) -> User:
    return user_create(username="rr.phantich", password=None, role="analyst")


@pytest.fixture
def port(officer: User, port_company: Any) -> ControlZone:
    return zone_create(
        actor=officer,
        code="20CDP01",
        name="Cảng Cái Lân",
        kind="port",
        operator_mst=port_company.mst,
        office_code="20CD",
        geometry=CAI_LAN_AREA,
        storage_limit_days=90,
    )


@pytest.fixture
def warehouse(officer: User, warehouse_company: Any) -> ControlZone:
    return zone_create(
        actor=officer,
        code="20CDK01",
        name="Kho ngoại quan Cái Lân",
        kind="bonded_warehouse",
        operator_mst=warehouse_company.mst,
        office_code="20CD",
        storage_limit_days=365,
    )


def line(**kw: Any) -> LineInput:
    """Fresh dragon fruit: 10,000 kg at USD 0.80 = USD 8,000."""
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


@pytest.fixture
def declare(rates: None, declarant: User, hoanglong: Any) -> Callable[..., Declaration]:
    """Register a declaration at Cái Lân port (20CD) through the clearance services. E31 and
    C11 owe nothing: green ones are cleared at once."""

    def make(
        type_code: str = "E31",
        containers: tuple[str, ...] = (CONTAINER,),
        lines: tuple[LineInput, ...] | None = None,
        **kw: Any,
    ) -> Declaration:
        lines = lines or (line(),)
        kw.setdefault("bill_of_lading", "COSU6123456780")
        data = DeclarationInput(
            type_code=type_code,
            office_code="20CD",
            enterprise_mst=hoanglong.mst,
            transport_mode="sea",
            incoterm="CIF",
            currency="USD",
            invoice_value=sum((ln.value for ln in lines), Decimal(0)),
            lines=lines,
            partner_name="Guangxi Trading Co.",
            partner_country="CN",
            invoice_number="INV-2026-001",
            containers=containers,
            **kw,
        )
        return clearance.declaration_register(actor=declarant, data=data)

    return make


@pytest.fixture
def red_for_fruit(analyst: User) -> None:
    """Every declaration of fresh fruit goes red: physical inspection before clearance."""
    profile_create(
        code="FRUIT-RED",
        name="Fresh fruit",
        criteria={"hs_prefixes": ["0810"]},
        lane="red",
        reason="Fresh fruit: check quantity and quality",
        actor=analyst,
    )


@pytest.fixture
def api() -> Callable[[User], Client]:
    """An HTTP client authenticated with a bearer token, as the operator's system is."""

    def make(user: User) -> Client:
        raw = api_token(user, name="terminal system")
        return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    return make
