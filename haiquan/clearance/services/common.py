"""What every workflow step does: lock the declaration's row, save it with its version moved on,
write its event, say where its payment stands."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from haiquan.accounts.models import User
from haiquan.core.problems import Conflict
from haiquan.eventlog.choices import Party
from haiquan.eventlog.kinds import EventKind, kind_of
from haiquan.eventlog.models import Event

from ..choices import PaymentState
from ..models import Declaration
from ..workflow import party_of


def _event_fields(
    declaration: Declaration,
    actor: User | None,
    data: dict[str, Any] | None,
    party: Party | None,
    actor_label: str,
) -> dict[str, Any]:
    return {
        "subject_type": "declaration",
        "subject_id": declaration.pk,
        "declaration_id": declaration.pk,
        "office_code": declaration.office.code,
        "actor": actor,
        "actor_label": actor_label,
        "party": party or party_of(actor),
        "data": {"number": declaration.number, **(data or {})},
    }


def build_event(
    declaration: Declaration,
    kind: EventKind | str,
    actor: User | None,
    data: dict[str, Any] | None = None,
    party: Party | None = None,
    actor_label: str = "",
) -> Event:
    """An event of the declaration, not written yet (see `events_append`)."""
    return kind_of(kind).build(**_event_fields(declaration, actor, data, party, actor_label))


def record_event(
    declaration: Declaration,
    kind: EventKind | str,
    actor: User | None,
    data: dict[str, Any] | None = None,
    party: Party | None = None,
    actor_label: str = "",
) -> None:
    """Write an event of the declaration, in the transaction of its change."""
    kind_of(kind).record(**_event_fields(declaration, actor, data, party, actor_label))


def declaration_locked(declaration: Declaration, expected_version: int | None) -> Declaration:
    """Re-read the declaration under a row lock and check the caller saw its latest version."""
    locked = (
        # OF self: lock the declaration only, not the office, type and currency rows joined
        # to it, which every declaration of that office shares (and would deadlock on).
        Declaration.objects.select_for_update(of=("self",))
        .select_related("office", "type", "enterprise", "currency")
        .get(pk=declaration.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise Conflict(
            _(
                "The declaration changed since you loaded it (you saw version %(a)d, it is now %(b)d). "
                "Reload it and try again."
            )
            % {"a": expected_version, "b": locked.version},
            code="stale-version",
        )
    return locked


def save_fields(declaration: Declaration, *fields: str) -> None:
    declaration.version += 1
    declaration.save(update_fields=[*fields, "version", "updated_at"])


def payment_state_of(d: Declaration) -> str:
    """Of everything owed: duties and taxes, and penalties."""
    owed = d.owed_vnd
    if owed <= 0:
        return PaymentState.NONE_DUE
    if d.paid_vnd >= owed:
        return PaymentState.PAID
    if d.paid_vnd + d.guaranteed_vnd >= owed:
        return PaymentState.GUARANTEED
    if d.paid_vnd > 0:
        return PaymentState.PARTIAL
    return PaymentState.UNPAID
