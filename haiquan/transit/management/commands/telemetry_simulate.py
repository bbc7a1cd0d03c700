"""haiquan telemetry-simulate: drive e-seals along their routes with faults injected."""

from __future__ import annotations

import math
import time
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from haiquan.accounts.models import User
from haiquan.accounts.services import user_create
from haiquan.supervision.models import Alert
from haiquan.transit.choices import MovementState
from haiquan.transit.conf import transit_setting
from haiquan.transit.models import TransitMovement
from haiquan.transit.scenario import ROUTES, movements_create
from haiquan.transit.services import eseal_key_issue
from haiquan.transit.simulator import (
    Faults,
    deliver_direct,
    deliver_http,
    deliver_mqtt,
    interleave,
    sign_messages,
    trip_duration,
    trip_messages,
)

SIMULATOR_USER = "transit.simulator"


class Command(BaseCommand):
    help = (
        "Drive e-seals along their routes and send their positions directly, over HTTP (OsmAnd "
        "or batches) or MQTT, with faults injected in a share of the trips. --setup N first "
        "creates N movements from the Quảng Ninh border gates to Cái Lân port."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--setup", type=int, default=0, help="Create this many movements first."
        )
        parser.add_argument(
            "--movements", nargs="*", help="References to drive (default: all departed)."
        )
        parser.add_argument(
            "--faults",
            default="corridor,stop,open",
            help="Any of corridor,stop,open,signal,battery,duplicates ('' for none).",
        )
        parser.add_argument(
            "--fault-share", type=float, default=0.2, help="Share of trips with faults."
        )
        parser.add_argument("--via", choices=["direct", "http", "mqtt"], default="direct")
        parser.add_argument(
            "--url", default="http://127.0.0.1:8000", help="haiquan's base URL (http)."
        )
        parser.add_argument("--token", default="", help="Bearer token for --batch > 1 over HTTP.")
        parser.add_argument("--batch", type=int, default=500, help="Positions per write/request.")
        parser.add_argument("--concurrency", type=int, default=8)
        parser.add_argument("--mqtt-url", help="default: settings MQTT_URL")
        parser.add_argument("--topic", help="default: settings MQTT_TOPIC")
        parser.add_argument("--interval", type=float, default=30, help="Seconds between positions.")
        parser.add_argument("--speed", type=float, default=50, help="km/h")
        parser.add_argument(
            "--pace",
            type=float,
            default=0,
            help="Replay at this many times real speed (0: as fast as possible).",
        )
        parser.add_argument(
            "--actor", default=SIMULATOR_USER, help="Officer who sets movements up."
        )
        parser.add_argument("--seed", type=int, default=1)

    def _actor(self, username: str) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            if username != SIMULATOR_USER:
                raise CommandError(f"no user {username}")
            # A leader of the General Department: works every office, as the simulator must.
            user = user_create(
                username=SIMULATOR_USER, password=None, role="leader", office_codes=["00"]
            )
        return user

    def handle(self, *args: Any, **o: Any) -> None:
        faults = Faults.parse(o["faults"] or "")
        longest = max(trip_duration(r, o["speed"], faults) for r in ROUTES.values())
        # Trips are replayed from the past so that no position is in the future.
        depart_at = timezone.now() - longest - timedelta(minutes=5)
        # The simulator stands in for the seals: it holds their keys (new ones for seals it
        # did not create: issuing a key replaces the old one).
        keys: dict[str, str] = {}
        if o["setup"]:
            movements = movements_create(
                actor=self._actor(o["actor"]),
                count=o["setup"],
                depart_at=depart_at,
                time_limit_minutes=int(longest.total_seconds() // 60) + 120,
                keys=keys,
            )
        else:
            qs = TransitMovement.objects.filter(state=MovementState.DEPARTED)
            if o["movements"]:
                qs = qs.filter(reference__in=o["movements"])
            movements = list(qs.order_by("pk"))
        if not movements:
            raise CommandError("no departed movement to drive (use --setup N)")
        with_faults = math.ceil(len(movements) * o["fault_share"]) if faults != Faults() else 0
        trips = []
        for k, m in enumerate(movements):
            for c in m.containers.filter(active=True).select_related("seal"):
                assert c.seal is not None
                if c.seal.device_id not in keys:
                    keys[c.seal.device_id] = eseal_key_issue(
                        actor=self._actor(o["actor"]), seal=c.seal
                    )
                trips.append(
                    trip_messages(
                        device_id=c.seal.device_id,
                        route_wkt=m.route_wkt,
                        start=m.departed_at or depart_at,
                        speed_kmh=o["speed"],
                        interval_s=o["interval"],
                        faults=faults if k < with_faults else Faults(),
                        seed=o["seed"] + k,
                    )
                )
        messages = list(interleave(trips))
        now = timezone.now().timestamp()
        messages = sign_messages([m for m in messages if float(m["timestamp"]) <= now], keys)
        self.stdout.write(
            _("%(s)d seals, %(p)d positions, faults (%(f)s) in %(t)d trips, via %(via)s.")
            % {
                "s": len(trips),
                "p": len(messages),
                "f": o["faults"] or _("none"),
                "t": with_faults,
                "via": o["via"],
            }
        )
        before = Alert.objects.count()
        delivery = self._paced(messages, o) if o["pace"] else self._send(messages, o)
        self.stdout.write(
            _(
                "Sent %(n)d in %(s).1f s (%(r)d a second), refused %(x)d; alerts raised so far "
                "%(a)d."
            )
            % {
                "n": delivery.sent,
                "s": delivery.seconds,
                "r": round(delivery.rate),
                "x": delivery.refused,
                "a": Alert.objects.count() - before,
            }
        )

    def _send(self, messages: list[dict[str, str]], o: dict[str, Any]) -> Any:
        if o["via"] == "direct":
            return deliver_direct(messages, batch=o["batch"])
        if o["via"] == "http":
            return deliver_http(
                messages,
                base_url=o["url"],
                token=o["token"],
                batch=o["batch"] if o["token"] else 1,
                concurrency=o["concurrency"],
            )
        return deliver_mqtt(
            messages,
            url=o["mqtt_url"] or str(transit_setting("MQTT_URL")),
            topic=o["topic"] or str(transit_setting("MQTT_TOPIC")),
        )

    def _paced(self, messages: list[dict[str, str]], o: dict[str, Any]) -> Any:
        """Send in one-second slices of simulated time divided by the pace."""
        from haiquan.transit.simulator import Delivery

        total = Delivery()
        if not messages:
            return total
        t0 = float(messages[0]["timestamp"])
        wall0 = time.monotonic()
        k = 0
        while k < len(messages):
            horizon = t0 + (time.monotonic() - wall0) * o["pace"]
            j = k
            while j < len(messages) and float(messages[j]["timestamp"]) <= horizon:
                j += 1
            if j > k:
                d = self._send(messages[k:j], o)
                total.sent += d.sent
                total.refused += d.refused
                k = j
            else:
                time.sleep(0.5)
        total.seconds = time.monotonic() - wall0
        return total
