"""The alert rules of e-seal monitoring, in one place. They read a container's new positions
in time order against its movement and update its monitoring state; each condition, while it
lasts, is one episode and raises one alert:

- seal opened: an opening alarm (tampering, door, removing) while the movement is sealed or
  departed, i.e. before its destination; once per container;
- low battery: the battery below LOW_BATTERY_PCT or a lowBattery alarm; once per container;
- corridor exit: a valid fix farther from the route than the corridor plus
  CORRIDOR_TOLERANCE_M; the episode ends when the vehicle is back inside the corridor;
- long stop: staying within STOP_RADIUS_M of one spot for longer than the movement's (or the
  installation's) allowed stop, outside the places of departure and destination and the
  permitted stops; the episode ends when the vehicle moves on;
- signal lost: no position for longer than SIGNAL_LOST_MINUTES while departed (found by the
  periodic watch, or when a position arrives after such a gap); the episode ends when
  positions come again;
- late arrival: departed and not arrived by the deadline; once per movement.

Positions that arrive late (older than the last one seen) still count for alarms and battery,
not for where the vehicle is.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from haiquan.supervision.choices import AlertKind

from .choices import BEFORE_DESTINATION, LOW_BATTERY_ALARMS, OPENING_ALARMS, MovementState
from .conf import transit_setting
from .corridor import Corridor
from .models import MovementContainer, TransitMovement


@dataclass(frozen=True)
class Thresholds:
    corridor_tolerance_m: float
    stop_radius_m: float
    max_stop: timedelta
    signal_lost: timedelta
    low_battery_pct: float

    @classmethod
    def for_movement(cls, movement: TransitMovement) -> Thresholds:
        return cls(
            corridor_tolerance_m=float(transit_setting("CORRIDOR_TOLERANCE_M")),
            stop_radius_m=float(transit_setting("STOP_RADIUS_M")),
            max_stop=timedelta(
                minutes=movement.max_stop_minutes or int(transit_setting("MAX_STOP_MINUTES"))
            ),
            signal_lost=timedelta(minutes=int(transit_setting("SIGNAL_LOST_MINUTES"))),
            low_battery_pct=float(transit_setting("LOW_BATTERY_PCT")),
        )


@dataclass(frozen=True)
class Fix:
    """A new position, with its projected coordinates and distance from the route."""

    at: datetime
    lat: float
    lon: float
    x: float
    y: float
    distance_m: float
    speed_kn: float | None
    battery: float | None
    valid: bool
    alarm: str


@dataclass(frozen=True)
class Finding:
    """An alert to raise: its kind, the episode number it was given, where and when."""

    kind: str
    episode: int
    occurred_at: datetime
    container: str = ""
    lat: float | None = None
    lon: float | None = None
    data: dict[str, Any] = field(default_factory=dict)


EpisodeNext = Callable[[str], int]


def episode_counter(movement: TransitMovement) -> EpisodeNext:
    """Episodes are numbered per movement and kind; the counter lives on the movement row
    (locked by the caller), so an episode is given once."""

    def next_episode(kind: str) -> int:
        n = int(movement.alert_episodes.get(kind, 0)) + 1
        movement.alert_episodes[kind] = n
        return n

    return next_episode


def _open(c: MovementContainer, kind: str, next_episode: EpisodeNext) -> int | None:
    """Start an episode of `kind` on the container unless one is in progress."""
    if kind in c.open_episodes:
        return None
    n = next_episode(kind)
    c.open_episodes[kind] = n
    return n


def _close(c: MovementContainer, kind: str) -> None:
    c.open_episodes.pop(kind, None)


def evaluate_fixes(
    *,
    movement: TransitMovement,
    container: MovementContainer,
    fixes: list[Fix],
    corridor: Corridor,
    thresholds: Thresholds,
    next_episode: EpisodeNext,
) -> list[Finding]:
    """Apply the rules to a container's new fixes (sorted by time); update its state."""
    findings: list[Finding] = []
    state = movement.state

    def start(kind: str, at: datetime, lat: float | None, lon: float | None, **data: Any) -> None:
        """Begin an episode of `kind` unless one is in progress, and report it."""
        n = _open(container, kind, next_episode)
        if n:
            findings.append(Finding(kind, n, at, container.container_number, lat, lon, data))

    anchor_xy = _anchor_xy(container, corridor)
    for fix in fixes:
        # Alarms and battery count whatever the order of arrival.
        if fix.alarm in OPENING_ALARMS:
            if container.opened_at is None or fix.at < container.opened_at:
                container.opened_at = fix.at
            if state in BEFORE_DESTINATION:
                start(AlertKind.SEAL_OPENED, fix.at, fix.lat, fix.lon, alarm=fix.alarm)
        battery_low = fix.battery is not None and fix.battery < thresholds.low_battery_pct
        if battery_low or fix.alarm in LOW_BATTERY_ALARMS:
            start(
                AlertKind.LOW_BATTERY, fix.at, fix.lat, fix.lon,
                battery_pct=fix.battery, alarm=fix.alarm,
            )  # fmt: skip
        if fix.battery is not None:
            container.last_battery = fix.battery

        if container.last_fix_at is not None and fix.at <= container.last_fix_at:
            continue  # a late message: not where the vehicle is now
        previous = container.last_fix_at or movement.departed_at
        container.last_fix_at = fix.at
        container.last_lat, container.last_lon = fix.lat, fix.lon
        container.last_speed_kn = fix.speed_kn
        if state != MovementState.DEPARTED:
            continue

        # Signal: a gap longer than allowed is an episode (unless the watch already started
        # it); this position ends it.
        if previous is not None and fix.at - previous > thresholds.signal_lost:
            minutes = int((fix.at - previous).total_seconds() // 60)
            start(
                AlertKind.SIGNAL_LOST, previous + thresholds.signal_lost, fix.lat, fix.lon,
                minutes=minutes, ended_at=fix.at,
            )  # fmt: skip
        _close(container, AlertKind.SIGNAL_LOST)

        if movement.deadline and fix.at > movement.deadline:
            findings.extend(late_arrival(movement, fix.at, next_episode, fix.lat, fix.lon))

        if not fix.valid:
            continue
        # Corridor: out beyond the tolerance starts an episode; back inside ends it.
        if fix.distance_m > corridor.width_m + thresholds.corridor_tolerance_m:
            start(
                AlertKind.CORRIDOR_EXIT, fix.at, fix.lat, fix.lon,
                distance_m=round(fix.distance_m), corridor_m=round(corridor.width_m),
            )  # fmt: skip
        elif fix.distance_m <= corridor.width_m:
            _close(container, AlertKind.CORRIDOR_EXIT)

        # Stops: the vehicle stands while it stays within the radius of its anchor.
        moved = (
            anchor_xy is None
            or container.anchor_at is None
            or math.dist((fix.x, fix.y), anchor_xy) > thresholds.stop_radius_m
        )
        if moved:
            anchor_xy = (fix.x, fix.y)
            container.anchor_at = fix.at
            container.anchor_lat, container.anchor_lon = fix.lat, fix.lon
            _close(container, AlertKind.LONG_STOP)
            continue
        assert container.anchor_at is not None and anchor_xy is not None
        standing = fix.at - container.anchor_at
        if standing > thresholds.max_stop and not corridor.permitted_at(*anchor_xy):
            start(
                AlertKind.LONG_STOP, container.anchor_at, container.anchor_lat,
                container.anchor_lon, minutes=int(standing.total_seconds() // 60),
            )  # fmt: skip
    return findings


def _anchor_xy(container: MovementContainer, corridor: Corridor) -> tuple[float, float] | None:
    """Where the container's current stop began, in the corridor's plane (if it stands)."""
    if container.anchor_lat is None or container.anchor_lon is None:
        return None
    ax, ay = corridor.project(np.array([container.anchor_lon]), np.array([container.anchor_lat]))
    return (float(ax[0]), float(ay[0]))


def late_arrival(
    movement: TransitMovement,
    at: datetime,
    next_episode: EpisodeNext,
    lat: float | None = None,
    lon: float | None = None,
) -> list[Finding]:
    if movement.deadline is None or at <= movement.deadline:
        return []
    if AlertKind.LATE_ARRIVAL in movement.alert_episodes:
        return []
    n = next_episode(AlertKind.LATE_ARRIVAL)
    return [
        Finding(
            kind=AlertKind.LATE_ARRIVAL,
            episode=n,
            occurred_at=movement.deadline,
            lat=lat,
            lon=lon,
            data={"deadline": movement.deadline},
        )
    ]


def signal_check(
    *,
    movement: TransitMovement,
    container: MovementContainer,
    now: datetime,
    thresholds: Thresholds,
    next_episode: EpisodeNext,
) -> list[Finding]:
    """The periodic check: a departed container silent for longer than allowed."""
    if movement.state != MovementState.DEPARTED:
        return []
    since = container.last_fix_at or movement.departed_at
    if since is None or now - since <= thresholds.signal_lost:
        return []
    n = _open(container, AlertKind.SIGNAL_LOST, next_episode)
    if not n:
        return []
    minutes = int((now - since).total_seconds() // 60)
    return [
        Finding(
            kind=AlertKind.SIGNAL_LOST,
            episode=n,
            occurred_at=since + thresholds.signal_lost,
            container=container.container_number,
            lat=container.last_lat,
            lon=container.last_lon,
            data={"minutes": minutes},
        )
    ]
