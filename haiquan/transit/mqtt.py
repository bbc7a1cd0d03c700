"""The MQTT telemetry subscriber (`haiquan telemetry-mqtt`): listens to the e-seal platform's
broker and ingests positions in batches.

Topic: `haiquan/eseal/<device id>/position` (setting MQTT_TOPIC, `+` standing for the device
id). Payload: a JSON object with the OsmAnd keys, signed as over HTTP (devicekeys.py), e.g.

    {"timestamp": 1767225600, "lat": 21.5433, "lon": 107.9647, "speed": 27.0,
     "bearing": 210, "batt": 87, "alarm": "door", "ctr": 4711, "sig": "9f2c…"}

`id` may be left out (the topic gives it, and the signature covers it); if present it must
match the topic. The broker may also bind each device to its own topic (`haiquan
mqtt-credentials` writes Mosquitto's password file and ACL).

Messages are taken at QoS 1 and acknowledged as they arrive, then buffered: a batch is
written when it holds `batch_size` messages or its first message has waited `max_delay`
seconds, whichever comes first. Acknowledging only after the commit would be safer against a
crash, but brokers let a client hold only a few unacknowledged messages (Mosquitto: 20 by
default), which would cap ingestion at a few hundred a second; what a crash can lose is the
buffer of the last `max_delay` seconds, which the platform resends from its own log (the
e-seal's log is append-only, ISO 18185) and which, resent, is stored once. With a named
`client_id` the broker keeps the session, so messages published while the subscriber is down
are delivered when it comes back.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlparse

import paho.mqtt.client as mqtt
from django.db import close_old_connections

from haiquan.core.problems import ValidationFailed

from .choices import Channel
from .conf import transit_setting
from .ingest import telemetry_receive
from .osmand import json_message, json_params, mqtt_payload

log = logging.getLogger(__name__)
BACKLOG_WARNING = 100_000


@dataclass(frozen=True)
class BrokerAddress:
    host: str
    port: int
    tls: bool
    username: str | None
    password: str | None


def broker_address(url: str) -> BrokerAddress:
    """mqtt://[user:password@]host[:port] (1883), or mqtts:// for TLS (8883)."""
    parsed = urlparse(url)
    if parsed.scheme not in ("mqtt", "mqtts", "tcp", "ssl"):
        raise ValueError(f"not an MQTT URL: {url!r} (use mqtt://host:1883 or mqtts://host:8883)")
    tls = parsed.scheme in ("mqtts", "ssl")
    return BrokerAddress(
        host=parsed.hostname or "127.0.0.1",
        port=parsed.port or (8883 if tls else 1883),
        tls=tls,
        username=unquote(parsed.username) if parsed.username else None,
        password=unquote(parsed.password) if parsed.password else None,
    )


def device_from_topic(pattern: str, topic: str) -> str:
    """The segment of `topic` where `pattern` has its `+` (the device id)."""
    p, t = pattern.split("/"), topic.split("/")
    if "+" in p and len(p) == len(t):
        return t[p.index("+")]
    return ""


def mqtt_client(
    *,
    url: str,
    client_id: str = "",
    clean_session: bool = True,
    max_inflight: int = 20,
) -> mqtt.Client:
    address = broker_address(url)
    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2,
        client_id=client_id or f"haiquan-{uuid.uuid4().hex[:12]}",
        clean_session=clean_session,
        protocol=mqtt.MQTTv311,
    )
    client.max_inflight_messages_set(max_inflight)
    if address.username:
        client.username_pw_set(address.username, address.password)
    if address.tls:
        client.tls_set()
    client.connect(address.host, address.port, keepalive=30)
    return client


@dataclass
class SubscriberStats:
    messages: int = 0
    batches: int = 0
    stored: int = 0
    duplicates: int = 0
    invalid: int = 0
    refused: int = 0
    replayed: int = 0
    conflicts: int = 0
    alerts: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass
class _Received:
    topic: str
    payload: bytes


class TelemetrySubscriber:
    """Subscribe, buffer, ingest in batches. The network side runs in a process of its own
    (`mqtt_receiver`); this process parses and ingests. `run()` blocks until `stop` is set,
    `max_messages` are processed or `seconds` have passed.

    `shared` subscribes through the broker's shared subscription `$share/<group>/<topic>`:
    several subscribers of one group split the messages between them (one per core). Each
    subscriber opens `connections` connections to the broker, members of that shared
    subscription, so that the broker's per-connection window of unacknowledged QoS 1
    messages does not cap the rate."""

    def __init__(
        self,
        *,
        url: str | None = None,
        topic: str | None = None,
        batch_size: int = 500,
        max_delay: float = 0.2,
        client_id: str = "",
        qos: int = 1,
        shared: str = "",
        connections: int = 4,
    ) -> None:
        self.url = url or str(transit_setting("MQTT_URL"))
        broker_address(self.url)  # refuse a bad URL here, not in the other process
        self.topic = topic or str(transit_setting("MQTT_TOPIC"))
        # Several connections share the messages through a shared subscription: the broker
        # lets each connection hold only a few unacknowledged messages (Mosquitto: 20).
        self.connections = max(1, connections)
        if self.connections > 1 and not shared:
            shared = "haiquan-telemetry"
        self.subscription = f"$share/{shared}/{self.topic}" if shared else self.topic
        self.batch_size = batch_size
        self.max_delay = max_delay
        self.client_id = client_id
        self.qos = qos
        context = multiprocessing.get_context("spawn")
        self.ready = context.Event()
        self._stop_receiving = context.Event()
        self._inbox: Any = context.Queue()
        self._context = context
        self.stats = SubscriberStats()

    def run(
        self,
        *,
        stop: threading.Event | None = None,
        max_messages: int | None = None,
        seconds: float | None = None,
    ) -> SubscriberStats:
        from .mqtt_receiver import receive

        stop = stop or threading.Event()
        receiver = self._context.Process(
            target=receive,
            args=(
                self.url, self.subscription, self.client_id, self.qos, self._inbox, self.ready,
                self._stop_receiving, self.connections,
            ),
            daemon=True,
        )  # fmt: skip
        receiver.start()
        deadline = time.monotonic() + seconds if seconds else None
        pending: list[_Received] = []
        first_at = 0.0
        try:
            while not stop.is_set():
                if deadline and time.monotonic() >= deadline:
                    break
                if max_messages is not None and self.stats.messages >= max_messages:
                    break
                if not receiver.is_alive():
                    raise RuntimeError("the MQTT receiver stopped (is the broker reachable?)")
                wait = self.max_delay
                if pending:
                    wait = max(0.0, first_at + self.max_delay - time.monotonic())
                try:
                    bundle = self._inbox.get(timeout=wait)
                    if not pending:
                        first_at = time.monotonic()
                    pending.extend(_Received(t, p) for t, p in bundle)
                except queue.Empty:
                    pass
                if pending and (
                    len(pending) >= self.batch_size or time.monotonic() - first_at >= self.max_delay
                ):
                    backlog = self._inbox.qsize() * 500
                    if backlog > BACKLOG_WARNING:
                        log.warning("telemetry backlog: about %d messages waiting", backlog)
                    self._flush(pending)
                    pending = []
            if pending:
                self._flush(pending)
        finally:
            self._stop_receiving.set()
            receiver.join(timeout=10)
            if receiver.is_alive():
                receiver.terminate()
        return self.stats

    def _flush(self, items: list[_Received]) -> None:
        messages: list[dict[str, str]] = []
        for item in items:
            try:
                messages.append(
                    json_params(
                        json_message(item.payload),
                        device_id=device_from_topic(self.topic, item.topic),
                    )
                )
            except (ValueError, ValidationFailed) as exc:
                self.stats.invalid += 1
                log.warning("refused MQTT message on %s: %s", item.topic, exc)
        attempt = 0
        while True:
            try:
                close_old_connections()
                result = telemetry_receive(messages=messages, channel=Channel.MQTT)
                break
            except Exception as exc:  # the database away: wait, then try the same batch again
                attempt += 1
                log.exception("telemetry batch failed (attempt %d)", attempt)
                self.stats.errors.append(str(exc))
                if attempt >= 30:
                    raise
                time.sleep(min(5.0, 0.2 * attempt))
        if result.refused:
            log.warning(
                "%d MQTT message(s) not authenticated (unsigned, forged or unknown device), "
                "refused; topics e.g. %s",
                len(result.refused),
                messages[result.refused[0]].get("id", ""),
            )
        for _i, problem in result.invalid:
            self.stats.invalid += 1
            log.warning("refused MQTT message: %s", problem)
        self.stats.messages += len(items)
        self.stats.batches += 1
        self.stats.stored += result.stored
        self.stats.duplicates += result.duplicates
        self.stats.refused += len(result.refused)
        self.stats.replayed += len(result.replayed)
        self.stats.conflicts += result.conflicts
        self.stats.alerts += len(result.alerts)


def publish_positions(
    *,
    url: str,
    messages: list[dict[str, str]],
    topic_pattern: str,
    qos: int = 1,
    rate: float | None = None,
) -> int:
    """Publish OsmAnd-keyed messages as an e-seal platform would (simulator, tests, bench)."""
    client = mqtt_client(url=url, max_inflight=1000)
    client.loop_start()
    try:
        started = time.monotonic()
        infos = []
        for k, m in enumerate(messages):
            topic = topic_pattern.replace("+", m["id"])
            infos.append(client.publish(topic, mqtt_payload(m), qos=qos))
            if rate:
                ahead = (k + 1) / rate - (time.monotonic() - started)
                if ahead > 0:
                    time.sleep(ahead)
        for info in infos:
            info.wait_for_publish(timeout=30)
    finally:
        client.loop_stop()
        client.disconnect()
    return len(messages)
