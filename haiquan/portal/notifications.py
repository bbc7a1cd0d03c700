"""Telling users from the portal (inquiries, news): through the notifications, like every part
(`haiquan.notifications`): a notification in the portal, and an e-mail when they have an address
and did not turn it off, sent by the notifications worker once the transaction commits.

haiquan's own messages are given as a `Text` (a catalogue text and its values): each reader sees
the notification in the language of the page, and the e-mail comes in the recipient's language.
What people wrote (a news item's title) is given as a plain string and shown as written."""

from __future__ import annotations

from haiquan.notifications.services import Text, notification_mark_read
from haiquan.notifications.services import notification_send as notify

__all__ = ["Text", "notification_mark_read", "notify"]
