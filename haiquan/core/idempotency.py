"""Replaying the first answer to a retried request (`Idempotency-Key`).

A client that lost the answer to a registration retries with the same key and gets the first
answer back; no second declaration is created. The record is written in the same transaction as
the work, so a failed attempt leaves no record and may be retried.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .models import IdempotencyRecord
from .problems import Conflict, invalid

MAX_KEY_LENGTH = 128


def request_fingerprint(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def run_idempotent(
    *,
    user: Any,
    key: str | None,
    scope: str,
    fingerprint: str,
    work: Callable[[], tuple[int, dict[str, Any]]],
) -> tuple[int, dict[str, Any], bool]:
    """Run `work` once per (user, scope, key). Returns (status, body, replayed)."""
    if not key:
        status, body = work()
        return status, body, False
    if len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise invalid("Idempotency-Key", _("must be at most 128 printable characters"))
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    user=user, key=key, scope=scope, request_hash=fingerprint
                )
        except IntegrityError:
            # A concurrent first attempt held the key; it has committed by now (the insert waited
            # on the unique index), so its answer is readable.
            record = IdempotencyRecord.objects.get(user=user, key=key, scope=scope)
            if record.request_hash != fingerprint:
                raise Conflict(
                    _("This Idempotency-Key was already used for a different request."),
                    code="idempotency-key-reused",
                ) from None
            return int(record.status or 200), record.response or {}, True
        status, body = work()
        record.status = status
        record.response = body
        record.save(update_fields=["status", "response"])
        return status, body, False
