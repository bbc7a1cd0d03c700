"""Transit deadlines after a declared outage: a movement under way whose deadline to arrive
fell while its office of departure or of destination (or the whole country) was declared down
gets the outage's length added to it (haiquan.outage.deadlines), since its arrival could not
be recorded meanwhile. Registered as an outage extender (haiquan.outage.hooks) in
`TransitConfig.ready()`."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q

from haiquan.eventlog import kinds
from haiquan.eventlog.choices import Party
from haiquan.outage.deadlines import deadline_extended
from haiquan.outage.hooks import OutageEnded

from .choices import MovementState
from .models import TransitMovement


def movements_extend_for_outage(ended: OutageEnded) -> int:
    """Move on by the outage's length the deadline of every departed movement, at its offices
    (every office for a national one), that fell inside it. How many moved."""
    span = ended.span
    with transaction.atomic():
        due = TransitMovement.objects.select_for_update().filter(
            state=MovementState.DEPARTED, deadline__gte=span.start, deadline__lte=span.end
        )
        if ended.office_code:
            due = due.filter(
                Q(office_of_departure__code=ended.office_code)
                | Q(office_of_destination__code=ended.office_code)
            )
        moved = 0
        for movement in due.select_related("office_of_destination"):
            before = movement.deadline
            assert before is not None
            movement.deadline = deadline_extended(before, [span])
            movement.save(update_fields=["deadline"])
            # Not on the declaration's record: time release measures the declaration's own steps.
            kinds.TRANSIT_DEADLINE_EXTENDED.record(
                subject_type="transit_movement",
                subject_id=movement.pk,
                party=Party.SYSTEM,
                actor=None,
                actor_label="outage",
                office_code=movement.office_of_destination.code,
                data={
                    "reference": movement.reference,
                    "outage": ended.outage_id,
                    "from": before,
                    "to": movement.deadline,
                },
            )
            moved += 1
    return moved
