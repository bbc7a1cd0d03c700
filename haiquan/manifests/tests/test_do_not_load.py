"""Export manifests and "do not load": a carrier reports what it will load before the departure;
an officer stops a bill before loading; the port's gate does not let its containers onto the
ship and the exports naming the bill (or one of its containers) are not cleared until released.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from haiquan.accounts.models import User
from haiquan.accounts.services import user_create
from haiquan.accounts.tests.helpers import login
from haiquan.clearance import services as clearance
from haiquan.clearance.choices import Status
from haiquan.clearance.models import Declaration
from haiquan.core.problems import Conflict, ValidationFailed
from haiquan.manifests.abandoned import bills_abandoned
from haiquan.manifests.choices import HoldKind, VoyageDirection
from haiquan.manifests.models import Bill, Voyage
from haiquan.manifests.services import (
    hold_place,
    hold_release,
    voyage_arrival_record,
    voyage_file,
)
from haiquan.refdata.tests.factories import EnterpriseFactory, valid_mst
from haiquan.risk.services import profile_create
from haiquan.supervision.choices import RefusalCode
from haiquan.supervision.models import ControlZone
from haiquan.supervision.services import GateAnswer, GateReport, gate_event_report, zone_create

from .conftest import BILL, CONTAINER, OTHER_CONTAINER, consignment, line, report
from .test_api import _report_json
from .test_holds import CAI_LAN_AREA

pytestmark = pytest.mark.django_db


def _export_manifest(carrier: User, hoanglong: Any) -> Voyage:
    """Voyage V2026X leaving Cái Lân: Hoàng Long's dragon fruit to China, and a second bill."""
    shipper = {"consignor_name": hoanglong.name, "consignee_name": "Guangxi Trading Co."}
    return voyage_file(
        actor=carrier,
        data=report(
            consignment(**shipper),
            consignment(
                transport_contract_document_id="COSU6123456799",
                transport_equipment=(),
                **shipper,
            ),
            direction="departure",
            conveyance_reference_number="V2026X",
            loading_location_id="VNCLN",
        ),
    )


@pytest.fixture
def export_manifest(carrier: User, hoanglong: Any) -> Voyage:
    return _export_manifest(carrier, hoanglong)


@pytest.fixture
def port(officer: User) -> tuple[User, ControlZone]:
    firm = EnterpriseFactory.create(mst=valid_mst(12), name="Công ty CP Cảng Quảng Ninh")
    operator = user_create(
        username="op.cailan", password=None, role="operator", employer_mst=firm.mst
    )
    zone = zone_create(
        actor=officer,
        code="20CDP01",
        name="Cảng Cái Lân",
        kind="port",
        operator_mst=firm.mst,
        office_code="20CD",
        geometry=CAI_LAN_AREA,
        storage_limit_days=90,
    )
    return operator, zone


def _load(port: tuple[User, ControlZone], n: int) -> GateAnswer:
    """The container leaves the port onto the ship (the port's get-out)."""
    operator, zone = port
    return gate_event_report(
        actor=operator,
        zone=zone,
        report=GateReport(message_id=f"LOAD-{n}", direction="out", container_number=CONTAINER),
    )


@pytest.fixture
def export(
    rates: None, declarant: User, declaration_input: Callable[..., Any]
) -> Callable[..., Declaration]:
    def make(**kw: Any) -> Declaration:
        data = declaration_input(
            type_code="B11",
            lines=(line(origin="VN"),),
            packages=None,
            **kw,
        )
        return clearance.declaration_register(actor=declarant, data=data)

    return make


def test_an_export_manifest_is_filed_before_departure_from_a_port_here(
    carrier: User, hoanglong: Any
) -> None:
    voyage = _export_manifest(carrier, hoanglong)
    assert voyage.direction == VoyageDirection.DEPARTURE and voyage.is_departure
    # The consignee abroad is no one's history here: it is not flagged for being unknown.
    assert all(
        f["code"] != "consignee-unknown"
        for f in Bill.objects.get(voyage=voyage, number=BILL).risk_flags
    )
    with pytest.raises(ValidationFailed) as exc:
        voyage_file(
            actor=carrier,
            data=report(
                consignment(),
                direction="departure",
                conveyance_reference_number="V2026Y",
                loading_location_id="CNSHA",
            ),
        )
    assert [(p.field, p.code) for p in exc.value.errors] == [("loading_location_id", "not-here")]
    with pytest.raises(ValidationFailed) as exc:
        voyage_file(actor=carrier, data=report(consignment(), direction="sideways"))
    assert [p.field for p in exc.value.errors] == ["direction"]


def test_each_direction_takes_its_own_hold(
    manifest: Voyage, export_manifest: Voyage, officer: User
) -> None:
    imported = Bill.objects.get(voyage=manifest, number=BILL)
    exported = Bill.objects.get(voyage=export_manifest, number=BILL)
    with pytest.raises(ValidationFailed) as exc:
        hold_place(actor=officer, bill=imported, kind=HoldKind.DO_NOT_LOAD, reason="x")
    assert [(p.field, p.code) for p in exc.value.errors] == [("kind", "wrong-direction")]
    with pytest.raises(ValidationFailed) as exc:
        hold_place(actor=officer, bill=exported, kind=HoldKind.INSPECT, reason="x")
    assert [(p.field, p.code) for p in exc.value.errors] == [("kind", "wrong-direction")]
    assert hold_place(actor=officer, bill=exported, kind=HoldKind.DO_NOT_LOAD, reason="Scan")


def test_do_not_load_stops_loading_and_the_export_until_released(
    export_manifest: Voyage,
    officer: User,
    port: tuple[User, ControlZone],
    export: Callable[..., Declaration],
) -> None:
    bill = Bill.objects.get(voyage=export_manifest, number=BILL)
    hold = hold_place(
        actor=officer, bill=bill, kind=HoldKind.DO_NOT_LOAD, reason="Scan the container first"
    )
    named = export()  # names the bill and its container
    # Another bill number (the exporter's own booking) but the held container.
    by_container = export(bill_of_lading="HLCUVNH000123", invoice_number="INV-2026-002")
    other = export(
        bill_of_lading="COSU6123456799", containers=(OTHER_CONTAINER,), invoice_number="INV-3"
    )
    for d in (named, by_container):
        d.refresh_from_db()
        assert d.status != Status.CLEARED, d.status
    other.refresh_from_db()
    assert other.status == Status.CLEARED  # another bill: nothing stops it

    refused = _load(port, 1)
    assert refused.allowed is False and refused.event.refusal_code == RefusalCode.HELD
    assert BILL in refused.reason

    hold_release(actor=officer, hold=hold, outcome="nothing_found")
    for d in (named, by_container):
        d.refresh_from_db()
        assert d.status == Status.CLEARED
    assert _load(port, 2).allowed is True


def test_a_cancelled_export_and_a_similar_bill_number_are_left_alone(
    export_manifest: Voyage, officer: User, export: Callable[..., Declaration]
) -> None:
    bill = Bill.objects.get(voyage=export_manifest, number="COSU6123456799")
    # A declaration naming a longer number that contains this bill's is not this bill's.
    longer = export(bill_of_lading="COSU61234567990", containers=(), invoice_number="INV-9")
    hold = hold_place(actor=officer, bill=bill, kind=HoldKind.DO_NOT_LOAD, reason="Scan")
    longer.refresh_from_db()
    assert longer.status == Status.CLEARED
    hold_release(actor=officer, hold=hold, outcome="nothing_found")


def test_too_late_once_the_ship_has_left_and_never_abandoned(
    export_manifest: Voyage, carrier: User, officer: User
) -> None:
    left = timezone.now()
    voyage_arrival_record(actor=carrier, voyage=export_manifest, arrived_at=left)
    bill = Bill.objects.get(voyage=export_manifest, number=BILL)
    with pytest.raises(Conflict) as exc:
        hold_place(actor=officer, bill=bill, kind=HoldKind.DO_NOT_LOAD, reason="late")
    assert exc.value.code == "departed"
    # Goods that left the country are not abandoned here, however long ago they left.
    assert not bills_abandoned(now=left + timedelta(days=200)).exists()


def test_the_api_files_an_export_manifest_and_places_do_not_load(
    carrier: User, officer: User, api: Callable[[User], Client], hoanglong: Any
) -> None:
    body = _report_json(hoanglong) | {"direction": "departure", "loading_location_id": "VNCLN"}
    resp = api(carrier).post("/api/v1/manifests/voyages", json.dumps(body), "application/json")
    assert resp.status_code == 201, resp.content
    assert resp.json()["direction"] == "departure"
    url = f"/api/v1/manifests/voyages/{resp.json()['id']}/bills/{BILL}/holds"
    wrong = json.dumps({"kind": "inspect_at_arrival", "reason": "x"})
    resp = api(officer).post(url, wrong, "application/json")
    assert resp.status_code == 422
    assert resp["Content-Type"].startswith("application/problem+json")
    assert resp.json()["errors"][0]["field"] == "kind"
    right = json.dumps({"kind": "do_not_load", "reason": "Scan"})
    resp = api(officer).post(url, right, "application/json")
    assert resp.status_code == 201 and resp.json()["kind"] == "do_not_load"


def test_the_voyage_page_flags_an_export_and_offers_do_not_load(
    carrier: User, hoanglong: Any, officer: User
) -> None:
    analyst = user_create(username="rr.phantich", password=None, role="analyst")
    profile_create(
        code="FRUIT-EXPORT",
        name="Fresh fruit exports",
        criteria={"flow": "export", "hs_prefixes": ["0810"]},
        lane="yellow",
        reason="Fruit exports: phytosanitary certificate",
        actor=analyst,
    )
    export_manifest = _export_manifest(carrier, hoanglong)
    assert [f["code"] for f in export_manifest.bills.get(number=BILL).risk_flags] == ["profile"]
    client = login(Client(), officer)
    page = client.get(f"/manifests/{export_manifest.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="direction"' in html
    assert 'value="do_not_load"' in html and 'value="inspect_at_arrival"' not in html
    url = f"/manifests/{export_manifest.pk}/bills/{BILL}/hold/"
    posted = client.post(url, {"kind": "inspect_at_arrival", "reason": "x"})
    assert posted.status_code == 422
    assert 'id="id_kind-error"' in posted.content.decode()
    assert not Bill.objects.get(voyage=export_manifest, number=BILL).holds.exists()
    placed = client.post(url, {"kind": "do_not_load", "reason": "Scan"})
    assert placed.status_code == 302
    assert Bill.objects.get(voyage=export_manifest, number=BILL).holds.get().kind == "do_not_load"
