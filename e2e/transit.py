"""The transit desk as the browser tests find it: the Quảng Ninh places, movements on the road
from the border gates to Cái Lân whose seals have reported (one left its corridor, one stopped
too long, one was opened), and a leader of department 20 who logs in with his authenticator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from haiquan.accounts.models import User
from haiquan.accounts.services import user_create
from haiquan.accounts.tests.helpers import totp_code
from haiquan.transit.models import TransitMovement
from haiquan.transit.scenario import movements_create
from haiquan.transit.simulator import Faults, deliver_direct, sign_messages, trip_messages

from .pages import LoginPage
from .world import PASSWORD


@dataclass
class Desk:
    leader: User
    device: TOTPDevice
    movements: list[TransitMovement]


def desk_build(*, plates: list[str] | None = None) -> Desk:
    leader = user_create(
        username="ld.quangninh", password=PASSWORD, role="leader", office_codes=["20"]
    )
    device = TOTPDevice.objects.create(user=leader, name="phone", confirmed=True)
    keys: dict[str, str] = {}
    faults = [Faults(corridor_exit=True), Faults(stop_minutes=45), Faults(early_opening=True),
              Faults()]  # fmt: skip
    movements = []
    now = timezone.now()
    for k, fault in enumerate(faults):
        (m,) = movements_create(
            actor=leader,
            count=1,
            depart_at=now - timedelta(minutes=150 - 25 * k),
            keys=keys,
            vehicle_plate=plates[k % len(plates)] if plates else "",
        )
        seal = m.containers.get().seal
        assert seal is not None and m.departed_at is not None
        trip = trip_messages(
            device_id=seal.device_id, route_wkt=m.route_wkt, start=m.departed_at, faults=fault
        )
        sent = [msg for msg in trip.messages if float(msg["timestamp"]) <= now.timestamp()]
        deliver_direct(sign_messages(sent, keys))
        movements.append(m)
    return Desk(leader, device, movements)


def desk_open(page: Page, base_url: str, shots: Any, desk: Desk) -> None:
    """Log in as the leader (password, then authenticator code) and open the desk."""
    login = LoginPage(page, base_url, shots)
    login.log_in(desk.leader.get_username(), PASSWORD)
    login.second_factor(totp_code(desk.device))
    login.go("/transit/monitor/")
    expect(page.locator("#transit-map path.leaflet-interactive").first).to_be_attached()
