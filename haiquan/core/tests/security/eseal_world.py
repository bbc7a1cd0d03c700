"""What the e-seal security tests stand on: the Quảng Ninh places (border gates to Cái Lân
port), a leader of department 20, and movements on the road whose seals' keys the test holds
as the devices do. Plain functions (no fixtures), so that each test says what it builds."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from django.test import Client
from django.utils import timezone

from haiquan.accounts.models import User
from haiquan.accounts.services import user_create
from haiquan.accounts.tests.helpers import api_token
from haiquan.transit.models import TransitMovement
from haiquan.transit.scenario import movements_create, places_ensure

OSMAND = "/api/v1/transit/osmand"


def leader() -> User:
    user = User.objects.filter(username="ld.quangninh").first()
    return user or user_create(
        username="ld.quangninh", password=None, role="leader", office_codes=["20"]
    )


def on_the_road(
    keys: dict[str, str],
    *,
    hours_ago: float = 0.5,
    time_limit_minutes: int = 8 * 60,
    owner_mst: str = "",
) -> TransitMovement:
    """A movement from a border gate to Cái Lân that left `hours_ago` hours ago; its seal's
    key goes into `keys`."""
    actor = leader()
    places_ensure(actor=actor)
    depart_at = timezone.now() - timedelta(hours=hours_ago)
    try:
        (movement,) = movements_create(
            actor=actor,
            count=1,
            depart_at=depart_at,
            time_limit_minutes=time_limit_minutes,
            keys=keys,
            owner_mst=owner_mst,
        )
    except TypeError:
        # An installation without device keys (the code before them), where these tests must
        # fail: its seals have no key, the devices sign with one of their own.
        (movement,) = movements_create(
            actor=actor, count=1, depart_at=depart_at, time_limit_minutes=time_limit_minutes
        )
        keys[device_of(movement)] = "00" * 32
    return movement


def device_of(movement: TransitMovement) -> str:
    seal = movement.containers.get().seal
    assert seal is not None
    return seal.device_id


def signed(key_hex: str, params: Mapping[str, Any], counter: int) -> dict[str, str]:
    """A message signed as the API documentation tells a device to (written here from that
    description, not taken from haiquan's code): `ctr` added, `sig` the hex HMAC-SHA256 under
    the key of the keys sorted and percent-encoded (RFC 3986), `k=v` joined by `&`."""
    out = {str(k): str(v) for k, v in params.items()}
    out["ctr"] = str(counter)
    text = "&".join(
        quote(k, safe="-_.~") + "=" + quote(v, safe="-_.~") for k, v in sorted(out.items())
    )
    out["sig"] = hmac.new(bytes.fromhex(key_hex), text.encode(), hashlib.sha256).hexdigest()
    return out


def signer(keys: dict[str, str]) -> Callable[..., dict[str, str]]:
    """Signs as each seal does: its key, its next counter."""
    counters: dict[str, int] = {}

    def sign(params: dict[str, Any]) -> dict[str, str]:
        device = str(params["id"])
        counters[device] = counters.get(device, 0) + 1
        return signed(keys[device], params, counters[device])

    return sign


def api_client(user: User) -> Client:
    raw = api_token(user, name="security test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
