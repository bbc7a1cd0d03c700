"""The signature banks put on every message to haiquan (and the bank simulator uses).

    X-Signature = hex(HMAC-SHA256(secret, f"{timestamp}." + raw_body))

The timestamp (unix seconds, sent as `X-Timestamp`) is inside the signed bytes, so an old
message cannot be replayed with a fresh timestamp; the body is signed byte for byte, so the
receiver must verify the raw body before parsing it.
"""

from __future__ import annotations

import hashlib
import hmac


def sign(secret: str, timestamp: str, raw_body: bytes) -> str:
    """The hex signature of `raw_body` sent at `timestamp` under the bank's `secret`."""
    message = f"{timestamp}.".encode() + raw_body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_matches(secret: str, timestamp: str, raw_body: bytes, signature: str) -> bool:
    """Compare in constant time, so a forger learns nothing from how long a refusal takes."""
    expected = sign(secret, timestamp, raw_body)
    return hmac.compare_digest(expected.encode(), signature.strip().lower().encode())


def body_hash(raw_body: bytes) -> str:
    """SHA-256 of the raw body: a replay must carry exactly the same bytes as the original."""
    return hashlib.sha256(raw_body).hexdigest()
