"""Fixtures for transit: the Quảng Ninh demo places and routes, officers of the offices
involved, operators of the places, e-seals, movements on their way."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation

from haiquan.accounts.models import User
from haiquan.accounts.services import user_create
from haiquan.accounts.tests.helpers import api_token
from haiquan.transit import devicekeys
from haiquan.transit.ingest import IngestResult, telemetry_ingest
from haiquan.transit.models import TransitMovement
from haiquan.transit.osmand import osmand_parse
from haiquan.transit.scenario import (
    GATE_OPERATOR,
    PORT_OPERATOR,
    ROUTES,
    movements_create,
    places_ensure,
)
from haiquan.transit.simulator import Faults, trip_duration, trip_messages

MONG_CAI = "20BDG01"


@pytest.fixture(autouse=True)
def in_english(settings: Any) -> Any:
    """The messages these tests read are the English ones (the installation speaks Vietnamese
    by default, and its catalogues translate them)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def leader(db: Any) -> User:
    """A leader of the Quảng Ninh Department: works every office of the province."""
    return user_create(username="ld.quangninh", password=None, role="leader", office_codes=["20"])


@pytest.fixture
def officer_cailan(db: Any) -> User:
    return user_create(username="cc.cailan", password=None, role="officer", office_codes=["20CD"])


@pytest.fixture
def officer_mongcai(db: Any) -> User:
    return user_create(username="cc.mongcai", password=None, role="officer", office_codes=["20BD"])


@pytest.fixture
def officer_elsewhere(db: Any) -> User:
    return user_create(username="cc.songthan", password=None, role="officer", office_codes=["43IH"])


@pytest.fixture
def places(leader: User) -> dict[str, Any]:
    return places_ensure(actor=leader)


@pytest.fixture
def gate_operator(places: dict[str, Any]) -> User:
    return user_create(
        username="op.mongcai", password=None, role="operator", employer_mst=GATE_OPERATOR[0]
    )


@pytest.fixture
def port_operator(places: dict[str, Any]) -> User:
    return user_create(
        username="op.cailan", password=None, role="operator", employer_mst=PORT_OPERATOR[0]
    )


@pytest.fixture
def seal_keys() -> dict[str, str]:
    """The keys of the seals the fixtures create, by device id (what the devices hold)."""
    return {}


@pytest.fixture
def on_the_way(
    leader: User, places: dict[str, Any], seal_keys: dict[str, str]
) -> Callable[..., TransitMovement]:
    """A movement from a border gate to Cái Lân, sealed and departed `hours_ago` hours ago;
    its seal's key goes into `seal_keys`, the seal to the platform `owner_mst` if given."""

    def make(
        hours_ago: float = 5.0, time_limit_minutes: int = 8 * 60, owner_mst: str = ""
    ) -> TransitMovement:
        depart = timezone.now() - timedelta(hours=hours_ago)
        (movement,) = movements_create(
            actor=leader,
            count=1,
            depart_at=depart,
            time_limit_minutes=time_limit_minutes,
            keys=seal_keys,
            owner_mst=owner_mst,
        )
        return movement

    return make


@pytest.fixture
def sign(seal_keys: dict[str, str]) -> Callable[..., dict[str, str]]:
    """Sign a message as its seal would: its key, its next counter (or the counter given)."""
    counters: dict[str, int] = {}

    def make(params: dict[str, Any], counter: int | None = None) -> dict[str, str]:
        device = str(params["id"])
        counters[device] = counter if counter is not None else counters.get(device, 0) + 1
        return devicekeys.signed(
            seal_keys[device], {k: str(v) for k, v in params.items()}, counters[device]
        )

    return make


def route_of(movement: TransitMovement) -> str:
    return movement.route_wkt


def drive(
    movement: TransitMovement,
    faults: Faults | None = None,
    *,
    start: datetime | None = None,
    batch: int = 50,
    channel: str = "direct",
) -> tuple[list[dict[str, str]], IngestResult]:
    """Simulate the movement's seal along its route from its departure and ingest the
    messages in batches; returns the messages and the summed result."""
    c = movement.containers.select_related("seal").get()
    assert c.seal is not None
    trip = trip_messages(
        device_id=c.seal.device_id,
        route_wkt=movement.route_wkt,
        start=start or movement.departed_at or timezone.now(),
        faults=faults or Faults(),
    )
    return trip.messages, ingest(trip.messages, batch=batch, channel=channel)


def ingest(
    messages: list[dict[str, str]], *, batch: int = 50, channel: str = "direct"
) -> IngestResult:
    total = IngestResult()
    for k in range(0, len(messages), batch):
        part = [osmand_parse(m) for m in messages[k : k + batch]]
        r = telemetry_ingest(positions=part, channel=channel)
        total.received += r.received
        total.stored += r.stored
        total.duplicates += r.duplicates
        total.unknown += r.unknown
        total.replayed += r.replayed
        total.conflicts += r.conflicts
        total.alerts += r.alerts
    return total


@pytest.fixture
def api() -> Callable[[User], Client]:
    def make(user: User) -> Client:
        raw = api_token(user, name="test system")
        return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    return make


__all__ = ["MONG_CAI", "ROUTES", "Faults", "drive", "ingest", "route_of", "trip_duration"]
