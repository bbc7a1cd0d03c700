"""Webhook URLs are checked against server-side request forgery: a trader registering an
endpoint must not make haiquan call into customs' own network (the database, the metrics, a
cloud metadata service). The address is checked when the endpoint is registered and again
before each call (a name may be pointed elsewhere later)."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from .conf import notify_setting


def url_problem(url: str) -> str | None:
    """Why the URL may not be called, in words for its owner; None when it may."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return _("this is not a valid URL")
    allowed = ("https", "http") if notify_setting("ALLOW_HTTP") else ("https",)
    if parts.scheme not in allowed:
        return _("the URL must begin with https://")
    if not parts.hostname:
        return _("the URL has no host name")
    if parts.username or parts.password:
        return _("the URL must not hold a user name or password")
    try:
        infos = socket.getaddrinfo(parts.hostname, port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return _("the host name %(host)s cannot be resolved") % {"host": parts.hostname}
    if notify_setting("ALLOW_PRIVATE_URLS"):
        return None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            return _("the host %(host)s is on a private or local network address") % {
                "host": parts.hostname
            }
    return None
