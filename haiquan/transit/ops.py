"""What operators run and watch of transit (see haiquan.ops): the watch of movements in
transit, the telemetry received, and the MQTT broker the e-seals report through."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import paho.mqtt.client as mqtt
from django.db import connection
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from haiquan.ops.conf import ops_setting
from haiquan.ops.registry import collector_register, job_register, readiness_check_register

from .choices import MovementState
from .conf import transit_setting
from .ingest import transit_watch
from .models import Position, TransitMovement
from .mqtt import broker_address

log = logging.getLogger(__name__)
MQTT_CHECK_SECONDS = 2.0


def watch() -> str:
    return _("%(n)d alert(s) raised.") % {"n": len(transit_watch())}


def _positions_stored() -> int:
    """Positions stored so far. PostgreSQL counts the rows inserted into the table itself
    (statistics, no scan); SQLite numbers rows without reusing a number, so the highest
    is the count (and SQLite is never the database of a fleet's telemetry)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_stat_get_tuples_inserted(%s::regclass)", [Position._meta.db_table]
            )
            return int(cursor.fetchone()[0])
    return int(Position.objects.aggregate(top=Max("id"))["top"] or 0)


def telemetry() -> Iterator[Any]:
    positions = CounterMetricFamily(
        "haiquan_telemetry_positions",
        "E-seal positions stored, over HTTP and MQTT (rate() gives positions a second; on "
        "PostgreSQL the table's insert count, reset with its statistics).",
    )
    positions.add_metric([], _positions_stored())
    yield positions
    newest = Position.objects.order_by("-id").values_list("received_at", flat=True).first()
    if newest is not None:
        yield GaugeMetricFamily(
            "haiquan_telemetry_last_position_timestamp_seconds",
            "When the newest position was received (Unix time).",
            value=newest.timestamp(),
        )
    yield GaugeMetricFamily(
        "haiquan_transit_movements_under_way",
        "Transit movements departed and not yet arrived.",
        value=TransitMovement.objects.filter(state=MovementState.DEPARTED).count(),
    )


def mqtt_broker_check() -> str | None:
    """The broker accepts an MQTT connection (CONNECT answered by CONNACK) within 2 s."""
    address = broker_address(str(transit_setting("MQTT_URL")))
    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2,
        client_id=f"haiquan-ready-{uuid.uuid4().hex[:12]}",
        clean_session=True,
        protocol=mqtt.MQTTv311,
    )
    client.connect_timeout = MQTT_CHECK_SECONDS
    if address.username:
        client.username_pw_set(address.username, address.password)
    if address.tls:
        client.tls_set()
    try:
        client.connect(address.host, address.port, keepalive=10)
    except OSError:
        log.warning("readiness: the MQTT broker does not answer", exc_info=True)
        return "unreachable"
    try:
        deadline = time.monotonic() + MQTT_CHECK_SECONDS
        while not client.is_connected() and time.monotonic() < deadline:
            if client.loop(timeout=0.1) != mqtt.MQTT_ERR_SUCCESS:
                break
        if not client.is_connected():
            return "connection refused"
        client.disconnect()
        client.loop(timeout=0.1)  # sends the DISCONNECT: the broker logs a clean goodbye
        return None
    finally:
        sock = client.socket()
        if sock is not None:
            sock.close()


job_register(
    name="transit-watch",
    schedule="* * * * *",
    run=watch,
    freshness=timedelta(minutes=10),
    description=gettext_lazy(
        "Raise the alerts of seals in transit gone silent and movements past their deadline."
    ),
)
collector_register(telemetry)
readiness_check_register("mqtt", mqtt_broker_check, when=lambda: bool(ops_setting("READY_MQTT")))
