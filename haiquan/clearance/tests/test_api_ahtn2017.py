"""A declaration written with AHTN 2017 codes, through the API: a code that became one line of
the tariff in force is declared as that line (the code as written kept, the trader told); one
divided between several lines is refused at the line's field, naming them."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from haiquan.accounts.models import User
from haiquan.clearance.models import Declaration, DeclarationLine
from haiquan.refdata.models import Enterprise
from haiquan.tariff.models import HsLine

from .conftest import payload

pytestmark = pytest.mark.django_db

URL = "/api/v1/declarations"


def dryer(hs_code: str) -> dict[str, Any]:
    """One PCB reflow dryer, USD 8,000, in the tariff unit of 8419.39.30."""
    return {
        "hs_code": hs_code,
        "description": "Máy sấy gia nhiệt dùng để sản xuất tấm mạch in, hoạt động bằng điện",
        "origin": "CN",
        "quantity": "1",
        "unit": HsLine.objects.get(code="84193930").unit,
        "unit_price": "8000",
        "value": "8000.00",
    }


def post(client: Any, body: dict[str, Any], **headers: Any) -> Any:
    return client.post(URL, data=json.dumps(body), content_type="application/json", **headers)


def test_a_code_that_became_one_line_is_declared_as_that_line(
    rates: None, declarant: User, hoanglong: Enterprise, api: Callable[[User], Client]
) -> None:
    resp = post(
        api(declarant),
        payload(hoanglong.mst, lines=[dryer("8419.39.11")]),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert resp.status_code == 201, resp.content
    line = resp.json()["lines"][0]
    assert (line["hs_code"], line["hs_code_as_written"]) == ("84193930", "84193911")
    assert line["hs_code_note"].startswith("8419.39.11 (AHTN 2017) is now 8419.39.30")
    stored = DeclarationLine.objects.get()
    assert (stored.hs_code, stored.hs_code_as_written) == ("84193930", "84193911")


def test_a_code_divided_between_lines_is_refused_naming_them(
    rates: None, declarant: User, hoanglong: Enterprise, api: Callable[[User], Client]
) -> None:
    resp = post(api(declarant), payload(hoanglong.mst, lines=[dryer("84193919")]))
    assert resp.status_code == 422, resp.content
    assert resp["Content-Type"] == "application/problem+json"
    (error,) = [e for e in resp.json()["errors"] if e["field"] == "lines[0].hs_code"]
    assert error["code"] == "hs-code-divided"
    assert "8419.33.90" in error["problem"] and "8419.39.90" in error["problem"]
    assert Declaration.objects.count() == 0


def test_a_draft_keeps_the_code_as_written_through_registration(
    rates: None, declarant: User, hoanglong: Enterprise
) -> None:
    from haiquan.clearance import services
    from haiquan.clearance.tests.conftest import declaration_input
    from haiquan.clearance.tests.conftest import line as goods_line

    unit = HsLine.objects.get(code="84193930").unit
    pcb_dryer = goods_line(
        hs_code="84193911", unit=unit, quantity=Decimal(1), unit_price=Decimal(8000)
    )
    draft = services.declaration_draft_save(
        actor=declarant, data=declaration_input(hoanglong.mst, lines=(pcb_dryer,))
    )
    line = draft.lines.get()
    assert (line.hs_code, line.hs_code_as_written) == ("84193930", "84193911")
    assert services.declaration_input_from(draft).lines[0].hs_code_as_written == "84193911"
    registered = services.declaration_register(actor=declarant, draft=draft)
    line = registered.lines.get()
    assert (line.hs_code, line.hs_code_as_written) == ("84193930", "84193911")
    assert line.import_duty_vnd == 0  # 8419.39.30's MFN rate (0 %), not a refusal
