"""Uploaded files scanned by ClamAV's daemon (clamd) before they are stored.

When `settings.HAIQUAN["CLAMD_URL"]` names clamd (`unix:///run/clamav/clamd.ctl` or
`tcp://127.0.0.1:3310`), every uploaded document is streamed to it with clamd's INSTREAM command
and refused when clamd finds something; when clamd cannot be reached the upload is refused too
(503: try again), never stored unscanned. Empty = no scanning (a workstation, the demo).

INSTREAM (clamd(8)): send `zINSTREAM\\0`, then chunks, each a 4-byte big-endian length and its
bytes, then a zero length; clamd answers `stream: OK`, `stream: <signature> FOUND` or
`... ERROR`, NUL-terminated. The maintained Python client (clamav-client) is GPL-2.0, which
cannot be combined with haiquan's AGPL-3.0, and the older `clamd` package is unmaintained since
2014; the protocol is these few lines.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import urlparse

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .problems import ProblemError, invalid

CHUNK = 64 * 1024
TIMEOUT_SECONDS = 30.0


class ScannerUnavailable(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            detail=str(
                _("The virus scanner cannot be reached; nothing was saved. Try again in a minute.")
            ),
            status=503,
            code="scanner-unavailable",
            title=_("Service temporarily unavailable"),
            headers={"Retry-After": "60"},
        )


@dataclass(frozen=True)
class ScanResult:
    clean: bool
    signature: str  # what clamd found ("" when clean)


def clamd_url() -> str:
    values: dict[str, Any] = getattr(settings, "HAIQUAN", {})
    return str(values.get("CLAMD_URL", "") or "")


def _connect(url: str) -> socket.socket:
    parsed = urlparse(url)
    if parsed.scheme == "unix":
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(TIMEOUT_SECONDS)
        sock.connect(parsed.path)
        return sock
    if parsed.scheme == "tcp":
        return socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or 3310), timeout=TIMEOUT_SECONDS
        )
    raise ValueError(f"HAIQUAN_CLAMD_URL must be unix:///path or tcp://host:port, not {url!r}")


def clamd_scan(fileobj: IO[bytes], *, url: str) -> ScanResult:
    """Stream `fileobj` (from its start) to clamd at `url`; OSError when clamd is unreachable
    or answers something else than a verdict."""
    fileobj.seek(0)
    with _connect(url) as sock:
        sock.sendall(b"zINSTREAM\0")
        for chunk in iter(lambda: fileobj.read(CHUNK), b""):
            sock.sendall(struct.pack("!L", len(chunk)) + chunk)
        sock.sendall(struct.pack("!L", 0))
        answer = b""
        while not answer.endswith(b"\0"):
            part = sock.recv(4096)
            if not part:
                break
            answer += part
    fileobj.seek(0)
    text = answer.rstrip(b"\0").decode("utf-8", "replace").strip()
    if text.endswith(" FOUND"):
        signature = text.removeprefix("stream:").removesuffix(" FOUND").strip()
        return ScanResult(False, signature)
    if text.endswith(" OK") or text == "stream: OK":
        return ScanResult(True, "")
    raise OSError(f"clamd answered {text!r}")


def upload_scan(fileobj: IO[bytes], *, field: str = "file") -> None:
    """Scan an upload when clamd is configured: a 422 naming `field` when something is found,
    503 when clamd cannot be asked; nothing when scanning is off or the file is clean."""
    url = clamd_url()
    if not url:
        return
    try:
        result = clamd_scan(fileobj, url=url)
    except OSError as exc:
        raise ScannerUnavailable() from exc
    if not result.clean:
        raise invalid(
            field,
            _("The virus scanner found %(signature)s in this file; it was not saved.")
            % {"signature": result.signature},
            "malware",
        )
