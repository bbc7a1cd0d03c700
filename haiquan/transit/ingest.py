"""Telemetry ingestion and the periodic watch: store positions once, apply the alert rules,
raise alerts. Used by the OsmAnd endpoint, the batch endpoint, the MQTT subscriber, the
simulator and `haiquan transit-watch`.

A batch is one transaction. The movements its seals are on are locked (in id order, so
concurrent batches never deadlock), which serialises the rules per movement: a position is
new, and an episode is raised, exactly once even when several workers ingest at once.
Positions are stored once per device and timestamp (a unique constraint): a repeated message
changes nothing, and a different report for a stored (seal, time) is kept as evidence and
raised as a possible forgery, never dropped as a duplicate.

Messages from the network are authenticated first (`telemetry_receive`): each is signed with
its e-seal's key (devicekeys.py) and carries a counter; a forged or unsigned message, one from
an unknown device and, for a platform's batch, one for another platform's seal all get the
same refusal, after the same work; a counter used before is refused as a replay.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, cast

import numpy as np
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Field, JSONField, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from haiquan.core.problems import ProblemError, ValidationFailed
from haiquan.eventlog import kinds
from haiquan.eventlog.choices import Party
from haiquan.eventlog.models import Event
from haiquan.eventlog.services import events_append
from haiquan.refdata.models import Office
from haiquan.supervision.alerts import AlertRaise, alert_raise
from haiquan.supervision.choices import AlertKind, AlertSubject
from haiquan.supervision.models import Alert, ControlZone

from . import devicekeys
from .choices import WATCHED_STATES, MovementState
from .conf import transit_setting
from .corridor import Corridor, corridor_build
from .models import ESeal, MovementContainer, Position, PositionConflict, TransitMovement
from .osmand import PositionIn, osmand_parse
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


class TelemetryRefused(ProblemError):
    """One refusal for every message that is not authenticated: unsigned, badly signed, from
    an unknown device or (in a platform's batch) for another platform's seal. The same status,
    words and work for all, so that nobody learns which device ids exist."""

    def __init__(self) -> None:
        super().__init__(
            detail=_(
                "The report is not signed with the key of an e-seal registered to you. Sign "
                "each message with the seal's key (ctr and sig) as the API documentation says."
            ),
            status=401,
            code="not-authenticated",
            title=_("Position report not authenticated"),
            headers={"WWW-Authenticate": 'HMAC-SHA256 realm="haiquan-eseals"'},
        )


class Replayed(ProblemError):
    """A correctly signed message whose counter was used already (a replay, or a device that
    resent a message it had sent): nothing changes."""

    def __init__(self, counter: int | None) -> None:
        super().__init__(
            detail=_(
                "This message's counter (ctr=%(n)s) was used already: it is refused as a "
                "replay and nothing changed. A device counts up with every message it signs."
            )
            % {"n": counter},
            status=409,
            code="replayed",
            title=_("Message already received"),
        )


@dataclass
class IngestResult:
    received: int = 0
    stored: int = 0
    duplicates: int = 0
    # (index in the batch, device id) of messages from unknown devices; nothing stored for them.
    unknown: list[tuple[int, str]] = field(default_factory=list)
    # Indexes of signed messages whose counter was used already (replays); nothing stored.
    replayed: list[int] = field(default_factory=list)
    # Reports that differ from the one stored for their (seal, time): kept as evidence.
    conflicts: int = 0
    alerts: list[Alert] = field(default_factory=list)


@dataclass
class ReceiveResult(IngestResult):
    """What became of each message received from the network (indexes into the messages)."""

    refused: list[int] = field(default_factory=list)
    invalid: list[tuple[int, ValidationFailed]] = field(default_factory=list)


def signatures_required() -> bool:
    return str(transit_setting("TELEMETRY_SIGNATURES")).lower() != "optional"


@dataclass(frozen=True)
class _Checked:
    index: int
    params: dict[str, str]
    counter: int | None


def telemetry_authenticate(
    messages: Sequence[Mapping[str, Any]], *, platform_id: int | None = None, platform: bool = False
) -> tuple[list[_Checked], list[int]]:
    """Which messages are signed by their e-seal's current key (and, for a platform's batch,
    for a seal of that platform): (accepted, indexes refused). One query for the batch; every
    message costs one key derivation and one HMAC whatever it turns out to be."""
    required = signatures_required()
    params_list = [{str(k): "" if v is None else str(v) for k, v in m.items()} for m in messages]
    devices = {(p.get("id") or p.get("deviceid") or "").strip() for p in params_list}
    known = {
        device: (key_id, owner_id)
        for device, key_id, owner_id in ESeal.objects.filter(device_id__in=devices).values_list(
            "device_id", "key_id", "owner_id"
        )
    }
    accepted: list[_Checked] = []
    refused: list[int] = []
    for i, params in enumerate(params_list):
        device = (params.get("id") or params.get("deviceid") or "").strip()
        key_id, owner_id = known.get(device, ("", None))
        # The same work for a known and an unknown device, a good and a bad signature.
        good = devicekeys.signature_valid(devicekeys.device_key(device, key_id), params)
        counter = devicekeys.counter_of(params)
        ours = device in known and (not platform or owner_id == platform_id)
        if not ours:
            refused.append(i)
        elif devicekeys.SIGNATURE_KEY in params:
            if good and key_id and counter is not None:
                accepted.append(_Checked(i, params, counter))
            else:
                refused.append(i)
        elif required:
            refused.append(i)
        else:
            accepted.append(_Checked(i, params, None))
    return accepted, refused


def telemetry_receive(
    *,
    messages: Sequence[Mapping[str, Any]],
    channel: str,
    platform_id: int | None = None,
    platform: bool = False,
) -> ReceiveResult:
    """Authenticate, parse and ingest messages from the network (the OsmAnd endpoint, a
    platform's batch, the MQTT subscriber, the simulator). With `platform`, only seals of the
    enterprise `platform_id` are accepted."""
    accepted, refused = telemetry_authenticate(messages, platform_id=platform_id, platform=platform)
    out = ReceiveResult(received=len(messages), refused=refused)
    parsed: list[PositionIn] = []
    index_of: list[int] = []
    for checked in accepted:
        try:
            position = osmand_parse(checked.params)
        except ValidationFailed as exc:
            out.invalid.append((checked.index, exc))
            continue
        parsed.append(replace(position, counter=checked.counter))
        index_of.append(checked.index)
    result = telemetry_ingest(positions=parsed, channel=channel)
    out.stored, out.duplicates, out.conflicts = result.stored, result.duplicates, result.conflicts
    out.alerts = result.alerts
    out.replayed = [index_of[k] for k in result.replayed]
    # A seal removed between the check and the write: refused like any unknown device.
    out.refused = sorted(out.refused + [index_of[k] for k, _d in result.unknown])
    return out


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
    "altitude", "accuracy", "hdop", "battery_pct", "valid", "alarm", "attributes", "counter",
)  # fmt: skip
PG_TYPES = (
    "bigint", "bigint", "timestamptz", "float8", "float8", "float8", "float8", "float8",
    "float8", "float8", "float8", "boolean", "text", "jsonb", "bigint",
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
                json.dumps(p.attributes, cls=DjangoJSONEncoder), p.counter,
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
            counter=p.counter,
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
    """Store a batch of positions (authenticated already, see `telemetry_receive`) and
    evaluate the alert rules on the new ones."""
    result = IngestResult(received=len(positions))
    if not positions:
        return result
    seals = _seals_of(positions)
    known = _known_split(positions, seals, result)
    if not known:
        return result
    seal_ids = sorted({seal_id for _i, seal_id, _p in known})
    with transaction.atomic():
        movements = _movements_locked(_movement_ids(seal_ids))
        known, replays = _counters_check(known, result)
        batch, clashes = _batch_dedupe(known)
        attached = _attached_read(movements)
        movement_of = {
            seal_id: c.movement_id for seal_id, c in attached.items() if c.movement_id in movements
        }
        now = timezone.now()
        new_keys, conflicts = _positions_store(
            batch, clashes, replays, movement_of, result, channel=channel, now=now
        )
        _seals_touch(seals, batch, new_keys)
        changes = _Changes()
        _rules_apply(batch, new_keys, attached, movements, changes, result)
        _conflicts_raise(conflicts, attached, movements, changes, result)
        changes.write(movements)
    return result


def _seals_of(positions: Sequence[PositionIn]) -> dict[str, tuple[int, datetime | None]]:
    """Device id → (seal id, last seen) for the batch's devices."""
    return {
        device: (pk, seen)
        for pk, device, seen in ESeal.objects.filter(
            device_id__in={p.device_id for p in positions}
        ).values_list("pk", "device_id", "last_seen_at")
    }


def _known_split(
    positions: Sequence[PositionIn],
    seals: dict[str, tuple[int, datetime | None]],
    result: IngestResult,
) -> list[tuple[int, int, PositionIn]]:
    """(index, seal id, position) for the known devices; the others go to `result.unknown`."""
    known: list[tuple[int, int, PositionIn]] = []
    for i, p in enumerate(positions):
        seal = seals.get(p.device_id)
        if seal is None:
            result.unknown.append((i, p.device_id))
            continue
        known.append((i, seal[0], p))
    return known


def _movement_ids(seal_ids: list[int]) -> list[int]:
    """The movements the seals are attached to, in id order (the order they are locked in)."""
    return sorted(
        set(
            MovementContainer.objects.filter(seal_id__in=seal_ids, active=True)
            .order_by()
            .values_list("movement_id", flat=True)
        )
    )


def _batch_dedupe(
    known: list[tuple[int, int, PositionIn]],
) -> tuple[dict[tuple[int, datetime], PositionIn], list[tuple[Key, PositionIn]]]:
    """One row per (seal, time): the first of a batch's reports wins; a different one for
    the same time is evidence."""
    batch: dict[tuple[int, datetime], PositionIn] = {}
    clashes: list[tuple[Key, PositionIn]] = []
    for _i, seal_id, p in known:
        key = (seal_id, p.recorded_at)
        first = batch.setdefault(key, p)
        if first is not p and first.content() != p.content():
            clashes.append((key, p))
    return batch, clashes


def _attached_read(movements: dict[int, TransitMovement]) -> dict[int, MovementContainer]:
    """Seal id → its active container on the locked movements. Read after the lock: what
    other batches did to these movements is visible now."""
    return {
        c.seal_id: c
        for c in MovementContainer.objects.filter(movement_id__in=movements, active=True)
        .order_by()
        .only("movement_id", "seal_id", "container_number", *MONITOR_FIELDS)
        if c.seal_id is not None
    }


def _positions_store(
    batch: dict[tuple[int, datetime], PositionIn],
    clashes: list[tuple[Key, PositionIn]],
    replays: list[tuple[int, PositionIn]],
    movement_of: dict[int, int],
    result: IngestResult,
    *,
    channel: str,
    now: datetime,
) -> tuple[list[tuple[int, datetime]], list[PositionConflict]]:
    """Insert the batch's new positions and keep the conflicting reports as evidence; count
    them in `result`. Answers the keys stored and the conflicts kept."""
    keys = sorted(batch)  # in key order: concurrent inserts of one key cannot deadlock
    inserted = _positions_insert(
        [(k, batch[k]) for k in keys], movement_of, channel=channel, now=now
    )
    new_keys = [k for k in keys if k in inserted]
    result.stored = len(new_keys)
    clashes = clashes + [(k, batch[k]) for k in keys if k not in inserted]
    conflicts = _conflicts_keep(clashes, movement_of, channel=channel, now=now)
    result.duplicates = (
        result.received - len(result.unknown) - len(result.replayed) - len(new_keys)
        - len(conflicts)
    )  # fmt: skip
    # A message refused for its counter is a replay when it repeats what is stored for its
    # time; otherwise two messages were signed with one counter (a stolen key used ahead
    # of the device, or a faulty device): evidence, and the alert.
    conflicts += _conflicts_keep(
        [((seal_id, p.recorded_at), p) for seal_id, p in replays],
        movement_of,
        channel=channel,
        now=now,
    )
    result.conflicts = len(conflicts)
    return new_keys, conflicts


def _seals_touch(
    seals: dict[str, tuple[int, datetime | None]],
    batch: dict[tuple[int, datetime], PositionIn],
    new_keys: list[tuple[int, datetime]],
) -> None:
    """The seals' battery and last contact."""
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


@dataclass
class _Changes:
    """What the rules changed in a batch, written once at its end."""

    containers: dict[int, MovementContainer] = field(default_factory=dict)
    movements: set[int] = field(default_factory=set)
    events: list[Event] = field(default_factory=list)

    def write(self, movements: dict[int, TransitMovement]) -> None:
        rows_update(MovementContainer, list(self.containers.values()), MONITOR_FIELDS)
        rows_update(TransitMovement, [movements[pk] for pk in self.movements], ["alert_episodes"])
        if self.events:
            events_append(self.events)


def _rules_apply(
    batch: dict[tuple[int, datetime], PositionIn],
    new_keys: list[tuple[int, datetime]],
    attached: dict[int, MovementContainer],
    movements: dict[int, TransitMovement],
    changes: _Changes,
    result: IngestResult,
) -> None:
    """The rules, per movement and container, on the new positions."""
    by_container: dict[int, list[PositionIn]] = defaultdict(list)
    for seal_id, at in new_keys:
        if seal_id in attached:
            by_container[seal_id].append(batch[(seal_id, at)])
    for seal_id, items in by_container.items():
        c = attached[seal_id]
        movement = movements[c.movement_id]
        if movement.state not in WATCHED_STATES:
            continue
        corridor = corridor_for(movement)
        items.sort(key=lambda p: p.recorded_at)
        was_opened = c.opened_at
        findings = evaluate_fixes(
            movement=movement,
            container=c,
            fixes=_fixes_build(items, corridor),
            corridor=corridor,
            thresholds=Thresholds.for_movement(movement),
            next_episode=episode_counter(movement),
        )
        if was_opened is None and c.opened_at is not None:
            changes.events.append(_seal_opened_event(movement, c))
        changes.containers[c.pk] = c
        if findings:
            # Episodes were numbered: the movement's counters change (rarely).
            changes.movements.add(movement.pk)
        result.alerts.extend(_raise(movement, findings))


def _fixes_build(items: list[PositionIn], corridor: Corridor) -> list[Fix]:
    """A container's positions (in time order) projected onto its corridor."""
    lons = np.fromiter((p.longitude for p in items), float, len(items))
    lats = np.fromiter((p.latitude for p in items), float, len(items))
    xs, ys = corridor.project(lons, lats)
    distances = corridor.distances_m(xs, ys)
    return [
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


def _conflicts_raise(
    conflicts: list[PositionConflict],
    attached: dict[int, MovementContainer],
    movements: dict[int, TransitMovement],
    changes: _Changes,
    result: IngestResult,
) -> None:
    """Conflicting reports: one alert per container and movement; every report is evidence."""
    for conflict in conflicts:
        c = attached.get(conflict.seal_id)
        if c is None or c.movement_id not in movements:
            continue
        movement = movements[c.movement_id]
        if movement.state not in WATCHED_STATES or AlertKind.POSITION_CONFLICT in (c.open_episodes):
            continue
        n = episode_counter(movement)(AlertKind.POSITION_CONFLICT)
        c.open_episodes[AlertKind.POSITION_CONFLICT] = n
        changes.containers[c.pk] = c
        changes.movements.add(movement.pk)
        result.alerts.extend(_raise(movement, [_conflict_finding(conflict, c, n)]))


def _counters_check(
    known: list[tuple[int, int, PositionIn]], result: IngestResult
) -> tuple[list[tuple[int, int, PositionIn]], list[tuple[int, PositionIn]]]:
    """Refuse signed messages whose counter was used (under the seals' row locks, taken after
    the movements'); advance each seal's anti-replay window. Returns the messages kept and
    the (seal id, message) refused."""
    signed = sorted({seal_id for _i, seal_id, p in known if p.counter is not None})
    if not signed:
        return known, []
    windows = {
        pk: [high, seen]
        for pk, high, seen in ESeal.objects.select_for_update()
        .filter(pk__in=signed)
        .order_by("pk")
        .values_list("pk", "counter_high", "counter_seen")
    }
    kept = []
    refused: list[tuple[int, PositionIn]] = []
    for i, seal_id, p in sorted(known, key=lambda k: (k[1], k[2].counter or 0)):
        if p.counter is None:
            kept.append((i, seal_id, p))
            continue
        window = windows[seal_id]
        new, window[0], window[1] = devicekeys.counter_accept(window[0], window[1], p.counter)
        if new:
            kept.append((i, seal_id, p))
        else:
            result.replayed.append(i)
            refused.append((seal_id, p))
    rows_update(
        ESeal,
        [ESeal(pk=pk, counter_high=h, counter_seen=w) for pk, (h, w) in windows.items()],
        ["counter_high", "counter_seen"],
    )
    kept.sort(key=lambda k: k[0])
    result.replayed.sort()
    return kept, refused


def _report(p: PositionIn) -> dict[str, Any]:
    return {
        "latitude": p.latitude,
        "longitude": p.longitude,
        "speed_kn": p.speed_kn,
        "bearing": p.bearing,
        "altitude": p.altitude,
        "accuracy": p.accuracy,
        "hdop": p.hdop,
        "battery_pct": p.battery_pct,
        "valid": p.valid,
        "alarm": p.alarm,
        "attributes": p.attributes,
    }


def _stored_content(row: Position) -> tuple[Any, ...]:
    return PositionIn(
        device_id="",
        recorded_at=row.recorded_at,
        latitude=row.latitude,
        longitude=row.longitude,
        speed_kn=row.speed_kn,
        bearing=row.bearing,
        altitude=row.altitude,
        accuracy=row.accuracy,
        hdop=row.hdop,
        battery_pct=row.battery_pct,
        valid=row.valid,
        alarm=row.alarm,
        attributes=dict(row.attributes or {}),
    ).content()


def _conflicts_keep(
    candidates: list[tuple[Key, PositionIn]],
    movement_of: dict[int, int],
    *,
    channel: str,
    now: datetime,
) -> list[PositionConflict]:
    """Reports for a (seal, time) already stored: the same report again is a duplicate; a
    different one is kept as evidence (returned)."""
    if not candidates:
        return []
    stored = {
        (row.seal_id, row.recorded_at): row
        for row in Position.objects.filter(
            seal_id__in={k[0] for k, _p in candidates},
            recorded_at__in={k[1] for k, _p in candidates},
        )
    }
    kept = []
    for (seal_id, at), p in candidates:
        row = stored.get((seal_id, at))
        if row is not None and _stored_content(row) == p.content():
            continue
        kept.append(
            PositionConflict(
                seal_id=seal_id,
                movement_id=movement_of.get(seal_id),
                stored=row,
                recorded_at=at,
                received_at=now,
                channel=channel,
                counter=p.counter,
                report=_report(p),
            )
        )
    PositionConflict.objects.bulk_create(kept)
    return kept


def _conflict_finding(conflict: PositionConflict, c: MovementContainer, episode: int) -> Finding:
    first = conflict.stored
    return Finding(
        kind=AlertKind.POSITION_CONFLICT,
        episode=episode,
        occurred_at=conflict.recorded_at,
        container=c.container_number,
        lat=conflict.report["latitude"],
        lon=conflict.report["longitude"],
        data={
            "at": conflict.recorded_at,
            "stored": [first.latitude, first.longitude] if first else None,
            "reported": [conflict.report["latitude"], conflict.report["longitude"]],
        },
    )


def _seal_opened_event(movement: TransitMovement, c: MovementContainer) -> Event:
    return kinds.TRANSIT_SEAL_OPENED.build(
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


def telemetry_receive_one(*, message: Mapping[str, Any], channel: str) -> ReceiveResult:
    """One message (the OsmAnd endpoint): refused (401) unless authenticated, 400 when it is
    not a valid report, 409 when its counter was used."""
    result = telemetry_receive(messages=[message], channel=channel)
    if result.refused:
        raise TelemetryRefused()
    if result.invalid:
        raise result.invalid[0][1]
    if result.replayed:
        raise Replayed(devicekeys.counter_of({k: str(v) for k, v in message.items()}))
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
