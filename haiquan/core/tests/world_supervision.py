"""The supervision and transit side of the test world (see world.py).

- "own": the operator firm Cảng Hoàng Long runs a border-gate yard W20BD (office 20BD, the
  world's officer) and a port W20CD (office 20CD, in the leader's department 20 but not the
  officer's); the world's operator works for it.
- "other": another firm runs two places in Bình Dương (W43A, W43B, office 43IH), outside every
  scope but the analyst's and the administrator's.

Each party has an open alert at its first place, and transit movements from its first place to
its second in each state the API acts on (declared, sealed, departed, arrived, seal-verified),
one container each, and a free e-seal. The firm is also the e-seal platform its seals belong to
(their keys in `keys`); the "own" party has one more movement on the road between its places
under a seal of the other firm's platform ("another operator's seal").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone
from stdnum import iso6346

from haiquan.accounts.models import User
from haiquan.clearance.choices import Status
from haiquan.clearance.models import Declaration
from haiquan.clearance.services import declaration_register
from haiquan.refdata.models import Enterprise, Office
from haiquan.refdata.tests.factories import EnterpriseFactory, valid_mst
from haiquan.supervision.alerts import AlertRaise, alert_raise
from haiquan.supervision.bonded import bonded_receipt_create
from haiquan.supervision.choices import AlertKind, AlertSubject
from haiquan.supervision.models import Alert, ControlZone, WarehouseReceipt
from haiquan.supervision.services import zone_create
from haiquan.transit.models import ESeal, TransitMovement
from haiquan.transit.services import (
    MovementInput,
    SealAttachment,
    SealCheck,
    eseal_key_issue,
    eseal_register,
    movement_arrive,
    movement_declare,
    movement_depart,
    movement_seal,
    movement_seals_verify,
)

MOVEMENT_STATES = ("declared", "sealed", "departed", "arrived", "verified")


def _box(lon: float, lat: float, d: float = 0.005) -> str:
    return (
        f"POLYGON (({lon - d} {lat - d}, {lon + d} {lat - d}, {lon + d} {lat + d}, "
        f"{lon - d} {lat + d}, {lon - d} {lat - d}))"
    )


@dataclass
class SupervisionParty:
    operator_firm: Enterprise
    zone: ControlZone  # where movements leave from
    destination: ControlZone
    alert: Alert  # a corridor exit of the departed movement
    movements: dict[str, TransitMovement] = field(default_factory=dict)
    # At the bonded warehouse (the destination): a cleared C11 declaration received in full, and
    # another one cleared and not received yet.
    receipt: WarehouseReceipt | None = None
    c11_waiting: Declaration | None = None
    free_seal: ESeal | None = None
    seal_for_sealing: ESeal | None = None  # attached by the `seal` cell
    keys: dict[str, str] = field(default_factory=dict)  # the seals' keys, by device id
    # On the road between this party's places, under another platform's seal (own party).
    foreign_sealed: TransitMovement | None = None


def _container(n: int) -> str:
    body = f"WRLU{n:06d}"
    return body + str(iso6346.calc_check_digit(body))


def _party(
    scope: str,
    admin: User,
    officer: User,
    places: tuple[tuple[str, str, float, float], tuple[str, str, float, float]],
    office_code: str,
    mst_seed: int,
    name: str,
) -> SupervisionParty:
    firm = EnterpriseFactory(mst=valid_mst(mst_seed), name=name)
    zones = [
        zone_create(
            actor=admin,
            code=code,
            name=f"{name} {code}",
            kind=kind,
            operator_mst=firm.mst,
            office_code=office_code if i == 0 or scope == "other" else "20CD",
            geometry=_box(lon, lat),
            storage_limit_days=90,
        )
        for i, (code, kind, lon, lat) in enumerate(places)
    ]
    now = timezone.now()
    # The movements were declared and sealed three hours ago (the server's clock then), left
    # two hours ago and arrived one hour ago.
    sealed_at, departed_at, arrived_at = (now - timedelta(hours=h) for h in (3, 2, 1))
    party = SupervisionParty(firm, zones[0], zones[1], alert=None)  # type: ignore[arg-type]
    (lon0, lat0), (lon1, lat1) = (places[0][2:], places[1][2:])
    route = f"LINESTRING ({lon0} {lat0}, {(lon0 + lon1) / 2} {(lat0 + lat1) / 2}, {lon1} {lat1})"
    base = 100 * mst_seed % 10_000
    for k, state in enumerate(MOVEMENT_STATES):
        container = _container(base + k)
        movement = movement_declare(
            actor=officer,
            data=MovementInput(
                containers=(container,),
                route=route,
                time_limit_minutes=600,
                departure_zone=zones[0].code,
                destination_zone=zones[1].code,
                vehicle_plate=f"99C-{base + k:05d}",
            ),
            now=sealed_at,
        )
        if state != "declared":
            seal = eseal_register(
                actor=admin, manufacturer="WORLD", serial=f"{scope}-{k}", owner_mst=firm.mst
            )
            party.keys[seal.device_id] = eseal_key_issue(actor=admin, seal=seal)
            movement = movement_seal(
                actor=officer,
                movement=movement,
                seals=[SealAttachment(container_number=container, device_id=seal.device_id)],
                now=sealed_at,
            )
        if state in ("departed", "arrived", "verified"):
            movement = movement_depart(
                actor=officer, movement=movement, at=departed_at, now=departed_at
            )
        if state in ("arrived", "verified"):
            movement = movement_arrive(
                actor=officer, movement=movement, at=arrived_at, now=arrived_at
            )
        if state == "verified":
            movement = movement_seals_verify(
                actor=officer,
                movement=movement,
                checks=[SealCheck(container_number=container, intact=True)],
            )
        party.movements[state] = movement
    departed = party.movements["departed"]
    party.alert, _new = alert_raise(
        alert=AlertRaise(
            kind=AlertKind.CORRIDOR_EXIT,
            subject_type=AlertSubject.TRANSIT_MOVEMENT,
            subject_id=departed.pk,
            office=Office.objects.get(code=office_code),
            occurred_at=now - timedelta(minutes=30),
            subject_label=departed.reference,
        )
    )
    party.free_seal = eseal_register(
        actor=admin, manufacturer="WORLD", serial=f"{scope}-free", owner_mst=firm.mst
    )
    party.keys[party.free_seal.device_id] = eseal_key_issue(actor=admin, seal=party.free_seal)
    party.seal_for_sealing = eseal_register(
        actor=admin, manufacturer="WORLD", serial=f"{scope}-to-attach", owner_mst=firm.mst
    )
    return party


def _foreign_sealed(own: SupervisionParty, other: SupervisionParty, officer: User) -> None:
    """A movement between the own party's places under a seal of the other firm's platform."""
    container = _container(9999)
    movement = movement_declare(
        actor=officer,
        data=MovementInput(
            containers=(container,),
            route=own.movements["departed"].route_wkt,
            time_limit_minutes=600,
            departure_zone=own.zone.code,
            destination_zone=own.destination.code,
        ),
    )
    seal = eseal_register(
        actor=officer,
        manufacturer="WORLD",
        serial="other-platform-on-own-road",
        owner_mst=other.operator_firm.mst,
    )
    other.keys[seal.device_id] = eseal_key_issue(actor=officer, seal=seal)
    movement_seal(
        actor=officer,
        movement=movement,
        seals=[SealAttachment(container_number=container, device_id=seal.device_id)],
    )
    own.foreign_sealed = movement_depart(actor=officer, movement=movement)


def _bonded(party: SupervisionParty, trader: User, mst: str, officer: User) -> None:
    """Two cleared C11 declarations at the warehouse's office; the first one received."""
    from dataclasses import replace

    from .world import declaration_input

    office = party.destination.office.code
    c11 = [
        declaration_register(
            actor=trader, data=replace(declaration_input(mst, office, "green"), type_code="C11")
        )
        for _ in range(2)
    ]
    assert all(d.status == Status.CLEARED for d in c11), [d.status for d in c11]
    party.receipt = bonded_receipt_create(
        actor=officer,
        zone=party.destination,
        declaration_number=c11[0].number or "",
        document_number=f"PN-{party.destination.code}-001",
    )
    party.c11_waiting = c11[1]


def build_supervision(
    users: dict[str, User], traders: dict[str, tuple[User, str]]
) -> dict[str, SupervisionParty]:
    """The operators' firms, places, alerts, e-seals and movements of both parties. The
    world's `operator` user is created here (it works for the "own" firm)."""
    from haiquan.accounts.services import user_create

    admin = users["admin"]
    leader_43 = user_create(
        username="w.leader43", password=None, role="leader", office_codes=["43"]
    )
    own = _party(
        "own",
        admin,
        users["leader"],
        (("W20BD", "border_gate", 107.96, 21.54), ("W20CD", "bonded_warehouse", 107.05, 20.97)),
        "20BD",
        9111,
        "Công ty CP Cảng Hoàng Long",
    )
    other = _party(
        "other",
        admin,
        leader_43,
        (("W43A", "icd", 106.75, 10.90), ("W43B", "bonded_warehouse", 106.70, 10.98)),
        "43IH",
        9112,
        "Công ty TNHH Kho vận Sóng Thần",
    )
    _foreign_sealed(own, other, users["leader"])
    _bonded(own, *traders["own"], users["leader"])
    _bonded(other, *traders["other"], leader_43)
    users["operator"] = user_create(
        username="w.operator", password=None, role="operator", employer_mst=own.operator_firm.mst
    )
    return {"own": own, "other": other}
