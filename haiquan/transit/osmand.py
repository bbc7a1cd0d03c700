"""Parsing telemetry: the OsmAnd protocol that Traccar clients speak over HTTP (query string or
form), and the same keys as a JSON object over MQTT.

Keys: `id` (or `deviceid`), `timestamp` (epoch seconds, epoch milliseconds or ISO 8601; the
server's time when absent), `lat` and `lon` (or `location=lat,lon`), `speed` (knots), `bearing`
(or `heading`), `altitude`, `accuracy`, `hdop`, `batt` (or `battery`, percent), `valid`,
`alarm` (tampering, door, removing, lowBattery, ...). Any other key is kept as an attribute.
Every problem is reported with the key it concerns.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from haiquan.core.problems import FieldProblem, ValidationFailed

from .conf import transit_setting

NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
EPOCH_MS_FROM = 1e11  # larger epoch values are milliseconds (1e11 s would be the year 5138)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
RESERVED = frozenset(
    {
        "id",
        "deviceid",
        "timestamp",
        "lat",
        "lon",
        "location",
        "speed",
        "bearing",
        "heading",
        "altitude",
        "accuracy",
        "hdop",
        "batt",
        "battery",
        "valid",
        "alarm",
        "key",
        "ctr",
        "sig",
    }
)
MAX_ATTRIBUTES = 32
MAX_ATTRIBUTE_LENGTH = 256


@dataclass(frozen=True)
class PositionIn:
    """One position report, parsed and checked."""

    device_id: str
    recorded_at: datetime
    latitude: float
    longitude: float
    speed_kn: float | None = None
    bearing: float | None = None
    altitude: float | None = None
    accuracy: float | None = None
    hdop: float | None = None
    battery_pct: float | None = None
    valid: bool = True
    alarm: str = ""
    attributes: dict[str, str] = field(default_factory=dict)
    # The signed message's counter (None: not signed, where the installation allows it).
    counter: int | None = None

    def content(self) -> tuple[Any, ...]:
        """What a report says, to tell a repeat of it from a different report."""
        return (
            self.latitude, self.longitude, self.speed_kn, self.bearing, self.altitude,
            self.accuracy, self.hdop, self.battery_pct, self.valid, self.alarm,
            tuple(sorted(self.attributes.items())),
        )  # fmt: skip


def _number(
    params: Mapping[str, str],
    key: str,
    errors: list[FieldProblem],
    *,
    low: float | None = None,
    high: float | None = None,
) -> float | None:
    raw = params.get(key)
    if raw is None or str(raw).strip() == "":
        return None
    text = str(raw).strip()
    if not NUMBER.match(text):
        errors.append(FieldProblem(key, _("not a number: %(v)s") % {"v": text[:40]}))
        return None
    value = float(text)
    if not math.isfinite(value):
        errors.append(FieldProblem(key, _("not a finite number")))
        return None
    if (low is not None and value < low) or (high is not None and value > high):
        errors.append(
            FieldProblem(
                key, _("must be between %(lo)s and %(hi)s") % {"lo": low, "hi": high}, "range"
            )
        )
        return None
    return value


def parse_timestamp(raw: str | None, *, now: datetime) -> datetime:
    """Epoch seconds, epoch milliseconds (≥ 1e11) or ISO 8601 (UTC when no offset is given);
    the server's time when absent. Raises ValueError naming the problem."""
    if raw is None or str(raw).strip() == "":
        return now
    text = str(raw).strip()
    if NUMBER.match(text):
        value = float(text)
        if not math.isfinite(value) or value < 0:
            raise ValueError(_("not a valid epoch time"))
        seconds = value / 1000 if value >= EPOCH_MS_FROM else value
        if seconds > 4102444800:  # 2100-01-01
            raise ValueError(_("not a valid epoch time"))
        moment = datetime.fromtimestamp(seconds, tz=UTC)
    else:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(
                _("give epoch seconds, epoch milliseconds or ISO 8601 (2026-01-31T08:00:00Z)")
            ) from None
        if timezone.is_naive(moment):
            moment = moment.replace(tzinfo=UTC)
    return moment


def osmand_parse(params: Mapping[str, Any], *, now: datetime | None = None) -> PositionIn:
    """One OsmAnd message (query string, form or JSON object with the same keys)."""
    now = now or timezone.now()
    errors: list[FieldProblem] = []
    p = {str(k): ("" if v is None else str(v)) for k, v in params.items()}
    device_id = _device_id(p, errors)
    recorded_at = _recorded_at(p, errors, now=now)
    lat, lon = _location(p, errors)
    speed = _number(p, "speed", errors, low=0, high=1000)
    bearing_key = "bearing" if p.get("bearing", "").strip() else "heading"
    bearing = _number(p, bearing_key, errors, low=0, high=360)
    altitude = _number(p, "altitude", errors, low=-1000, high=100000)
    accuracy = _number(p, "accuracy", errors, low=0, high=1e7)
    hdop = _number(p, "hdop", errors, low=0, high=1000)
    batt_key = "batt" if p.get("batt", "").strip() else "battery"
    battery = _number(p, batt_key, errors, low=0, high=100)
    valid = True
    raw_valid = p.get("valid", "").strip().lower()
    if raw_valid in ("false", "0", "no"):
        valid = False
    elif raw_valid not in ("", "true", "1", "yes"):
        errors.append(FieldProblem("valid", _("must be true or false")))
    alarm = p.get("alarm", "").strip()
    if len(alarm) > 32 or not alarm.isprintable():
        errors.append(FieldProblem("alarm", _("at most 32 printable characters")))
    attributes = _attributes(p, errors)
    if errors:
        raise ValidationFailed(errors, detail=_("The position report is not valid."))
    assert lat is not None and lon is not None
    return PositionIn(
        device_id=device_id,
        recorded_at=recorded_at,
        latitude=lat,
        longitude=lon,
        speed_kn=speed,
        bearing=bearing,
        altitude=altitude,
        accuracy=accuracy,
        hdop=hdop,
        battery_pct=battery,
        valid=valid,
        alarm=alarm,
        attributes=attributes,
    )


def _device_id(p: dict[str, str], errors: list[FieldProblem]) -> str:
    device_id = (p.get("id") or p.get("deviceid") or "").strip()
    id_key = "id" if "id" in p else ("deviceid" if "deviceid" in p else "id")
    if not device_id:
        errors.append(FieldProblem("id", _("the device id is required"), "required"))
    elif len(device_id) > 64 or not device_id.isprintable():
        errors.append(FieldProblem(id_key, _("at most 64 printable characters")))
    return device_id


def _recorded_at(p: dict[str, str], errors: list[FieldProblem], *, now: datetime) -> datetime:
    """The message's time: not ahead of the clock (beyond the allowed skew), not before 2000."""
    recorded_at = now
    try:
        recorded_at = parse_timestamp(p.get("timestamp"), now=now)
    except ValueError as exc:
        errors.append(FieldProblem("timestamp", str(exc)))
    else:
        skew = timedelta(minutes=int(transit_setting("TELEMETRY_CLOCK_SKEW_MINUTES")))
        if recorded_at > now + skew:
            errors.append(FieldProblem("timestamp", _("is in the future"), "range"))
        elif recorded_at < EARLIEST:
            errors.append(FieldProblem("timestamp", _("is before the year 2000"), "range"))
    return recorded_at


def _location(p: dict[str, str], errors: list[FieldProblem]) -> tuple[float | None, float | None]:
    """Latitude and longitude, from lat and lon or from location=lat,lon."""
    if p.get("location", "").strip() and not (p.get("lat") or p.get("lon")):
        parts = p["location"].split(",")
        if len(parts) != 2:
            errors.append(FieldProblem("location", _("give location as lat,lon")))
            return None, None
        loc = {"lat": parts[0], "lon": parts[1]}
        return (
            _number(loc, "lat", errors, low=-90, high=90),
            _number(loc, "lon", errors, low=-180, high=180),
        )
    lat = _number(p, "lat", errors, low=-90, high=90)
    lon = _number(p, "lon", errors, low=-180, high=180)
    for key, value in (("lat", lat), ("lon", lon)):
        if value is None and not any(e.field == key for e in errors):
            errors.append(FieldProblem(key, _("required (or give location=lat,lon)"), "required"))
    return lat, lon


def _attributes(p: dict[str, str], errors: list[FieldProblem]) -> dict[str, str]:
    """The keys OsmAnd does not define, kept as they are (bounded in number and size)."""
    attributes = {k: v for k, v in p.items() if k not in RESERVED}
    if len(attributes) > MAX_ATTRIBUTES:
        errors.append(
            FieldProblem("attributes", _("at most %(n)d extra keys") % {"n": MAX_ATTRIBUTES})
        )
    for k, v in attributes.items():
        if len(k) > 64 or len(v) > MAX_ATTRIBUTE_LENGTH:
            errors.append(
                FieldProblem(
                    k[:64],
                    _("extra keys up to 64 characters, values up to %(n)d")
                    % {"n": MAX_ATTRIBUTE_LENGTH},
                )
            )
            break
    return attributes


NUMERIC_KEYS = frozenset(
    {"timestamp", "lat", "lon", "speed", "bearing", "batt", "altitude", "accuracy", "hdop", "ctr"}
)
JSON_NUMBER = re.compile(r"-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?")


def mqtt_payload(message: dict[str, str]) -> bytes:
    """The JSON an e-seal platform publishes on haiquan/eseal/<id>/position: numbers written
    as the very text that was signed."""
    parts = []
    for k, v in message.items():
        text = v if k in NUMERIC_KEYS and JSON_NUMBER.fullmatch(v) else json.dumps(v)
        parts.append(f"{json.dumps(k)}:{text}")
    return ("{" + ",".join(parts) + "}").encode()


def json_message(raw: bytes | str) -> Any:
    """An MQTT payload parsed with its numbers kept as the text they were written in (the
    signature covers that text)."""
    return json.loads(raw, parse_float=str, parse_int=str, parse_constant=str)


def json_params(payload: Any, *, device_id: str = "") -> dict[str, str]:
    """An MQTT message (a JSON object with the OsmAnd keys) as OsmAnd parameters. The device
    id is the topic's (or the payload's `id`; if both are given they must agree)."""
    if not isinstance(payload, dict):
        raise ValidationFailed(
            [FieldProblem("body", _("a JSON object with the OsmAnd keys is expected"))]
        )
    params: dict[str, Any] = {}
    for k, v in payload.items():
        if isinstance(v, bool):
            params[k] = "true" if v else "false"
        elif isinstance(v, list | tuple) and k == "location":
            params[k] = ",".join(str(x) for x in v)
        elif isinstance(v, dict | list | tuple):
            params[k] = str(v)[: MAX_ATTRIBUTE_LENGTH + 1]
        else:
            params[k] = v
    given = str(params.get("id") or params.get("deviceid") or "")
    if device_id and given and given != device_id:
        raise ValidationFailed(
            [
                FieldProblem(
                    "id",
                    _("the payload's id %(a)s is not the topic's %(b)s")
                    % {"a": given[:64], "b": device_id},
                )
            ]
        )
    if device_id and not given:
        params["id"] = device_id
    return {k: "" if v is None else str(v) for k, v in params.items()}


def json_position_parse(
    payload: Any, *, device_id: str = "", now: datetime | None = None
) -> PositionIn:
    """An MQTT message parsed into a position (see `json_params`)."""
    return osmand_parse(json_params(payload, device_id=device_id), now=now)
