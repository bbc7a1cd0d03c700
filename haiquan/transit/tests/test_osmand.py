"""The OsmAnd parser: what Traccar clients send, and everything else (hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haiquan.core.problems import ValidationFailed
from haiquan.transit.mqtt import broker_address, device_from_topic
from haiquan.transit.osmand import RESERVED, json_position_parse, osmand_parse

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
finite = {"allow_nan": False, "allow_infinity": False}
instants = st.datetimes(
    min_value=datetime(2001, 1, 1), max_value=datetime(2026, 2, 28), timezones=st.just(UTC)
).map(lambda d: d.replace(microsecond=0))


@settings(max_examples=300, deadline=None)
@given(
    lat=st.floats(-90, 90, **finite),
    lon=st.floats(-180, 180, **finite),
    speed=st.floats(0, 1000, **finite),
    bearing=st.floats(0, 360, **finite),
    batt=st.floats(0, 100, **finite),
    at=instants,
)
def test_valid_reports_come_back_as_sent(lat, lon, speed, bearing, batt, at):  # type: ignore[no-untyped-def]
    p = osmand_parse(
        {
            "id": "HQ-1",
            "timestamp": str(int(at.timestamp())),
            "lat": repr(lat),
            "lon": repr(lon),
            "speed": repr(speed),
            "bearing": repr(bearing),
            "batt": repr(batt),
        },
        now=NOW,
    )
    assert (p.latitude, p.longitude, p.speed_kn, p.bearing, p.battery_pct) == (
        lat, lon, speed, bearing, batt,
    )  # fmt: skip
    assert p.recorded_at == at and p.valid and p.alarm == "" and p.attributes == {}


@settings(max_examples=200, deadline=None)
@given(at=instants, offset_hours=st.integers(-12, 14))
def test_the_same_instant_in_every_timestamp_format(at, offset_hours):  # type: ignore[no-untyped-def]
    zone = timezone(timedelta(hours=offset_hours))
    forms = [
        str(int(at.timestamp())),
        str(int(at.timestamp()) * 1000),
        at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        at.astimezone(zone).isoformat(),
        at.strftime("%Y-%m-%d %H:%M:%S"),  # no offset: UTC, as Traccar reads it
    ]
    for form in forms:
        p = osmand_parse({"id": "HQ-1", "timestamp": form, "lat": "21", "lon": "107"}, now=NOW)
        assert p.recorded_at == at, form


keys = st.sampled_from([*sorted(RESERVED), "driverUniqueId", "charge", "ignition"])


@settings(max_examples=500, deadline=None)
@given(st.dictionaries(keys, st.text(max_size=30), max_size=10))
def test_anything_is_a_position_or_problems_naming_the_keys(params):  # type: ignore[no-untyped-def]
    try:
        p = osmand_parse(params, now=NOW)
    except ValidationFailed as exc:
        assert exc.errors
        for e in exc.errors:
            assert e.field in params or e.field in ("id", "lat", "lon", "attributes", "location")
    else:
        assert -90 <= p.latitude <= 90 and -180 <= p.longitude <= 180
        assert p.device_id and p.recorded_at <= NOW + timedelta(minutes=10)


@settings(max_examples=200, deadline=None)
@given(lat=st.floats(allow_nan=True, allow_infinity=True).filter(lambda v: not -90 <= v <= 90))
def test_a_latitude_off_the_earth_is_named(lat):  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed) as exc:
        osmand_parse({"id": "HQ-1", "lat": repr(lat), "lon": "107"}, now=NOW)
    assert [e.field for e in exc.value.errors] == ["lat"]


class TestExamples:
    def test_location_extra_keys_and_flags(self):
        p = osmand_parse(
            {"deviceid": "HQ-9", "location": "21.5,107.9", "valid": "false", "alarm": "door",
             "driverUniqueId": "D42", "battery": "55"},
            now=NOW,
        )  # fmt: skip
        assert (p.device_id, p.latitude, p.longitude) == ("HQ-9", 21.5, 107.9)
        assert not p.valid and p.alarm == "door" and p.battery_pct == 55
        assert p.attributes == {"driverUniqueId": "D42"} and p.recorded_at == NOW

    def test_each_problem_is_named(self):
        with pytest.raises(ValidationFailed) as exc:
            osmand_parse(
                {"timestamp": "tomorrow", "lat": "21", "speed": "-3", "valid": "perhaps"}, now=NOW
            )
        assert {e.field for e in exc.value.errors} == {
            "id", "timestamp", "lon", "speed", "valid",
        }  # fmt: skip

    def test_a_clock_running_ahead_is_refused(self):
        ahead = int((NOW + timedelta(minutes=30)).timestamp())
        with pytest.raises(ValidationFailed) as exc:
            osmand_parse({"id": "HQ-1", "timestamp": str(ahead), "lat": "1", "lon": "1"}, now=NOW)
        assert exc.value.errors[0].field == "timestamp"

    def test_json_over_mqtt_takes_the_id_from_the_topic(self):
        p = json_position_parse(
            {"timestamp": 1767225600, "lat": 21.5, "lon": 107.9, "sealed": False},
            device_id="HQ-3",
            now=NOW,
        )
        assert p.device_id == "HQ-3" and p.attributes == {"sealed": "false"}
        with pytest.raises(ValidationFailed):
            json_position_parse({"id": "HQ-4", "lat": 1, "lon": 1}, device_id="HQ-3", now=NOW)
        with pytest.raises(ValidationFailed):
            json_position_parse([1, 2], device_id="HQ-3", now=NOW)


def test_mqtt_topics_give_the_device_id_and_urls_the_broker():
    assert device_from_topic("haiquan/eseal/+/position", "haiquan/eseal/HQ-7/position") == "HQ-7"
    assert device_from_topic("haiquan/eseal/+/position", "haiquan/other") == ""
    address = broker_address("mqtts://u:p%40ss@broker.example:8884")
    assert (address.host, address.port, address.tls, address.password) == (
        "broker.example", 8884, True, "p@ss",
    )  # fmt: skip
    assert broker_address("mqtt://127.0.0.1").port == 1883
    with pytest.raises(ValueError):
        broker_address("http://127.0.0.1:1883")
