"""haiquan mqtt-credentials: Mosquitto's password file and ACL for the e-seals and the
telemetry subscriber (see haiquan/transit/broker.py)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from haiquan.transit.broker import mosquitto_files
from haiquan.transit.conf import transit_setting
from haiquan.transit.mqtt import broker_address


class Command(BaseCommand):
    help = (
        "Write Mosquitto's password file and ACL: each e-seal with a key logs in as its device "
        "id and may publish on its own topic only; the subscriber (the user and password of "
        "HAIQUAN_MQTT_URL) reads them all. Run again after issuing keys; then SIGHUP Mosquitto."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--password-file", required=True, type=Path)
        parser.add_argument("--acl-file", required=True, type=Path)
        parser.add_argument("--url", help="the subscriber's broker URL (default MQTT_URL)")
        parser.add_argument("--topic", help="default: settings MQTT_TOPIC")

    def handle(self, *args: Any, **o: Any) -> None:
        address = broker_address(o["url"] or str(transit_setting("MQTT_URL")))
        if not address.username or not address.password:
            raise CommandError(
                "the subscriber needs its own broker account: give HAIQUAN_MQTT_URL (or --url) "
                "as mqtt://user:password@host:1883"
            )
        passwords, acl, skipped = mosquitto_files(
            subscriber_user=address.username,
            subscriber_password=address.password,
            topic=o["topic"] or str(transit_setting("MQTT_TOPIC")),
        )
        for path, text in ((o["password_file"], passwords), (o["acl_file"], acl)):
            # Written readable by the owner and its group only (Mosquitto's), never the world.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
            with os.fdopen(fd, "w") as f:
                f.write(text)
            os.chmod(path, 0o640)
        for name in skipped:
            self.stderr.write(f"left out {name}: a device id with / + # or : cannot log in")
        self.stdout.write(
            f"{passwords.count(chr(10)) - 1} e-seals and the subscriber {address.username} "
            f"written to {o['password_file']} and {o['acl_file']}"
        )
