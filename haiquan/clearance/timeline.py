"""The declaration's status timeline, read from the event log and told in plain words.

Traders see what happened and when; the selectivity's reasons, score and random selection
stay with customs (as in the API's event list).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from haiquan.eventlog import kinds
from haiquan.eventlog.choices import Party
from haiquan.eventlog.kinds import event_actor, kind_label
from haiquan.eventlog.models import Event
from haiquan.risk.choices import Lane

from .choices import CheckOutcome, PaymentState

CUSTOMS_ONLY_KEYS = frozenset({"reasons", "score", "random_selected"})


@dataclass
class TimelineEntry:
    occurred_at: datetime
    label: str
    party: str
    actor: str
    details: list[str] = field(default_factory=list)
    amounts: list[tuple[str, Any]] = field(default_factory=list)


def _details(kind: str, data: dict[str, Any], customs: bool) -> list[str]:
    out: list[str] = []
    if kind == kinds.DECLARATION_LANE_DECIDED.code and data.get("lane") in Lane.values:
        out.append(_("Lane: %(lane)s") % {"lane": Lane(data["lane"]).label})
        if customs and data.get("reasons"):
            out.append(_("Reasons: %(codes)s") % {"codes": ", ".join(map(str, data["reasons"]))})
        if customs and data.get("random_selected"):
            out.append(_("Selected at random for compliance measurement"))
    if kind == kinds.DECLARATION_CLEARANCE_HELD.code and data.get("reasons"):
        out.append(_("Waiting for: %(what)s") % {"what": "; ".join(map(str, data["reasons"]))})
    if kind == kinds.DECLARATION_PENALTY_DECIDED.code and data.get("decision"):
        out.append(
            _("Decision %(number)s under %(basis)s")
            % {"number": data["decision"], "basis": data.get("legal_basis", "")}
        )
    if data.get("reason"):
        out.append(_("Reason: %(reason)s") % {"reason": data["reason"]})
    if data.get("decision_reason"):
        out.append(
            _("Approved by the customs office: %(reason)s") % {"reason": data["decision_reason"]}
        )
    if kind == kinds.DECLARATION_CANCELLED.code and data.get("paid_vnd") not in (None, "", 0, "0"):
        out.append(_("What was paid is refunded or set off on the enterprise's request"))
    if data.get("outcome") in CheckOutcome.values:
        out.append(str(CheckOutcome(data["outcome"]).label))
    if data.get("version") and kind == kinds.DECLARATION_AMENDED.code:
        out.append(_("Version %(n)s") % {"n": data["version"]})
    if data.get("receipt"):
        out.append(_("Receipt %(number)s") % {"number": data["receipt"]})
    if data.get("reference"):
        out.append(_("Reference %(ref)s") % {"ref": data["reference"]})
    if data.get("payment_state") in PaymentState.values:
        out.append(str(PaymentState(data["payment_state"]).label))
    if data.get("note"):
        out.append(str(data["note"]))
    return out


def _amounts(data: dict[str, Any]) -> list[tuple[str, Any]]:
    labels = (
        ("total_duties_vnd", _("Duties and taxes")),
        ("amount_vnd", _("Amount")),
        ("difference_vnd", _("Difference")),
        ("amount_due_vnd", _("To pay")),
        ("paid_vnd", _("Paid")),
    )
    optional = ("amount_due_vnd", "paid_vnd")  # said only when there is something
    return [
        (label, data[key])
        for key, label in labels
        if data.get(key) not in (None, "") and not (key in optional and _zero(data[key]))
    ]


def _zero(value: Any) -> bool:
    try:
        return Decimal(str(value)) == 0
    except ArithmeticError:
        return False


def timeline(events: Iterable[Event], *, customs: bool) -> list[TimelineEntry]:
    """The events of one declaration in the order they happened (by their time, then by the
    order they were written), as the reader may see them: each kind and actor in words."""
    entries = []
    for e in sorted(events, key=lambda e: (e.occurred_at, e.pk or 0)):
        data = dict(e.data or {})
        if not customs and e.kind != kinds.DECLARATION_CLEARANCE_HELD.code:
            # What holds a clearance (a permit, a partner agency's result) is the trader's to see.
            data = {k: v for k, v in data.items() if k not in CUSTOMS_ONLY_KEYS}
        actor = event_actor(e)
        if not customs and e.party == Party.CUSTOMS:
            actor = ""  # traders deal with the customs office, not with named officers
        entries.append(
            TimelineEntry(
                occurred_at=e.occurred_at,
                label=kind_label(e.kind),
                party=str(Party(e.party).label) if e.party in Party.values else e.party,
                actor=actor,
                details=_details(e.kind, data, customs),
                amounts=_amounts(data),
            )
        )
    return entries
