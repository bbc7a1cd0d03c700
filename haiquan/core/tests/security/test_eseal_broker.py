"""Per-device MQTT credentials (issue 16): each e-seal logs in to Mosquitto as its device id
with its key, and the broker's ACL lets it publish on its own topic only — a seal (or whoever
holds its key) cannot publish positions on another seal's topic, and a wrong password does not
get in.

The test starts its own Mosquitto (/usr/sbin/mosquitto; .ci/run installs it) on a free port,
with the password file and ACL that `haiquan mqtt-credentials` writes."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from django.core.management import call_command

from .eseal_world import leader

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
TOPIC = "haiquan/eseal/+/position"

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not Path(MOSQUITTO).exists(), reason="no mosquitto (apt-get install mosquitto)"
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _seal(serial: str) -> tuple[str, str]:
    from haiquan.transit.services import eseal_key_issue, eseal_register

    seal = eseal_register(actor=leader(), manufacturer="BROKER-TEST", serial=serial)
    return seal.device_id, eseal_key_issue(actor=leader(), seal=seal)


def _client(name: str, password: str, port: int) -> tuple[mqtt.Client, list[int]]:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"t-{name}")
    client.username_pw_set(name, password)
    codes: list[int] = []
    client.on_connect = lambda c, u, f, rc, p: codes.append(rc.value)
    client.connect("127.0.0.1", port, 30)
    client.loop_start()
    return client, codes


@contextmanager
def mosquitto(tmp_path: Path) -> Iterator[int]:
    """A Mosquitto of the test's own on a free port, with the password file and ACL that
    `haiquan mqtt-credentials` writes for the seals registered now."""
    port = _free_port()
    passwords, acl = tmp_path / "haiquan.passwd", tmp_path / "haiquan.acl"
    call_command(
        "mqtt_credentials",
        password_file=passwords,
        acl_file=acl,
        url=f"mqtt://haiquan-ingest:ingest-secret@127.0.0.1:{port}",
        topic=TOPIC,
    )
    assert oct(passwords.stat().st_mode & 0o777) == "0o640"
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous false\npassword_file {passwords}\n"
        f"acl_file {acl}\npersistence false\nuser root\nlog_dest stderr\n"
    )
    proc = subprocess.Popen([MOSQUITTO, "-c", str(conf)], stderr=subprocess.DEVNULL)
    try:
        for _ in range(50):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_a_seal_publishes_on_its_own_topic_only(tmp_path: Path) -> None:
    a, key_a = _seal("A")
    b, _key_b = _seal("B")
    clients = []
    with mosquitto(tmp_path) as port:
        heard: list[tuple[str, bytes]] = []
        got = threading.Event()
        ingest, _codes = _client("haiquan-ingest", "ingest-secret", port)
        clients.append(ingest)
        ingest.on_message = lambda c, u, m: (heard.append((m.topic, m.payload)), got.set())
        ingest.subscribe(TOPIC, qos=1)
        time.sleep(0.5)
        device, codes = _client(a, key_a, port)
        clients.append(device)
        time.sleep(0.5)
        assert codes == [0], "the seal logs in with its device id and key"
        # Seal A publishes as if it were B, then on its own topic.
        device.publish(f"haiquan/eseal/{b}/position", b'{"as":"B"}', qos=1).wait_for_publish(5)
        device.publish(f"haiquan/eseal/{a}/position", b'{"as":"A"}', qos=1).wait_for_publish(5)
        assert got.wait(5)
        time.sleep(0.5)
        assert heard == [(f"haiquan/eseal/{a}/position", b'{"as":"A"}')]
        # B's name with A's key does not log in.
        intruder, refused = _client(b, key_a, port)
        clients.append(intruder)
        time.sleep(0.5)
        assert refused and refused[0] != 0, refused
        for c in clients:
            c.loop_stop()
            c.disconnect()
