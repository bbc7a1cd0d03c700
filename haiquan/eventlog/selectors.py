from __future__ import annotations

from .models import Event, EventQuerySet


def events_for_declaration(*, declaration_id: int) -> EventQuerySet:
    return (
        Event.objects.filter(declaration_id=declaration_id).select_related("actor").order_by("id")
    )
