"""Telemetry ingestion and the periodic watch: store positions once, apply the alert rules,
raise alerts. Used by the OsmAnd endpoint, the batch endpoint, the MQTT subscriber, the
simulator and `haiquan transit-watch`.

A batch is one transaction. The movements its seals are on are locked (in id order, so
concurrent batches never deadlock), which serialises the rules per movement: a position is
new, and an episode is raised, exactly once even when several workers ingest at once.
Positions are stored once per device and timestamp (a unique constraint): a repeated message
changes nothing.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

import numpy as np
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Field, JSONField, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from haiquan.core.problems import ProblemError
from haiquan.eventlog.choices import Party
from haiquan.eventlog.models import Event
from haiquan.eventlog.services import event_build, events_append
from haiquan.refdata.models import Office
from haiquan.supervision.alerts import AlertRaise, alert_raise
from haiquan.supervision.choices import AlertSubject
from haiquan.supervision.models import Alert, ControlZone

from .choices import WATCHED_STATES, MovementState
from .corridor import Corridor, corridor_build
from .models import ESeal, MovementContainer, Position, TransitMovement
from .osmand import PositionIn
from .rules import (
    Finding,
    Fix,
    Thresholds,
    episode_counter,
    evaluate_fixes,
    late_arrival,
    signal_check,
)

log = logging.getLogger(__name__)
SEAL_SEEN_EVERY = timedelta(minutes=1)


class UnknownDevice(ProblemError):
    """A message from a device that is not a registered e-seal (HTTP 400, as Traccar does)."""

    def __init__(self, device_id: str) -> None:
        super().__init__(
            detail=_(
                "Unknown device %(id)s: no e-seal is registered with this device id. Register "
                "the seal (manufacturer, serial and device id) before it reports."
            )
            % {"id": device_id},
            status=400,
            code="unknown-device",
            title=_("Unknown device"),
        )


@dataclass
class IngestResult:
    received: int = 0
    stored: int = 0
    duplicates: int = 0
    # (index in the batch, device id) of messages from unknown devices; nothing stored for them.
    unknown: list[tuple[int, str]] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)


def corridor_for(movement: TransitMovement) -> Corridor:
    places = tuple(
        wkt
        for wkt in (
            movement.departure_zone.geometry_wkt if movement.departure_zone else "",
            movement.destination_zone.geometry_wkt if movement.destination_zone else "",
            movement.permitted_stops_wkt,
        )
        if wkt
    )
    return corridor_build(movement.route_wkt, float(movement.corridor_m), places)


def _raise(movement: TransitMovement, findings: list[Finding]) -> list[Alert]:
    raised = []
    for f in findings:
        alert, new = alert_raise(
            alert=AlertRaise(
                kind=f.kind,
                subject_type=AlertSubject.TRANSIT_MOVEMENT,
                subject_id=movement.pk,
                subject_label=movement.reference,
                episode=f.episode,
                office=movement.office_of_departure,
                zone=None,
                occurred_at=f.occurred_at,
                declaration_id=movement.declaration_id,
                latitude=f.lat,
                longitude=f.lon,
                data={"container": f.container, **f.data},
            )
        )
        if new:
            raised.append(alert)
    return raised


MONITOR_FIELDS = [
    "opened_at",
    "last_fix_at",
    "last_lat",
    "last_lon",
    "last_speed_kn",
    "last_battery",
    "anchor_at",
    "anchor_lat",
    "anchor_lon",
    "open_episodes",
]


def rows_update(model: type[Model], objs: Sequence[Model], fields: Sequence[str]) -> None:
    """Write `fields` of many rows at once. On PostgreSQL one UPDATE … FROM unnest(arrays);
    elsewhere parameterised UPDATEs (executemany). Django's bulk_update builds a CASE
    expression per field and row, which cost more than the rest of a telemetry batch."""
    if not objs:
        return
    meta = model._meta
    columns = [cast(Field, meta.get_field(name)) for name in fields]
    qn = connection.ops.quote_name
    table, pk = qn(meta.db_table), qn(meta.pk.column)
    ordered = sorted(objs, key=lambda o: o.pk)  # rows locked in one order: no deadlock
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays: list[list[Any]] = [[o.pk for o in ordered]]
            types = ["bigint"]
            for f in columns:
                values = [getattr(o, f.attname) for o in ordered]
                if isinstance(f, JSONField):
                    values = [json.dumps(v, cls=DjangoJSONEncoder) for v in values]
                arrays.append(values)
                types.append(f.db_type(connection) or "text")
            aliases = ["id", *[f"c{k}" for k in range(len(columns))]]
            sql = (
                f"UPDATE {table} AS t SET "  # noqa: S608 (names from the model)
                + ", ".join(f"{qn(f.column)} = u.c{k}" for k, f in enumerate(columns))
                + " FROM unnest("
                + ", ".join(f"%s::{t}[]" for t in types)
                + f") AS u({', '.join(aliases)}) WHERE t.{pk} = u.id"
            )
            cursor.execute(sql, arrays)
            return
        sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608 (names from the model)
            table, ", ".join(f"{qn(f.column)} = %s" for f in columns), pk
        )
        cursor.executemany(
            sql,
            [
                [f.get_db_prep_save(getattr(o, f.attname), connection) for f in columns] + [o.pk]
                for o in ordered
            ],
        )


POSITION_COLUMNS = (
    "seal_id", "movement_id", "recorded_at", "latitude", "longitude", "speed_kn", "bearing",
    "altitude", "accuracy", "hdop", "battery_pct", "valid", "alarm", "attributes",
)  # fmt: skip
PG_TYPES = (
    "bigint", "bigint", "timestamptz", "float8", "float8", "float8", "float8", "float8",
    "float8", "float8", "float8", "boolean", "text", "jsonb",
)  # fmt: skip

Key = tuple[int, datetime]


def _positions_insert(
    items: list[tuple[Key, PositionIn]], movement_of: dict[int, int], *, channel: str, now: datetime
) -> set[Key]:
    """Insert the positions not stored yet; return the keys actually inserted.

    On PostgreSQL one INSERT … SELECT FROM unnest(arrays) ON CONFLICT DO NOTHING RETURNING
    (no per-row SQL to build, and the database says which rows were new); elsewhere a look-up
    of the keys already stored and a bulk_create."""
    if not items:
        return set()
    if connection.vendor == "postgresql":
        columns: list[list[Any]] = [[] for _ in POSITION_COLUMNS]
        for (seal_id, at), p in items:
            values = (
                seal_id, movement_of.get(seal_id), at, p.latitude, p.longitude, p.speed_kn,
                p.bearing, p.altitude, p.accuracy, p.hdop, p.battery_pct, p.valid, p.alarm,
                json.dumps(p.attributes, cls=DjangoJSONEncoder),
            )  # fmt: skip
            for column, value in zip(columns, values, strict=True):
                column.append(value)
        names = ", ".join(POSITION_COLUMNS)
        arrays = ", ".join(f"%s::{t}[]" for t in PG_TYPES)
        sql = (
            f"INSERT INTO transit_position ({names}, received_at, channel) "  # noqa: S608
            f"SELECT u.*, %s, %s FROM unnest({arrays}) AS u "
            "ON CONFLICT (seal_id, recorded_at) DO NOTHING RETURNING seal_id, recorded_at"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [now, channel, *columns])
            return {(int(sid), at) for sid, at in cursor.fetchall()}
    times = [k[1] for k, _p in items]
    existing = set(
        Position.objects.filter(
            seal_id__in={k[0] for k, _p in items},
            recorded_at__gte=min(times),
            recorded_at__lte=max(times),
        ).values_list("seal_id", "recorded_at")
    )
    rows = [
        Position(
            seal_id=seal_id,
            movement_id=movement_of.get(seal_id),
            recorded_at=at,
            received_at=now,
            latitude=p.latitude,
            longitude=p.longitude,
            speed_kn=p.speed_kn,
            bearing=p.bearing,
            altitude=p.altitude,
            accuracy=p.accuracy,
            hdop=p.hdop,
            battery_pct=p.battery_pct,
            valid=p.valid,
            alarm=p.alarm,
            attributes=p.attributes,
            channel=channel,
        )
        for (seal_id, at), p in items
        if (seal_id, at) not in existing
    ]
    Position.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return {(r.seal_id, r.recorded_at) for r in rows}


MOVEMENT_FIELDS = (
    "reference", "state", "declaration_id", "office_of_departure_id", "office_of_destination_id",
    "departure_zone_id", "destination_zone_id", "route_wkt", "corridor_m", "permitted_stops_wkt",
    "deadline", "departed_at", "max_stop_minutes", "alert_episodes",
)  # fmt: skip


def _movements_locked(ids: list[int]) -> dict[int, TransitMovement]:
    """The movements, locked in id order, with their (few, shared) zones and offices attached
    from two small queries rather than joined on every row (joined for a handful: one query
    where a single message arrives)."""
    if len(ids) <= 8:
        return {
            m.pk: m
            for m in TransitMovement.objects.select_for_update(of=("self",))
            .filter(pk__in=ids)
            .select_related(
                "departure_zone", "destination_zone", "office_of_departure", "office_of_destination"
            )
            .order_by("pk")
        }
    movements = list(
        TransitMovement.objects.select_for_update()
        .filter(pk__in=ids)
        .only(*MOVEMENT_FIELDS)
        .order_by("pk")
    )
    zone_ids = {z for m in movements for z in (m.departure_zone_id, m.destination_zone_id) if z}
    office_ids = {
        o for m in movements for o in (m.office_of_departure_id, m.office_of_destination_id)
    }
    zones = {
        z.pk: z for z in ControlZone.objects.filter(pk__in=zone_ids).only("pk", "geometry_wkt")
    }
    offices = {o.pk: o for o in Office.objects.filter(pk__in=office_ids)}
    for m in movements:
        m.departure_zone = zones.get(m.departure_zone_id) if m.departure_zone_id else None
        m.destination_zone = zones.get(m.destination_zone_id) if m.destination_zone_id else None
        m.office_of_departure = offices[m.office_of_departure_id]
        m.office_of_destination = offices[m.office_of_destination_id]
    return {m.pk: m for m in movements}


def telemetry_ingest(*, positions: Sequence[PositionIn], channel: str) -> IngestResult:
    """Store a batch of positions and evaluate the alert rules on the new ones."""
    result = IngestResult(received=len(positions))
    if not positions:
        return result
    # device id → (seal id, last seen)
    seals: dict[str, tuple[int, datetime | None]] = {
        device: (pk, seen)
        for pk, device, seen in ESeal.objects.filter(
            device_id__in={p.device_id for p in positions}
        ).values_list("pk", "device_id", "last_seen_at")
    }
    # One row per (seal, time): the first of duplicates within the batch wins.
    batch: dict[tuple[int, datetime], PositionIn] = {}
    for i, p in enumerate(positions):
        seal = seals.get(p.device_id)
        if seal is None:
            result.unknown.append((i, p.device_id))
            continue
        batch.setdefault((seal[0], p.recorded_at), p)
    if not batch:
        return result
    seal_ids = sorted({k[0] for k in batch})
    with transaction.atomic():
        movement_ids = sorted(
            set(
                MovementContainer.objects.filter(seal_id__in=seal_ids, active=True)
                .order_by()
                .values_list("movement_id", flat=True)
            )
        )
        movements = _movements_locked(movement_ids)
        # Read after the lock: what other batches did to these movements is visible now.
        attached: dict[int, MovementContainer] = {
            c.seal_id: c
            for c in MovementContainer.objects.filter(movement_id__in=movements, active=True)
            .order_by()
            .only("movement_id", "seal_id", "container_number", *MONITOR_FIELDS)
            if c.seal_id is not None
        }
        keys = sorted(batch)  # in key order: concurrent inserts of one key cannot deadlock
        movement_of = {
            seal_id: c.movement_id for seal_id, c in attached.items() if c.movement_id in movements
        }
        inserted = _positions_insert(
            [(k, batch[k]) for k in keys], movement_of, channel=channel, now=timezone.now()
        )
        new_keys = [k for k in keys if k in inserted]
        result.stored = len(new_keys)
        result.duplicates = result.received - len(result.unknown) - len(new_keys)

        # The seals' battery and last contact.
        latest: dict[int, PositionIn] = {}
        for seal_id, at in new_keys:
            if seal_id not in latest or at > latest[seal_id].recorded_at:
                latest[seal_id] = batch[(seal_id, at)]
        # Written at most once a minute per seal (the containers carry the live state): a
        # write per message would double the database's work for a "last seen".
        with_battery: list[ESeal] = []
        without: list[ESeal] = []
        for seal_id, seen in sorted(seals.values()):
            newest = latest.get(seal_id)
            if newest is None or (seen and newest.recorded_at - seen < SEAL_SEEN_EVERY):
                continue
            row = ESeal(pk=seal_id, last_seen_at=newest.recorded_at, battery_pct=newest.battery_pct)
            (without if newest.battery_pct is None else with_battery).append(row)
        rows_update(ESeal, with_battery, ["last_seen_at", "battery_pct"])
        rows_update(ESeal, without, ["last_seen_at"])

        # The rules, per movement and container.
        by_container: dict[int, list[PositionIn]] = defaultdict(list)
        for seal_id, at in new_keys:
            if seal_id in attached:
                by_container[seal_id].append(batch[(seal_id, at)])
        changed_containers = []
        changed_movements = set()
        events: list[Event] = []
        for seal_id, items in by_container.items():
            c = attached[seal_id]
            movement = movements[c.movement_id]
            if movement.state not in WATCHED_STATES:
                continue
            corridor = corridor_for(movement)
            items.sort(key=lambda p: p.recorded_at)
            lons = np.fromiter((p.longitude for p in items), float, len(items))
            lats = np.fromiter((p.latitude for p in items), float, len(items))
            xs, ys = corridor.project(lons, lats)
            distances = corridor.distances_m(xs, ys)
            fixes = [
                Fix(
                    at=p.recorded_at,
                    lat=p.latitude,
                    lon=p.longitude,
                    x=float(xs[k]),
                    y=float(ys[k]),
                    distance_m=float(distances[k]),
                    speed_kn=p.speed_kn,
                    battery=p.battery_pct,
                    valid=p.valid,
                    alarm=p.alarm,
                )
                for k, p in enumerate(items)
            ]
            was_opened = c.opened_at
            findings = evaluate_fixes(
                movement=movement,
                container=c,
                fixes=fixes,
                corridor=corridor,
                thresholds=Thresholds.for_movement(movement),
                next_episode=episode_counter(movement),
            )
            if was_opened is None and c.opened_at is not None:
                events.append(_seal_opened_event(movement, c))
            changed_containers.append(c)
            if findings:
                # Episodes were numbered: the movement's counters change (rarely).
                changed_movements.add(movement.pk)
            result.alerts.extend(_raise(movement, findings))
        rows_update(MovementContainer, changed_containers, MONITOR_FIELDS)
        rows_update(
            TransitMovement, [movements[pk] for pk in changed_movements], ["alert_episodes"]
        )
        if events:
            events_append(events)
    return result


def _seal_opened_event(movement: TransitMovement, c: MovementContainer) -> Event:
    return event_build(
        kind="transit.seal_opened",
        subject_type="transit_movement",
        subject_id=movement.pk,
        party=Party.MOVEMENT,
        actor_label="e-seal",
        declaration_id=movement.declaration_id,
        office_code=movement.office_of_destination.code
        if movement.state == MovementState.ARRIVED
        else movement.office_of_departure.code,
        occurred_at=c.opened_at,
        data={"reference": movement.reference, "container": c.container_number},
    )


def late_arrival_raise(movement: TransitMovement, at: datetime) -> list[Alert]:
    """Raise the late-arrival alert if `at` is past the deadline and it was not raised yet
    (the caller holds the movement's lock and saves its `alert_episodes`)."""
    return _raise(movement, late_arrival(movement, at, episode_counter(movement)))


def telemetry_ingest_one(*, position: PositionIn, channel: str) -> IngestResult:
    """One message (the OsmAnd endpoint): an unknown device is refused (400)."""
    result = telemetry_ingest(positions=[position], channel=channel)
    if result.unknown:
        raise UnknownDevice(position.device_id)
    return result


def transit_watch(*, now: datetime | None = None) -> list[Alert]:
    """The periodic check (`haiquan transit-watch`): seals in transit silent for longer than
    allowed, and movements past their deadline without arriving. Raises each episode once."""
    now = now or timezone.now()
    raised: list[Alert] = []
    ids = list(
        TransitMovement.objects.filter(state=MovementState.DEPARTED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(ids), 200):
        with transaction.atomic():
            movements = list(
                TransitMovement.objects.select_for_update(of=("self",))
                .filter(pk__in=ids[start : start + 200], state=MovementState.DEPARTED)
                .select_related("office_of_departure")
                .order_by("pk")
            )
            containers: dict[int, list[MovementContainer]] = defaultdict(list)
            for c in MovementContainer.objects.filter(movement__in=movements, active=True):
                containers[c.movement_id].append(c)
            changed_c, changed_m = [], []
            for m in movements:
                next_episode = episode_counter(m)
                thresholds = Thresholds.for_movement(m)
                findings = late_arrival(m, now, next_episode)
                for c in containers[m.pk]:
                    found = signal_check(
                        movement=m,
                        container=c,
                        now=now,
                        thresholds=thresholds,
                        next_episode=next_episode,
                    )
                    if found:
                        changed_c.append(c)
                        findings.extend(found)
                if findings:
                    changed_m.append(m)
                    raised.extend(_raise(m, findings))
            rows_update(MovementContainer, changed_c, ["open_episodes"])
            rows_update(TransitMovement, changed_m, ["alert_episodes"])
    return raised
