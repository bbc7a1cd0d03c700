"""Real servers the tests start: an HTTP receiver of webhooks (a trader's system, which
verifies the signature and acts once per delivery id) and an SMTP server (aiosmtpd)."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from email import message_from_bytes
from email.header import decode_header, make_header
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

TOLERANCE = 300  # seconds: the receiver refuses a timestamp further than this from its clock


def verify(secret: str, headers: Any, body: bytes, now: float | None = None) -> bool:
    """The README's verification recipe, as a receiver writes it (not haiquan's code)."""
    timestamp = headers.get("X-Haiquan-Timestamp", "")
    signature = headers.get("X-Haiquan-Signature", "")
    if not timestamp.isdigit() or abs((now or time.time()) - int(timestamp)) > TOLERANCE:
        return False
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return hmac.compare_digest("v1=" + expected.hexdigest(), signature)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Receiver:
    """A trader's system: records every request; applies each delivery once (by its id)."""

    secret: str = ""
    port: int = 0
    # Answers to give, in turn, before answering 200 (e.g. [500, 500]); per ordering key too.
    fail_first: list[int] = field(default_factory=list)
    fail_for_subject: dict[str, list[int]] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait after applying, before answering (a slow receiver)
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    applied: list[dict[str, Any]] = field(default_factory=list)  # the side effects, once each
    seen: set[str] = field(default_factory=set)
    bad_signatures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/haiquan"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = dict(self.headers.items())
                with receiver.lock:
                    receiver.requests.append((headers, body))
                    if receiver.secret and not verify(receiver.secret, self.headers, body):
                        receiver.bad_signatures += 1
                        status = 401
                    elif receiver.fail_first:
                        status = receiver.fail_first.pop(0)
                    else:
                        doc = json.loads(body)
                        key = f"{doc['subject']['type']}:{doc['subject']['id']}"
                        queue = receiver.fail_for_subject.get(key)
                        if queue:
                            status = queue.pop(0)
                        else:
                            status = 200
                            delivery = headers["X-Haiquan-Delivery"]
                            if delivery not in receiver.seen:  # a repeat changes nothing
                                receiver.seen.add(delivery)
                                doc["_arrived"] = time.time()
                                receiver.applied.append(doc)
                if receiver.delay and status == 200:
                    time.sleep(receiver.delay)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.port = self.port or free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def deliveries(self) -> Counter[str]:
        return Counter(h["X-Haiquan-Delivery"] for h, _b in self.requests)


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.messages.append(message_from_bytes(envelope.original_content or envelope.content))
        return "250 Message accepted for delivery"


class MailServer:
    """An SMTP server on 127.0.0.1 (aiosmtpd), which can be stopped and started again."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.inbox = _Inbox()
        self.controller: Controller | None = None

    def start(self) -> MailServer:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self) -> list[Message]:
        with self.inbox.lock:
            return list(self.inbox.messages)


def subject_of(message: Message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def text_of(message: Message) -> str:
    part = message.get_payload(decode=True) if not message.is_multipart() else None
    if part is None:
        part = message.get_payload(0).get_payload(decode=True)
    return bytes(part).decode(message.get_content_charset() or "utf-8")
