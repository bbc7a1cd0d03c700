"""Fixtures for manifests: a shipping line's agent in Quảng Ninh, an importer (Hoàng Long) and
another (Phú Thái), Cái Lân port's officer, and declarations registered through clearance."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
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
from haiquan.manifests.inputs import (
    CargoReportInput,
    ConsignmentInput,
    GoodsItemInput,
    TransportEquipmentInput,
)
from haiquan.manifests.models import Voyage
from haiquan.manifests.services import voyage_file
from haiquan.refdata.models import Enterprise
from haiquan.refdata.services import exchange_rate_set
from haiquan.refdata.tests.factories import EnterpriseFactory, valid_mst

CONTAINER = "CSQU3054383"
OTHER_CONTAINER = "MSKU1234565"
BILL = "COSU6123456780"
IMO = "9321483"


@pytest.fixture(autouse=True)
def in_english(settings: Any) -> Iterator[None]:
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def rates(db: Any) -> None:
    today = timezone.localdate()
    for d in (today - timedelta(days=1), today, today + timedelta(days=1)):
        exchange_rate_set(currency="USD", day=d, rate_vnd=Decimal("25000"), source="test")


@pytest.fixture
def hoanglong(db: Any) -> Enterprise:
    firm: Enterprise = EnterpriseFactory.create(
        mst=valid_mst(11), name="Công ty TNHH Hoàng Long", province_code="22"
    )
    return firm


@pytest.fixture
def phuthai(db: Any) -> Enterprise:
    firm: Enterprise = EnterpriseFactory.create(
        mst=valid_mst(14), name="Công ty CP Phú Thái", province_code="22"
    )
    return firm


@pytest.fixture
def declarant(hoanglong: Any) -> User:
    return user_create(
        username="dn.hoanglong", password=None, role="declarant", enterprise_msts=[hoanglong.mst]
    )


@pytest.fixture
def agent_firm(db: Any) -> Enterprise:
    firm: Enterprise = EnterpriseFactory.create(
        mst=valid_mst(15), name="Công ty TNHH Đại lý Hàng hải Quảng Ninh"
    )
    return firm


@pytest.fixture
def carrier(agent_firm: Any) -> User:
    return user_create(
        username="hh.quangninh", password=None, role="carrier", employer_mst=agent_firm.mst
    )


@pytest.fixture
def other_carrier(db: Any) -> User:
    firm = EnterpriseFactory.create(mst=valid_mst(16), name="Công ty TNHH Vận tải biển Sao Mai")
    return user_create(username="hh.saomai", password=None, role="carrier", employer_mst=firm.mst)


@pytest.fixture
def officer(db: Any) -> User:
    return user_create(username="cc.cailan", password=None, role="officer", office_codes=["20CD"])


@pytest.fixture
def officer_elsewhere(db: Any) -> User:
    return user_create(username="cc.songthan", password=None, role="officer", office_codes=["43IH"])


def consignment(**kw: Any) -> ConsignmentInput:
    """Bill COSU6123456780: 500 cartons of dragon fruit (6,250 kg) in one container."""
    base: dict[str, Any] = {
        "transport_contract_document_id": BILL,
        "consignor_name": "Guangxi Pingxiang Trading Co., Ltd",
        "consignee_name": "Công ty TNHH Hoàng Long",
        "consignee_id": "",
        "total_package_quantity": 500,
        "total_gross_mass_measure": Decimal("6250"),
        "goods_items": (
            GoodsItemInput(
                description="Fresh dragon fruit",
                package_quantity=500,
                gross_mass_measure=Decimal("6250"),
                commodity_classification="08109092",
                package_type_code="CT",
            ),
        ),
        "transport_equipment": (
            TransportEquipmentInput(identification=CONTAINER, seals=("CN1234567",)),
        ),
    }
    base.update(kw)
    return ConsignmentInput(**base)


def report(*consignments: ConsignmentInput, **kw: Any) -> CargoReportInput:
    base: dict[str, Any] = {
        "transport_mode_code": "sea",
        "transport_means_id": IMO,
        "transport_means_name": "WAN HAI 307",
        "conveyance_reference_number": "V2026E",
        "loading_location_id": "CNSHA",
        "office_of_arrival": "20CD",
        "estimated_arrival": timezone.now() + timedelta(days=2),
        "consignments": consignments,
    }
    base.update(kw)
    return CargoReportInput(**base)


@pytest.fixture
def manifest(carrier: User, hoanglong: Any, phuthai: Any) -> Voyage:
    """The voyage V2026E to Cái Lân: Hoàng Long's bill, and Phú Thái's bill in another container."""
    return voyage_file(
        actor=carrier,
        data=report(
            consignment(consignee_id=hoanglong.mst),
            consignment(
                transport_contract_document_id="COSU6123456799",
                consignee_name="Công ty CP Phú Thái",
                consignee_id=phuthai.mst,
                transport_equipment=(TransportEquipmentInput(identification=OTHER_CONTAINER),),
            ),
        ),
    )


def line(**kw: Any) -> LineInput:
    base: dict[str, Any] = {
        "hs_code": "08109092",
        "description": "Quả thanh long tươi",
        "origin": "CN",
        "quantity": Decimal("6000"),
        "unit": "KGM",
        "unit_price": Decimal("0.8"),
        "value": Decimal("4800.00"),
    }
    base.update(kw)
    return LineInput(**base)


@pytest.fixture
def declaration_input(hoanglong: Any) -> Callable[..., DeclarationInput]:
    def make(**kw: Any) -> DeclarationInput:
        base: dict[str, Any] = {
            "type_code": "A11",
            "office_code": "20CD",
            "enterprise_mst": hoanglong.mst,
            "transport_mode": "sea",
            "incoterm": "CIF",
            "currency": "USD",
            "invoice_value": Decimal("4800.00"),
            "lines": (line(),),
            "partner_name": "Guangxi Trading Co.",
            "partner_country": "CN",
            "invoice_number": "INV-2026-001",
            "bill_of_lading": BILL,
            "containers": (CONTAINER,),
            "packages": 500,
        }
        base.update(kw)
        return DeclarationInput(**base)

    return make


@pytest.fixture
def declare(
    rates: None, declarant: User, declaration_input: Callable[..., DeclarationInput]
) -> Callable[..., Declaration]:
    def make(**kw: Any) -> Declaration:
        return clearance.declaration_register(actor=declarant, data=declaration_input(**kw))

    return make


@pytest.fixture
def api() -> Callable[[User], Client]:
    def make(user: User) -> Client:
        raw = api_token(user, name="carrier system")
        return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    return make


def at(days: float) -> datetime:
    return timezone.now() + timedelta(days=days)
