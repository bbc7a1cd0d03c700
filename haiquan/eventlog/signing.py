"""Signed daily roots (chữ ký số trên gốc nhật ký hằng ngày).

A daily root (eventlog.chain) makes a later rewrite of the log detectable by whoever holds a
copy of it. Signed with the customs administration's Ed25519 key, the copy also proves where
it came from: a partner (the Ministry) keeps the signed roots it is sent, and anyone with the
public key can check later that a root is the one customs published, and that the log still
hashes to it (`haiquan log-roots verify`).

What is signed is the root's export (`LogRoot.as_export()`) as canonical JSON (keys sorted, no
spaces, UTF-8) after the prefix `SIGNED_VERSION`, so that a signature over a root can never be
taken for one over anything else. The signature and the key's fingerprint (the first 16 hex
digits of the SHA-256 of the raw public key) travel beside the fields, base64.

Each night (the scheduler's `log-roots-sign`) the days whose roots are all closed are signed
into a directory, one file a day (`roots-YYYY-MM-DD.jsonl`), the file a partner is sent and
`haiquan log-roots verify` reads.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from datetime import date
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

SIGNED_VERSION = "hq-root-signature-1"
SIGNATURE_FIELDS = ("signature", "key")


def _message(root: dict[str, Any]) -> bytes:
    fields = {k: v for k, v in root.items() if k not in SIGNATURE_FIELDS}
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return f"{SIGNED_VERSION}\n{text}".encode()


def _raw(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_fingerprint(public: Ed25519PublicKey) -> str:
    return hashlib.sha256(_raw(public)).hexdigest()[:16]


def key_generate(private_path: Path, public_path: Path) -> str:
    """A new signing key: the private key (PKCS #8 PEM, readable by its owner only) and the
    public key (SubjectPublicKeyInfo PEM, to give to partners). Returns its fingerprint."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    private_path.touch(mode=0o600, exist_ok=False)
    private_path.write_bytes(pem)
    public_path.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return key_fingerprint(key.public_key())


def private_key_load(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("not an Ed25519 private key")
    return key


def public_key_load(path: Path) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(path.read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def root_sign(root: dict[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    """The root's export with its signature and the signing key's fingerprint."""
    signature = key.sign(_message(root))
    return {
        **{k: v for k, v in root.items() if k not in SIGNATURE_FIELDS},
        "signature": base64.b64encode(signature).decode(),
        "key": key_fingerprint(key.public_key()),
    }


def root_signature_valid(root: dict[str, Any], public: Ed25519PublicKey) -> bool:
    """Whether the root carries a signature by this key over exactly its fields."""
    if root.get("key") != key_fingerprint(public):
        return False
    try:
        public.verify(
            base64.b64decode(str(root.get("signature", "")), validate=True), _message(root)
        )
    except (InvalidSignature, ValueError):
        return False
    return True


def exported_root_check(root: dict[str, Any], public: Ed25519PublicKey) -> list[str]:
    """What is wrong with an exported, signed root against this log (empty: it verifies):
    `signature` (not signed by this key, or changed since), `log` (no such log), `stored`
    (this database keeps another root for that day, or none), `rows` (the log's rows in its
    range no longer hash to it: rewritten since it was published)."""
    from .chain import CHAINS, root_recompute
    from .models import LogRoot

    problems = [] if root_signature_valid(root, public) else ["signature"]
    chain = CHAINS.get(str(root.get("log")))
    if chain is None:
        return [*problems, "log"]
    stored = LogRoot.objects.filter(log=chain.log, day=str(root.get("day"))).first()
    if stored is None or stored.root != root.get("root"):
        problems.append("stored")
    again, count = root_recompute(
        chain,
        previous=str(root.get("previous_root", "")),
        first_id=int(root.get("after_id", 0)),
        last_id=int(root.get("up_to_id", 0)),
    )
    if again != root.get("root") or count != root.get("rows"):
        problems.append("rows")
    return problems


def signed_roots_file(directory: Path, day: date) -> Path:
    return directory / f"roots-{day.isoformat()}.jsonl"


def signed_roots_write(*, key: Ed25519PrivateKey, directory: Path) -> list[date]:
    """Sign each day whose roots are closed for every chained log (the event log and the
    access trail) and not yet written: one file a day in `directory`, the signed exports as
    JSON lines. A day already written is left as it is (the copy a partner may hold); a day
    with a log still to close waits for the next run. Returns the days written."""
    from .chain import CHAINS
    from .models import LogRoot

    by_day: dict[date, list[LogRoot]] = {}
    for root in LogRoot.objects.order_by("day", "log"):
        by_day.setdefault(root.day, []).append(root)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for day, roots in by_day.items():
        path = signed_roots_file(directory, day)
        if path.exists() or {r.log for r in roots} != set(CHAINS):
            continue
        text = "".join(json.dumps(root_sign(r.as_export(), key)) + "\n" for r in roots)
        partial = path.with_name(f".{path.name}.partial")
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)  # whole or not at all
        written.append(day)
    return written
