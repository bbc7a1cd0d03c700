"""Sending what the outbox holds: e-mails through Django's mail backend (SMTP in production),
webhook calls by HTTP POST, each signed. At least once: a delivery is claimed for a lease,
its attempt logged before it is made (so a worker killed during a call leaves an attempt whose
outcome is unknown, never none), sent, and marked; a failure is tried again with exponential
back-off. A webhook's deliveries of one ordering key (a declaration) go out one after the
other: a later one waits while an earlier one is not yet delivered.

The signature (see README, "Webhooks"): `X-Haiquan-Signature: v1=<hex>` where hex is
HMAC-SHA256(secret, "<X-Haiquan-Timestamp>.<body>"), the timestamp in Unix seconds at sending.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import time
import urllib.error
import urllib.request
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .choices import Channel, DeliveryState
from .conf import notify_setting
from .models import DeliveryAttempt, EmailDelivery, WebhookDelivery, WebhookEndpoint
from .services import retry_delay
from .urlcheck import url_problem

USER_AGENT = "haiquan-webhooks/1"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def _lease() -> timedelta:
    return timedelta(seconds=float(notify_setting("LEASE_SECONDS")))


def _backoff(attempts: int) -> timedelta:
    return retry_delay(
        attempts,
        float(notify_setting("RETRY_BASE_SECONDS")),
        float(notify_setting("RETRY_MAX_SECONDS")),
    )


# --- e-mail -------------------------------------------------------------------------------------


def _claim(model: Any, ids: list[Any], channel: str) -> list[tuple[Any, DeliveryAttempt]]:
    """Claim the rows still due for a lease, and log an attempt for each (its outcome unknown
    until written): one transaction for the whole batch. Rows another worker holds are skipped."""
    now = timezone.now()
    with transaction.atomic():
        qs = model.objects.select_for_update(skip_locked=True, of=("self",)).filter(
            pk__in=ids, state=DeliveryState.PENDING, next_attempt_at__lte=now
        )
        if model is WebhookDelivery:
            qs = qs.select_related("endpoint").filter(endpoint__disabled_at__isnull=True)
        else:
            qs = qs.select_related("notification", "notification__user")
        rows = sorted(qs, key=lambda r: ids.index(r.pk))
        if not rows:
            return []
        for row in rows:
            row.attempts += 1
            row.next_attempt_at = now + _lease()
        model.objects.bulk_update(rows, ["attempts", "next_attempt_at"])
        field = "webhook" if model is WebhookDelivery else "email"
        attempts = DeliveryAttempt.objects.bulk_create(
            [DeliveryAttempt(channel=channel, ok=None, at=now, **{field: row}) for row in rows]
        )
    return list(zip(rows, attempts, strict=True))


def email_message(row: EmailDelivery) -> EmailMultiAlternatives:
    """The e-mail of a notification, in the recipient's language."""
    note = row.notification
    site = str(notify_setting("SITE_URL")).rstrip("/")
    with translation.override(row.language or settings.LANGUAGE_CODE):
        context = {
            "user": note.user,
            "title": note.shown_title,
            "body": note.shown_body,
            "link": f"{site}{note.url}" if note.url else "",
        }
        subject = " ".join(render_to_string("notifications/email/subject.txt", context).split())[
            :200
        ]
        text = render_to_string("notifications/email/body.txt", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=getattr(settings, "DEFAULT_FROM_EMAIL", "haiquan@localhost"),
        to=[row.address],
        headers={
            # The receiving side (and the tests) can tell a repeat by it.
            "Message-ID": f"<{row.pk}@haiquan>",
            "Content-Language": row.language or settings.LANGUAGE_CODE,
            "Auto-Submitted": "auto-generated",
        },
    )
    return message


def emails_send_due(*, limit: int = 100) -> int:
    """Send the e-mails due, over one connection to the mail server; how many it accepted."""
    now = timezone.now()
    ids = list(
        EmailDelivery.objects.filter(state=DeliveryState.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    claimed = _claim(EmailDelivery, ids, Channel.EMAIL) if ids else []
    if not claimed:
        return 0
    results: list[tuple[Any, DeliveryAttempt, bool, str, int | None, float]] = []
    connection = None
    for row, attempt in claimed:
        started = time.monotonic()
        error = ""
        try:
            if connection is None:
                connection = get_connection(fail_silently=False)
                connection.open()
            connection.send_messages([email_message(row)])
        except Exception as exc:  # the server refused or is gone: try again later
            error = f"{type(exc).__name__}: {exc}"[:255]
            _close(connection)
            connection = None
        results.append((row, attempt, not error, error, None, started))
    _close(connection)
    _finish_all(results)
    return sum(1 for r in results if r[2])


def _close(connection: Any) -> None:
    # A connection to a server that went away may fail to close too; it is dropped either way.
    if connection is not None:
        with contextlib.suppress(Exception):
            connection.close()


def _finish_all(results: list[tuple[Any, DeliveryAttempt, bool, str, int | None, float]]) -> None:
    """Write what each attempt came to, in one transaction."""
    now = timezone.now()
    with transaction.atomic():
        for row, attempt, ok, error, status, started in results:
            attempt.ok = ok
            attempt.error = error
            attempt.status_code = status
            attempt.duration_ms = int((time.monotonic() - started) * 1000)
            if ok:
                row.state = DeliveryState.DELIVERED
                row.delivered_at = now
            else:
                row.next_attempt_at = now + _backoff(row.attempts)
            if isinstance(row, EmailDelivery):
                row.last_error = error
            else:
                row.last_status = status
        attempts = [r[1] for r in results]
        DeliveryAttempt.objects.bulk_update(attempts, ["ok", "error", "status_code", "duration_ms"])
        rows = [r[0] for r in results]
        fields = ["state", "next_attempt_at", "delivered_at"]
        fields.append("last_error" if isinstance(rows[0], EmailDelivery) else "last_status")
        type(rows[0]).objects.bulk_update(rows, fields)


# --- webhooks -----------------------------------------------------------------------------------


def _due_webhooks(limit: int) -> list[Any]:
    now = timezone.now()
    earlier = WebhookDelivery.objects.filter(
        endpoint_id=OuterRef("endpoint_id"),
        ordering_key=OuterRef("ordering_key"),
        state=DeliveryState.PENDING,
    ).filter(
        Q(created_at__lt=OuterRef("created_at"))
        | Q(created_at=OuterRef("created_at"), event_id__lt=OuterRef("event_id"))
    )
    return list(
        WebhookDelivery.objects.filter(
            state=DeliveryState.PENDING,
            next_attempt_at__lte=now,
            endpoint__disabled_at__isnull=True,
        )
        .exclude(Exists(earlier))
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect could lead the call to an address the URL check refused.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def webhook_post(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> tuple[int | None, str]:
    """POST the delivery's body, signed; (response code, error)."""
    problem = url_problem(endpoint.url)
    if problem:
        return None, problem[:255]
    body = delivery.body.encode()
    timestamp = int(time.time())
    # url_problem above admits only https (and http where allowed): no file: or other schemes.
    request = urllib.request.Request(  # noqa: S310
        endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "X-Haiquan-Delivery": str(delivery.pk),
            "X-Haiquan-Event": delivery.kind,
            "X-Haiquan-Timestamp": str(timestamp),
            "X-Haiquan-Signature": sign(endpoint.secret, timestamp, body),
        },
    )
    try:
        with _opener.open(request, timeout=float(notify_setting("TIMEOUT_SECONDS"))) as response:
            response.read(1024)
            return int(response.status), ""
    except urllib.error.HTTPError as exc:
        return int(exc.code), ""
    except (OSError, ValueError) as exc:
        return None, f"{type(exc).__name__}: {exc}"[:255]


def webhooks_send_due(*, limit: int = 100) -> int:
    """Call the endpoints for the deliveries due; how many were accepted (a 2xx answer). Only
    the first undelivered delivery of each ordering key is due, so a key's go out in order."""
    claimed = _claim(WebhookDelivery, _due_webhooks(limit), Channel.WEBHOOK)
    if not claimed:
        return 0
    results: list[tuple[Any, DeliveryAttempt, bool, str, int | None, float]] = []
    health: dict[int, tuple[WebhookEndpoint, bool]] = {}
    for row, attempt in claimed:
        started = time.monotonic()
        status, error = webhook_post(row.endpoint, row)
        ok = status is not None and 200 <= status < 300
        if not ok:
            error = error or f"HTTP {status}"
        results.append((row, attempt, ok, error, status, started))
        previous = health.get(row.endpoint_id)
        health[row.endpoint_id] = (row.endpoint, ok or (previous is not None and previous[1]))
    _finish_all(results)
    for endpoint, ok in health.values():
        _endpoint_health(endpoint, ok=ok)
    return sum(1 for r in results if r[2])


def _endpoint_health(endpoint: WebhookEndpoint, *, ok: bool) -> None:
    """A success clears the failing streak; failing for DISABLE_AFTER_DAYS disables it."""
    now = timezone.now()
    qs = WebhookEndpoint.objects.filter(pk=endpoint.pk)
    if ok:
        if endpoint.failing_since is not None:
            qs.update(failing_since=None)
        return
    if endpoint.failing_since is None:
        qs.filter(failing_since__isnull=True).update(failing_since=now)
        return
    limit = timedelta(days=float(notify_setting("DISABLE_AFTER_DAYS")))
    if now - endpoint.failing_since >= limit:
        qs.filter(disabled_at__isnull=True).update(disabled_at=now)


# --- the worker ---------------------------------------------------------------------------------


def work_once() -> tuple[int, int, int]:
    """One round: events to notifications, then the e-mails and webhook calls due."""
    from .dispatch import dispatch_once

    events = dispatch_once()
    return events, emails_send_due(), webhooks_send_due()
