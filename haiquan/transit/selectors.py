"""Reads for transit, restricted to what the user may see, and the monitoring desk's feed."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry import mapping

from haiquan.accounts.models import User
from haiquan.core.problems import NotFound
from haiquan.supervision.alerts import alert_message
from haiquan.supervision.choices import HIGH_SEVERITY, OPEN_ALERT_STATES, AlertSubject
from haiquan.supervision.geometry import geojson_of
from haiquan.supervision.models import Alert

from .choices import MovementState
from .ingest import corridor_for
from .models import ESeal, MovementContainer, Position, TransitMovement

# What the desk watches: sealed, on the way, or arrived and waiting for the seal check.
IN_TRANSIT = (MovementState.SEALED, MovementState.DEPARTED, MovementState.ARRIVED)
TRACK_HOURS = 12
TRACK_LIMIT = 20_000


def movement_get_for(user: User, reference: str) -> TransitMovement:
    movement = (
        TransitMovement.objects.select_related(
            "office_of_departure",
            "office_of_destination",
            "departure_zone",
            "destination_zone",
            "declaration",
        )
        .visible_to(user)
        .filter(reference=reference.strip().upper())
        .first()
    )
    if movement is None:
        raise NotFound(f"transit movement {reference} not found")
    return movement


def eseal_get_for(user: User, device_id: str) -> ESeal:
    """A seal the user may see; another platform's seal is as unknown as a missing one."""
    seal = (
        ESeal.objects.select_related("owner")
        .visible_to(user)
        .filter(device_id=device_id.strip())
        .first()
    )
    if seal is None:
        raise NotFound(_("e-seal %(d)s not found") % {"d": device_id})
    return seal


def movement_alerts(movement: TransitMovement) -> QuerySet[Alert]:
    return Alert.objects.filter(
        subject_type=AlertSubject.TRANSIT_MOVEMENT, subject_id=movement.pk
    ).select_related("office")


def movement_track(
    movement: TransitMovement, *, viewer: User | None = None, limit: int = 5000
) -> list[Position]:
    """The positions of the movement's seals. Customs see them all; anyone else (the seal's
    platform) only its own seals' positions, and a movement carrying none of them is not
    found: where another platform's seal goes is not theirs to read."""
    qs = Position.objects.filter(movement=movement)
    if viewer is not None and not viewer.is_customs:
        seals = (
            ESeal.objects.select_related("owner")
            .visible_to(viewer)
            .filter(attachments__movement=movement)
        )
        if not seals.exists():
            raise NotFound(
                _("transit movement %(ref)s has no track of yours") % {"ref": movement.reference}
            )
        qs = qs.filter(seal__in=seals)
    return list(qs.select_related("seal").order_by("recorded_at", "id")[:limit])


def _alert_brief(a: Alert) -> dict[str, Any]:
    return {
        "id": a.pk,
        "kind": a.kind,
        "kind_label": str(a.get_kind_display()),
        "state": a.state,
        "high": a.kind in HIGH_SEVERITY,
        "message": alert_message(a),
        "movement": a.subject_label,
        "container": (a.data or {}).get("container", ""),
        "occurred_at": a.occurred_at,
        "raised_at": a.raised_at,
        "lat": a.latitude,
        "lon": a.longitude,
    }


def monitor_feed(
    user: User, *, since: datetime | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """What the 24/7 desk's map shows: every movement in transit the user may see, with its
    route and corridor, the last position of each container, the track since `since` (the last
    TRACK_HOURS hours when not given; the page asks only for what is new), and open alerts."""
    now = now or timezone.now()
    movements = list(
        TransitMovement.objects.select_related(
            "office_of_departure",
            "office_of_destination",
            "departure_zone",
            "destination_zone",
            "declaration",
        )
        .visible_to(user)
        .filter(state__in=IN_TRANSIT)
        .order_by("deadline", "pk")[:500]
    )
    ids = [m.pk for m in movements]
    containers = _feed_containers(ids)
    tracks = _feed_tracks(ids, since or now - timedelta(hours=TRACK_HOURS))
    alerts = _feed_alerts(ids)
    out = [
        _feed_movement(m, containers[m.pk], tracks, alerts[m.pk], since=since, now=now)
        for m in movements
    ]
    return {
        "generated_at": now,
        "since": since,
        "movements": out,
        "open_alerts": sum(len(v) for v in alerts.values()),
    }


def _feed_containers(ids: list[int]) -> dict[int, list[MovementContainer]]:
    containers: dict[int, list[MovementContainer]] = defaultdict(list)
    for c in (
        MovementContainer.objects.filter(movement_id__in=ids).select_related("seal").order_by("pk")
    ):
        containers[c.movement_id].append(c)
    return containers


def _feed_tracks(ids: list[int], track_from: datetime) -> dict[int, list[list[float]]]:
    tracks: dict[int, list[list[float]]] = defaultdict(list)
    rows = (
        Position.objects.filter(movement_id__in=ids, received_at__gt=track_from, valid=True)
        .order_by("movement_id", "recorded_at")
        .values_list("movement_id", "latitude", "longitude")[:TRACK_LIMIT]
    )
    for movement_id, lat, lon in rows:
        tracks[movement_id].append([round(lat, 6), round(lon, 6)])
    return tracks


def _feed_alerts(ids: list[int]) -> dict[int, list[Alert]]:
    alerts: dict[int, list[Alert]] = defaultdict(list)
    open_alerts = (
        Alert.objects.filter(
            subject_type=AlertSubject.TRANSIT_MOVEMENT,
            subject_id__in=ids,
            state__in=OPEN_ALERT_STATES,
        )
        .select_related("office")
        .order_by("-raised_at")
    )
    for a in open_alerts:
        alerts[a.subject_id].append(a)
    return alerts


def _feed_movement(
    m: TransitMovement,
    containers: list[MovementContainer],
    tracks: dict[int, list[list[float]]],
    alerts: list[Alert],
    *,
    since: datetime | None,
    now: datetime,
) -> dict[str, Any]:
    corridor = mapping(corridor_for(m).outline()) if since is None else None
    return {
        "reference": m.reference,
        "state": m.state,
        "state_label": str(m.get_state_display()),
        "from": m.departure_zone.name if m.departure_zone else m.office_of_departure.code,
        "to": m.destination_zone.name if m.destination_zone else m.office_of_destination.code,
        "vehicle": m.vehicle_plate,
        "departed_at": m.departed_at,
        "deadline": m.deadline,
        "late": bool(m.deadline and now > m.deadline and m.state == MovementState.DEPARTED),
        "last_position_at": max((c.last_fix_at for c in containers if c.last_fix_at), default=None),
        "route": geojson_of(m.route_wkt) if since is None else None,
        "corridor": corridor,
        "corridor_m": m.corridor_m,
        "containers": [_feed_container(c) for c in containers],
        "track": tracks.get(m.pk, []),
        "alerts": [_alert_brief(a) for a in alerts],
    }


def _feed_container(c: MovementContainer) -> dict[str, Any]:
    return {
        "number": c.container_number,
        "seal": c.seal.device_id if c.seal else "",
        "battery": c.last_battery,
        "at": c.last_fix_at,
        "lat": c.last_lat,
        "lon": c.last_lon,
        "speed_kmh": round(c.last_speed_kn * 1.852) if c.last_speed_kn is not None else None,
        "opened": c.opened_at is not None,
    }
