"""Transit movements through the services: from the declaration to the write-off, with the
gates of the places of departure and destination taking part."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from haiquan.accounts.services import user_create
from haiquan.clearance import services as clearance
from haiquan.clearance.choices import Status
from haiquan.clearance.inputs import DeclarationInput, LineInput
from haiquan.core.problems import Conflict, Forbidden, ValidationFailed
from haiquan.eventlog.models import Event
from haiquan.refdata.services import exchange_rate_set
from haiquan.refdata.tests.factories import EnterpriseFactory, valid_mst
from haiquan.supervision.alerts import alert_resolve
from haiquan.supervision.choices import AlertKind
from haiquan.supervision.models import Alert
from haiquan.supervision.services import GateReport, gate_event_report
from haiquan.transit.choices import MovementState, SealState
from haiquan.transit.models import ESeal, TransitMovement
from haiquan.transit.reference import reference_is_valid
from haiquan.transit.scenario import ROUTES
from haiquan.transit.services import (
    MovementInput,
    SealAttachment,
    SealCheck,
    eseal_register,
    movement_arrive,
    movement_cancel,
    movement_close,
    movement_declare,
    movement_depart,
    movement_incident_record,
    movement_seal,
    movement_seals_verify,
)

from .conftest import ingest

pytestmark = pytest.mark.django_db
BOX = "CSQU3054383"


@pytest.fixture
def trader(db):  # type: ignore[no-untyped-def]
    enterprise = EnterpriseFactory(mst=valid_mst(21), name="Công ty TNHH Hoàng Long")
    user = user_create(
        username="dn.hoanglong", password=None, role="declarant", enterprise_msts=[enterprise.mst]
    )
    return user, enterprise


@pytest.fixture
def import_declaration(trader):  # type: ignore[no-untyped-def]
    """Dragon fruit entering at Móng Cái, to be cleared at Cái Lân: A11, awaiting payment."""
    user, enterprise = trader
    today = timezone.localdate()
    for d in (today - timedelta(days=1), today, today + timedelta(days=1)):
        exchange_rate_set(currency="USD", day=d, rate_vnd=Decimal("25000"), source="test")
    decl = clearance.declaration_register(
        actor=user,
        data=DeclarationInput(
            type_code="A11",
            office_code="20CD",
            enterprise_mst=enterprise.mst,
            transport_mode="road",
            incoterm="CIF",
            currency="USD",
            invoice_value=Decimal("8000.00"),
            lines=(
                LineInput(
                    hs_code="08109092",
                    description="Quả thanh long tươi",
                    origin="CN",
                    quantity=Decimal("10000"),
                    unit="KGM",
                    unit_price=Decimal("0.8"),
                    value=Decimal("8000.00"),
                ),
            ),
            partner_country="CN",
            containers=(BOX,),
        ),
    )
    assert decl.status == Status.AWAITING_PAYMENT
    return decl


@pytest.fixture
def seal(leader):  # type: ignore[no-untyped-def]
    return eseal_register(actor=leader, manufacturer="Hoptroff", serial="ES-000123")


def declare(actor, decl, **kw):  # type: ignore[no-untyped-def]
    data = {
        "containers": (BOX,),
        "route": ROUTES["20BDG01"],
        "time_limit_minutes": 6 * 60,
        "departure_zone": "20BDG01",
        "destination_zone": "20CDP01",
        "declaration_number": decl.number,
        "vehicle_plate": "14c-123.45",
        **kw,
    }
    return movement_declare(actor=actor, data=MovementInput(**data))


def gate(actor, zone, message_id, direction):  # type: ignore[no-untyped-def]
    return gate_event_report(
        actor=actor,
        zone=zone,
        report=GateReport(message_id=message_id, direction=direction, container_number=BOX),
    )


class TestLifecycle:
    def test_from_declaration_to_write_off(
        self, trader, import_declaration, seal, places, gate_operator, port_operator,
        officer_mongcai, officer_cailan,
    ):  # fmt: skip
        user, _enterprise = trader
        movement = declare(user, import_declaration)
        assert movement.state == MovementState.DECLARED and reference_is_valid(movement.reference)
        assert movement.reference.startswith(timezone.localdate().strftime("%y") + "VN20BD")
        gate(gate_operator, places["20BDG01"], "MC-IN-1", "in")
        # Not cleared, not yet sealed: it may not leave the border gate.
        assert gate(gate_operator, places["20BDG01"], "MC-OUT-1", "out").allowed is False

        movement = movement_seal(
            actor=officer_mongcai,
            movement=movement,
            seals=[SealAttachment(container_number=BOX, device_id=seal.device_id)],
        )
        assert movement.state == MovementState.SEALED
        out = gate(gate_operator, places["20BDG01"], "MC-OUT-2", "out")
        assert out.allowed is True and out.event.transit_reference == movement.reference
        movement.refresh_from_db()
        assert movement.state == MovementState.DEPARTED
        assert movement.departed_at == out.event.occurred_at
        assert movement.deadline == movement.departed_at + timedelta(hours=6)

        # On the way the seal reports its door opened.
        ingest([{"id": seal.device_id, "lat": "21.33", "lon": "107.40", "alarm": "door"}])
        alert = Alert.objects.get(kind=AlertKind.SEAL_OPENED)

        arrival = gate(port_operator, places["20CDP01"], "CL-IN-1", "in")
        assert arrival.event.transit_reference == movement.reference
        movement.refresh_from_db()
        assert movement.state == MovementState.ARRIVED

        movement = movement_seals_verify(
            actor=officer_cailan, movement=movement, checks=[SealCheck(BOX, intact=True)]
        )
        assert movement.state == MovementState.SEAL_VERIFIED
        seal.refresh_from_db()
        assert seal.state == SealState.AVAILABLE

        with pytest.raises(Conflict) as exc:
            movement_close(actor=officer_cailan, movement=movement)
        assert exc.value.code == "open-alerts"
        alert_resolve(
            actor=officer_mongcai, alert=alert, note="Door sensor fault; seal found intact"
        )
        movement = movement_close(actor=officer_cailan, movement=movement)
        assert movement.state == MovementState.CLOSED

        steps = list(
            Event.objects.filter(subject_type="transit_movement", subject_id=movement.pk)
            .order_by("id")
            .values_list("kind", "party", "office_code", "declaration_id")
        )
        d = import_declaration.pk
        assert steps == [
            ("transit.declared", "trader", "20BD", d),
            ("transit.sealed", "customs", "20BD", d),
            ("transit.departed", "movement", "20BD", d),
            ("transit.seal_opened", "movement", "20BD", d),
            ("transit.arrived", "movement", "20CD", d),
            ("transit.seal_verified", "customs", "20CD", d),
            ("transit.closed", "customs", "20CD", d),
        ]

    def test_a_broken_seal_on_arrival_is_an_incident(
        self, leader, import_declaration, seal, officer_cailan, places
    ):
        movement = declare(leader, import_declaration)
        movement = movement_seal(
            actor=leader, movement=movement, seals=[SealAttachment(BOX, seal.device_id)]
        )
        movement_depart(actor=leader, movement=movement)
        movement_arrive(actor=officer_cailan, movement=movement)
        movement = movement_seals_verify(
            actor=officer_cailan,
            movement=movement,
            checks=[SealCheck(BOX, intact=False, note="Wire cut")],
        )
        assert movement.has_incident and movement.incidents.get().kind == "seal_broken"
        seal.refresh_from_db()
        assert seal.state == SealState.FAULTY


class TestRules:
    def test_problems_are_named(self, trader, import_declaration, places):
        user, _ = trader
        with pytest.raises(ValidationFailed) as exc:
            declare(
                user,
                import_declaration,
                containers=("MSKU1234565", "CSQU3054384"),
                route="POLYGON ((0 0, 1 0, 1 1, 0 0))",
                corridor_m=10,
                destination_zone="NOPE",
            )
        fields = {e.field for e in exc.value.errors}
        assert fields == {
            "containers[0]",
            "containers[1]",
            "route",
            "corridor_m",
            "destination_zone",
        }
        (not_on_decl,) = [e for e in exc.value.errors if e.field == "containers[0]"]
        assert import_declaration.number in not_on_decl.problem

    def test_a_container_is_in_one_transit_at_a_time(self, leader, import_declaration, places):
        first = declare(leader, import_declaration)
        with pytest.raises(ValidationFailed) as exc:
            declare(leader, import_declaration)
        assert (
            exc.value.errors[0].code == "in-transit"
            and first.reference in exc.value.errors[0].problem
        )

    def test_only_its_declarant_or_an_officer_of_departure_declares(
        self, import_declaration, places, officer_cailan
    ):
        stranger = user_create(
            username="dn.other", password=None, role="declarant",
            enterprise_msts=[EnterpriseFactory(mst=valid_mst(22)).mst],
        )  # fmt: skip
        for actor in (stranger, officer_cailan):
            with pytest.raises(Forbidden):
                declare(actor, import_declaration)

    def test_a_seal_must_be_known_and_free(self, leader, import_declaration, seal, places):
        movement = declare(leader, import_declaration)
        with pytest.raises(ValidationFailed) as exc:
            movement_seal(actor=leader, movement=movement, seals=[SealAttachment(BOX, "NOPE")])
        assert exc.value.errors[0].code == "unknown-device"
        ESeal.objects.filter(pk=seal.pk).update(state=SealState.FAULTY)
        with pytest.raises(ValidationFailed) as exc:
            movement_seal(
                actor=leader, movement=movement, seals=[SealAttachment(BOX, seal.device_id)]
            )
        assert exc.value.errors[0].code == "seal-busy"

    def test_cancelling_before_departure_frees_the_seal(
        self, leader, import_declaration, seal, places
    ):
        movement = declare(leader, import_declaration)
        movement = movement_seal(
            actor=leader, movement=movement, seals=[SealAttachment(BOX, seal.device_id)]
        )
        movement = movement_cancel(actor=leader, movement=movement, reason="truck broke down")
        seal.refresh_from_db()
        assert movement.state == MovementState.CANCELLED and seal.state == SealState.AVAILABLE
        with pytest.raises(ValidationFailed):
            movement_cancel(actor=leader, movement=movement, reason="")
        with pytest.raises(Conflict):
            movement_cancel(actor=leader, movement=movement, reason="again")

    def test_a_replaced_seal_takes_over_the_container(self, on_the_way, leader):
        movement: TransitMovement = on_the_way(hours_ago=1)
        old = movement.containers.get().seal
        spare = eseal_register(actor=leader, manufacturer="Hoptroff", serial="ES-SPARE")
        movement_incident_record(
            actor=leader,
            movement=movement,
            kind="seal_broken",
            description="Seal damaged at a police check, replaced",
            container_number=movement.containers.get().container_number,
            replacement_device_id=spare.device_id,
        )
        c = movement.containers.get()
        old.refresh_from_db()
        assert c.seal == spare and c.active and old.state == SealState.FAULTY
        assert ingest([{"id": spare.device_id, "lat": "21.33", "lon": "107.40"}]).stored == 1
        c.refresh_from_db()
        assert c.last_lat == 21.33
