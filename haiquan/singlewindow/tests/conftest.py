"""Fixtures for the single window: partner agencies and their systems, a partner country's ASW
endpoint, the requirements table, and the clearance fixtures (traders, officers, rates)."""

from __future__ import annotations

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
from haiquan.clearance.tests.conftest import (  # noqa: F401  (fixtures)
    analyst,
    api,
    declarant,
    declaration_input,
    hoanglong,
    line,
    officer,
    other_declarant,
    other_enterprise,
    rates,
)
from haiquan.singlewindow.choices import AgencyKind, DocumentKind
from haiquan.singlewindow.models import Agency, AgencyMember, PartnerEndpoint, Requirement


@pytest.fixture
def plant_agency(db: Any) -> Agency:
    return Agency.objects.create(
        code="BVTV-KD",
        name="Chi cục Kiểm dịch thực vật vùng VII",
        ministry="Bộ Nông nghiệp và Môi trường",
        kind=AgencyKind.PLANT_QUARANTINE,
    )


@pytest.fixture
def trade_agency(db: Any) -> Agency:
    return Agency.objects.create(
        code="BCT-XNK",
        name="Cục Xuất nhập khẩu",
        ministry="Bộ Công Thương",
        kind=AgencyKind.TRADE_LICENSING,
    )


def agency_user(agency: Agency, username: str) -> User:
    user = user_create(username=username, password="pw-ag-2026!", role="agency")
    AgencyMember.objects.create(user=user, agency=agency)
    return user


@pytest.fixture
def quarantine_officer(plant_agency: Agency) -> User:
    return agency_user(plant_agency, "qa.kiemdich")


@pytest.fixture
def licensing_officer(trade_agency: Agency) -> User:
    return agency_user(trade_agency, "bct.giayphep")


@pytest.fixture
def quarantine_required(plant_agency: Agency) -> Requirement:
    """Fresh fruit (HS 0810) imported from anywhere needs a plant quarantine result."""
    return Requirement.objects.create(
        agency=plant_agency,
        kind=DocumentKind.INSPECTION,
        title="Giấy chứng nhận kiểm dịch thực vật",
        hs_prefix="0810",
        flow="import",
    )


@pytest.fixture
def permit_required(trade_agency: Agency) -> Requirement:
    return Requirement.objects.create(
        agency=trade_agency,
        kind=DocumentKind.PERMIT,
        title="Giấy phép nhập khẩu tự động",
        hs_prefix="081090",
        flow="import",
    )


@pytest.fixture
def thai_endpoint(db: Any) -> PartnerEndpoint:
    user = user_create(username="asw.th", password="pw-th-2026!", role="agency")
    return PartnerEndpoint.objects.create(
        country_id="TH", name="Thailand NSW gateway", user=user, agreements=["ATIGA"]
    )


@pytest.fixture
def as_system() -> Callable[[User], Client]:
    def make(user: User) -> Client:
        raw = api_token(user, name="agency system")
        return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    return make


def result_message(holder_mst: str, **kw: Any) -> dict[str, Any]:
    """A plant quarantine pass for 10,000 kg of dragon fruit, as an agency system sends it."""
    today = timezone.localdate()
    body: dict[str, Any] = {
        "message_id": "MSG-0001",
        "function": "original",
        "reference": "KDTV-2026-000123",
        "kind": "inspection",
        "holder_mst": holder_mst,
        "issued_on": today.isoformat(),
        "valid_from": today.isoformat(),
        "valid_to": (today + timedelta(days=30)).isoformat(),
        "result": "pass",
        "notes": "",
        "goods": [
            {
                "hs_code": "08109092",
                "description": "Quả thanh long",
                "quantity": "10000",
                "unit": "KGM",
            }
        ],
    }
    body.update(kw)
    return body


QTY = Decimal("10000")


@pytest.fixture(autouse=True)
def in_english(settings: Any) -> Any:
    """The messages these tests read are the English ones (the installation speaks Vietnamese
    by default, and its catalogues translate them)."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
