"""`haiquan notifications-worker`: turn events into notifications and deliver the e-mails and
webhook calls, until stopped. Several may run (on several nodes): they share the work."""

from __future__ import annotations

import logging
import signal
import threading
import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from haiquan.notifications.delivery import work_once

log = logging.getLogger("haiquan.notifications")


class Command(BaseCommand):
    help = "Deliver notifications: the portal, e-mail and webhooks, from the event log."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--idle", type=float, default=1.0, help="seconds to wait when there is nothing to do"
        )
        parser.add_argument("--once", action="store_true", help="one round, then stop")

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_a: stop.set())
        idle = float(options["idle"])
        while not stop.is_set():
            close_old_connections()
            try:
                events, mails, calls = work_once()
            except Exception:
                log.exception("notifications: a round failed; trying again")
                stop.wait(idle)
                continue
            if options["once"]:
                break
            if not (events or mails or calls):
                stop.wait(idle)
            else:
                time.sleep(0)
