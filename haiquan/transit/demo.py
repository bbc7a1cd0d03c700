"""Demo content for supervision and transit: the Quảng Ninh places with their operators' log-ins,
gate events at Cái Lân port for the history's recent container imports, and transit movements
from the border gates to the port — some finished and written off, some on the road now, a few
with faults that raised alerts on the monitoring desk.

Everything goes through the services (gate reports, movement workflow, telemetry ingestion), so
what the demo shows is what those services decided. Running it again adds nothing once the
movements exist.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from haiquan.accounts.choices import Role
from haiquan.accounts.models import User
from haiquan.clearance.choices import Status
from haiquan.clearance.models import Container
from haiquan.core.i18n import later
from haiquan.demo.setup import DemoLogin, _ensure_user
from haiquan.supervision.choices import Direction
from haiquan.supervision.models import ControlZone, GateEvent
from haiquan.supervision.services import GateReport, gate_event_report

from .choices import MovementState
from .models import TransitMovement
from .scenario import DESTINATION, GATE_OPERATOR, PORT_OPERATOR, places_ensure
from .scenario import movements_create as scenario_movements_create
from .services import SealCheck, movement_arrive, movement_close, movement_seals_verify
from .simulator import Faults, deliver_direct, interleave, sign_messages, trip_messages

FINISHED = 6  # trips that reached Cái Lân and were written off
ON_THE_ROAD = 6  # trips under way now; two of them with faults
GATED_IMPORTS = 40  # recent container imports at Cái Lân reported at the gate


def demo_setup(*, say: Callable[[str], None]) -> list[DemoLogin]:
    leader = User.objects.get(username="ld.quangninh")
    zones = places_ensure(actor=leader)
    logins = [
        DemoLogin(
            "op.cailan",
            Role.OPERATOR,
            gettext_lazy("port operator, Cái Lân port (gate reports)"),
        ),
        DemoLogin(
            "op.cuakhau",
            Role.OPERATOR,
            gettext_lazy("border-gate yard operator, Móng Cái, Hoành Mô, Bắc Phong Sinh"),
        ),
    ]
    port_operator = _ensure_user("op.cailan", Role.OPERATOR, employer_mst=PORT_OPERATOR[0])
    _ensure_user("op.cuakhau", Role.OPERATOR, employer_mst=GATE_OPERATOR[0])
    gated = _gate_recent_imports(port_operator, zones[DESTINATION])
    if TransitMovement.objects.exists():
        say(later(gettext_noop("Transit demo exists already; not created again.")))
        return logins
    finished, live, alerts = _movements(leader)
    say(
        later(
            gettext_noop(
                "Supervision: %(g)d gate events at Cái Lân; transit: %(f)d movements finished, "
                "%(l)d on the road, %(a)d alerts raised."
            ),
            g=gated,
            f=finished,
            l=live,
            a=alerts,
        )
    )
    return logins


def _gate_recent_imports(operator: User, zone: ControlZone) -> int:
    """Get-in (and get-out when released) of the latest container imports at Cái Lân."""
    if GateEvent.objects.filter(zone=zone).exists():
        return 0
    containers = (
        Container.objects.filter(
            declaration__office__code=zone.office.code,
            declaration__flow="import",
            declaration__status__in=[
                Status.RELEASED,
                Status.CLEARED,
                Status.DOCUMENT_CHECK,
                Status.INSPECTION,
                Status.AWAITING_PAYMENT,
            ],
        )
        .select_related("declaration")
        .order_by("-declaration__registered_at")[:GATED_IMPORTS]
    )
    n = 0
    now = timezone.now()
    for k, c in enumerate(containers):
        decl = c.declaration
        assert decl.registered_at is not None
        arrived: datetime = min(decl.registered_at - timedelta(hours=3), now)
        gate_event_report(
            actor=operator,
            zone=zone,
            report=GateReport(
                message_id=f"DEMO-IN-{c.pk}",
                direction=Direction.IN,
                container_number=c.number,
                occurred_at=arrived,
                vehicle_plate=f"14C-{(k * 37) % 100000:05d}",
            ),
            now=arrived,
        )
        n += 1
        if decl.status == Status.RELEASED and decl.released_at:
            gate_event_report(
                actor=operator,
                zone=zone,
                report=GateReport(
                    message_id=f"DEMO-OUT-{c.pk}",
                    direction=Direction.OUT,
                    container_number=c.number,
                    occurred_at=min(decl.released_at + timedelta(minutes=40), now),
                    vehicle_plate=f"14C-{(k * 37) % 100000:05d}",
                ),
                now=min(decl.released_at + timedelta(minutes=40), now),
            )
            n += 1
    return n


def _movements(leader: User) -> tuple[int, int, int]:
    """Finished trips (departed yesterday, written off) and trips on the road now."""
    from haiquan.supervision.models import Alert

    alerts_before = Alert.objects.count()
    now = timezone.now()
    keys: dict[str, str] = {}
    finished = scenario_movements_create(
        actor=leader, count=FINISHED, depart_at=now - timedelta(hours=26), keys=keys
    )
    _drive(finished, keys, faults=[Faults()] * FINISHED, until=now)
    for m in finished:
        arrived = now - timedelta(hours=20)
        m = movement_arrive(actor=leader, movement=m, at=arrived, now=arrived)
        m = movement_seals_verify(
            actor=leader,
            movement=m,
            checks=[
                SealCheck(container_number=c.container_number, intact=True)
                for c in m.containers.all()
            ],
        )
        movement_close(actor=leader, movement=m, note=str(_("Seals intact; written off.")))
    # On the road: departed between 40 and 150 minutes ago; two go wrong.
    live = []
    for k in range(ON_THE_ROAD):
        live += scenario_movements_create(
            actor=leader, count=1, depart_at=now - timedelta(minutes=40 + 22 * k), keys=keys
        )
    faults = [Faults()] * ON_THE_ROAD
    # Far enough along their route by now for the fault to have happened.
    faults[3] = Faults(corridor_exit=True)
    faults[4] = Faults(stop_minutes=45)
    _drive(live, keys, faults=faults, until=now)
    live_now = TransitMovement.objects.filter(
        pk__in=[m.pk for m in live], state=MovementState.DEPARTED
    ).count()
    return len(finished), live_now, Alert.objects.count() - alerts_before


def _drive(
    movements: list[TransitMovement],
    keys: dict[str, str],
    *,
    faults: list[Faults],
    until: datetime,
) -> None:
    """The seals' trips up to `until`, signed with their keys as the devices would."""
    trips = []
    for k, m in enumerate(movements):
        m.refresh_from_db()
        for c in m.containers.filter(active=True).select_related("seal"):
            assert c.seal is not None and m.departed_at is not None
            trips.append(
                trip_messages(
                    device_id=c.seal.device_id,
                    route_wkt=m.route_wkt,
                    start=m.departed_at,
                    faults=faults[k],
                    seed=m.pk,
                )
            )
    messages = [msg for msg in interleave(trips) if float(msg["timestamp"]) <= until.timestamp()]
    deliver_direct(sign_messages(messages, keys))
