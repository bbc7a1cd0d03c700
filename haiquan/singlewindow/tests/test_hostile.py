"""Whatever an agency system, a gateway or a trader sends, the answer is never a 500 and a
refused request writes nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haiquan.accounts.models import User
from haiquan.eventlog.models import Event
from haiquan.refdata.models import Enterprise
from haiquan.singlewindow.models import Certificate, Document, PartnerEndpoint

from .conftest import result_message

pytestmark = pytest.mark.django_db

URL = "/api/v1/single-window"

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=60),
    st.sampled_from(["", "NaN", "1e400", "-1", "0810", "2026-02-30", "KGM", "\x00", "x" * 300]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=10), inner, max_size=3)
    ),
    max_leaves=6,
)


@pytest.fixture
def clients(
    hoanglong: Enterprise,
    quarantine_officer: User,
    thai_endpoint: PartnerEndpoint,
    declarant: User,
    as_system: Callable[[User], Client],
    api: Callable[[User], Client],
) -> dict[str, Client]:
    return {
        "agency": as_system(quarantine_officer),
        "endpoint": as_system(thai_endpoint.user),
        "trader": api(declarant),
    }


FIELDS_DOC = list(result_message("0100109106"))
FIELDS_ECO = ["ID", "TypeCode", "IssueDate", "IssuingCountryCode", "Importer", "GoodsItem"]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    who=st.sampled_from(["agency", "endpoint", "trader"]),
    field=st.sampled_from(FIELDS_DOC),
    value=values,
)
def test_document_messages_with_any_field_value(
    clients: dict[str, Client], hoanglong: Enterprise, who: str, field: str, value: object
) -> None:
    body: dict[str, Any] = result_message(hoanglong.mst)
    body[field] = value
    before = (Document.objects.count(), Event.objects.count())
    resp = clients[who].post(f"{URL}/documents", json.dumps(body), content_type="application/json")
    assert resp.status_code < 500, resp.content
    if resp.status_code >= 400:
        assert (Document.objects.count(), Event.objects.count()) == before


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    who=st.sampled_from(["agency", "endpoint", "trader"]),
    field=st.sampled_from(FIELDS_ECO),
    value=values,
)
def test_certificates_with_any_field_value(
    clients: dict[str, Client], hoanglong: Enterprise, who: str, field: str, value: object
) -> None:
    body: dict[str, Any] = {
        "ID": "TH-X-1",
        "TypeCode": "D",
        "IssueDate": "2026-11-01",
        "IssuingCountryCode": "TH",
        "Exporter": {"Name": "E"},
        "Importer": {"ID": hoanglong.mst, "Name": "I"},
        "GoodsItem": [
            {
                "SequenceNumeric": 1,
                "Description": "d",
                "ClassificationID": "081090",
                "OriginCriterionCode": "WO",
                "TariffQuantity": "1",
                "QuantityUnitCode": "KGM",
                "FOBValueAmount": "1",
            }
        ],
    }
    body[field] = value
    before = Certificate.objects.count()
    resp = clients[who].post(
        f"{URL}/certificates", json.dumps(body), content_type="application/json"
    )
    assert resp.status_code < 500, resp.content
    if resp.status_code >= 400:
        assert Certificate.objects.count() == before


@pytest.mark.parametrize(
    "path",
    [
        "/documents?limit=0",
        "/documents?offset=99999999999999999999",
        "/documents/0",
        "/documents/99999999999999999999",
        "/requests?state=nonsense",
        "/declarations/abc",
        "/certificates/9223372036854775807",
    ],
)
def test_odd_reads_are_4xx(clients: dict[str, Client], path: str) -> None:
    for client in clients.values():
        resp = client.get(f"{URL}{path}")
        assert 400 <= resp.status_code < 500, (path, resp.status_code)


def test_a_nul_character_in_a_filter_is_not_a_server_error(clients: dict[str, Client]) -> None:
    # PostgreSQL refuses NUL in text (422 from the API's handler); SQLite just finds nothing.
    for client in clients.values():
        assert client.get(f"{URL}/certificates?reference_number=%00").status_code < 500
        assert client.get(f"{URL}/documents?holder_mst=%00").status_code < 500
