"""A load generator for MQTT that is not itself the limit (issue 18): QoS 1 PUBLISH packets encoded
before the clock starts and written to the broker's socket in large writes, with the broker's
PUBACKs read back and a window of messages in flight, from one or more processes.

One paho client publishes about 4,000 messages a second on a core of this machine (its Python
per message), which is below the ingest rate to be measured; here the per-message work is done
beforehand, so what limits the figure is the broker and haiquan's subscribers. Every message is
still a QoS 1 publish the broker acknowledges, on the same topics with the same payloads.
MQTT 3.1.1 over TCP only (no TLS): a bench on the broker's machine.
"""

from __future__ import annotations

import multiprocessing
import socket
import struct
import time
import uuid
from typing import Any

WINDOW = 10_000  # QoS 1 messages in flight (unacknowledged) per connection
CHUNK = 500  # messages per socket write


def _remaining_length(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _string(s: str | bytes) -> bytes:
    b = s.encode() if isinstance(s, str) else s
    return struct.pack("!H", len(b)) + b


def connect_packet(client_id: str, username: str | None, password: str | None) -> bytes:
    flags = 0x02  # clean session
    payload = _string(client_id)
    if username:
        flags |= 0x80
        payload += _string(username)
        if password:
            flags |= 0x40
            payload += _string(password)
    body = _string("MQTT") + bytes([4, flags]) + struct.pack("!H", 60) + payload
    return b"\x10" + _remaining_length(len(body)) + body


def publish_packet(topic: str, payload: bytes, packet_id: int) -> bytes:
    body = _string(topic) + struct.pack("!H", packet_id) + payload
    return b"\x32" + _remaining_length(len(body)) + body  # PUBLISH, QoS 1


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        part = sock.recv(n - len(data))
        if not part:
            raise ConnectionError("the broker closed the connection")
        data += part
    return data


def publish_all(
    host: str,
    port: int,
    messages: list[tuple[str, bytes]],
    username: str | None = None,
    password: str | None = None,
    progress: Any = None,
) -> float:
    """Publish `messages` at QoS 1 on one connection; returns the seconds from the first write
    to the last PUBACK (the packets are encoded before the clock starts)."""
    packets = [
        publish_packet(topic, payload, i % 65535 + 1) for i, (topic, payload) in enumerate(messages)
    ]
    chunks = [b"".join(packets[i : i + CHUNK]) for i in range(0, len(packets), CHUNK)]
    sock = socket.create_connection((host, port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.sendall(connect_packet(f"hq-flood-{uuid.uuid4().hex[:10]}", username, password))
    connack = _recv_exact(sock, 4)
    if connack[0] != 0x20 or connack[3] != 0:
        raise ConnectionError(f"the broker refused the connection: {connack!r}")
    total, sent, acked, pending = len(packets), 0, 0, b""
    start = time.perf_counter()
    for chunk in chunks:
        n = min(CHUNK, total - sent)
        while sent + n - acked > WINDOW:
            data = pending + sock.recv(65536)
            if len(data) == len(pending):
                raise ConnectionError("the broker closed the connection")
            whole = len(data) // 4 * 4
            acked += whole // 4  # PUBACK: 0x40 0x02 and the packet id, 4 bytes each
            pending = data[whole:]
        sock.sendall(chunk)
        sent += n
        if progress is not None:
            progress.value = sent
    while acked < total:
        data = pending + sock.recv(65536)
        if len(data) == len(pending):
            raise ConnectionError("the broker closed the connection")
        whole = len(data) // 4 * 4
        acked += whole // 4
        pending = data[whole:]
    elapsed = time.perf_counter() - start
    sock.sendall(b"\xe0\x00")  # DISCONNECT
    sock.close()
    return elapsed


def _worker(
    args: tuple[str, int, list[tuple[str, bytes]], str | None, str | None, Any, Any],
) -> None:
    host, port, messages, username, password, out, progress = args
    out.put(publish_all(host, port, messages, username, password, progress))


class Flood:
    """`messages` split between `processes` publishers (round robin, so each seal's positions
    keep their order within one connection), started together; `wait()` answers when all are
    acknowledged."""

    def __init__(
        self,
        address: Any,
        messages: list[tuple[str, bytes]],
        processes: int,
    ) -> None:
        if address.tls:
            raise ValueError("the flood publisher speaks MQTT over plain TCP only")
        ctx = multiprocessing.get_context("fork")
        self.out = ctx.Queue()
        by_seal: dict[str, int] = {}
        shares: list[list[tuple[str, bytes]]] = [[] for _ in range(processes)]
        for topic, payload in messages:
            k = by_seal.setdefault(topic, len(by_seal) % processes)
            shares[k].append((topic, payload))
        shares = [share for share in shares if share]
        self.count = len(messages)
        self.progress = [ctx.Value("q", 0) for _ in shares]
        self.procs = [
            ctx.Process(
                target=_worker,
                args=(
                    (
                        address.host,
                        address.port,
                        share,
                        address.username,
                        address.password,
                        self.out,
                        progress,
                    ),
                ),
                daemon=True,
            )
            for share, progress in zip(shares, self.progress, strict=True)
        ]

    def start(self) -> None:
        for p in self.procs:
            p.start()

    def wait(self) -> float:
        """The longest publisher's seconds from its first write to its last acknowledgement."""
        times = [self.out.get(timeout=600) for _ in self.procs]
        for p in self.procs:
            p.join(timeout=60)
        return max(times)

    def written(self) -> int:
        """Messages written to the broker so far, all publishers together."""
        return sum(int(v.value) for v in self.progress)

    def running(self) -> bool:
        return any(p.is_alive() for p in self.procs)
