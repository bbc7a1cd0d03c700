"""Telling users: a notification in the portal and, when they have an address and asked for it,
an e-mail through Django's configured backend (console by default), sent after the commit.

haiquan's own messages are given as a `Text` (a catalogue text and its values): each reader sees
the notification in the language of the page, and the e-mail comes in the recipient's language.
What people wrote (a news item's title) is given as a plain string and shown as written."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext

from haiquan.accounts.models import User

from .models import Notification


@dataclass(frozen=True)
class Text:
    """A message of the catalogues (marked with gettext_noop) and the values it takes."""

    template: str
    params: dict[str, Any] = field(default_factory=dict)

    def render(self) -> str:
        return gettext(self.template) % self.params if self.params else gettext(self.template)


def _shown(value: str | Text) -> str:
    return value.render() if isinstance(value, Text) else value


def notify(
    *,
    users: Iterable[User],
    title: str | Text,
    body: str | Text = "",
    url: str = "",
    email_users: Iterable[User] | None = None,
) -> list[Notification]:
    """A portal notification for each user (once each); an e-mail to `email_users` (default:
    the same users) that have an address. Runs inside the caller's transaction; the mail leaves
    only once it commits."""
    params = {
        **(title.params if isinstance(title, Text) else {}),
        **(body.params if isinstance(body, Text) else {}),
    }
    with translation.override(settings.LANGUAGE_CODE):
        title_text, body_text = _shown(title)[:255], _shown(body)
    unique = {u.pk: u for u in users if u is not None and u.is_active}
    rows = Notification.objects.bulk_create(
        [
            Notification(
                user=u,
                title=title_text,
                body=body_text,
                title_template=title.template if isinstance(title, Text) else "",
                body_template=body.template if isinstance(body, Text) else "",
                params=params,
                url=url,
            )
            for u in unique.values()
        ]
    )
    mail_to = unique.values() if email_users is None else email_users
    recipients = {u.email: u for u in mail_to if u is not None and u.is_active and u.email}
    if recipients:
        sender = getattr(settings, "DEFAULT_FROM_EMAIL", "haiquan@localhost")
        messages: Any = []
        for address in sorted(recipients):
            with translation.override(recipients[address].language or settings.LANGUAGE_CODE):
                subject, text = _shown(title)[:255], _shown(body)
            text += "\n\n" + url if url else ""
            messages.append((subject, text, sender, [address]))
        transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=True))
    return rows


def notification_mark_read(*, user: User, notification_id: int | None = None) -> int:
    """Mark one (or all) of the user's notifications read; how many changed."""
    from django.utils import timezone

    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())
