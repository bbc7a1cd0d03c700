"""Per-device MQTT credentials for Mosquitto: each e-seal logs in to the broker as its device
id with its key as password, and the broker's ACL lets it publish on its own topic only; the
telemetry subscriber reads every seal's topic and publishes nothing.

`haiquan mqtt-credentials --password-file … --acl-file …` writes both files from the seals'
current keys (run it again after issuing or rotating keys, then send Mosquitto a SIGHUP to
reload them). Mosquitto's configuration then needs:

    allow_anonymous false
    password_file /etc/mosquitto/haiquan.passwd
    acl_file /etc/mosquitto/haiquan.acl

The password file holds PBKDF2-SHA512 hashes in Mosquitto's `$7$` format (as
`mosquitto_passwd` writes them), never a key itself.
"""

from __future__ import annotations

import base64
import hashlib
import os

from .devicekeys import device_key
from .models import ESeal

PBKDF2_ITERATIONS = 101  # mosquitto_passwd's default
UNSAFE_IN_USERNAME = set("/+#")


def password_hash(password: str, *, iterations: int = PBKDF2_ITERATIONS, salt: bytes = b"") -> str:
    """`$7$<iterations>$<salt>$<hash>`: PBKDF2-SHA512 of the password, 12-byte salt, 64-byte
    hash, both base64 (Mosquitto 2's password file format)."""
    salt = salt or os.urandom(12)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations, dklen=64)
    return f"$7${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def device_password(seal: ESeal) -> str:
    """A seal's broker password: its signing key in hexadecimal (what the device holds)."""
    return device_key(seal.device_id, seal.key_id).hex()


def mosquitto_files(
    *, subscriber_user: str, subscriber_password: str, topic: str
) -> tuple[str, str, list[str]]:
    """(password file, ACL file, device ids left out) for every seal with a key. `topic` is
    the subscriber's pattern (`haiquan/eseal/+/position`): a device may write it with its
    own id in place of `+` (`%u`), the subscriber may read it."""
    if "+" not in topic:
        raise ValueError(f"the topic {topic!r} has no + for the device id")
    lines = [f"{subscriber_user}:{password_hash(subscriber_password)}"]
    skipped = []
    for seal in ESeal.objects.exclude(key_id="").order_by("device_id"):
        name = seal.device_id
        if UNSAFE_IN_USERNAME & set(name) or ":" in name or not name.isprintable():
            skipped.append(name)  # Mosquitto refuses %u patterns for such names
            continue
        lines.append(f"{name}:{password_hash(device_password(seal))}")
    acl = "\n".join(
        [
            "# haiquan: written by `haiquan mqtt-credentials`; do not edit by hand.",
            "# The telemetry subscriber reads every e-seal's topic.",
            f"user {subscriber_user}",
            f"topic read {topic}",
            "",
            "# Each e-seal (logged in as its device id) publishes on its own topic only.",
            f"pattern write {topic.replace('+', '%u')}",
            "",
        ]
    )
    return "\n".join(lines) + "\n", acl, skipped
