"""What happens elsewhere when an outage ends: each app that owns a legal time limit registers
one function that extends its limits (e-services' time limits, payment due dates, inquiries,
transit deadlines...), so that this app never imports them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import QuerySet

from haiquan.eventlog.choices import Party

from .deadlines import Span, deadline_extended

if TYPE_CHECKING:
    from haiquan.eventlog.kinds import EventKind

# (span, office code or "" for national) → how many time limits were extended
Extender = Callable[["OutageEnded"], int]
_EXTENDERS: dict[str, Extender] = {}


@dataclass(frozen=True)
class OutageEnded:
    outage_id: int
    span: Span
    office_code: str  # empty: every office


def deadline_extender_register(name: str, extender: Extender) -> None:
    _EXTENDERS[name] = extender


def deadline_extenders() -> dict[str, Extender]:
    return dict(_EXTENDERS)


def open_deadlines_extend(
    ended: OutageEnded,
    due: QuerySet[Any],
    *,
    office: str,
    kind: EventKind,
    subject_type: str,
    about: Callable[[Any], dict[str, Any]],
) -> int:
    """The loop every extender with open deadlines runs: move on by the outage's length the
    deadline (`due_at`) of each row of `due` (the open ones) that fell inside it, at the
    outage's office (`office`: the path from the row to its office; every office for a national
    outage). An escalation the lateness caused meanwhile (`escalated_at`) is withdrawn: the new
    deadline gets its own, once, if it passes too. Each move is recorded as `kind` with
    `about(row)`, the outage and the deadline before and after — not on a declaration's record:
    time release measures the declaration's own steps. How many moved."""
    span = ended.span
    office_of = attrgetter(office.replace("__", "."))
    with transaction.atomic():
        rows = due.select_for_update(of=("self",)).filter(
            due_at__gte=span.start, due_at__lte=span.end
        )
        if ended.office_code:
            rows = rows.filter(**{f"{office}__code": ended.office_code})
        moved = 0
        for row in rows.select_related(office).order_by("pk"):
            before = row.due_at
            row.due_at = deadline_extended(before, [span])
            row.escalated_at = None
            row.save(update_fields=["due_at", "escalated_at"])
            kind.record(
                subject_type=subject_type,
                subject_id=row.pk,
                party=Party.SYSTEM,
                actor=None,
                actor_label="outage",
                office_code=office_of(row).code,
                data={**about(row), "outage": ended.outage_id, "from": before, "to": row.due_at},
            )
            moved += 1
    return moved
