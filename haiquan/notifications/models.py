"""Notifications: what a user reads in the portal, and the outbox of what is sent elsewhere
(e-mails, webhook calls), each with its log of attempts.

Events of the event log become notifications in the worker (`dispatch.py`), never in the request
that wrote them: the event row is the transactional outbox (written in the transaction of its
change, or not at all), so a filing pays nothing here. Rows below are written by the worker
or, for messages given directly (`services.notification_send`), in the caller's transaction.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import Channel, DeliveryState


class Notification(models.Model):
    """A message for one user shown in the portal (the bell), and sent by e-mail when asked."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="portal_notifications",
    )
    # The notification kind of the catalogue (`catalogue.py`): an event kind, or a kind of its own.
    kind = models.CharField(_("kind"), max_length=64, blank=True)
    event_id = models.BigIntegerField(_("event"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=255)
    body = models.TextField(_("text"), blank=True)
    # A message of haiquan's own is kept as its catalogue text and values, and read in the reader's
    # language when shown (`title`/`body` keep it as written, in the installation's language).
    title_template = models.CharField(_("title (catalogue text)"), max_length=255, blank=True)
    body_template = models.CharField(_("text (catalogue text)"), max_length=255, blank=True)
    params = models.JSONField(_("values"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        # The table the portal created first: the rows stay where they are.
        db_table = "portal_notification"
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="portal_notif_user_idx")]
        constraints = [
            # An event is told to a user once, however often the worker meets it again.
            models.UniqueConstraint(
                fields=["event_id", "user"],
                condition=models.Q(event_id__isnull=False),
                name="notification_event_user_once",
            )
        ]

    def __str__(self) -> str:
        return self.shown_title

    @property
    def shown_title(self) -> str:
        """The title in the active language."""
        return _message(self.title_template, self.params) if self.title_template else self.title

    @property
    def shown_body(self) -> str:
        return _message(self.body_template, self.params) if self.body_template else self.body


def _message(template: str, params: dict[str, Any]) -> str:
    from django.utils.translation import gettext

    text = gettext(template)
    try:
        return text % params if params else text
    except (KeyError, TypeError, ValueError):
        return text


class Subscription(models.Model):
    """Whether a user (or, for all its people, an enterprise) hears of a notification kind, and
    how. The catalogue's defaults apply where no row says otherwise; a user's row wins over
    its enterprise's."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notification_subscriptions",
    )
    enterprise = models.ForeignKey(
        "refdata.Enterprise",
        verbose_name=_("enterprise"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notification_subscriptions",
    )
    kind = models.CharField(_("kind"), max_length=64)
    portal = models.BooleanField(_("in the portal"), default=True)
    email = models.BooleanField(_("by e-mail"), default=True)

    class Meta:
        verbose_name = _("notification subscription")
        verbose_name_plural = _("notification subscriptions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=True) ^ models.Q(enterprise__isnull=True),
                name="notification_subscription_user_xor_enterprise",
            ),
            models.UniqueConstraint(fields=["user", "kind"], name="notification_sub_user_once"),
            models.UniqueConstraint(
                fields=["enterprise", "kind"], name="notification_sub_enterprise_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id or self.enterprise_id} {self.kind}"


class EmailDelivery(models.Model):
    """One e-mail of one notification: rendered and sent by the worker in the recipient's
    language, tried again with back-off while the mail server does not accept it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    notification = models.OneToOneField(
        Notification,
        verbose_name=_("notification"),
        on_delete=models.CASCADE,
        related_name="email_delivery",
    )
    address = models.EmailField(_("address"))
    language = models.CharField(_("language"), max_length=8, blank=True)
    state = models.CharField(
        _("state"), max_length=12, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_error = models.CharField(_("last error"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("e-mail delivery")
        verbose_name_plural = _("e-mail deliveries")
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="email_delivery_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.address} {self.state}"


class WebhookEndpoint(models.Model):
    """A trader's or an agency's system that is told of events by HTTP POST: its URL, the secret
    the bodies are signed with, and the kinds it wants (all of its catalogue kinds if empty).

    Its owner is an enterprise, or a partner agency named by its code (the single window sits
    above the notifications and tells them which agencies a subject concerns, `subjects.py`)."""

    enterprise = models.ForeignKey(
        "refdata.Enterprise",
        verbose_name=_("enterprise"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
    )
    agency_code = models.CharField(_("partner agency"), max_length=20, blank=True, db_index=True)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=128)
    kinds = models.JSONField(_("kinds"), default=list, blank=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # Since when every attempt failed (cleared by a success); past the limit it is disabled.
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    disabled_reason = models.CharField(_("why disabled"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(enterprise__isnull=True) ^ models.Q(agency_code=""),
                name="webhook_endpoint_one_owner",
            )
        ]

    def __str__(self) -> str:
        return self.url

    def wants(self, kind: str) -> bool:
        return not self.kinds or kind in self.kinds


class WebhookDelivery(models.Model):
    """One event for one endpoint. Its id is sent with every attempt (`X-Haiquan-Delivery`) so the
    receiver can drop a repeat; deliveries of one ordering key (a declaration) go out in order."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        verbose_name=_("endpoint"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    kind = models.CharField(_("kind"), max_length=64)
    event_id = models.BigIntegerField(_("event"), null=True, blank=True)
    ordering_key = models.CharField(_("ordering key"), max_length=64)
    body = models.TextField(_("body"))
    state = models.CharField(
        _("state"), max_length=12, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    last_status = models.PositiveIntegerField(_("last response code"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["created_at", "event_id"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="webhook_delivery_due_idx"),
            models.Index(
                fields=["endpoint", "ordering_key", "created_at"], name="webhook_delivery_key_idx"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event_id"],
                condition=models.Q(event_id__isnull=False),
                name="webhook_delivery_event_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.endpoint_id} {self.kind} {self.state}"


class DeliveryAttempt(models.Model):
    """The delivery log: every attempt of an e-mail or a webhook call, with what came back."""

    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    webhook = models.ForeignKey(
        WebhookDelivery,
        verbose_name=_("webhook delivery"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="log",
    )
    email = models.ForeignKey(
        EmailDelivery,
        verbose_name=_("e-mail delivery"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="log",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    # None while under way, and for ever if the worker stopped during it: the message may or may
    # not have arrived (at least once: it is sent again).
    ok = models.BooleanField(_("delivered"), null=True)
    status_code = models.PositiveIntegerField(_("response code"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=255, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.channel} {self.at:%Y-%m-%d %H:%M:%S} {self.status_code or self.error}"


class DispatchCursor(models.Model):
    """How far the worker has turned events into notifications: every event up to `position` is
    done. One row. An id above it not yet visible (a transaction still open, or rolled back) is
    waited for (`gap_*`) until no transaction that could still write it is running."""

    name = models.CharField(max_length=32, unique=True)
    position = models.BigIntegerField(default=0)
    gap_id = models.BigIntegerField(null=True, blank=True)
    gap_seen_at = models.DateTimeField(null=True, blank=True)
    # The transactions of this database (pid, xid) running when the gap was first seen.
    gap_waiting = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("dispatch cursor")
        verbose_name_plural = _("dispatch cursors")

    def __str__(self) -> str:
        return f"{self.name}@{self.position}"
