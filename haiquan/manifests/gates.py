"""What the gates ask the manifests (supervision's exit-hold extension point)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

from haiquan.supervision.hooks import ExitHold

from .matching import bill_numbers
from .models import Hold

if TYPE_CHECKING:
    from haiquan.supervision.models import ControlZone


def exit_hold(zone: ControlZone, container_number: str, bill_of_lading: str) -> ExitHold | None:
    """An open hold on the bill reported at the gate, or on a bill the container is on."""
    q = Q(pk__in=[])
    if container_number:
        q |= Q(bill__containers__number=container_number)
    numbers = bill_numbers(bill_of_lading)
    if numbers:
        q |= Q(bill__number__in=numbers)
    hold = (
        Hold.objects.filter(q, released_at__isnull=True)
        .values_list("bill__number", flat=True)
        .first()
    )
    return ExitHold(bill_of_lading=hold) if hold else None
