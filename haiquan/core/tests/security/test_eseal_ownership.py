"""Another operator's seal (issue 16): a seal belongs to an e-seal platform (an operator's
firm). A platform relays positions for its own seals only, lists and re-keys its own seals only,
and does not read where another platform's seal goes — even on a movement leaving its own yard.

Here the border-gate yard operator (whose places the movements leave) is the platform of one
seal; Cảng Quảng Ninh's platform owns the other."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from haiquan.accounts.services import user_create
from haiquan.transit.models import Position
from haiquan.transit.scenario import GATE_OPERATOR, PORT_OPERATOR

from .eseal_world import api_client, device_of, on_the_road, signer

pytestmark = pytest.mark.django_db


def _reading(device: str) -> dict[str, str]:
    ts = int((timezone.now() - timedelta(seconds=30)).timestamp())
    return {"id": device, "timestamp": str(ts), "lat": "21.5400", "lon": "107.9600"}


@pytest.fixture
def seals():  # type: ignore[no-untyped-def]
    keys: dict[str, str] = {}
    own = on_the_road(keys, owner_mst=GATE_OPERATOR[0])
    foreign = on_the_road(keys, owner_mst=PORT_OPERATOR[0])
    platform = user_create(
        username="op.cuakhau", password=None, role="operator", employer_mst=GATE_OPERATOR[0]
    )
    return keys, own, foreign, api_client(platform)


def test_a_platform_cannot_post_positions_for_another_platform_s_seal(seals):  # type: ignore[no-untyped-def]
    keys, own, foreign, client = seals
    sign = signer(keys)
    body = {"positions": [sign(_reading(device_of(own))), sign(_reading(device_of(foreign)))]}
    resp = client.post(
        "/api/v1/transit/positions", data=json.dumps(body), content_type="application/json"
    )
    assert resp.status_code == 200, resp.content
    assert resp.json()["stored"] == 1 and resp.json()["refused"] == [1]
    assert list(Position.objects.values_list("seal__device_id", flat=True)) == [device_of(own)]


def test_a_platform_reads_and_rekeys_its_own_seals_only(seals):  # type: ignore[no-untyped-def]
    keys, own, foreign, client = seals
    listed = {s["device_id"] for s in client.get("/api/v1/transit/eseals").json()["items"]}
    assert listed == {device_of(own)}
    resp = client.post(f"/api/v1/transit/eseals/{device_of(own)}/key")
    assert resp.status_code == 200 and len(resp.json()["key"]) == 64
    assert resp.json()["key"] != keys[device_of(own)]  # the old key is replaced
    assert client.post(f"/api/v1/transit/eseals/{device_of(foreign)}/key").status_code == 404


def test_a_platform_does_not_read_where_another_platform_s_seal_goes(seals):  # type: ignore[no-untyped-def]
    keys, own, foreign, client = seals
    sign = signer(keys)
    from django.test import Client

    for movement in (own, foreign):
        assert (
            Client().get("/api/v1/transit/osmand", sign(_reading(device_of(movement)))).status_code
            == 200
        )
    # Both movements leave the operator's yard: it sees them both, and its own seal's track.
    assert client.get(f"/api/v1/transit/movements/{own.reference}/track").status_code == 200
    assert client.get(f"/api/v1/transit/movements/{foreign.reference}/track").status_code == 404
    detail = client.get(f"/api/v1/transit/movements/{foreign.reference}").json()
    assert detail["containers"][0]["last_lat"] is None
    mine = client.get(f"/api/v1/transit/movements/{own.reference}").json()
    assert mine["containers"][0]["last_lat"] == pytest.approx(21.54)
