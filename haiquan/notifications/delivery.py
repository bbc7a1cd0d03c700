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


def _claim_email(pk: Any) -> tuple[EmailDelivery, DeliveryAttempt] | None:
    now = timezone.now()
    with transaction.atomic():
        row = (
            EmailDelivery.objects.select_for_update(skip_locked=True)
            .select_related("notification", "notification__user")
            .filter(pk=pk, state=DeliveryState.PENDING, next_attempt_at__lte=now)
            .first()
        )
        if row is None:
            return None
        row.attempts += 1
        row.next_attempt_at = now + _lease()
        row.save(update_fields=["attempts", "next_attempt_at"])
        attempt = DeliveryAttempt.objects.create(channel=Channel.EMAIL, email=row, ok=None, at=now)
    return row, attempt


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
    """Send the e-mails due; how many were accepted by the mail server."""
    now = timezone.now()
    ids = list(
        EmailDelivery.objects.filter(state=DeliveryState.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    if not ids:
        return 0
    sent = 0
    connection = None
    for pk in ids:
        claimed = _claim_email(pk)
        if claimed is None:
            continue
        row, attempt = claimed
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
        _finish(row, attempt, ok=not error, error=error, started=started)
        sent += not error
    _close(connection)
    return sent


def _close(connection: Any) -> None:
    # A connection to a server that went away may fail to close too; it is dropped either way.
    if connection is not None:
        with contextlib.suppress(Exception):
            connection.close()


def _finish(
    row: EmailDelivery | WebhookDelivery,
    attempt: DeliveryAttempt,
    *,
    ok: bool,
    error: str = "",
    status: int | None = None,
    started: float,
) -> None:
    now = timezone.now()
    attempt.ok = ok
    attempt.error = error
    attempt.status_code = status
    attempt.duration_ms = int((time.monotonic() - started) * 1000)
    attempt.save(update_fields=["ok", "error", "status_code", "duration_ms"])
    fields = ["state", "next_attempt_at", "delivered_at"]
    if ok:
        row.state = DeliveryState.DELIVERED
        row.delivered_at = now
    else:
        row.next_attempt_at = now + _backoff(row.attempts)
    if isinstance(row, EmailDelivery):
        row.last_error = error
        fields.append("last_error")
    else:
        row.last_status = status
        fields.append("last_status")
    type(row).objects.filter(pk=row.pk).update(**{f: getattr(row, f) for f in fields})


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


def _claim_webhook(pk: Any) -> tuple[WebhookDelivery, DeliveryAttempt] | None:
    now = timezone.now()
    with transaction.atomic():
        row = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint")
            .filter(
                pk=pk,
                state=DeliveryState.PENDING,
                next_attempt_at__lte=now,
                endpoint__disabled_at__isnull=True,
            )
            .first()
        )
        if row is None:
            return None
        row.attempts += 1
        row.next_attempt_at = now + _lease()
        row.save(update_fields=["attempts", "next_attempt_at"])
        attempt = DeliveryAttempt.objects.create(
            channel=Channel.WEBHOOK, webhook=row, ok=None, at=now
        )
    return row, attempt


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
    """Call the endpoints for the deliveries due; how many were accepted (a 2xx answer)."""
    delivered = 0
    for pk in _due_webhooks(limit):
        claimed = _claim_webhook(pk)
        if claimed is None:
            continue
        row, attempt = claimed
        started = time.monotonic()
        status, error = webhook_post(row.endpoint, row)
        ok = status is not None and 200 <= status < 300
        if not ok and not error:
            error = f"HTTP {status}"
        _finish(row, attempt, ok=ok, error=error, status=status, started=started)
        _endpoint_health(row.endpoint, ok=ok)
        delivered += ok
    return delivered


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
