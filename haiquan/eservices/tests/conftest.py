"""Fixtures for online public services: the shipped catalogue, two enterprises with their
declarants, a broker, officers of the General Department and of Móng Cái, a leader, a bank
with its secret, and API clients."""

from __future__ import annotations

import json
import time
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
from haiquan.eservices import services
from haiquan.eservices.catalogue import catalogue_load
from haiquan.eservices.models import Filing, Procedure
from haiquan.payments.models import Bank
from haiquan.payments.services import bank_create
from haiquan.payments.signing import sign
from haiquan.refdata.models import BrokerAuthorisation
from haiquan.refdata.services import exchange_rate_set
from haiquan.refdata.tests.factories import EnterpriseFactory, valid_mst

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
TEXT = b"just some text, not a PDF at all\n"

HS_RULING_DATA = {
    "goods_name": "Máy tính xách tay",
    "goods_description": "Máy tính xách tay 14 inch, CPU 8 nhân, RAM 16 GB, nặng 1,3 kg",
    "proposed_hs_code": "84713020",
    "origin": "CN",
}
BROKER_DATA = {
    "legal_representative": "Nguyễn Văn Phát",
    "certified_staff": "3",
    "certificate_numbers": "CC-0001, CC-0002, CC-0003",
}


@pytest.fixture(autouse=True)
def in_english(settings: Any) -> Any:
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def catalogue(db: Any) -> dict[str, Procedure]:
    catalogue_load()
    return {p.code: p for p in Procedure.objects.all()}


@pytest.fixture
def hoanglong(db: Any) -> Any:
    return EnterpriseFactory.create(
        mst=valid_mst(501), name="Công ty TNHH Hoàng Long", province_code="22"
    )


@pytest.fixture
def minhanh(db: Any) -> Any:
    return EnterpriseFactory.create(
        mst=valid_mst(502), name="Công ty CP Minh Anh", province_code="74"
    )


@pytest.fixture
def tanphat(hoanglong: Any) -> Any:
    firm = EnterpriseFactory.create(
        mst=valid_mst(503), name="Đại lý Hải quan Tân Phát", is_broker=True
    )
    BrokerAuthorisation.objects.create(
        principal=hoanglong, broker=firm, valid_from=timezone.localdate() - timedelta(days=30)
    )
    return firm


@pytest.fixture
def declarant(hoanglong: Any) -> User:
    return user_create(
        username="t.hoanglong", password=None, role="declarant", enterprise_msts=[hoanglong.mst]
    )


@pytest.fixture
def other_declarant(minhanh: Any) -> User:
    return user_create(
        username="t.minhanh", password=None, role="declarant", enterprise_msts=[minhanh.mst]
    )


@pytest.fixture
def broker(tanphat: Any) -> User:
    return user_create(username="t.tanphat", password=None, role="broker", employer_mst=tanphat.mst)


@pytest.fixture
def hq_officer(db: Any) -> User:
    """An officer of the General Department (00), which handles rulings and registrations."""
    return user_create(username="t.tongcuc", password=None, role="officer", office_codes=["00"])


@pytest.fixture
def gate_officer(db: Any) -> User:
    return user_create(username="t.mongcai", password=None, role="officer", office_codes=["20BD"])


@pytest.fixture
def leader(db: Any) -> User:
    return user_create(username="t.leader", password=None, role="leader", office_codes=["20"])


@pytest.fixture
def bank(db: None) -> tuple[Bank, str]:
    return bank_create(code="VCB", name="Vietcombank")


@pytest.fixture
def rates(db: Any) -> None:
    today = timezone.localdate()
    for d in (today - timedelta(days=1), today, today + timedelta(days=1)):
        exchange_rate_set(currency="USD", day=d, rate_vnd=Decimal("25000"), source="test")


@pytest.fixture
def api() -> Callable[[User], Client]:
    def make(user: User) -> Client:
        token = api_token(user, name="test")
        return Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    return make


def post_json(client: Client, url: str, body: Any, **headers: Any) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json", **headers)


def signed(secret: str, body: dict[str, Any], bank_code: str = "VCB") -> dict[str, Any]:
    """Raw body and headers of a bank's signed message, for the test Client."""
    raw = json.dumps(body).encode()
    ts = str(int(time.time()))
    return {
        "data": raw,
        "content_type": "application/json",
        "HTTP_X_BANK_CODE": bank_code,
        "HTTP_X_TIMESTAMP": ts,
        "HTTP_X_SIGNATURE": sign(secret, ts, raw),
    }


def upload(name: str, content: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


@pytest.fixture
def ready_filing(catalogue: dict[str, Procedure]) -> Callable[..., Filing]:
    """A filing with its required documents attached (submitted unless draft=True)."""

    def make(
        actor: User,
        enterprise_mst: str,
        code: str = "hs-ruling",
        data: dict[str, Any] | None = None,
        office_code: str = "",
        submit: bool = True,
    ) -> Filing:
        procedure = catalogue[code]
        filing = services.filing_create(
            actor=actor,
            procedure=procedure,
            enterprise_mst=enterprise_mst,
            data=data if data is not None else (HS_RULING_DATA if code == "hs-ruling" else {}),
            office_code=office_code,
        )
        for att in procedure.form["attachments"]:
            if att["required"]:
                services.document_upload(
                    actor=actor, filing=filing, slot=att["name"], file=upload("a.pdf", PDF)
                )
        if submit:
            filing = services.filing_submit(actor=actor, filing=filing)
        return filing

    return make
