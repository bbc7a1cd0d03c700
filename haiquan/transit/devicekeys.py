"""E-seal keys and message signatures.

Every e-seal (or the platform that relays it) signs each message with a key of its own:

    sig = hex(HMAC-SHA256(key, canonical(message without `sig`)))

where the message is its OsmAnd keys as sent — the device `id`, the position's `timestamp`, a
counter `ctr` that grows by at least one with every message, and the position itself — and

    canonical = "&".join(quote(k) + "=" + quote(v) for k, v in sorted(message))

with RFC 3986 percent-encoding of everything but letters, digits and `-_.~` (so no value can
pass for another key). Over HTTP the message is the query string or form; over MQTT it is the
JSON object, its values taken as the text they were written in (`21.5433` signs as
`21.5433`, `true` as `true`), the device id from the topic when the object leaves it out.

The key itself is never stored: it is derived from the installation's DEVICE_KEY_SECRET and a
random key id kept on the seal (`HMAC-SHA256(secret, "haiquan/eseal/<device id>/<key id>")`),
so a copy of the database alone lets nobody sign. It is shown once, when it is issued, as 64
hexadecimal characters; issuing a new one (rotation) makes the old one worthless at once.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from functools import lru_cache
from urllib.parse import quote

from django.conf import settings

from .conf import transit_setting

SIGNATURE_KEY = "sig"
COUNTER_KEY = "ctr"
MAX_COUNTER = 2**62
# Counters below the highest seen by more than this are refused as replays; within it, each
# counter is accepted once (messages of one device may arrive a little out of order when
# several subscribers share the work).
REPLAY_WINDOW = 62
# A key for unknown devices: the refusal of a forged message from an unknown device costs the
# same work as one from a known device (no timing oracle).
_NO_KEY_ID = "-"


def _master() -> bytes:
    return _master_of(str(transit_setting("DEVICE_KEY_SECRET") or ""), str(settings.SECRET_KEY))


@lru_cache(maxsize=4)
def _master_of(secret: str, secret_key: str) -> bytes:
    if not secret:
        # Where no DEVICE_KEY_SECRET is set (development, tests): derived from SECRET_KEY.
        secret = hmac.new(secret_key.encode(), b"haiquan/device-keys", hashlib.sha256).hexdigest()
    return secret.encode()


@lru_cache(maxsize=65536)
def _derived(master: bytes, device_id: str, key_id: str) -> bytes:
    return hmac.new(master, f"haiquan/eseal/{device_id}/{key_id}".encode(), hashlib.sha256).digest()


def device_key(device_id: str, key_id: str) -> bytes:
    """The key of this device under this key id (32 bytes)."""
    return _derived(_master(), device_id, key_id or _NO_KEY_ID)


def new_key_id() -> str:
    return secrets.token_hex(8)


UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*")


def _encoded(text: str) -> str:
    # Most keys and values (numbers, ids) need no escaping: skip quote()'s work for them.
    return text if UNRESERVED.fullmatch(text) else quote(text, safe="-_.~")


def canonical(params: Mapping[str, str]) -> bytes:
    """The signed form of a message: its keys sorted, each key and value percent-encoded."""
    return "&".join(
        _encoded(k) + "=" + _encoded(v) for k, v in sorted(params.items()) if k != SIGNATURE_KEY
    ).encode()


def sign(key: bytes, params: Mapping[str, str]) -> str:
    """The hex signature of a message (its `sig` key, if any, left out)."""
    return hmac.new(key, canonical(params), hashlib.sha256).hexdigest()


def signed(key_hex: str, params: Mapping[str, str], counter: int) -> dict[str, str]:
    """The message with its counter and signature added, as a device sends it."""
    out = {k: str(v) for k, v in params.items() if k != SIGNATURE_KEY}
    out[COUNTER_KEY] = str(counter)
    out[SIGNATURE_KEY] = sign(bytes.fromhex(key_hex), out)
    return out


def signature_valid(key: bytes, params: Mapping[str, str]) -> bool:
    """Compare in constant time: how long a refusal takes tells a forger nothing."""
    given = str(params.get(SIGNATURE_KEY, ""))
    expected = sign(key, params)
    return hmac.compare_digest(expected.encode(), given.strip().lower().encode())


def counter_of(params: Mapping[str, str]) -> int | None:
    raw = str(params.get(COUNTER_KEY, "")).strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 19:
        return None
    value = int(raw)
    return value if 0 < value < MAX_COUNTER else None


def counter_accept(high: int, seen: int, counter: int) -> tuple[bool, int, int]:
    """The anti-replay window (as IPsec's, RFC 4303 §3.4.3): `high` is the highest counter
    accepted, bit i of `seen` says whether counter high-1-i was. Returns whether `counter` is
    new and the window after it."""
    if counter > high:
        shift = counter - high
        seen = ((seen << shift) | (1 << (shift - 1))) if shift <= REPLAY_WINDOW else 0
        return True, counter, seen & ((1 << REPLAY_WINDOW) - 1)
    if counter == high:
        return False, high, seen
    back = high - counter - 1
    if back >= REPLAY_WINDOW or seen & (1 << back):
        return False, high, seen
    return True, high, seen | (1 << back)
