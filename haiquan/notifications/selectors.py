"""Reads of the notifications: the user's own, never anyone else's."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .models import (
    DeliveryAttempt,
    Notification,
    Subscription,
    WebhookDelivery,
    WebhookEndpoint,
)


def notifications_of(user: Any) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user)


def unread_count(user: Any) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def deliveries_of(endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    """An endpoint's delivery log, newest first, with each delivery's attempts."""
    return endpoint.deliveries.order_by("-created_at").prefetch_related("log")


def attempts_of(delivery: WebhookDelivery) -> QuerySet[DeliveryAttempt]:
    return delivery.log.order_by("at", "id")


def subscriptions_of(user: Any) -> dict[str, tuple[bool, bool]]:
    """The user's own choices by kind: (in the portal, by e-mail)."""
    return {
        kind: (portal, email)
        for kind, portal, email in Subscription.objects.filter(user=user).values_list(
            "kind", "portal", "email"
        )
    }
