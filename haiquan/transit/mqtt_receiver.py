"""The MQTT network side of the telemetry subscriber, in a process of its own.

It only receives, acknowledges and hands messages over in bundles, so that the broker's small
window of unacknowledged messages (Mosquitto: 20 per client) is never held up by the Python
work of ingestion in the other process. Imports nothing from Django: it runs in a process
started with `spawn`.
"""

from __future__ import annotations

import contextlib
import queue
import time
import uuid
from multiprocessing.synchronize import Event
from typing import Any
from urllib.parse import unquote, urlparse

import paho.mqtt.client as mqtt

BUNDLE_SIZE = 500
BUNDLE_DELAY = 0.02  # seconds


def receive(
    url: str,
    subscription: str,
    client_id: str,
    qos: int,
    out: Any,
    ready: Event,
    stop: Event,
    connections: int = 1,
) -> None:
    """Subscribe over `connections` connections (members of one shared subscription when
    more than one: the broker's window of unacknowledged messages is per connection) and put
    lists of (topic, payload) on `out` until `stop` is set."""
    parsed = urlparse(url)
    tls = parsed.scheme in ("mqtts", "ssl")
    inbox: queue.SimpleQueue[tuple[str, bytes]] = queue.SimpleQueue()
    subscribed: list[int] = []

    def on_connect(c: mqtt.Client, userdata: Any, flags: Any, rc: Any, props: Any) -> None:
        if not rc.is_failure:
            c.subscribe(subscription, qos=qos)

    def on_subscribe(c: mqtt.Client, userdata: Any, mid: int, rcs: Any, props: Any) -> None:
        subscribed.append(mid)
        if len(subscribed) >= connections:
            ready.set()

    def on_message(c: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        inbox.put((msg.topic, msg.payload))

    clients = []
    for k in range(connections):
        name = client_id and (client_id if connections == 1 else f"{client_id}-{k}")
        client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=name or f"haiquan-{uuid.uuid4().hex[:12]}",
            # A named subscriber keeps its session: messages published while it was away wait.
            clean_session=not name,
            protocol=mqtt.MQTTv311,
        )
        if parsed.username:
            client.username_pw_set(unquote(parsed.username), unquote(parsed.password or ""))
        if tls:
            client.tls_set()
        client.on_connect = on_connect
        client.on_subscribe = on_subscribe
        client.on_message = on_message
        client.connect(parsed.hostname or "127.0.0.1", parsed.port or (8883 if tls else 1883), 30)
        client.loop_start()
        clients.append(client)
    try:
        bundle: list[tuple[str, bytes]] = []
        started = time.monotonic()
        while not stop.is_set():
            with contextlib.suppress(queue.Empty):
                bundle.append(inbox.get(timeout=BUNDLE_DELAY))
            if bundle and (
                len(bundle) >= BUNDLE_SIZE or time.monotonic() - started >= BUNDLE_DELAY
            ):
                out.put(bundle)
                bundle = []
                started = time.monotonic()
            elif not bundle:
                started = time.monotonic()
        if bundle:
            out.put(bundle)
    finally:
        for client in clients:
            client.loop_stop()
            client.disconnect()
