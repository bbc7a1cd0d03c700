"""Control zones and gate events (VASSCM): operators report get-in and get-out electronically and
learn at once whether cargo may leave. Every gate event goes into the event log, where
time-release measurement reads arrival (`cargo.gate_in`) and exit (`cargo.gate_out`).

The rule for a get-out, in one place (`_exit_decision`):
- a container sealed for transit from this zone leaves as that movement's departure (another
  app vouches for it through `hooks`: transit);
- a container leaves when a cleared or released declaration lists it and that declaration has
  not already covered an exit of it (a declaration covers one exit of each of its containers);
- bulk or loose goods leave by bill of lading when a cleared or released declaration carries
  that bill (several trucks may take them out);
- otherwise the get-out is refused with the reason, recorded, and an alert goes to the office.

A gate-out does not change the declaration: release (giải phóng hàng) stays an officer's act in
clearance; the exit itself is the `cargo.gate_out` event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haiquan.accounts.choices import Role
from haiquan.accounts.models import User
from haiquan.clearance.choices import Status
from haiquan.clearance.models import Declaration
from haiquan.core.problems import Conflict, FieldProblem, Forbidden, ProblemError, ValidationFailed
from haiquan.eventlog import kinds
from haiquan.eventlog.choices import Party
from haiquan.eventlog.kinds import EventKind
from haiquan.refdata.models import Enterprise, Office

from .alerts import AlertRaise, alert_raise
from .choices import (
    AlertKind,
    AlertSubject,
    CargoKind,
    Direction,
    GateOutcome,
    RefusalCode,
    ZoneKind,
)
from .clock import reported_time_problems
from .containers import container_number_clean
from .geometry import AREA_TYPES, geometry_parse
from .hooks import exit_cover_find, exit_hold_find, gate_in_notify
from .models import ControlZone, GateEvent, ZonePresence
from .permissions import is_officer_of_office, require_operator_or_officer

EXIT_STATUSES = (Status.CLEARED, Status.RELEASED)
NOT_REGISTERED = (Status.DRAFT, Status.CANCELLED)


def party_of(user: User) -> Party:
    return Party.CUSTOMS if user.is_customs else Party.MOVEMENT


# ---------------------------------------------------------------------------------------------
# Zones


@transaction.atomic
def zone_create(
    *,
    actor: User,
    code: str,
    name: str,
    kind: str,
    operator_mst: str,
    office_code: str,
    geometry: Any = None,
    storage_limit_days: int | None = None,
) -> ControlZone:
    """Register a place under customs control, its operator and its supervising office. An
    administrator, or an officer or leader of that office, does it."""
    errors: list[FieldProblem] = []
    code = (code or "").strip().upper()
    if not code or len(code) > 20:
        errors.append(FieldProblem("code", _("1 to 20 characters"), "required"))
    elif ControlZone.objects.filter(code=code).exists():
        errors.append(FieldProblem("code", _("%(c)s is taken") % {"c": code}, "duplicate"))
    if not (name or "").strip():
        errors.append(FieldProblem("name", _("required"), "required"))
    if kind not in ZoneKind.values:
        errors.append(
            FieldProblem("kind", _("must be one of %(v)s") % {"v": ", ".join(ZoneKind.values)})
        )
    operator = Enterprise.objects.filter(mst=operator_mst).first()
    if operator is None:
        errors.append(
            FieldProblem(
                "operator_mst", _("no enterprise with tax code %(m)s") % {"m": operator_mst}
            )
        )
    office = Office.objects.filter(code=office_code).first()
    if office is None:
        errors.append(
            FieldProblem("office_code", _("no office with code %(c)s") % {"c": office_code})
        )
    if storage_limit_days is not None and storage_limit_days <= 0:
        errors.append(FieldProblem("storage_limit_days", _("must be a positive number of days")))
    wkt = ""
    try:
        wkt = geometry_parse(geometry, field="geometry", types=AREA_TYPES)
    except ValidationFailed as exc:
        errors.extend(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    assert office is not None and operator is not None
    if actor.role != Role.ADMIN and not is_officer_of_office(actor, office):
        raise Forbidden(
            _("Only an administrator or an officer of %(o)s may register its zones.")
            % {"o": office.code}
        )
    zone = ControlZone.objects.create(
        code=code,
        name=name.strip(),
        kind=kind,
        operator=operator,
        office=office,
        geometry_wkt=wkt,
        storage_limit_days=storage_limit_days,
    )
    kinds.CONTROL_ZONE_CREATED.record(
        subject_type="control_zone",
        subject_id=zone.pk,
        party=Party.CUSTOMS,
        actor=actor,
        office_code=office.code,
        data={"code": code, "kind": kind, "operator": operator.mst},
    )
    return zone


# ---------------------------------------------------------------------------------------------
# Gate events


@dataclass(frozen=True)
class GateReport:
    """What the operator's system reports: one get-in or get-out of a container (ISO 6346) or
    of bulk/loose goods identified by their bill of lading."""

    message_id: str
    direction: str
    container_number: str = ""
    bill_of_lading: str = ""
    occurred_at: datetime | None = None
    quantity: Decimal | None = None
    unit: str = ""
    vehicle_plate: str = ""


@dataclass(frozen=True)
class GateAnswer:
    event: GateEvent
    replayed: bool = False

    @property
    def allowed(self) -> bool | None:
        """For a get-out, whether the cargo may leave; None for a get-in."""
        if self.event.direction == Direction.IN:
            return None
        return self.event.outcome == GateOutcome.ALLOWED

    @property
    def reason(self) -> str:
        return gate_event_reason(self.event)


def gate_event_reason(event: GateEvent) -> str:
    """Why a get-out was allowed or refused, in the reader's language."""
    d = event.data or {}
    if event.outcome == GateOutcome.ALLOWED:
        if event.transit_reference:
            return _("Moves under transit %(ref)s.") % {"ref": event.transit_reference}
        return _("Declaration %(number)s is %(status)s.") % {
            "number": d.get("declaration_number", ""),
            "status": Status(d.get("declaration_status", Status.CLEARED)).label,
        }
    if event.refusal_code == RefusalCode.HELD:
        return _(
            "Customs hold bill of lading %(bill)s: the cargo may not leave until an officer "
            "releases the hold."
        ) % {"bill": d.get("held_bill", "")}
    if event.refusal_code == RefusalCode.NOT_CLEARED:
        return _("Declaration %(number)s is %(status)s: it is not cleared yet.") % {
            "number": d.get("declaration_number", ""),
            "status": Status(d.get("declaration_status", Status.DRAFT)).label,
        }
    if event.refusal_code == RefusalCode.NOT_DECLARED:
        if d.get("used_by_exit"):
            return _(
                "No cleared declaration still covers %(cargo)s: declaration %(number)s already "
                "covered its exit."
            ) % {"cargo": event.cargo_label, "number": d["used_by_exit"]}
        return _("No cleared declaration and no transit movement covers %(cargo)s.") % {
            "cargo": event.cargo_label
        }
    return ""


@dataclass(frozen=True)
class _Clean:
    message_id: str
    direction: str
    cargo_kind: str
    container_number: str
    bill_of_lading: str
    occurred_at: datetime
    quantity: Decimal | None
    unit: str
    vehicle_plate: str


def _clean(report: GateReport, now: datetime) -> _Clean:
    errors: list[FieldProblem] = []
    message_id = (report.message_id or "").strip()
    if not message_id:
        errors.append(
            FieldProblem("message_id", _("give each report a unique message id"), "required")
        )
    elif len(message_id) > 100 or not message_id.isprintable():
        errors.append(FieldProblem("message_id", _("at most 100 printable characters")))
    if report.direction not in Direction.values:
        errors.append(FieldProblem("direction", _("must be 'in' or 'out'")))
    container, bill = "", (report.bill_of_lading or "").strip().upper()
    if report.container_number and bill:
        errors.append(
            FieldProblem(
                "container_number",
                _("give either a container number or a bill of lading, not both"),
            )
        )
    elif report.container_number:
        try:
            container = container_number_clean(report.container_number)
        except ValidationFailed as exc:
            errors.extend(exc.errors)
    elif not bill:
        errors.append(
            FieldProblem(
                "container_number",
                _("give the container number, or the bill of lading for bulk or loose goods"),
                "required",
            )
        )
    elif len(bill) > 35:
        errors.append(FieldProblem("bill_of_lading", _("at most 35 characters")))
    occurred_at = report.occurred_at or now
    errors.extend(reported_time_problems(occurred_at, now=now, field="occurred_at"))
    if report.quantity is not None:
        if container:
            errors.append(FieldProblem("quantity", _("only for bulk or loose goods")))
        elif report.quantity <= 0:
            errors.append(FieldProblem("quantity", _("must be more than 0")))
        elif not (report.unit or "").strip():
            errors.append(FieldProblem("unit", _("give the unit of the quantity"), "required"))
    if len(report.vehicle_plate or "") > 20:
        errors.append(FieldProblem("vehicle_plate", _("at most 20 characters")))
    if errors:
        raise ValidationFailed(errors)
    return _Clean(
        message_id=message_id,
        direction=report.direction,
        cargo_kind=CargoKind.CONTAINER if container else CargoKind.BULK,
        container_number=container,
        bill_of_lading="" if container else bill,
        occurred_at=occurred_at,
        quantity=report.quantity,
        unit=(report.unit or "").strip().upper(),
        vehicle_plate=(report.vehicle_plate or "").strip().upper(),
    )


def _replay(prior: GateEvent, clean: _Clean, zone: ControlZone) -> GateAnswer:
    same = (
        prior.zone_id == zone.pk
        and prior.direction == clean.direction
        and prior.container_number == clean.container_number
        and prior.bill_of_lading == clean.bill_of_lading
    )
    if not same:
        raise Conflict(
            _("Message id %(m)s was already used for another report (%(what)s).")
            % {"m": clean.message_id, "what": str(prior)},
            code="message-id-reused",
        )
    return GateAnswer(event=prior, replayed=True)


def _registered_declarations(clean: _Clean) -> Any:
    qs = Declaration.objects.exclude(status__in=NOT_REGISTERED)
    if clean.container_number:
        qs = qs.filter(containers__number=clean.container_number)
    else:
        qs = qs.filter(bill_of_lading=clean.bill_of_lading)
    return qs.select_related("office").order_by("-registered_at", "-id")


def _open_presence(zone: ControlZone, clean: _Clean) -> ZonePresence | None:
    qs = ZonePresence.objects.select_for_update().filter(zone=zone, exited_at__isnull=True)
    if clean.container_number:
        qs = qs.filter(cargo_kind=CargoKind.CONTAINER, container_number=clean.container_number)
    else:
        qs = qs.filter(cargo_kind=CargoKind.BULK, bill_of_lading=clean.bill_of_lading)
    return qs.first()


def _new_event(
    actor: User, zone: ControlZone, clean: _Clean, now: datetime, **kw: Any
) -> GateEvent:
    return GateEvent(
        zone=zone,
        operator_id=zone.operator_id,
        message_id=clean.message_id,
        direction=clean.direction,
        cargo_kind=clean.cargo_kind,
        container_number=clean.container_number,
        bill_of_lading=clean.bill_of_lading,
        quantity=clean.quantity,
        unit=clean.unit,
        vehicle_plate=clean.vehicle_plate,
        occurred_at=clean.occurred_at,
        recorded_at=now,
        reported_by=actor,
        **kw,
    )


def _log(event: GateEvent, kind: EventKind, actor: User) -> None:
    kind.record(
        subject_type="gate_event",
        subject_id=event.pk,
        party=party_of(actor),
        actor=actor,
        declaration_id=event.declaration_id,
        office_code=event.zone.office.code,
        occurred_at=event.occurred_at,
        data={
            "zone": event.zone.code,
            "container": event.container_number,
            "bill_of_lading": event.bill_of_lading,
            "message_id": event.message_id,
            "outcome": event.outcome,
            "refusal": event.refusal_code,
            "transit": event.transit_reference,
            "without_gate_in": event.without_gate_in,
        },
    )


def _gate_in(actor: User, zone: ControlZone, clean: _Clean, now: datetime) -> GateEvent:
    presence = _open_presence(zone, clean)
    if presence is not None:
        raise Conflict(
            _("%(cargo)s is already inside %(zone)s (get-in at %(at)s); report its get-out first.")
            % {
                "cargo": clean.container_number or clean.bill_of_lading,
                "zone": zone.code,
                "at": timezone.localtime(presence.entered_at).strftime("%Y-%m-%d %H:%M"),
            },
            code="already-inside",
        )
    declaration = _registered_declarations(clean).first()
    event = _new_event(
        actor,
        zone,
        clean,
        now,
        outcome=GateOutcome.RECORDED,
        declaration=declaration,
        data={"declaration_number": declaration.number} if declaration else {},
    )
    event.save()
    try:
        with transaction.atomic():
            ZonePresence.objects.create(
                zone=zone,
                cargo_kind=clean.cargo_kind,
                container_number=clean.container_number,
                bill_of_lading=clean.bill_of_lading,
                entered_at=clean.occurred_at,
                gate_in=event,
                quantity_in=clean.quantity,
                unit=clean.unit,
            )
    except IntegrityError:
        raise Conflict(
            _("%(cargo)s is already inside %(zone)s.")
            % {"cargo": clean.container_number or clean.bill_of_lading, "zone": zone.code},
            code="already-inside",
        ) from None
    _log(event, kinds.CARGO_GATE_IN, actor)
    gate_in_notify(actor, event)
    return event


@dataclass(frozen=True)
class _Decision:
    allowed: bool
    declaration: Declaration | None = None
    refusal: str = ""
    transit_reference: str = ""
    data: dict[str, Any] | None = None
    on_exit: Any = None


def _exit_decision(zone: ControlZone, clean: _Clean) -> _Decision:
    """May this cargo leave the zone now? (the rule stated in the module docstring)

    Transit comes first: a container sealed for transit from this zone leaves as that
    movement's departure, even if a declaration would also cover it. A customs hold on the
    cargo's bill stops it before anything else."""
    hold = exit_hold_find(zone, clean.container_number, clean.bill_of_lading)
    if hold is not None:
        return _Decision(
            allowed=False, refusal=RefusalCode.HELD, data={"held_bill": hold.bill_of_lading}
        )
    cover = exit_cover_find(zone, clean.container_number, clean.bill_of_lading)
    if cover is not None:
        return _Decision(
            allowed=True,
            transit_reference=cover.transit_reference,
            declaration=Declaration.objects.filter(pk=cover.declaration_id).first()
            if cover.declaration_id
            else None,
            data={"transit": cover.transit_reference},
            on_exit=cover.on_exit,
        )
    declarations = list(_registered_declarations(clean)[:20])
    used: dict[int, str] = {}
    if clean.container_number and declarations:
        rows = GateEvent.objects.filter(
            container_number=clean.container_number,
            outcome=GateOutcome.ALLOWED,
            declaration_id__in=[d.pk for d in declarations],
        ).values_list("declaration_id", "declaration__number")
        used = {d_id: number or "" for d_id, number in rows if d_id is not None}
    unused = [d for d in declarations if d.pk not in used]
    for d in unused:
        if d.status in EXIT_STATUSES:
            return _Decision(
                allowed=True,
                declaration=d,
                data={"declaration_number": d.number, "declaration_status": d.status},
            )
    if unused:
        d = unused[0]
        return _Decision(
            allowed=False,
            declaration=d,
            refusal=RefusalCode.NOT_CLEARED,
            data={"declaration_number": d.number, "declaration_status": d.status},
        )
    return _Decision(
        allowed=False,
        refusal=RefusalCode.NOT_DECLARED,
        data={"used_by_exit": next(iter(used.values()), "")},
    )


def _gate_out(actor: User, zone: ControlZone, clean: _Clean, now: datetime) -> GateEvent:
    presence = _open_presence(zone, clean)
    if presence is not None and clean.occurred_at < presence.entered_at:
        raise ValidationFailed(
            reported_time_problems(
                clean.occurred_at,
                now=now,
                field="occurred_at",
                after=presence.entered_at,
                after_what=_("its get-in"),
            )
        )
    decision = _exit_decision(zone, clean)
    event = _new_event(
        actor,
        zone,
        clean,
        now,
        outcome=GateOutcome.ALLOWED if decision.allowed else GateOutcome.REFUSED,
        refusal_code=decision.refusal,
        declaration=decision.declaration,
        transit_reference=decision.transit_reference,
        without_gate_in=presence is None,
        data=decision.data or {},
    )
    event.save()
    if not decision.allowed:
        _log(event, kinds.CARGO_GATE_OUT_REFUSED, actor)
        alert_raise(
            alert=AlertRaise(
                kind=AlertKind.EXIT_REFUSED,
                subject_type=AlertSubject.GATE_EVENT,
                subject_id=event.pk,
                subject_label=event.cargo_label,
                office=zone.office,
                zone=zone,
                occurred_at=event.occurred_at,
                declaration_id=event.declaration_id,
                data={
                    "zone": zone.code,
                    "reason": gate_event_reason(event),
                    "refusal": event.refusal_code,
                    "vehicle": event.vehicle_plate,
                },
            )
        )
        return event
    if presence is not None:
        if clean.quantity is not None:
            presence.quantity_out += clean.quantity
        # Bulk goods may leave in several trucks: the stay ends when all that came in is out
        # (or at once when no quantities are reported).
        if presence.quantity_in is None or presence.quantity_out >= presence.quantity_in:
            presence.exited_at = clean.occurred_at
            presence.gate_out = event
        presence.save(update_fields=["quantity_out", "exited_at", "gate_out"])
    _log(event, kinds.CARGO_GATE_OUT, actor)
    if decision.on_exit is not None:
        decision.on_exit(actor, event)
    return event


def gate_event_report(
    *, actor: User, zone: ControlZone, report: GateReport, now: datetime | None = None
) -> GateAnswer:
    """Record one get-in or get-out reported for a zone and answer it. A get-out is answered
    at once: allowed, or refused with the reason (and an alert for the office).

    The reported time is taken only within the reporting window of the server's clock and
    not before the cargo's get-in (supervision/clock.py); the server's time is stored beside
    it (`recorded_at`). `now` is the server's clock, given only by code that replays the past.

    Idempotent per operator message id: the same report sent again gets the first answer and
    changes nothing; a different report under a used id is a conflict."""
    require_operator_or_officer(actor, zone)
    now = now or timezone.now()
    clean = _clean(report, now)
    prior = GateEvent.objects.filter(
        operator_id=zone.operator_id, message_id=clean.message_id
    ).first()
    if prior is not None:
        return _replay(prior, clean, zone)
    try:
        with transaction.atomic():
            record = _gate_in if clean.direction == Direction.IN else _gate_out
            event = record(actor, zone, clean, now)
    except IntegrityError:
        # The same message arrived twice at once: the first one recorded it.
        prior = GateEvent.objects.filter(
            operator_id=zone.operator_id, message_id=clean.message_id
        ).first()
        if prior is None:
            raise
        return _replay(prior, clean, zone)
    return GateAnswer(event=event)


def gate_events_report(
    *, actor: User, zone: ControlZone, reports: list[GateReport]
) -> list[GateAnswer | ProblemError]:
    """A batch of reports, each recorded and answered on its own (one bad report does not hold
    back the others); the answers come in the order of the reports."""
    require_operator_or_officer(actor, zone)
    answers: list[GateAnswer | ProblemError] = []
    for report in reports:
        try:
            answers.append(gate_event_report(actor=actor, zone=zone, report=report))
        except ProblemError as exc:
            answers.append(exc)
    return answers
