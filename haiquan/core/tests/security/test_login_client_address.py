"""The client's address behind the trusted proxies (haiquan.core.clientip)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import override_settings

from haiquan.core.clientip import client_address, trusted_proxies

PROXY = "10.0.0.2"
ATTACKER = "203.0.113.66"
REAL_USER = "198.51.100.7"


def behind_proxy() -> object:
    return override_settings(HAIQUAN={**settings.HAIQUAN, "TRUSTED_PROXIES": ["10.0.0.0/8"]})


def test_with_no_trusted_proxy_the_header_is_never_believed():
    assert trusted_proxies() == ()
    assert client_address("10.0.0.2", "198.51.100.7", trusted_proxies()) == "10.0.0.2"


@pytest.mark.parametrize(
    ("peer", "header", "expected"),
    [
        (PROXY, REAL_USER, REAL_USER),
        # entries left of the first untrusted one were written by the client: not believed
        (PROXY, f"6.6.6.6, {REAL_USER}", REAL_USER),
        (PROXY, f"{REAL_USER}, 10.0.0.9", REAL_USER),  # two proxies of ours
        (PROXY, "", PROXY),
        (PROXY, "not-an-address", PROXY),
        (ATTACKER, REAL_USER, ATTACKER),
        (PROXY, "[2001:db8::5]:4711", "2001:db8::5"),
        ("::ffff:10.0.0.2", REAL_USER, REAL_USER),
    ],
)
def test_the_client_is_the_first_address_from_the_right_that_is_not_a_proxy(
    peer: str, header: str, expected: str
) -> None:
    with behind_proxy():
        assert client_address(peer, header, trusted_proxies()) == expected


def test_ipv6_clients_are_limited_by_their_64_network():
    from haiquan.core.clientip import address_bucket

    assert address_bucket("2001:db8:1:2:aaaa::1") == address_bucket("2001:db8:1:2:bbbb::9")
    assert address_bucket("2001:db8:1:2::1") != address_bucket("2001:db8:1:3::1")
    assert address_bucket("203.0.113.5") == "203.0.113.5"
