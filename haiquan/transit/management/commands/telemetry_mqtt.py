"""haiquan telemetry-mqtt: the MQTT telemetry subscriber (see haiquan.transit.mqtt)."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from haiquan.transit.mqtt import TelemetrySubscriber


class Command(BaseCommand):
    help = (
        "Subscribe to the e-seal platform's MQTT broker (HAIQUAN_MQTT_URL) on "
        "haiquan/eseal/+/position (JSON with the OsmAnd keys) and ingest the positions in batches."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--url", help="mqtt://host:1883 (default: settings MQTT_URL)")
        parser.add_argument("--topic", help="default: settings MQTT_TOPIC")
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--max-delay-ms", type=int, default=200)
        parser.add_argument(
            "--client-id",
            default="haiquan-telemetry",
            help="A named, persistent session: messages sent while it was down are delivered.",
        )
        parser.add_argument(
            "--shared",
            default="",
            help="Join the shared subscription $share/GROUP/<topic>: run one such subscriber "
            "per core and the broker splits the messages between them.",
        )
        parser.add_argument(
            "--qos",
            type=int,
            choices=[0, 1],
            default=1,
            help="1 (default): the broker keeps a named session's messages while it is away, "
            "but sends at most max_inflight_messages unacknowledged (Mosquitto: 20); 0: no "
            "window, for rates beyond what that allows.",
        )
        parser.add_argument(
            "--connections",
            type=int,
            default=4,
            help="Connections to the broker, sharing the subscription (default 4).",
        )
        parser.add_argument("--seconds", type=float, help="Stop after this long.")
        parser.add_argument("--max-messages", type=int, help="Stop after this many messages.")

    def handle(self, *args: Any, **o: Any) -> None:
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        subscriber = TelemetrySubscriber(
            url=o["url"],
            topic=o["topic"],
            batch_size=o["batch_size"],
            max_delay=o["max_delay_ms"] / 1000,
            client_id=o["client_id"],
            shared=o["shared"],
            qos=o["qos"],
            connections=o["connections"],
        )
        self.stdout.write(
            _("Listening on %(url)s %(topic)s")
            % {"url": subscriber.url, "topic": subscriber.subscription},
            ending="\n",
        )
        self.stdout.flush()
        stats = subscriber.run(stop=stop, seconds=o["seconds"], max_messages=o["max_messages"])
        self.stdout.write(
            _(
                "Messages %(m)d, stored %(s)d, duplicates %(d)d, invalid %(i)d, refused %(r)d, "
                "replayed %(p)d, conflicting %(c)d, alerts %(a)d, batches %(b)d."
            )
            % {
                "m": stats.messages,
                "s": stats.stored,
                "d": stats.duplicates,
                "i": stats.invalid,
                "r": stats.refused,
                "p": stats.replayed,
                "c": stats.conflicts,
                "a": stats.alerts,
                "b": stats.batches,
            }
        )
