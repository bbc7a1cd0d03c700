"""Unsigned and replayed e-seal messages, and the known/unknown device oracle (issue 16).

- An unsigned message from a registered seal is refused (the device id is no credential).
- A signed message sent again (same counter) is refused as a replay, over HTTP, in a batch
  and over MQTT.
- A forged message from a registered seal and any message from an unknown device get the same
  refusal: same status, same body, and the same work (the same database queries, one key
  derivation and one HMAC each), so that nobody can tell which device ids exist.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from haiquan.accounts.services import user_create
from haiquan.transit.models import Position
from haiquan.transit.scenario import GATE_OPERATOR

from .eseal_world import OSMAND, api_client, device_of, on_the_road, signed, signer

pytestmark = pytest.mark.django_db


def _reading(device: str, seconds_ago: int = 30, **extra: str) -> dict[str, str]:
    ts = int((timezone.now() - timedelta(seconds=seconds_ago)).timestamp())
    return {"id": device, "timestamp": str(ts), "lat": "21.5400", "lon": "107.9600", **extra}


def test_an_unsigned_message_from_a_registered_seal_is_refused():
    keys: dict[str, str] = {}
    device = device_of(on_the_road(keys))
    resp = Client().get(OSMAND, _reading(device, alarm="door"))
    assert resp.status_code == 401, resp.content
    assert resp["Content-Type"] == "application/problem+json"
    assert not Position.objects.exists()


def test_a_replayed_message_is_refused_by_its_counter():
    keys: dict[str, str] = {}
    device = device_of(on_the_road(keys))
    message = signer(keys)(_reading(device))
    assert Client().get(OSMAND, message).status_code == 200
    replay = Client().get(OSMAND, message)
    assert replay.status_code == 409, replay.content
    assert replay.json()["type"] == "urn:haiquan:problem:replayed"
    # An older counter than the device's last, on a message never seen: refused too.
    sign = signer(keys)
    for _ in range(200):
        sign(_reading(device, seconds_ago=20))
    newest = sign(_reading(device, seconds_ago=10))
    assert Client().get(OSMAND, newest).status_code == 200
    old = signed(keys[device], _reading(device, seconds_ago=5), 2)
    assert Client().get(OSMAND, old).status_code == 409
    assert Position.objects.count() == 2


def test_a_batch_refuses_replays_and_forgeries_alike():
    keys: dict[str, str] = {}
    device = device_of(on_the_road(keys, owner_mst=GATE_OPERATOR[0]))
    platform = user_create(
        username="op.platform", password=None, role="operator", employer_mst=GATE_OPERATOR[0]
    )
    sign = signer(keys)
    first = sign(_reading(device, seconds_ago=60))
    body = {
        "positions": [
            first,
            first,  # the same message twice
            {**_reading(device, seconds_ago=50), "ctr": "900", "sig": "00" * 32},  # forged
            _reading(device, seconds_ago=40),  # unsigned
        ]
    }
    resp = api_client(platform).post(
        "/api/v1/transit/positions", data=json.dumps(body), content_type="application/json"
    )
    assert resp.status_code == 200, resp.content
    answer = resp.json()
    assert answer["stored"] == 1
    assert answer["replayed"] == [1] and answer["refused"] == [2, 3]


def _refusal(params: dict[str, str]) -> tuple[int, bytes, int]:
    with CaptureQueriesContext(connection) as queries:
        resp = Client().get(OSMAND, params)
    return resp.status_code, resp.content, len(queries)


def test_known_and_unknown_devices_get_the_same_refusal():
    keys: dict[str, str] = {}
    device = device_of(on_the_road(keys))
    other_key = "5a" * 32
    forged_known = signed(other_key, _reading(device), 7)
    unknown = signed(other_key, _reading("ES-0A1B2C3D4E5F"), 7)
    unsigned_known = _reading(device)
    unsigned_unknown = _reading("ES-0A1B2C3D4E5F")
    answers = [_refusal(p) for p in (forged_known, unknown, unsigned_known, unsigned_unknown)]
    statuses = {a[0] for a in answers}
    bodies = {a[1] for a in answers}
    work = {a[2] for a in answers}
    assert statuses == {401}, answers
    assert len(bodies) == 1, bodies  # word for word the same, no device id in it
    assert device.encode() not in answers[0][1]
    assert len(work) == 1, work  # the same queries: the same timing class
    assert not Position.objects.exists()


def test_over_mqtt_only_signed_new_messages_of_the_topic_s_own_seal_are_taken(monkeypatch):
    from haiquan.transit import mqtt
    from haiquan.transit.mqtt import TelemetrySubscriber, _Received
    from haiquan.transit.osmand import mqtt_payload

    # The subscriber's own process recycles its database connection between batches; here it
    # shares the test's, inside the test's transaction.
    monkeypatch.setattr(mqtt, "close_old_connections", lambda: None)

    keys: dict[str, str] = {}
    device = device_of(on_the_road(keys))
    other = device_of(on_the_road(keys))
    topic = "haiquan/eseal/+/position"
    subscriber = TelemetrySubscriber(url="mqtt://127.0.0.1:1", topic=topic)
    sign = signer(keys)

    def deliver(on: str, message: dict[str, str]) -> None:
        body = {k: v for k, v in message.items() if k != "id"}  # the topic names the device
        subscriber._flush([_Received(topic.replace("+", on), mqtt_payload(body))])

    good = sign(_reading(device, seconds_ago=40))
    deliver(device, good)
    deliver(device, good)  # replayed
    deliver(device, _reading(device, seconds_ago=30))  # unsigned
    deliver(other, sign(_reading(device, seconds_ago=20)))  # signed for one seal, sent as another
    stats = subscriber.stats
    assert (stats.stored, stats.replayed, stats.refused) == (1, 1, 2), stats
    assert Position.objects.get().seal.device_id == device
