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

from django.db import connection, transaction
from django.utils import timezone
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
        record_id = _record_claim(user=user, key=key, scope=scope, fingerprint=fingerprint)
        if record_id is None:
            # The key is taken. A concurrent first attempt's insert made ours wait on the unique
            # index until it committed (had it rolled back, ours would have gone in), so its
            # answer is readable now.
            record = IdempotencyRecord.objects.get(user=user, key=key, scope=scope)
            if record.request_hash != fingerprint:
                raise Conflict(
                    _("This Idempotency-Key was already used for a different request."),
                    code="idempotency-key-reused",
                )
            return int(record.status or 200), record.response or {}, True
        status, body = work()
        IdempotencyRecord.objects.filter(pk=record_id).update(status=status, response=body)
        return status, body, False


def _record_claim(*, user: Any, key: str, scope: str, fingerprint: str) -> int | None:
    """Insert the record unless (user, scope, key) exists; its id, or None when it existed.

    One statement, `INSERT ... ON CONFLICT DO NOTHING RETURNING`, rather than an insert in a
    savepoint that an IntegrityError rolls back: the same waiting on a concurrent insert of the
    key, two round trips fewer (PostgreSQL, and SQLite since 3.35).
    """
    table = connection.ops.quote_name(IdempotencyRecord._meta.db_table)
    sql = (
        f"INSERT INTO {table} (user_id, key, scope, request_hash, created_at) "  # noqa: S608
        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (user_id, scope, key) DO NOTHING RETURNING id"
    )
    created_at = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cur:
        cur.execute(sql, [user.pk, key, scope, fingerprint, created_at])
        row = cur.fetchone()
    return int(row[0]) if row else None
