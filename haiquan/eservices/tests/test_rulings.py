"""An issued advance ruling in clearance: a declaration line citing it passes when it declares
the ruled HS code, and is refused (422 naming the field, the ruled code in the message) when
it does not, when the ruling is another enterprise's, or when it is not valid that day."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from haiquan.eservices import services
from haiquan.eservices.models import AdvanceRuling

from .conftest import post_json

pytestmark = pytest.mark.django_db


@pytest.fixture
def ruling(ready_filing: Any, declarant: Any, hoanglong: Any, hq_officer: Any) -> AdvanceRuling:
    filing = ready_filing(declarant, hoanglong.mst)
    services.filing_receive(actor=hq_officer, filing=filing)
    services.filing_decide(
        actor=hq_officer,
        filing=filing,
        outcome="approved",
        text="Máy tính xách tay: nhóm 84.71, phân nhóm 8471.30.",
        ruling=services.RulingTerms(hs_code="84713020"),
    )
    return AdvanceRuling.objects.get(filing=filing)


def _declaration(mst: str, hs_code: str, ruling_number: str) -> dict[str, Any]:
    return {
        "type_code": "A11",
        "office_code": "20BD",
        "enterprise_mst": mst,
        "transport_mode": "road",
        "incoterm": "CIF",
        "currency": "USD",
        "invoice_value": "42000.00",
        "partner_country": "CN",
        "lines": [
            {
                "hs_code": hs_code,
                "description": "Máy tính xách tay 14 inch",
                "origin": "CN",
                "quantity": "100",
                "unit": "PCE",
                "unit_price": "420",
                "value": "42000.00",
                "ruling_number": ruling_number,
            }
        ],
    }


def test_a_line_citing_the_ruling_with_the_ruled_code_is_registered(
    rates: None, ruling: AdvanceRuling, declarant: Any, hoanglong: Any, api: Any
) -> None:
    resp = post_json(
        api(declarant),
        "/api/v1/declarations",
        _declaration(hoanglong.mst, "84713020", ruling.number),
    )
    assert resp.status_code == 201, resp.content
    assert resp.json()["lines"][0]["ruling_number"] == ruling.number


def test_a_line_citing_the_ruling_with_another_code_is_refused_with_the_ruled_code(
    rates: None, ruling: AdvanceRuling, declarant: Any, hoanglong: Any, api: Any
) -> None:
    resp = post_json(
        api(declarant),
        "/api/v1/declarations",
        _declaration(hoanglong.mst, "84714110", ruling.number.lower()),
    )
    assert resp.status_code == 422
    [err] = resp.json()["errors"]
    assert err["field"] == "lines[0].hs_code" and err["code"] == "ruling-hs-mismatch"
    assert "84713020" in err["problem"] and ruling.number in err["problem"]


def test_another_enterprise_an_unknown_or_expired_ruling_is_refused(
    rates: None,
    ruling: AdvanceRuling,
    other_declarant: Any,
    minhanh: Any,
    declarant: Any,
    hoanglong: Any,
    api: Any,
) -> None:
    resp = post_json(
        api(other_declarant),
        "/api/v1/declarations",
        _declaration(minhanh.mst, "84713020", ruling.number),
    )
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"] == "lines[0].ruling_number"
    assert resp.json()["errors"][0]["code"] == "ruling-not-yours"

    client = api(declarant)
    resp = post_json(
        client, "/api/v1/declarations", _declaration(hoanglong.mst, "84713020", "XDTMS-1999-000001")
    )
    assert resp.status_code == 422 and resp.json()["errors"][0]["code"] == "unknown-ruling"

    AdvanceRuling.objects.filter(pk=ruling.pk).update(
        valid_from=ruling.valid_from - timedelta(days=1200),
        valid_to=ruling.valid_from - timedelta(days=1),
    )
    resp = post_json(
        client, "/api/v1/declarations", _declaration(hoanglong.mst, "84713020", ruling.number)
    )
    assert resp.status_code == 422
    err = resp.json()["errors"][0]
    assert err["field"] == "lines[0].ruling_number" and err["code"] == "ruling-not-valid"


def test_an_origin_ruling_checks_the_origin(
    rates: None, ready_filing: Any, declarant: Any, hoanglong: Any, hq_officer: Any, api: Any
) -> None:
    filing = ready_filing(
        declarant,
        hoanglong.mst,
        code="origin-ruling",
        data={
            "goods_name": "Máy tính xách tay",
            "goods_description": "Lắp ráp tại Thái Lan",
            "hs_code": "84713020",
            "claimed_origin": "TH",
            "producer": "Siam Computer Co.",
            "production_process": "Lắp ráp bo mạch và vỏ tại Thái Lan",
        },
    )
    services.filing_receive(actor=hq_officer, filing=filing)
    services.filing_decide(
        actor=hq_officer, filing=filing, outcome="approved", text="Xuất xứ Thái Lan."
    )
    ruling = AdvanceRuling.objects.get(filing=filing)
    assert ruling.number.startswith("XDTXX-") and ruling.origin == "TH"
    body = _declaration(hoanglong.mst, "84713020", ruling.number)  # origin CN declared
    resp = post_json(api(declarant), "/api/v1/declarations", body)
    assert resp.status_code == 422
    err = resp.json()["errors"][0]
    assert err["field"] == "lines[0].origin" and "TH" in err["problem"]
    body["lines"][0]["origin"] = "TH"
    body["partner_country"] = "TH"
    resp = post_json(api(declarant), "/api/v1/declarations", body)
    assert resp.status_code == 201, resp.content
    assert Decimal(resp.json()["lines"][0]["value"]) == Decimal("42000.00")


def test_the_classification_assistant_learns_from_declared_lines_then_rulings(
    rates: None, ruling: AdvanceRuling, declarant: Any, hoanglong: Any, api: Any
) -> None:
    """The tariff's assistant reads no higher app: clearance and eservices register their
    sources (`tariff.assistant.sources`), declarations' lines first, then the rulings' goods;
    a cancelled declaration teaches nothing."""
    from django.utils import timezone

    from haiquan.clearance.models import Declaration
    from haiquan.tariff.assistant.training import history_cases

    before = timezone.now()
    filed = post_json(
        api(declarant), "/api/v1/declarations", _declaration(hoanglong.mst, "84713020", "")
    )
    cancelled = post_json(
        api(declarant), "/api/v1/declarations", _declaration(hoanglong.mst, "84713090", "")
    )
    assert filed.status_code == cancelled.status_code == 201, filed.content
    Declaration.objects.filter(pk=cancelled.json()["id"]).update(status="cancelled")

    cases = list(history_cases())
    assert [(c.description, c.code, c.checked) for c in cases] == [
        ("Máy tính xách tay 14 inch", "84713020", False),
        (ruling.goods_description, "84713020", True),
    ]
    assert cases[0].registered_at is not None and cases[0].registered_at >= before
    # A period that ends before the filing holds the ruling only (issued earlier).
    assert [c.code for c in history_cases(until=before)] == ["84713020"]
    assert [c.checked for c in history_cases(until=before)] == [True]
