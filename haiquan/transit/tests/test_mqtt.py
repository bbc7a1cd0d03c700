"""MQTT ingestion end to end against the broker (Mosquitto): a platform publishes a trip with
an early opening and repeated messages, each signed by the seal; the subscriber stores each
position once, refuses the repeats as replays and raises the alert.

Skipped only when no broker answers and HAIQUAN_REQUIRE_MQTT is not "1" (CI sets it).
Only transactional tests live in this file, so that they run after the others (the flush that
ends a transactional test empties the database)."""

from __future__ import annotations

import os
import socket
import threading
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from haiquan.supervision.choices import AlertKind
from haiquan.supervision.models import Alert
from haiquan.transit.conf import transit_setting
from haiquan.transit.models import Position
from haiquan.transit.mqtt import TelemetrySubscriber, broker_address, publish_positions
from haiquan.transit.scenario import movements_create
from haiquan.transit.simulator import Faults, sign_messages, trip_messages


def broker_reachable(url: str) -> bool:
    address = broker_address(url)
    try:
        with socket.create_connection((address.host, address.port), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture
def broker(settings):  # type: ignore[no-untyped-def]
    url = str(transit_setting("MQTT_URL"))
    if not broker_reachable(url):
        if os.environ.get("HAIQUAN_REQUIRE_MQTT") == "1":
            pytest.fail(f"no MQTT broker at {url} and HAIQUAN_REQUIRE_MQTT=1")
        pytest.skip(f"no MQTT broker answers at {url} (set HAIQUAN_MQTT_URL, or start Mosquitto)")
    return url


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_positions_published_on_the_broker_are_ingested_once_with_their_alerts(
    broker, refdata_reloaded, django_user_model
):
    from haiquan.accounts.services import user_create

    leader = user_create(username="ld.qn", password=None, role="leader", office_codes=["20"])
    keys: dict[str, str] = {}
    (movement,) = movements_create(
        actor=leader, count=1, depart_at=timezone.now() - timedelta(hours=4), keys=keys
    )
    seal = movement.containers.get().seal
    trip = trip_messages(
        device_id=seal.device_id,
        route_wkt=movement.route_wkt,
        start=movement.departed_at,
        faults=Faults(early_opening=True),
        interval_s=120,
    )
    signed = sign_messages(trip.messages, keys)
    # The platform sends ten of them again: the broker delivers them; their counters were used.
    messages = signed + signed[:10]
    # A topic of this test's own, so that parallel runs do not hear each other.
    topic = f"haiquan-test-{uuid.uuid4().hex[:8]}/eseal/+/position"
    subscriber = TelemetrySubscriber(url=broker, topic=topic, batch_size=50, max_delay=0.1)

    def publish() -> None:
        subscriber.ready.wait(timeout=10)
        publish_positions(url=broker, messages=messages, topic_pattern=topic)

    publisher = threading.Thread(target=publish)
    publisher.start()
    stats = subscriber.run(max_messages=len(messages), seconds=60)
    publisher.join(timeout=30)

    assert stats.messages == len(messages)
    assert Position.objects.filter(seal=seal, channel="mqtt").count() == len(trip.messages)
    assert stats.replayed == 10 and stats.invalid == 0 and stats.refused == 0
    alerts = list(Alert.objects.filter(subject_id=movement.pk).values_list("kind", flat=True))
    assert alerts == [AlertKind.SEAL_OPENED]
