"""The voyage's comparison page, through HTTP, on the two paths its other tests leave: a
container that left before any declaration of its bill was cleared (`out_without_release`: a
get-out reported late, let through on today's clearance), and loose cargo (a bill without
containers) whose packages reported out differ from the bill's (`packages_out_differ`)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from haiquan.accounts.models import User
from haiquan.accounts.services import user_create
from haiquan.accounts.tests.helpers import login
from haiquan.clearance.choices import Status
from haiquan.manifests.inputs import GoodsItemInput
from haiquan.manifests.models import Voyage
from haiquan.manifests.services import voyage_file
from haiquan.refdata.models import Enterprise
from haiquan.refdata.tests.factories import EnterpriseFactory, valid_mst
from haiquan.supervision.models import ControlZone
from haiquan.supervision.services import GateReport, gate_event_report, zone_create

from .conftest import BILL, CONTAINER, consignment, report
from .test_holds import CAI_LAN_AREA

pytestmark = pytest.mark.django_db
LOOSE = "COSU6123456801"


@pytest.fixture
def port(officer: User) -> tuple[ControlZone, User]:
    """Cái Lân port and its operator's gate system."""
    company: Enterprise = EnterpriseFactory.create(
        mst=valid_mst(12), name="Công ty CP Cảng Quảng Ninh"
    )
    operator = user_create(
        username="op.cailan", password=None, role="operator", employer_mst=company.mst
    )
    zone = zone_create(
        actor=officer,
        code="20CDP01",
        name="Cảng Cái Lân",
        kind="port",
        operator_mst=company.mst,
        office_code="20CD",
        geometry=CAI_LAN_AREA,
        storage_limit_days=90,
    )
    return zone, operator


def gate(port: tuple[ControlZone, User], message: str, direction: str, **kw: Any) -> Any:
    zone, operator = port
    return gate_event_report(
        actor=operator,
        zone=zone,
        report=GateReport(message_id=message, direction=direction, **kw),
    ).event


def comparison_page(officer: User, voyage: Voyage) -> str:
    page = login(Client(HTTP_ACCEPT_LANGUAGE="en"), officer).get(
        f"/manifests/{voyage.pk}/comparison/"
    )
    assert page.status_code == 200
    return page.content.decode()


def test_a_container_out_before_its_declaration_was_cleared_is_a_gap(
    manifest: Voyage, declare: Any, officer: User, port: Any
) -> None:
    declaration = declare(type_code="E31", packages=500)  # the whole bill, cleared at once
    assert declaration.status == Status.CLEARED and declaration.cleared_at is not None
    cleared_at = declaration.cleared_at
    # The port reports late: in 40 minutes and out 20 minutes before the clearance.
    gate(
        port,
        "IN-1",
        "in",
        container_number=CONTAINER,
        occurred_at=cleared_at - timedelta(minutes=40),
    )
    out = gate(
        port,
        "OUT-1",
        "out",
        container_number=CONTAINER,
        occurred_at=cleared_at - timedelta(minutes=20),
    )
    assert out.outcome == "allowed"

    html = comparison_page(officer, manifest)
    assert html.count('data-code="out_without_release"') == 1
    assert f"{CONTAINER} left on " in html
    assert "while no declaration of the bill was cleared" in html
    assert 'data-code="under_declared"' not in html  # the bill is wholly declared


def test_loose_cargo_out_is_counted_in_packages_against_the_bill(
    carrier: User, hoanglong: Any, declare: Any, officer: User, port: Any
) -> None:
    voyage = voyage_file(
        actor=carrier,
        data=report(
            consignment(
                transport_contract_document_id=LOOSE,
                consignee_id=hoanglong.mst,
                transport_equipment=(),
                goods_items=(
                    GoodsItemInput(
                        description="Fresh dragon fruit",
                        package_quantity=500,
                        gross_mass_measure=Decimal("6250"),
                        commodity_classification="08109092",
                        package_type_code="CT",
                    ),
                ),
            ),
        ),
    )
    declaration = declare(type_code="E31", packages=500, bill_of_lading=LOOSE, containers=())
    assert declaration.status == Status.CLEARED
    gate(port, "IN-L", "in", bill_of_lading=LOOSE, quantity=Decimal(500), unit="CT")
    gate(port, "OUT-L1", "out", bill_of_lading=LOOSE, quantity=Decimal(300), unit="CT")

    html = comparison_page(officer, voyage)
    assert 'data-code="packages_out_differ"' in html
    assert "300 packages left but the bill carries 500" in html
    assert 'data-code="out_without_release"' not in html  # it left after the clearance

    # The rest goes out: the packages out now match the bill, and the gap is gone.
    gate(port, "OUT-L2", "out", bill_of_lading=LOOSE, quantity=Decimal(200), unit="CT")
    html = comparison_page(officer, voyage)
    assert 'data-code="packages_out_differ"' not in html
    assert BILL not in html  # only this voyage's loose bill
