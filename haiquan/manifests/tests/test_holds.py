"""Pre-arrival targeting and holds: risky bills are flagged when the manifest is filed; an
officer's hold stops the gate and the declaration's clearance until released."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from haiquan.accounts.models import User
from haiquan.accounts.services import user_create
from haiquan.clearance.choices import Status
from haiquan.core.problems import Conflict, Forbidden, ValidationFailed
from haiquan.eventlog import kinds
from haiquan.eventlog.models import Event
from haiquan.manifests.inputs import GoodsItemInput, TransportEquipmentInput
from haiquan.manifests.models import Bill, Voyage
from haiquan.manifests.services import hold_place, hold_release, voyage_file
from haiquan.manifests.targeting import flag_text
from haiquan.refdata.tests.factories import EnterpriseFactory, valid_mst
from haiquan.risk.services import profile_create
from haiquan.supervision.choices import RefusalCode
from haiquan.supervision.services import GateReport, gate_event_report, zone_create

from .conftest import BILL, CONTAINER, consignment, report

pytestmark = pytest.mark.django_db

CAI_LAN_AREA = (
    "POLYGON ((107.040 20.960, 107.060 20.960, 107.060 20.978, 107.040 20.978, 107.040 20.960))"
)


def _flags(voyage: Voyage, number: str) -> list[str]:
    return [f["code"] for f in Bill.objects.get(voyage=voyage, number=number).risk_flags]


def test_risky_bills_are_flagged_before_arrival(carrier: User, hoanglong: Any) -> None:
    analyst = user_create(username="rr.phantich", password=None, role="analyst")
    profile_create(
        code="FRUIT-CN",
        name="Fresh fruit from China",
        criteria={"hs_prefixes": ["0810"], "origins": ["CN"]},
        lane="red",
        reason="Fresh fruit: quarantine and quantity",
        actor=analyst,
    )
    poor = EnterpriseFactory.create(mst=valid_mst(17), name="Công ty Rủi Ro", compliance_rank="low")
    voyage = voyage_file(
        actor=carrier,
        data=report(
            consignment(consignee_id=hoanglong.mst),
            consignment(
                transport_contract_document_id="COSU6123456799",
                consignee_id=poor.mst,
                goods_items=(
                    GoodsItemInput(
                        description="Elephant IVORY carvings declared as handicraft",
                        package_quantity=500,
                        gross_mass_measure=Decimal("6250"),
                    ),
                ),
                transport_equipment=(
                    TransportEquipmentInput(identification="MSKU1234565"),
                    TransportEquipmentInput(identification="TGHU1234567", seals=("CN1234567",)),
                ),
            ),
            consignment(
                transport_contract_document_id="COSU6123456800",
                consignee_name="TO ORDER",
                total_package_quantity=1,
                total_gross_mass_measure=Decimal("40000"),
                goods_items=(
                    GoodsItemInput(
                        description="Machinery",
                        package_quantity=1,
                        gross_mass_measure=Decimal("40000"),
                        commodity_classification="84798999",
                    ),
                ),
                transport_equipment=(
                    TransportEquipmentInput(identification="OOLU1234567", seals=("CN7654321",)),
                ),
            ),
        ),
    )
    # CN1234567 seals Hoàng Long's container and one of the ivory bill's
    assert _flags(voyage, BILL) == ["profile", "seal-twice"]
    assert sorted(_flags(voyage, "COSU6123456799")) == sorted(
        ["consignee-rank", "watch-word", "no-seal", "seal-twice"]
    )
    assert sorted(_flags(voyage, "COSU6123456800")) == sorted(
        ["consignee-unknown", "mass-per-container", "mass-per-package"]
    )
    texts = [flag_text(f) for f in Bill.objects.get(number=BILL).risk_flags]
    assert texts == [
        "Risk profile FRUIT-CN: Fresh fruit: quarantine and quantity",
        "Seal CN1234567 is on two containers.",
    ]


def _gate_out(operator: User, port: Any, n: int) -> Any:
    return gate_event_report(
        actor=operator,
        zone=port,
        report=GateReport(message_id=f"OUT-{n}", direction="out", container_number=CONTAINER),
    )


def test_a_hold_stops_gate_out_and_clearance_until_released(
    manifest: Voyage, declare: Any, officer: User, carrier: User
) -> None:
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
    bill = Bill.objects.get(voyage=manifest, number=BILL)
    with pytest.raises(Forbidden):
        hold_place(actor=carrier, bill=bill, kind="inspect_at_arrival", reason="x")
    with pytest.raises(ValidationFailed):
        hold_place(actor=officer, bill=bill, kind="inspect_at_arrival", reason=" ")
    hold = hold_place(
        actor=officer, bill=bill, kind="inspect_at_arrival", reason="Fruit: check quantity"
    )
    with pytest.raises(Conflict):
        hold_place(actor=officer, bill=bill, kind="inspect_at_arrival", reason="again")

    declaration = declare(type_code="E31", packages=500)  # owes nothing: cleared at once if free
    assert declaration.status != Status.CLEARED
    refused = _gate_out(operator, port, 1)
    assert refused.allowed is False and refused.event.refusal_code == RefusalCode.HELD
    assert BILL in refused.reason and "releases the hold" in refused.reason

    with pytest.raises(ValidationFailed):
        hold_release(actor=officer, hold=hold, outcome="irregularity_found", note="")
    hold_release(actor=officer, hold=hold, outcome="nothing_found")
    declaration.refresh_from_db()
    assert declaration.status == Status.CLEARED
    assert _gate_out(operator, port, 2).allowed is True
    released = Event.objects.get(kind=kinds.MANIFEST_HOLD_RELEASED.code)
    assert released.data["outcome"] == "nothing_found" and released.data["bill"] == BILL
