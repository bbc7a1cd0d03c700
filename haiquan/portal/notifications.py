"""Telling users: a notification in the portal and, when they have an address and asked for it,
an e-mail through Django's configured backend (console by default), sent after the commit."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction

from haiquan.accounts.models import User

from .models import Notification


def notify(
    *,
    users: Iterable[User],
    title: str,
    body: str = "",
    url: str = "",
    email_users: Iterable[User] | None = None,
) -> list[Notification]:
    """A portal notification for each user (once each); an e-mail to `email_users` (default:
    the same users) that have an address. Runs inside the caller's transaction; the mail leaves
    only once it commits."""
    unique = {u.pk: u for u in users if u is not None and u.is_active}
    rows = Notification.objects.bulk_create(
        [Notification(user=u, title=title[:255], body=body, url=url) for u in unique.values()]
    )
    mail_to = unique.values() if email_users is None else email_users
    addresses = sorted({u.email for u in mail_to if u is not None and u.is_active and u.email})
    if addresses:
        text = body + ("\n\n" + url if url else "")
        sender = getattr(settings, "DEFAULT_FROM_EMAIL", "haiquan@localhost")
        messages: Any = [(title, text, sender, [a]) for a in addresses]
        transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=True))
    return rows


def notification_mark_read(*, user: User, notification_id: int | None = None) -> int:
    """Mark one (or all) of the user's notifications read; how many changed."""
    from django.utils import timezone

    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())
