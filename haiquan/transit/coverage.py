"""Transit's part in gate decisions (registered with supervision's hooks in apps.py):

- a container on an active movement (sealed or departed) may leave the place of departure
  (its zone, or a zone of its office of departure); the first such get-out records the
  departure;
- a get-in of a departed container at the place of destination (its zone, or a zone of its
  office of destination) records the arrival.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from haiquan.supervision.hooks import ExitCover
from haiquan.supervision.models import ControlZone, GateEvent

from .choices import MovementState
from .models import MovementContainer


def transit_exit_cover(
    zone: ControlZone, container_number: str, bill_of_lading: str
) -> ExitCover | None:
    if not container_number:
        return None
    c = (
        MovementContainer.objects.filter(
            container_number=container_number,
            active=True,
            movement__state__in=(MovementState.SEALED, MovementState.DEPARTED),
        )
        .filter(
            Q(movement__departure_zone=zone)
            | Q(movement__departure_zone__isnull=True, movement__office_of_departure=zone.office_id)
        )
        .select_related("movement")
        .first()
    )
    if c is None:
        return None
    movement = c.movement

    def on_exit(actor: Any, event: GateEvent) -> None:
        from .services import movement_depart

        if movement.state == MovementState.SEALED:
            # The get-out was authorised as such: it is the departure, whoever reported it.
            movement_depart(
                actor=None,
                movement=movement,
                at=event.occurred_at,
                now=event.recorded_at,
                source=f"gate:{event.zone.code}:{actor.get_username()}",
            )

    return ExitCover(
        transit_reference=movement.reference,
        declaration_id=movement.declaration_id,
        on_exit=on_exit,
    )


def on_gate_in(actor: Any, event: GateEvent) -> None:
    if not event.container_number:
        return
    zone = event.zone
    c = (
        MovementContainer.objects.filter(
            container_number=event.container_number,
            active=True,
            movement__state=MovementState.DEPARTED,
        )
        .filter(
            Q(movement__destination_zone=zone)
            | Q(
                movement__destination_zone__isnull=True,
                movement__office_of_destination=zone.office_id,
            )
        )
        .select_related("movement")
        .first()
    )
    if c is None:
        return
    from .services import movement_arrive

    movement_arrive(
        actor=None,
        movement=c.movement,
        at=event.occurred_at,
        now=event.recorded_at,
        source=f"gate:{zone.code}:{actor.get_username()}",
    )
    event.transit_reference = c.movement.reference
    event.save(update_fields=["transit_reference"])
