"""Transit movements under e-seal, from declaration to write-off. Every step is one transaction
that also writes its event (`transit.declared`, `transit.sealed`, `transit.departed`,
`transit.arrived`, `transit.seal_verified`, `transit.closed`, `transit.cancelled`,
`transit.incident`).

    declared ─seal→ sealed ─depart→ departed ─arrive→ arrived ─verify seals→ seal_verified ─close→ closed
    declared/sealed ─cancel→ cancelled;   incidents are recorded on the way (sealed…arrived)

Who: the declarant (for its declaration's enterprise) or an officer of the office of
departure declares; officers of the office of departure seal; the operator of the place of
departure (its get-out) or an officer departs; the operator of the place of destination (its
get-in) or an officer of the office of destination records the arrival; officers of the office
of destination verify the seals and close, once every alert of the movement is resolved.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haiquan.accounts.choices import Role
from haiquan.accounts.models import User
from haiquan.accounts.selectors import enterprises_user_may_declare_for
from haiquan.clearance.choices import Status
from haiquan.clearance.models import Declaration
from haiquan.core.problems import Conflict, FieldProblem, Forbidden, ValidationFailed, invalid
from haiquan.eventlog import kinds
from haiquan.eventlog.choices import Party
from haiquan.eventlog.kinds import EventKind
from haiquan.refdata.models import Enterprise, Office
from haiquan.supervision.choices import OPEN_ALERT_STATES, AlertSubject
from haiquan.supervision.clock import reported_time_check
from haiquan.supervision.containers import container_number_clean
from haiquan.supervision.geometry import LINE_TYPES, PLACE_TYPES, geometry_parse
from haiquan.supervision.models import Alert, ControlZone
from haiquan.supervision.permissions import is_officer_of_office, is_operator_of

from . import devicekeys
from .choices import IncidentKind, MovementState, SealState
from .ingest import late_arrival_raise
from .models import ESeal, Incident, MovementContainer, TransitMovement
from .reference import reference_next

MAX_TIME_LIMIT_MINUTES = 30 * 24 * 60


def _party(actor: User | None) -> Party:
    if actor is None:
        return Party.SYSTEM
    return (
        Party.CUSTOMS
        if actor.is_customs
        else (Party.MOVEMENT if actor.role == Role.OPERATOR else Party.TRADER)
    )


def _event(
    movement: TransitMovement,
    kind: EventKind,
    actor: User | None,
    *,
    office: Office,
    data: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
    party: Party | None = None,
    actor_label: str = "",
) -> None:
    kind.record(
        subject_type="transit_movement",
        subject_id=movement.pk,
        party=party or _party(actor),
        actor=actor,
        actor_label=actor_label,
        declaration_id=movement.declaration_id,
        office_code=office.code,
        occurred_at=occurred_at,
        data={"reference": movement.reference, **(data or {})},
    )


def _locked(movement: TransitMovement) -> TransitMovement:
    return (
        TransitMovement.objects.select_for_update(of=("self",))
        .select_related(
            "office_of_departure",
            "office_of_destination",
            "departure_zone",
            "destination_zone",
            "declaration",
        )
        .get(pk=movement.pk)
    )


def _require_state(movement: TransitMovement, *states: str) -> None:
    if movement.state not in states:
        raise Conflict(
            _("Movement %(ref)s is %(s)s; this needs it to be %(need)s.")
            % {
                "ref": movement.reference,
                "s": movement.get_state_display(),
                "need": " / ".join(str(MovementState(s).label) for s in states),
            },
            code="wrong-state",
        )


def _require_officer(actor: User, office: Office) -> None:
    if not is_officer_of_office(actor, office):
        raise Forbidden(
            _("Only a customs officer of office %(o)s may do this.") % {"o": office.code}
        )


# ---------------------------------------------------------------------------------------------
# E-seals


def may_manage_seal(user: User, seal: ESeal) -> bool:
    """Customs staff manage every e-seal; a platform's account (operator) manages its own."""
    if not user.is_active:
        return False
    if user.is_customs:
        return True
    return bool(
        user.role == Role.OPERATOR and user.enterprise_id and user.enterprise_id == seal.owner_id
    )


@transaction.atomic
def eseal_register(
    *, actor: User, manufacturer: str, serial: str, device_id: str = "", owner_mst: str = ""
) -> ESeal:
    """Register an e-seal by its ISO 18185 identity (manufacturer + serial), the id its
    tracker reports (a random one when not given: ids are no secret, but none to guess
    either) and the e-seal platform that owns it (`owner_mst`; none for customs' own seals).
    Customs staff do it; the seal gets its key from `eseal_key_issue`."""
    if not actor.is_customs:
        raise Forbidden(_("Only customs staff register e-seals."))
    manufacturer, serial = (manufacturer or "").strip(), (serial or "").strip()
    device_id = (device_id or "").strip() or f"ES-{secrets.token_hex(6).upper()}"
    errors = []
    if not manufacturer or len(manufacturer) > 64:
        errors.append(FieldProblem("manufacturer", _("1 to 64 characters"), "required"))
    if not serial or len(serial) > 64:
        errors.append(FieldProblem("serial", _("1 to 64 characters"), "required"))
    if len(device_id) > 64 or not device_id.isprintable() or any(c in device_id for c in "/+#"):
        errors.append(
            FieldProblem("device_id", _("at most 64 printable characters, none of / + #"))
        )
    owner = None
    if (owner_mst or "").strip():
        owner = Enterprise.objects.filter(mst=owner_mst.strip()).first()
        if owner is None:
            errors.append(
                FieldProblem("owner_mst", _("no enterprise with tax code %(m)s") % {"m": owner_mst})
            )
    if ESeal.objects.filter(manufacturer=manufacturer, serial=serial).exists():
        errors.append(
            FieldProblem(
                "serial",
                _("this manufacturer's seal %(s)s is registered") % {"s": serial},
                "duplicate",
            )
        )
    if ESeal.objects.filter(device_id=device_id).exists():
        errors.append(
            FieldProblem("device_id", _("%(d)s is taken") % {"d": device_id}, "duplicate")
        )
    if errors:
        raise ValidationFailed(errors)
    seal = ESeal.objects.create(
        manufacturer=manufacturer, serial=serial, device_id=device_id, owner=owner
    )
    kinds.ESEAL_REGISTERED.record(
        subject_type="eseal",
        subject_id=seal.pk,
        party=Party.CUSTOMS,
        actor=actor,
        data={
            "manufacturer": manufacturer,
            "serial": serial,
            "device_id": device_id,
            "owner": owner.mst if owner else "",
        },
    )
    return seal


def eseal_key_issue(*, actor: User, seal: ESeal) -> str:
    """Give the seal a new signing key and return it (64 hexadecimal characters), to be
    loaded into the device or its platform: it is shown this once, never stored (it derives
    from the installation's secret and a random key id), and replaces any key before it at
    once (rotation). Customs staff, or the platform that owns the seal."""
    with transaction.atomic():
        seal = ESeal.objects.select_for_update().get(pk=seal.pk)
        if not may_manage_seal(actor, seal):
            raise Forbidden(_("Only customs staff or the seal's platform may issue its key."))
        rotated = bool(seal.key_id)
        seal.key_id = devicekeys.new_key_id()
        seal.key_issued_at = timezone.now()
        # A new key counts its messages from the start.
        seal.counter_high = seal.counter_seen = 0
        seal.save(update_fields=["key_id", "key_issued_at", "counter_high", "counter_seen"])
        kinds.ESEAL_KEY_ISSUED.record(
            subject_type="eseal",
            subject_id=seal.pk,
            party=Party.CUSTOMS if actor.is_customs else Party.MOVEMENT,
            actor=actor,
            data={"device_id": seal.device_id, "key_id": seal.key_id, "rotated": rotated},
        )
    return devicekeys.device_key(seal.device_id, seal.key_id).hex()


# ---------------------------------------------------------------------------------------------
# Declaring


@dataclass(frozen=True)
class MovementInput:
    """A transit declaration: where from and to, the containers, the vehicle, the route and
    its corridor, the time limit. Zones are given by code; offices follow from them unless
    given."""

    containers: tuple[str, ...]
    route: Any  # WKT LINESTRING or GeoJSON LineString, longitude/latitude
    time_limit_minutes: int
    office_of_departure: str = ""
    office_of_destination: str = ""
    departure_zone: str = ""
    destination_zone: str = ""
    declaration_number: str = ""
    corridor_m: int = 500
    permitted_stops: Any = None
    max_stop_minutes: int | None = None
    vehicle_plate: str = ""
    driver_name: str = ""
    carrier_mst: str = ""


def _resolve(data: MovementInput) -> tuple[dict[str, Any], list[FieldProblem]]:
    errors: list[FieldProblem] = []
    out: dict[str, Any] = {}
    for side in ("departure", "destination"):
        out[f"office_of_{side}"], out[f"{side}_zone"] = _resolve_side(data, side, errors)
    if (
        out["office_of_departure"] is not None
        and out["office_of_departure"] == out["office_of_destination"]
        and out["departure_zone"] == out["destination_zone"]
    ):
        errors.append(
            FieldProblem("destination_zone", _("the destination must differ from the departure"))
        )
    out["containers"] = containers = _resolve_containers(data, errors)
    _resolve_geometries(data, out, errors)
    _limits_check(data, errors)
    out["declaration"] = _resolve_declaration(data, containers, errors)
    out["carrier"] = _resolve_carrier(data, errors)
    if len(data.vehicle_plate) > 20:
        errors.append(FieldProblem("vehicle_plate", _("at most 20 characters")))
    if len(data.driver_name) > 100:
        errors.append(FieldProblem("driver_name", _("at most 100 characters")))
    return out, errors


def _resolve_side(
    data: MovementInput, side: str, errors: list[FieldProblem]
) -> tuple[Office | None, ControlZone | None]:
    """The office and control zone of one side ("departure" or "destination"); the office
    follows from the zone unless given."""
    zone_code = getattr(data, f"{side}_zone").strip().upper()
    office_code = getattr(data, f"office_of_{side}").strip().upper()
    zone = (
        ControlZone.objects.select_related("office").filter(code=zone_code).first()
        if zone_code
        else None
    )
    if zone_code and zone is None:
        errors.append(
            FieldProblem(f"{side}_zone", _("no control zone with code %(c)s") % {"c": zone_code})
        )
    office = Office.objects.filter(code=office_code).first() if office_code else None
    if office_code and office is None:
        errors.append(
            FieldProblem(f"office_of_{side}", _("no office with code %(c)s") % {"c": office_code})
        )
    if zone is not None and office is not None and zone.office_id != office.pk:
        errors.append(
            FieldProblem(
                f"office_of_{side}",
                _("%(z)s is supervised by office %(o)s") % {"z": zone.code, "o": zone.office.code},
            )
        )
    if office is None and zone is not None:
        office = zone.office
    if office is None and not any(e.field.endswith(side) or side in e.field for e in errors):
        errors.append(
            FieldProblem(
                f"office_of_{side}",
                _("give the office of departure or its control zone")
                if side == "departure"
                else _("give the office of destination or its control zone"),
                "required",
            )
        )
    return office, zone


def _resolve_containers(data: MovementInput, errors: list[FieldProblem]) -> list[str]:
    """The container numbers, cleaned; each given once and not in transit already."""
    containers: list[str] = []
    if not data.containers:
        errors.append(FieldProblem("containers", _("give at least one container"), "required"))
    for i, raw in enumerate(data.containers):
        try:
            number = container_number_clean(raw, field=f"containers[{i}]")
        except ValidationFailed as exc:
            errors.extend(exc.errors)
            continue
        if number in containers:
            errors.append(FieldProblem(f"containers[{i}]", _("given twice")))
        containers.append(number)
    busy = set(
        MovementContainer.objects.filter(container_number__in=containers)
        .exclude(movement__state__in=(MovementState.CLOSED, MovementState.CANCELLED))
        .values_list("container_number", "movement__reference")
    )
    for number, ref in sorted(busy):
        errors.append(
            FieldProblem(
                f"containers[{containers.index(number)}]",
                _("%(n)s is already in transit under %(ref)s") % {"n": number, "ref": ref},
                "in-transit",
            )
        )
    return containers


def _resolve_geometries(
    data: MovementInput, out: dict[str, Any], errors: list[FieldProblem]
) -> None:
    """The route (required, a line) and the permitted stops, into `out`."""
    for name, value in (("route", data.route), ("permitted_stops", data.permitted_stops)):
        try:
            out[name] = geometry_parse(
                value, field=name, types=LINE_TYPES if name == "route" else PLACE_TYPES
            )
        except ValidationFailed as exc:
            errors.extend(exc.errors)
            out[name] = ""
    if not out.get("route") and not any(e.field == "route" for e in errors):
        errors.append(FieldProblem("route", _("give the route as a line"), "required"))


def _limits_check(data: MovementInput, errors: list[FieldProblem]) -> None:
    if not 50 <= data.corridor_m <= 50_000:
        errors.append(FieldProblem("corridor_m", _("between 50 and 50,000 metres")))
    if not 1 <= data.time_limit_minutes <= MAX_TIME_LIMIT_MINUTES:
        errors.append(FieldProblem("time_limit_minutes", _("between 1 minute and 30 days")))
    if data.max_stop_minutes is not None and not 1 <= data.max_stop_minutes <= 24 * 60:
        errors.append(FieldProblem("max_stop_minutes", _("between 1 and 1,440 minutes")))


def _resolve_declaration(
    data: MovementInput, containers: list[str], errors: list[FieldProblem]
) -> Declaration | None:
    """The registered declaration the movement is for (optional); its containers must
    include the movement's."""
    if not data.declaration_number:
        return None
    decl = Declaration.objects.filter(number=data.declaration_number.strip()).first()
    if decl is None or decl.status in (Status.DRAFT, Status.CANCELLED):
        errors.append(
            FieldProblem(
                "declaration_number",
                _("no registered declaration numbered %(n)s") % {"n": data.declaration_number},
            )
        )
        return None
    listed = set(decl.containers.values_list("number", flat=True))
    for i, number in enumerate(containers):
        if number not in listed:
            errors.append(
                FieldProblem(
                    f"containers[{i}]",
                    _("%(c)s is not on declaration %(n)s") % {"c": number, "n": decl.number},
                )
            )
    return decl


def _resolve_carrier(data: MovementInput, errors: list[FieldProblem]) -> Enterprise | None:
    if not data.carrier_mst:
        return None
    carrier = Enterprise.objects.filter(mst=data.carrier_mst.strip()).first()
    if carrier is None:
        errors.append(
            FieldProblem(
                "carrier_mst", _("no enterprise with tax code %(m)s") % {"m": data.carrier_mst}
            )
        )
    return carrier


def movement_declare(
    *, actor: User, data: MovementInput, now: datetime | None = None
) -> TransitMovement:
    """Declare a transit movement: it gets its reference (MRN) and waits for sealing.

    A trader declares for the enterprise of its declaration (required for traders); an
    officer of the office of departure may declare on a trader's behalf."""
    with transaction.atomic():
        out, errors = _resolve(data)
        if errors:
            raise ValidationFailed(errors)
        office: Office = out["office_of_departure"]
        declaration: Declaration | None = out["declaration"]
        if actor.is_trader:
            if declaration is None:
                raise invalid(
                    "declaration_number",
                    _("a trader declares a transit for one of its declarations"),
                    "required",
                )
            if (
                not enterprises_user_may_declare_for(actor)
                .filter(pk=declaration.enterprise_id)
                .exists()
            ):
                raise Forbidden(_("You may not declare for this declaration's enterprise."))
        elif not is_officer_of_office(actor, office):
            raise Forbidden(
                _("Only the declarant or an officer of office %(o)s may declare this transit.")
                % {"o": office.code}
            )
        movement = TransitMovement.objects.create(
            reference=reference_next(office),
            declaration=declaration,
            office_of_departure=office,
            office_of_destination=out["office_of_destination"],
            departure_zone=out["departure_zone"],
            destination_zone=out["destination_zone"],
            carrier=out["carrier"],
            vehicle_plate=data.vehicle_plate.strip().upper(),
            driver_name=data.driver_name.strip(),
            route_wkt=out["route"],
            corridor_m=data.corridor_m,
            permitted_stops_wkt=out["permitted_stops"],
            time_limit_minutes=data.time_limit_minutes,
            max_stop_minutes=data.max_stop_minutes,
            declared_by=actor,
            declared_at=now or timezone.now(),
        )
        MovementContainer.objects.bulk_create(
            [MovementContainer(movement=movement, container_number=n) for n in out["containers"]]
        )
        _event(
            movement,
            kinds.TRANSIT_DECLARED,
            actor,
            office=office,
            occurred_at=movement.declared_at,
            data={
                "from": office.code,
                "to": out["office_of_destination"].code,
                "containers": out["containers"],
                "time_limit_minutes": data.time_limit_minutes,
            },
        )
    return movement


# ---------------------------------------------------------------------------------------------
# Sealing, departure, arrival


@dataclass(frozen=True)
class SealAttachment:
    container_number: str
    device_id: str


def movement_seal(
    *,
    actor: User,
    movement: TransitMovement,
    seals: list[SealAttachment],
    now: datetime | None = None,
) -> TransitMovement:
    """Put an e-seal on every container (niêm phong) and release the movement for transit.
    Each seal must be registered and free. (`now`: the server's clock, as for the departure.)"""
    with transaction.atomic():
        movement = _locked(movement)
        _require_officer(actor, movement.office_of_departure)
        _require_state(movement, MovementState.DECLARED)
        containers = {c.container_number: c for c in movement.containers.all()}
        by_container = _seals_match(seals, containers)
        now = now or timezone.now()
        _seals_attach(containers, by_container, now)
        movement.state = MovementState.SEALED
        movement.sealed_at = now
        movement.save(update_fields=["state", "sealed_at"])
        _event(
            movement,
            kinds.TRANSIT_SEALED,
            actor,
            office=movement.office_of_departure,
            occurred_at=now,
            data={"seals": {n: s.device_id for n, s in by_container.items()}},
        )
    return movement


def _seals_match(
    seals: list[SealAttachment], containers: dict[str, MovementContainer]
) -> dict[str, ESeal]:
    """Container number → its seal (locked), each seal registered and free and every
    container sealed once; raises ValidationFailed with every problem."""
    errors: list[FieldProblem] = []
    by_container: dict[str, ESeal] = {}
    device_ids = [s.device_id.strip() for s in seals]
    found = {
        s.device_id: s for s in ESeal.objects.select_for_update().filter(device_id__in=device_ids)
    }
    for i, s in enumerate(seals):
        try:
            number = container_number_clean(
                s.container_number, field=f"seals[{i}].container_number"
            )
        except ValidationFailed as exc:
            errors.extend(exc.errors)
            continue
        if number not in containers:
            errors.append(
                FieldProblem(
                    f"seals[{i}].container_number",
                    _("%(c)s is not in this movement") % {"c": number},
                )
            )
        seal = found.get(s.device_id.strip())
        if seal is None:
            errors.append(
                FieldProblem(
                    f"seals[{i}].device_id",
                    _("no e-seal with device id %(d)s") % {"d": s.device_id},
                    "unknown-device",
                )
            )
        elif seal.state != SealState.AVAILABLE:
            errors.append(
                FieldProblem(
                    f"seals[{i}].device_id",
                    _("seal %(d)s is %(s)s, not available")
                    % {"d": seal.device_id, "s": seal.get_state_display()},
                    "seal-busy",
                )
            )
        elif seal in by_container.values():
            errors.append(FieldProblem(f"seals[{i}].device_id", _("the same seal twice")))
        elif number in by_container:
            errors.append(FieldProblem(f"seals[{i}].container_number", _("sealed twice")))
        else:
            by_container[number] = seal
    for number in containers:
        if number not in by_container and not errors:
            errors.append(
                FieldProblem("seals", _("container %(c)s has no seal") % {"c": number}, "required")
            )
    if errors:
        raise ValidationFailed(errors)
    return by_container


def _seals_attach(
    containers: dict[str, MovementContainer], by_container: dict[str, ESeal], now: datetime
) -> None:
    """Each container gets its seal and a fresh monitoring state; the seals are attached."""
    for number, seal in by_container.items():
        c = containers[number]
        c.seal, c.active, c.sealed_at = seal, True, now
        c.opened_at = c.last_fix_at = c.anchor_at = None
        c.open_episodes = {}
        seal.state = SealState.ATTACHED
    MovementContainer.objects.bulk_update(
        list(containers.values()),
        [
            "seal",
            "active",
            "sealed_at",
            "opened_at",
            "last_fix_at",
            "anchor_at",
            "open_episodes",
        ],
    )
    ESeal.objects.bulk_update(list(by_container.values()), ["state"])


def movement_depart(
    *,
    actor: User | None,
    movement: TransitMovement,
    at: datetime | None = None,
    source: str = "",
    now: datetime | None = None,
) -> TransitMovement:
    """The movement leaves its place of departure; the time limit starts. Recorded by the
    get-out at the place of departure (its operator), or by an officer of departure.

    Server time is the truth: the reported time `at` is taken only within the reporting window
    of the server's clock and not before the sealing; it is kept beside the server's time,
    and the deadline runs from the server's. `now` is the server's clock, given only by code
    that replays the past (the demo, data loads); the API never sets it."""
    now = now or timezone.now()
    with transaction.atomic():
        movement = _locked(movement)
        if actor is not None and not (
            is_officer_of_office(actor, movement.office_of_departure)
            or (movement.departure_zone and is_operator_of(actor, movement.departure_zone))
        ):
            raise Forbidden(
                _(
                    "Only the operator of the place of departure or an officer of office "
                    "%(o)s may record the departure."
                )
                % {"o": movement.office_of_departure.code}
            )
        _require_state(movement, MovementState.SEALED)
        reported = reported_time_check(
            at, now=now, field="at", after=movement.sealed_at, after_what=_("the sealing")
        )
        movement.state = MovementState.DEPARTED
        movement.departed_at = now
        movement.departure_reported_at = reported
        movement.deadline = now + timedelta(minutes=movement.time_limit_minutes)
        movement.save(update_fields=["state", "departed_at", "departure_reported_at", "deadline"])
        movement.containers.filter(active=True).update(
            anchor_at=None, anchor_lat=None, anchor_lon=None
        )
        _event(
            movement,
            kinds.TRANSIT_DEPARTED,
            actor,
            office=movement.office_of_departure,
            occurred_at=now,
            party=Party.MOVEMENT,
            actor_label=source,
            data={"deadline": movement.deadline, "reported_at": reported},
        )
    return movement


def movement_arrive(
    *,
    actor: User | None,
    movement: TransitMovement,
    at: datetime | None = None,
    source: str = "",
    now: datetime | None = None,
) -> TransitMovement:
    """The movement reached its destination (arrival notice). Recorded by the get-in at the
    place of destination (its operator) or by an officer of the office of destination.

    The reported time is checked as for the departure (within the window, not before the
    departure reported) and kept; whether the movement is late is decided by the server's
    time of the arrival against the deadline, and a late arrival raises its alert if the watch
    has not."""
    now = now or timezone.now()
    with transaction.atomic():
        movement = _locked(movement)
        if actor is not None and not (
            is_officer_of_office(actor, movement.office_of_destination)
            or (movement.destination_zone and is_operator_of(actor, movement.destination_zone))
        ):
            raise Forbidden(
                _(
                    "Only the operator of the place of destination or an officer of office "
                    "%(o)s may record the arrival."
                )
                % {"o": movement.office_of_destination.code}
            )
        _require_state(movement, MovementState.DEPARTED)
        reported = reported_time_check(
            at,
            now=now,
            field="at",
            after=movement.departure_reported_at or movement.departed_at,
            after_what=_("the departure"),
        )
        late_arrival_raise(movement, now)
        movement.state = MovementState.ARRIVED
        movement.arrived_at = now
        movement.arrival_reported_at = reported
        movement.save(
            update_fields=["state", "arrived_at", "arrival_reported_at", "alert_episodes"]
        )
        _event(
            movement,
            kinds.TRANSIT_ARRIVED,
            actor,
            office=movement.office_of_destination,
            occurred_at=now,
            party=Party.MOVEMENT,
            actor_label=source,
            data={
                "late": bool(movement.deadline and now > movement.deadline),
                "reported_at": reported,
            },
        )
    return movement


@dataclass(frozen=True)
class SealCheck:
    container_number: str
    intact: bool
    note: str = ""


def movement_seals_verify(
    *, actor: User, movement: TransitMovement, checks: list[SealCheck]
) -> TransitMovement:
    """At destination the officer checks each seal before it is removed: intact, or broken (an
    incident is recorded). The seals are then free for the next movement."""
    with transaction.atomic():
        movement = _locked(movement)
        _require_officer(actor, movement.office_of_destination)
        _require_state(movement, MovementState.ARRIVED)
        containers = {c.container_number: c for c in movement.containers.select_related("seal")}
        given: dict[str, SealCheck] = {}
        errors = []
        for i, chk in enumerate(checks):
            number = chk.container_number.strip().upper()
            if number not in containers:
                errors.append(
                    FieldProblem(
                        f"checks[{i}].container_number",
                        _("%(c)s is not in this movement") % {"c": number},
                    )
                )
            given[number] = chk
        for number in containers:
            if number not in given:
                errors.append(
                    FieldProblem(
                        "checks",
                        _("say whether the seal of %(c)s is intact") % {"c": number},
                        "required",
                    )
                )
        if errors:
            raise ValidationFailed(errors)
        now = timezone.now()
        seals = []
        for number, c in containers.items():
            chk = given[number]
            c.seal_intact = chk.intact
            c.verification_note = chk.note.strip()
            c.active = False
            if c.seal is not None:
                c.seal.state = SealState.AVAILABLE if chk.intact else SealState.FAULTY
                seals.append(c.seal)
            if not chk.intact:
                Incident.objects.create(
                    movement=movement,
                    kind=IncidentKind.SEAL_BROKEN,
                    container_number=number,
                    description=chk.note.strip() or _("Seal found broken on arrival."),
                    occurred_at=now,
                    recorded_by=actor,
                )
                movement.has_incident = True
        MovementContainer.objects.bulk_update(
            list(containers.values()), ["seal_intact", "verification_note", "active"]
        )
        ESeal.objects.bulk_update(seals, ["state"])
        movement.state = MovementState.SEAL_VERIFIED
        movement.verified_at = now
        movement.save(update_fields=["state", "verified_at", "has_incident"])
        _event(
            movement,
            kinds.TRANSIT_SEAL_VERIFIED,
            actor,
            office=movement.office_of_destination,
            data={"intact": {n: given[n].intact for n in containers}},
        )
    return movement


def movement_close(*, actor: User, movement: TransitMovement, note: str = "") -> TransitMovement:
    """Write the movement off (releases the carrier's guarantee). Refused while any of its
    alerts is not resolved."""
    with transaction.atomic():
        movement = _locked(movement)
        _require_officer(actor, movement.office_of_destination)
        _require_state(movement, MovementState.SEAL_VERIFIED)
        open_alerts = Alert.objects.filter(
            subject_type=AlertSubject.TRANSIT_MOVEMENT,
            subject_id=movement.pk,
            state__in=OPEN_ALERT_STATES,
        ).count()
        if open_alerts:
            raise Conflict(
                _("Resolve the %(n)d open alert(s) of %(ref)s before closing it.")
                % {"n": open_alerts, "ref": movement.reference},
                code="open-alerts",
            )
        movement.state = MovementState.CLOSED
        movement.closed_at = timezone.now()
        movement.note = note.strip()
        movement.save(update_fields=["state", "closed_at", "note"])
        _event(
            movement,
            kinds.TRANSIT_CLOSED,
            actor,
            office=movement.office_of_destination,
            data={"note": note.strip()},
        )
    return movement


def movement_cancel(*, actor: User, movement: TransitMovement, reason: str) -> TransitMovement:
    """Cancel a movement that has not left: its seals (if any) are freed."""
    if not (reason or "").strip():
        raise invalid("reason", _("say why the movement is cancelled"), "required")
    with transaction.atomic():
        movement = _locked(movement)
        _require_officer(actor, movement.office_of_departure)
        _require_state(movement, MovementState.DECLARED, MovementState.SEALED)
        attached = list(movement.containers.filter(active=True).select_related("seal"))
        for c in attached:
            c.active = False
            if c.seal is not None:
                c.seal.state = SealState.AVAILABLE
                c.seal.save(update_fields=["state"])
        MovementContainer.objects.bulk_update(attached, ["active"])
        movement.state = MovementState.CANCELLED
        movement.cancelled_at = timezone.now()
        movement.note = reason.strip()
        movement.save(update_fields=["state", "cancelled_at", "note"])
        _event(
            movement,
            kinds.TRANSIT_CANCELLED,
            actor,
            office=movement.office_of_departure,
            data={"reason": reason.strip()},
        )
    return movement


def movement_incident_record(
    *,
    actor: User,
    movement: TransitMovement,
    kind: str,
    description: str,
    container_number: str = "",
    occurred_at: datetime | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    replacement_device_id: str = "",
) -> Incident:
    """Record an incident on the way (an accident, a transshipment, a control by another
    authority, a seal broken). A broken seal may be replaced: the new seal takes over the
    container and the old one is set aside as faulty."""
    _incident_check(kind, description, latitude, longitude)
    with transaction.atomic():
        movement = _locked(movement)
        if not (
            is_officer_of_office(actor, movement.office_of_departure)
            or is_officer_of_office(actor, movement.office_of_destination)
        ):
            raise Forbidden(
                _(
                    "Only an officer of the office of departure or destination may record an incident."
                )
            )
        _require_state(
            movement, MovementState.SEALED, MovementState.DEPARTED, MovementState.ARRIVED
        )
        container = _incident_container(movement, container_number)
        new_seal = None
        if replacement_device_id:
            if container is None:
                raise invalid(
                    "container_number", _("say which container gets the new seal"), "required"
                )
            new_seal = _seal_replace(container, replacement_device_id)
        incident = Incident.objects.create(
            movement=movement,
            kind=kind,
            container_number=container.container_number if container else "",
            description=description.strip(),
            occurred_at=occurred_at or timezone.now(),
            recorded_by=actor,
            latitude=latitude,
            longitude=longitude,
            replacement_seal=new_seal,
        )
        movement.has_incident = True
        movement.save(update_fields=["has_incident"])
        _event(
            movement,
            kinds.TRANSIT_INCIDENT,
            actor,
            office=movement.office_of_departure
            if movement.state != MovementState.ARRIVED
            else movement.office_of_destination,
            occurred_at=incident.occurred_at,
            data={
                "incident_kind": kind,
                "container": incident.container_number,
                "replacement_seal": new_seal.device_id if new_seal else "",
            },
        )
    return incident


def _incident_check(
    kind: str, description: str, latitude: float | None, longitude: float | None
) -> None:
    errors = []
    if kind not in IncidentKind.values:
        errors.append(
            FieldProblem("kind", _("must be one of %(v)s") % {"v": ", ".join(IncidentKind.values)})
        )
    if not (description or "").strip():
        errors.append(FieldProblem("description", _("describe what happened"), "required"))
    if (latitude is None) != (longitude is None) or (
        latitude is not None and not (-90 <= latitude <= 90 and -180 <= (longitude or 0) <= 180)
    ):
        errors.append(FieldProblem("latitude", _("give both latitude and longitude, in degrees")))
    if errors:
        raise ValidationFailed(errors)


def _incident_container(
    movement: TransitMovement, container_number: str
) -> MovementContainer | None:
    """The container an incident names (with its seal), if it names one."""
    if not container_number:
        return None
    container = (
        movement.containers.select_related("seal")
        .filter(container_number=container_number.strip().upper())
        .first()
    )
    if container is None:
        raise invalid(
            "container_number", _("%(c)s is not in this movement") % {"c": container_number}
        )
    return container


def _seal_replace(container: MovementContainer, replacement_device_id: str) -> ESeal:
    """Put an available seal on the container in place of its (broken) one, which is set
    aside as faulty."""
    new_seal = (
        ESeal.objects.select_for_update().filter(device_id=replacement_device_id.strip()).first()
    )
    if new_seal is None or new_seal.state != SealState.AVAILABLE:
        raise invalid(
            "replacement_device_id",
            _("no available e-seal with device id %(d)s") % {"d": replacement_device_id},
        )
    old = container.seal
    if old is not None:
        old.state = SealState.FAULTY
        old.save(update_fields=["state"])
    # The old seal's alerts stay; the new seal starts its own state.
    container.seal = new_seal
    container.sealed_at = timezone.now()
    container.last_fix_at = container.anchor_at = None
    container.open_episodes = {}
    try:
        with transaction.atomic():
            container.save(
                update_fields=[
                    "seal",
                    "sealed_at",
                    "last_fix_at",
                    "anchor_at",
                    "open_episodes",
                ]
            )
    except IntegrityError:
        raise invalid("replacement_device_id", _("this seal is on another container")) from None
    new_seal.state = SealState.ATTACHED
    new_seal.save(update_fields=["state"])
    return new_seal
