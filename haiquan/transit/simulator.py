"""A telemetry simulator: e-seals driven along their routes, with faults injected, sent as
OsmAnd messages directly to the ingestion service, over HTTP, or over MQTT. The tests, the demo
(`haiquan telemetry-simulate`) and the benchmark (bench/telemetry.py) use it.

Faults, each placed at a fixed share of the trip so that the outcome is known in advance:
- corridor exit: a detour of `detour_m` metres off the route between 35% and 45% of the way;
- long stop: standing still for `stop_minutes` at 60% of the way (on the route, outside any
  permitted place);
- early opening: a `door` alarm at 75% of the way;
- signal loss: no message for `signal_loss_minutes` from 25% of the way;
- low battery: the battery drains to 10% by the end (it crosses 20% near 90% of the way);
- duplicates: a share of the readings sent twice (each time signed with its own counter).

Like real e-seals, the simulated ones sign every message with their key (`sign_messages`):
the simulator must hold the keys of the seals it drives.
"""

from __future__ import annotations

import heapq
import json
import math
import random
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from shapely.geometry import LineString

from haiquan.supervision.geometry import geometry_of

from . import devicekeys
from .corridor import _transformers, utm_epsg

KNOTS_PER_KMH = 1 / 1.852


@dataclass(frozen=True)
class Faults:
    corridor_exit: bool = False
    detour_m: float = 2000.0
    stop_minutes: int = 0
    early_opening: bool = False
    signal_loss_minutes: int = 0
    low_battery: bool = False
    duplicates: float = 0.0

    @classmethod
    def parse(cls, spec: str, **kw: Any) -> Faults:
        """'corridor,stop,open,signal,battery,duplicates' → the faults (with default sizes)."""
        names = {s.strip() for s in spec.split(",") if s.strip()}
        unknown = names - {"corridor", "stop", "open", "signal", "battery", "duplicates"}
        if unknown:
            raise ValueError(f"unknown faults: {', '.join(sorted(unknown))}")
        return cls(
            corridor_exit="corridor" in names,
            stop_minutes=kw.get("stop_minutes", 45) if "stop" in names else 0,
            early_opening="open" in names,
            signal_loss_minutes=kw.get("signal_minutes", 25) if "signal" in names else 0,
            low_battery="battery" in names,
            duplicates=kw.get("duplicate_share", 0.05) if "duplicates" in names else 0.0,
        )


@dataclass
class Trip:
    """The messages of one seal's trip, in the order a device would send them."""

    device_id: str
    messages: list[dict[str, str]] = field(default_factory=list)

    @property
    def started_at(self) -> float:
        return float(self.messages[0]["timestamp"]) if self.messages else 0.0


def trip_duration(route_wkt: str, speed_kmh: float, faults: Faults = Faults()) -> timedelta:
    """How long a trip takes (driving plus the injected stop)."""
    length = _projected(route_wkt)[0].length
    return timedelta(seconds=length / (speed_kmh / 3.6) + faults.stop_minutes * 60)


def _projected(route_wkt: str) -> tuple[LineString, int]:
    route = geometry_of(route_wkt)
    assert route is not None
    c = route.centroid
    epsg = utm_epsg(c.x, c.y)
    forward, _back = _transformers(epsg)
    xs, ys = forward.transform(*np.asarray(route.coords).T)
    return LineString(np.column_stack([xs, ys])), epsg


def trip_messages(
    *,
    device_id: str,
    route_wkt: str,
    start: datetime,
    speed_kmh: float = 50.0,
    interval_s: float = 30.0,
    faults: Faults = Faults(),
    seed: int = 0,
    battery_start: float = 90.0,
) -> Trip:
    """The OsmAnd messages of a trip along the route from `start` (epoch-second timestamps)."""
    rng = random.Random(seed)
    line, epsg = _projected(route_wkt)
    _forward, back = _transformers(epsg)
    length = line.length
    speed = speed_kmh / 3.6
    drive_s = length / speed
    stop_at = 0.60 * drive_s
    stop_s = faults.stop_minutes * 60
    total_s = drive_s + stop_s
    gap_from = 0.25 * drive_s
    gap_to = gap_from + faults.signal_loss_minutes * 60
    open_at = 0.75 * drive_s + stop_s
    trip = Trip(device_id=device_id)
    t = 0.0
    opened = False
    while t <= total_s + 1e-6:
        # Where along the route: the stop holds the vehicle at 60% of the way.
        if t < stop_at:
            driven = t
        elif t < stop_at + stop_s:
            driven = stop_at
        else:
            driven = t - stop_s
        s = min(driven * speed, length)
        p = line.interpolate(s)
        ahead = line.interpolate(min(s + 5, length))
        behind = line.interpolate(max(s - 5, 0))
        dx, dy = ahead.x - behind.x, ahead.y - behind.y
        norm = math.hypot(dx, dy) or 1.0
        x, y = p.x, p.y
        share = s / length if length else 1.0
        if faults.corridor_exit and 0.35 <= share <= 0.45:
            # A bump off the route: up to detour_m to the left, back by 45%.
            bump = math.sin(math.pi * (share - 0.35) / 0.10) * faults.detour_m
            x, y = x - dy / norm * bump, y + dx / norm * bump
        standing = stop_at <= t < stop_at + stop_s
        if standing:
            x += rng.uniform(-10, 10)
            y += rng.uniform(-10, 10)
        lon, lat = back.transform(x, y)
        bearing = (math.degrees(math.atan2(dx, dy)) + 360) % 360
        battery = battery_start
        if faults.low_battery:
            battery = battery_start - (battery_start - 10.0) * (t / total_s if total_s else 1)
        msg = {
            "id": device_id,
            "timestamp": str(int(start.timestamp() + t)),
            "lat": f"{lat:.6f}",
            "lon": f"{lon:.6f}",
            "speed": "0" if standing else f"{speed_kmh * KNOTS_PER_KMH:.1f}",
            "bearing": f"{bearing:.0f}",
            "batt": f"{battery:.0f}",
        }
        if faults.early_opening and not opened and t >= open_at:
            msg["alarm"] = "door"
            opened = True
        in_gap = faults.signal_loss_minutes and gap_from <= t < gap_to
        if not in_gap:
            trip.messages.append(msg)
            if faults.duplicates and rng.random() < faults.duplicates:
                trip.messages.append(dict(msg))
        t += interval_s
    return trip


def interleave(trips: Iterable[Trip]) -> Iterator[dict[str, str]]:
    """Messages of many seals merged in time order, as a platform would receive them."""
    return heapq.merge(*(t.messages for t in trips), key=lambda m: float(m["timestamp"]))


def sign_messages(
    messages: Iterable[dict[str, str]],
    keys: dict[str, str],
    *,
    counters: dict[str, int] | None = None,
) -> list[dict[str, str]]:
    """Each message signed by its seal's key with the seal's next counter, in sending order
    (`counters` carries each seal's last counter from one call to the next)."""
    counters = {} if counters is None else counters
    out = []
    for m in messages:
        device = m["id"]
        counters[device] = counters.get(device, 0) + 1
        out.append(devicekeys.signed(keys[device], m, counters[device]))
    return out


# ---------------------------------------------------------------------------------------------
# Delivery


@dataclass
class Delivery:
    sent: int = 0
    refused: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0


def deliver_direct(messages: list[dict[str, str]], *, batch: int = 500) -> Delivery:
    """Straight into the ingestion service (authenticated as any message), in batches
    (tests, the demo)."""
    from .ingest import telemetry_receive

    out = Delivery()
    started = time.perf_counter()
    for k in range(0, len(messages), batch):
        part = messages[k : k + batch]
        result = telemetry_receive(messages=part, channel="direct")
        out.sent += len(part)
        out.refused += len(result.refused) + len(result.invalid) + len(result.replayed)
    out.seconds = time.perf_counter() - started
    return out


def deliver_http(
    messages: list[dict[str, str]],
    *,
    base_url: str,
    token: str = "",
    batch: int = 1,
    concurrency: int = 8,
) -> Delivery:
    """Over HTTP: one OsmAnd GET per message (batch 1), or POSTs of `batch` positions to
    /api/v1/transit/positions with a bearer token."""
    base = base_url.rstrip("/")
    out = Delivery()

    def one(m: dict[str, str]) -> int:
        url = f"{base}/api/v1/transit/osmand?{urllib.parse.urlencode(m)}"
        try:
            with urllib.request.urlopen(url, timeout=30) as resp:  # noqa: S310 (the operator's URL)
                return int(resp.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)

    def many(part: list[dict[str, str]]) -> int:
        body = json.dumps({"positions": part}).encode()
        req = urllib.request.Request(  # noqa: S310
            f"{base}/api/v1/transit/positions",
            data=body,
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
            method="POST",
        )
        with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310
            answer = json.loads(resp.read())
        return sum(len(answer.get(k, [])) for k in ("refused", "invalid", "replayed"))

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        if batch <= 1:
            for status in pool.map(one, messages):
                out.sent += 1
                out.refused += status != 200
        else:
            parts = [messages[k : k + batch] for k in range(0, len(messages), batch)]
            for part, refused in zip(parts, pool.map(many, parts), strict=True):
                out.sent += len(part)
                out.refused += refused
    out.seconds = time.perf_counter() - started
    return out


def deliver_mqtt(
    messages: list[dict[str, str]], *, url: str, topic: str, rate: float | None = None
) -> Delivery:
    from .mqtt import publish_positions

    started = time.perf_counter()
    sent = publish_positions(url=url, messages=messages, topic_pattern=topic, rate=rate)
    return Delivery(sent=sent, seconds=time.perf_counter() - started)
