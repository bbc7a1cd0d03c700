"""The client's real address, behind the TLS proxies an installation runs.

A request's TCP peer (`REMOTE_ADDR`) is the proxy when haiquan runs behind one; the proxy says
who its client was in `X-Forwarded-For`. Anyone can send that header, so it is believed only
when the peer is one of the installation's own proxies (`settings.HAIQUAN["TRUSTED_PROXIES"]`,
a list of CIDRs; empty = trust nobody, the header is ignored). The list is then read from the
right, each trusted proxy adding the address it received the request from: the first address
that is not a trusted proxy is the client. Entries further left were written by the client
itself and are never believed.

`ClientAddressMiddleware` (first in MIDDLEWARE) does this once per request and puts the answer
in `REMOTE_ADDR`, so that everything downstream — django-axes, the log-in limits, the rate
limits, the access trail (`haiquan.audit`) — sees the client, not the proxy; the peer is kept
in `request.META["HAIQUAN_PEER_ADDR"]`.

(django-ipware, which django-axes can use, matches trusted proxies by text prefix and reads the
header without looking at the TCP peer, so a client could name itself; hence these few lines
on the standard library's `ipaddress`.)
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
PEER_KEY = "HAIQUAN_PEER_ADDR"


@lru_cache(maxsize=8)
def _networks(cidrs: tuple[str, ...]) -> tuple[Network, ...]:
    out = []
    for cidr in cidrs:
        try:
            out.append(ipaddress.ip_network(cidr.strip(), strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"HAIQUAN_TRUSTED_PROXIES: {cidr!r} is not an address or a CIDR ({exc})"
            ) from exc
    return tuple(out)


def trusted_proxies() -> tuple[Network, ...]:
    """The installation's proxies, from settings.HAIQUAN["TRUSTED_PROXIES"] (read at call time)."""
    values: dict[str, Any] = getattr(settings, "HAIQUAN", {})
    raw = values.get("TRUSTED_PROXIES") or ()
    if isinstance(raw, str):
        raw = raw.split(",")
    return _networks(tuple(c.strip() for c in raw if c and c.strip()))


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "203.0.113.5:51234"
        text = text.split(":", 1)[0]
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    return addr


def client_address(peer: str, forwarded_for: str, proxies: Iterable[Network]) -> str:
    """The client's address given the TCP `peer`, the `X-Forwarded-For` header and the trusted
    `proxies`.

    >>> nets = [ipaddress.ip_network("10.0.0.0/8")]
    >>> client_address("10.0.0.2", "198.51.100.7", nets)
    '198.51.100.7'
    >>> client_address("10.0.0.2", "1.2.3.4, 198.51.100.7, 10.0.0.9", nets)  # 1.2.3.4: the client's word
    '198.51.100.7'
    >>> client_address("203.0.113.5", "198.51.100.7", nets)  # not from a proxy: header ignored
    '203.0.113.5'
    """
    nets = tuple(proxies)
    peer_addr = _address(peer)
    if peer_addr is None:
        return peer
    current = peer_addr
    if nets and forwarded_for:
        hops = [h for h in forwarded_for.split(",") if h.strip()]
        while any(current in net for net in nets) and hops:
            hop = _address(hops.pop())
            if hop is None:  # a garbled entry: stop at the last proxy we trust
                break
            current = hop
    return str(current)


def address_bucket(address: str) -> str:
    """What a per-address limit counts: an IPv4 address, or the /64 network of an IPv6 one (a
    single IPv6 host usually holds a whole /64 and could otherwise step to a fresh address on
    every try)."""
    addr = _address(address)
    if isinstance(addr, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{addr}/64", strict=False))
    return str(addr) if addr is not None else address


def request_client_address(request: HttpRequest) -> str:
    """The client's address of `request` (what the middleware put in REMOTE_ADDR); computed
    here when the middleware did not run (e.g. a request built by a test's RequestFactory)."""
    meta = request.META
    if PEER_KEY in meta:
        return str(meta.get("REMOTE_ADDR", ""))
    return client_address(
        str(meta.get("REMOTE_ADDR", "")),
        str(meta.get("HTTP_X_FORWARDED_FOR", "")),
        trusted_proxies(),
    )


def axes_client_ip(request: HttpRequest) -> str:
    """django-axes' AXES_CLIENT_IP_CALLABLE: the same address everyone else sees."""
    return request_client_address(request)


class ClientAddressMiddleware:
    """First in MIDDLEWARE: REMOTE_ADDR becomes the client's address; the TCP peer (the proxy,
    when there is one) stays in META["HAIQUAN_PEER_ADDR"]."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        meta = request.META
        if PEER_KEY not in meta:
            peer = str(meta.get("REMOTE_ADDR", ""))
            meta["REMOTE_ADDR"] = client_address(
                peer, str(meta.get("HTTP_X_FORWARDED_FOR", "")), trusted_proxies()
            )
            meta[PEER_KEY] = peer
        return self.get_response(request)
