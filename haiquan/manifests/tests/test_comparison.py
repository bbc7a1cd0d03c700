"""One voyage compared bill by bill: the manifest, the declarations, the gates, and the gaps.

V2026E to Cái Lân carries Hoàng Long's bill COSU6123456780 (500 cartons in CSQU3054383) and Phú
Thái's COSU6123456799 (500 cartons in MSKU1234565). Hoàng Long declares 300 cartons (cleared at
once: E31 owes nothing); both containers come in at the port; Hoàng Long's goes out, Phú Thái's
is refused at the gate (nobody declared it).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from haiquan.accounts.models import User
from haiquan.accounts.services import user_create
from haiquan.accounts.tests.helpers import login
from haiquan.clearance.choices import Status
from haiquan.manifests.comparison import voyage_comparison
from haiquan.manifests.models import Voyage
from haiquan.refdata.tests.factories import EnterpriseFactory, valid_mst
from haiquan.supervision.services import GateReport, gate_event_report, zone_create

from .conftest import BILL, CONTAINER, OTHER_CONTAINER
from .test_holds import CAI_LAN_AREA

pytestmark = pytest.mark.django_db
OTHER_BILL = "COSU6123456799"


@pytest.fixture
def gated(manifest: Voyage, declare: Any, officer: User) -> Voyage:
    port_company = EnterpriseFactory.create(mst=valid_mst(12), name="Công ty CP Cảng Quảng Ninh")
    operator = user_create(
        username="op.cailan", password=None, role="operator", employer_mst=port_company.mst
    )
    port = zone_create(
        actor=officer,
        code="20CDP01",
        name="Cảng Cái Lân",
        kind="port",
        operator_mst=port_company.mst,
        office_code="20CD",
        geometry=CAI_LAN_AREA,
        storage_limit_days=90,
    )
    declaration = declare(type_code="E31", packages=300)
    assert declaration.status == Status.CLEARED
    reports = [
        ("IN-1", "in", CONTAINER),
        ("IN-2", "in", OTHER_CONTAINER),
        ("OUT-1", "out", CONTAINER),
        ("OUT-2", "out", OTHER_CONTAINER),
    ]
    for message, direction, container in reports:
        gate_event_report(
            actor=operator,
            zone=port,
            report=GateReport(message_id=message, direction=direction, container_number=container),
        )
    return manifest


def test_each_bill_against_its_declarations_and_the_gates(gated: Voyage) -> None:
    comparison = voyage_comparison(gated)
    rows = {r.bill.number: r for r in comparison.rows}
    mine, theirs = rows[BILL], rows[OTHER_BILL]
    assert (mine.declared_state, mine.declared, mine.cleared) == ("under_declared", 300, 300)
    assert (mine.gated_in, mine.gated_out) == ({CONTAINER}, {CONTAINER})
    assert [code for code, _text in mine.gaps] == ["under_declared"]
    assert mine.gaps[0][1] == "300 of the 500 packages are declared"
    assert (theirs.declared_state, theirs.gated_in, theirs.gated_out) == (
        "undeclared",
        {OTHER_CONTAINER},
        set(),
    )
    assert [code for code, _text in theirs.gaps] == ["undeclared", "refused_at_gate"]
    assert "MSKU1234565 was refused at the gate" in theirs.gaps[1][1]
    assert comparison.totals == {
        "bills": 2,
        "manifested": 1000,
        "declared": 300,
        "cleared": 300,
        "containers": 2,
        "gated_in": 2,
        "gated_out": 1,
        "undeclared": 1,
        "with_gaps": 2,
    }


def test_a_bill_fully_declared_and_gone_has_no_gap(manifest: Voyage, declare: Any) -> None:
    declare(type_code="E31", packages=500)
    row = next(r for r in voyage_comparison(manifest).rows if r.bill.number == BILL)
    assert row.declared_state == "declared" and row.gaps == []


def test_the_page_is_customs_and_in_scope_only(
    gated: Voyage, officer: User, officer_elsewhere: User, carrier: User
) -> None:
    client = login(Client(HTTP_ACCEPT_LANGUAGE="en"), officer)
    page = client.get(f"/manifests/{gated.pk}/comparison/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-code="refused_at_gate"' in html and 'data-code="under_declared"' in html
    assert "Under-declared" in html and "Not declared" in html
    elsewhere = login(Client(), officer_elsewhere)
    assert elsewhere.get(f"/manifests/{gated.pk}/comparison/").status_code == 404
    own_carrier = Client()
    own_carrier.force_login(carrier)
    assert own_carrier.get(f"/manifests/{gated.pk}/comparison/").status_code == 403
