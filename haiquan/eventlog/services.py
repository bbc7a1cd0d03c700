"""Writing to the event log. Called by every app's services inside their transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from .choices import Party
from .models import Event


def event_build(
    *,
    kind: str,
    subject_type: str,
    subject_id: int,
    party: Party | str,
    actor: Any = None,
    actor_label: str = "",
    declaration_id: int | None = None,
    office_code: str = "",
    data: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
) -> Event:
    """An event not yet written: several are appended at once with `events_append`."""
    label = actor_label
    if actor is not None and not label:
        label = actor.get_username()
    return Event(
        kind=kind,
        subject_type=subject_type,
        subject_id=subject_id,
        party=str(party),
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        actor_label=label,
        declaration_id=declaration_id,
        office_code=office_code,
        data=data or {},
        occurred_at=occurred_at or timezone.now(),
    )


def events_append(events: list[Event]) -> list[Event]:
    """Append several events in one statement, inside the transaction of their change."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("events_append must be called inside the transaction of its change")
    return Event.objects.bulk_create(events)


def event_record(
    *,
    kind: str,
    subject_type: str,
    subject_id: int,
    party: Party | str,
    actor: Any = None,
    actor_label: str = "",
    declaration_id: int | None = None,
    office_code: str = "",
    data: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
) -> Event:
    """Append one event. Must run inside the transaction of the change it records."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("event_record must be called inside the transaction of its change")
    event = event_build(
        kind=kind,
        subject_type=subject_type,
        subject_id=subject_id,
        party=party,
        actor=actor,
        actor_label=actor_label,
        declaration_id=declaration_id,
        office_code=office_code,
        data=data,
        occurred_at=occurred_at,
    )
    event.save()
    return event
