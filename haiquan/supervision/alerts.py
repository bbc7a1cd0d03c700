"""Alerts of the 24/7 desk: raised once per subject, kind and episode; acknowledged, then
resolved by an officer with notes. Every step goes into the event log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haiquan.accounts.models import User
from haiquan.core.problems import Conflict, invalid
from haiquan.eventlog import kinds
from haiquan.eventlog.choices import Party
from haiquan.eventlog.kinds import EventKind
from haiquan.refdata.models import Office

from .choices import AlertKind, AlertState
from .models import Alert, ControlZone
from .permissions import require_officer_of


@dataclass(frozen=True)
class AlertRaise:
    """What a rule found: the subject, the kind, which episode of that condition, where and when."""

    kind: str
    subject_type: str
    subject_id: int
    office: Office
    occurred_at: datetime
    subject_label: str = ""
    episode: int = 1
    zone: ControlZone | None = None
    declaration_id: int | None = None
    latitude: float | None = None
    longitude: float | None = None
    data: dict[str, Any] | None = None


def alert_raise(*, alert: AlertRaise) -> tuple[Alert, bool]:
    """Raise the alert unless this episode of this condition was already raised. Returns the
    alert and whether it is new. Must run inside the transaction of the finding."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("alert_raise must run inside the transaction of its finding")
    existing = Alert.objects.filter(
        subject_type=alert.subject_type,
        subject_id=alert.subject_id,
        kind=alert.kind,
        episode=alert.episode,
    ).first()
    if existing is not None:
        return existing, False
    row = Alert(
        kind=alert.kind,
        subject_type=alert.subject_type,
        subject_id=alert.subject_id,
        subject_label=alert.subject_label[:64],
        episode=alert.episode,
        office=alert.office,
        zone=alert.zone,
        declaration_id=alert.declaration_id,
        occurred_at=alert.occurred_at,
        latitude=alert.latitude,
        longitude=alert.longitude,
        data=alert.data or {},
    )
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        # Raised concurrently by another worker: that one is the alert.
        return Alert.objects.get(
            subject_type=alert.subject_type,
            subject_id=alert.subject_id,
            kind=alert.kind,
            episode=alert.episode,
        ), False
    kinds.ALERT_RAISED.record(
        subject_type="alert",
        subject_id=row.pk,
        party=Party.SYSTEM,
        actor_label="monitoring",
        declaration_id=alert.declaration_id,
        office_code=alert.office.code,
        occurred_at=row.raised_at,
        data={
            "alert_kind": alert.kind,
            "subject_type": alert.subject_type,
            "subject_id": alert.subject_id,
            "subject": alert.subject_label,
            "episode": alert.episode,
            **(alert.data or {}),
        },
    )
    return row, True


def _locked(alert: Alert) -> Alert:
    return Alert.objects.select_for_update(of=("self",)).select_related("office").get(pk=alert.pk)


def alert_acknowledge(*, actor: User, alert: Alert, note: str = "") -> Alert:
    """An officer of the alert's office has seen it and is acting on it."""
    with transaction.atomic():
        alert = _locked(alert)
        require_officer_of(actor, alert.office)
        if alert.state != AlertState.RAISED:
            raise Conflict(
                _("Only a raised alert can be acknowledged (it is %(s)s).")
                % {"s": alert.get_state_display()},
                code="wrong-state",
            )
        alert.state = AlertState.ACKNOWLEDGED
        alert.acknowledged_at = timezone.now()
        alert.acknowledged_by = actor
        alert.acknowledge_note = note.strip()
        alert.save(
            update_fields=["state", "acknowledged_at", "acknowledged_by", "acknowledge_note"]
        )
        _event(alert, kinds.ALERT_ACKNOWLEDGED, actor, note)
    return alert


def alert_resolve(*, actor: User, alert: Alert, note: str) -> Alert:
    """Close the alert, saying what was found and done (the note is required). A raised alert
    may be resolved directly: resolving implies it was seen."""
    if not note.strip():
        raise invalid("note", _("say what was found and what was done"), "required")
    with transaction.atomic():
        alert = _locked(alert)
        require_officer_of(actor, alert.office)
        if alert.state == AlertState.RESOLVED:
            raise Conflict(_("This alert is already resolved."), code="wrong-state")
        now = timezone.now()
        if alert.acknowledged_at is None:
            alert.acknowledged_at, alert.acknowledged_by = now, actor
        alert.state = AlertState.RESOLVED
        alert.resolved_at = now
        alert.resolved_by = actor
        alert.resolution_note = note.strip()
        alert.save(
            update_fields=[
                "state",
                "acknowledged_at",
                "acknowledged_by",
                "resolved_at",
                "resolved_by",
                "resolution_note",
            ]
        )
        _event(alert, kinds.ALERT_RESOLVED, actor, note)
    return alert


def _event(alert: Alert, kind: EventKind, actor: User, note: str) -> None:
    kind.record(
        subject_type="alert",
        subject_id=alert.pk,
        party=Party.CUSTOMS,
        actor=actor,
        declaration_id=alert.declaration_id,
        office_code=alert.office.code,
        data={"alert_kind": alert.kind, "subject": alert.subject_label, "note": note.strip()},
    )


def alert_message(alert: Alert) -> str:
    """The alert in one sentence, in the reader's language, from its kind and details."""
    d = alert.data or {}
    subject = alert.subject_label
    if alert.kind == AlertKind.EXIT_REFUSED:
        return _("%(cargo)s tried to leave %(zone)s: %(reason)s") % {
            "cargo": subject,
            "zone": d.get("zone", ""),
            "reason": d.get("reason", ""),
        }
    if alert.kind == AlertKind.STORAGE_TIME_ENDING:
        return _("%(cargo)s: storage time in %(zone)s ends on %(day)s") % {
            "cargo": subject,
            "zone": d.get("zone", ""),
            "day": d.get("expires_on", ""),
        }
    if alert.kind == AlertKind.STORAGE_TIME_EXCEEDED:
        return _("%(cargo)s: storage time in %(zone)s ended on %(day)s") % {
            "cargo": subject,
            "zone": d.get("zone", ""),
            "day": d.get("expires_on", ""),
        }
    if alert.kind == AlertKind.SEAL_OPENED:
        return _("%(movement)s: seal of %(container)s reported '%(alarm)s' before destination") % {
            "movement": subject,
            "container": d.get("container", ""),
            "alarm": d.get("alarm", ""),
        }
    if alert.kind == AlertKind.CORRIDOR_EXIT:
        return _("%(movement)s: %(container)s is %(m)s m from its route (corridor %(c)s m)") % {
            "movement": subject,
            "container": d.get("container", ""),
            "m": d.get("distance_m", ""),
            "c": d.get("corridor_m", ""),
        }
    if alert.kind == AlertKind.LONG_STOP:
        return _("%(movement)s: %(container)s stopped %(min)s min outside a permitted place") % {
            "movement": subject,
            "container": d.get("container", ""),
            "min": d.get("minutes", ""),
        }
    if alert.kind == AlertKind.LATE_ARRIVAL:
        return _("%(movement)s: not arrived by %(deadline)s") % {
            "movement": subject,
            "deadline": d.get("deadline", ""),
        }
    if alert.kind == AlertKind.SIGNAL_LOST:
        return _("%(movement)s: no position from %(container)s for %(min)s min") % {
            "movement": subject,
            "container": d.get("container", ""),
            "min": d.get("minutes", ""),
        }
    if alert.kind == AlertKind.LOW_BATTERY:
        return _("%(movement)s: e-seal battery of %(container)s at %(pct)s%%") % {
            "movement": subject,
            "container": d.get("container", ""),
            "pct": d.get("battery_pct", ""),
        }
    if alert.kind == AlertKind.POSITION_CONFLICT:
        return _(
            "%(movement)s: the seal of %(container)s was reported at two different places for "
            "the same moment; the second report is kept as evidence"
        ) % {"movement": subject, "container": d.get("container", "")}
    return str(alert.get_kind_display())
