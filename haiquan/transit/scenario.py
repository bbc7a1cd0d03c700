"""Demo transit set-up for Quảng Ninh: the places (border gates, Cái Lân port), their routes
along national road 18, e-seals and movements, made through the services. Used by
`haiquan telemetry-simulate --setup`, the demo and the benchmark.

Coordinates are approximate (a few hundred metres) and only meant to look right on a map.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from stdnum import iso6346

from haiquan.accounts.models import User
from haiquan.refdata.models import Enterprise
from haiquan.refdata.services import enterprise_create
from haiquan.supervision.models import ControlZone
from haiquan.supervision.services import zone_create

from .models import ESeal, TransitMovement
from .services import (
    MovementInput,
    SealAttachment,
    eseal_key_issue,
    eseal_register,
    movement_declare,
    movement_depart,
    movement_seal,
)


@dataclass(frozen=True)
class DemoPlace:
    code: str
    name: str
    kind: str
    office: str
    operator_mst: str
    operator_name: str
    area: str


def _box(lon: float, lat: float, d: float = 0.006) -> str:
    return (
        f"POLYGON (({lon - d} {lat - d}, {lon + d} {lat - d}, {lon + d} {lat + d}, "
        f"{lon - d} {lat + d}, {lon - d} {lat - d}))"
    )


PORT_OPERATOR = ("5700100263", "Công ty CP Cảng Quảng Ninh")
GATE_OPERATOR = ("5700100270", "Công ty TNHH Dịch vụ Cửa khẩu Quảng Ninh")

PLACES = [
    DemoPlace(
        "20BDG01", "Bãi kiểm hóa cửa khẩu Móng Cái", "border_gate", "20BD", *GATE_OPERATOR,
        _box(107.9647, 21.5433),
    ),
    DemoPlace(
        "20BCG01", "Bãi kiểm hóa cửa khẩu Hoành Mô", "border_gate", "20BC", *GATE_OPERATOR,
        _box(107.5010, 21.6260),
    ),
    DemoPlace(
        "20BIG01", "Bãi kiểm hóa cửa khẩu Bắc Phong Sinh", "border_gate", "20BI", *GATE_OPERATOR,
        _box(107.6650, 21.5560),
    ),
    DemoPlace(
        "20CDP01", "Cảng Cái Lân", "port", "20CD", *PORT_OPERATOR,
        "POLYGON ((107.040 20.960, 107.060 20.960, 107.060 20.978, 107.040 20.978, 107.040 20.960))",
    ),
]  # fmt: skip

# Roads from the border gates to Cái Lân port (lon lat).
ROUTES: dict[str, str] = {
    "20BDG01": "LINESTRING (107.9647 21.5433, 107.85 21.50, 107.75 21.45, 107.60 21.39, 107.40 21.33, "
    "107.35 21.20, 107.32 21.08, 107.29 21.02, 107.18 20.98, 107.08 20.965, 107.05 20.97)",
    "20BCG01": "LINESTRING (107.5010 21.6260, 107.47 21.52, 107.42 21.40, 107.40 21.33, 107.35 21.20, "
    "107.32 21.08, 107.29 21.02, 107.18 20.98, 107.08 20.965, 107.05 20.97)",
    "20BIG01": "LINESTRING (107.6650 21.5560, 107.70 21.47, 107.60 21.39, 107.40 21.33, 107.35 21.20, "
    "107.32 21.08, 107.29 21.02, 107.18 20.98, 107.08 20.965, 107.05 20.97)",
}
DESTINATION = "20CDP01"


def places_ensure(*, actor: User) -> dict[str, ControlZone]:
    """The demo places (created on first use)."""
    zones = {}
    for place in PLACES:
        zone = ControlZone.objects.filter(code=place.code).first()
        if zone is None:
            if not Enterprise.objects.filter(mst=place.operator_mst).exists():
                enterprise_create(
                    mst=place.operator_mst, name=place.operator_name, province_code="22"
                )
            zone = zone_create(
                actor=actor,
                code=place.code,
                name=place.name,
                kind=place.kind,
                operator_mst=place.operator_mst,
                office_code=place.office,
                geometry=place.area,
                storage_limit_days=90,
            )
        zones[place.code] = zone
    return zones


def demo_container_number(n: int) -> str:
    body = f"HQSU{n % 1_000_000:06d}"
    return body + str(iso6346.calc_check_digit(body))


def movements_create(
    *,
    actor: User,
    count: int,
    depart_at: datetime | None = None,
    time_limit_minutes: int = 6 * 60,
    first_number: int | None = None,
    keys: dict[str, str] | None = None,
    owner_mst: str = "",
    vehicle_plate: str = "",
) -> list[TransitMovement]:
    """`count` movements from the border gates to Cái Lân, each one container under a new
    e-seal (a random device id, its key put in `keys` by device id when given; owned by the
    platform `owner_mst`, customs' own when empty), sealed, and departed at `depart_at` if
    given — the server's clock set to then, as if the demo had run at that time. `actor`
    must be an officer of the offices involved (e.g. a leader of department 20)."""
    zones = places_ensure(actor=actor)
    declared_at = depart_at - timedelta(minutes=20) if depart_at is not None else None
    start = (
        first_number
        if first_number is not None
        else ESeal.objects.filter(manufacturer="HQ-SIM").count()
    )
    origins = sorted(ROUTES)
    movements = []
    for k in range(count):
        n = start + k + 1
        origin = origins[n % len(origins)]
        with transaction.atomic():
            seal = eseal_register(
                actor=actor,
                manufacturer="HQ-SIM",
                serial=f"{n:07d}",
                device_id=f"HQ-{secrets.token_hex(5).upper()}",
                owner_mst=owner_mst,
            )
            key = eseal_key_issue(actor=actor, seal=seal)
            if keys is not None:
                keys[seal.device_id] = key
            container = demo_container_number(n)
            movement = movement_declare(
                actor=actor,
                data=MovementInput(
                    containers=(container,),
                    route=ROUTES[origin],
                    time_limit_minutes=time_limit_minutes,
                    departure_zone=origin,
                    destination_zone=DESTINATION,
                    corridor_m=500,
                    vehicle_plate=vehicle_plate or f"14C-{n % 100000:05d}",
                ),
                now=declared_at,
            )
            movement = movement_seal(
                actor=actor,
                movement=movement,
                seals=[SealAttachment(container_number=container, device_id=seal.device_id)],
                now=declared_at,
            )
            if depart_at is not None:
                movement = movement_depart(
                    actor=actor, movement=movement, at=depart_at, now=depart_at
                )
        movements.append(movement)
    assert zones
    return movements
