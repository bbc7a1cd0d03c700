"""The notifications' settings: `HAIQUAN_NOTIFICATIONS` in the settings (or the environment
through them), read at call time. Defaults below."""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # The first retry after this many seconds, doubled at each failure up to RETRY_MAX_SECONDS.
    "RETRY_BASE_SECONDS": 10.0,
    "RETRY_MAX_SECONDS": 3600.0,
    # A worker that claimed a delivery and stopped (killed, machine lost) leaves it to another
    # after this long; longer than TIMEOUT_SECONDS.
    "LEASE_SECONDS": 60.0,
    "TIMEOUT_SECONDS": 10.0,
    # An endpoint whose every attempt failed for this long is disabled (its owner enables it again).
    "DISABLE_AFTER_DAYS": 3.0,
    # Webhook URLs to private, loopback or link-local addresses are refused unless allowed (a
    # customs network whose traders' systems are on a private range; the tests' own receiver).
    "ALLOW_PRIVATE_URLS": False,
    # Plain http:// webhook URLs (the signature still holds, the body is readable on the way).
    "ALLOW_HTTP": False,
    # How long an event id not yet visible is waited for at least (see dispatch.py).
    "GAP_GRACE_SECONDS": 2.0,
    "BATCH": 200,
    # Where links in e-mails point (the site's public address), e.g. https://haiquan.example.gov.
    "SITE_URL": "",
}


def notify_setting(key: str) -> Any:
    values: dict[str, Any] = getattr(settings, "HAIQUAN_NOTIFICATIONS", {})
    return values.get(key, DEFAULTS[key])
