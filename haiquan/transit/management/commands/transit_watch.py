"""haiquan transit-watch: the periodic check of movements in transit."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils.translation import gettext as _

from haiquan.transit.ingest import transit_watch


class Command(BaseCommand):
    help = (
        "Raise the alerts no position can raise: seals in transit silent for longer than "
        "SIGNAL_LOST_MINUTES, movements past their deadline. Once, or every N seconds."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--every", type=float, help="Repeat every this many seconds.")

    def handle(self, *args: Any, **o: Any) -> None:
        while True:
            close_old_connections()
            for alert in transit_watch():
                self.stdout.write(
                    _("%(at)s %(kind)s: %(subject)s")
                    % {
                        "at": f"{alert.raised_at:%Y-%m-%d %H:%M:%S}",
                        "kind": alert.get_kind_display(),
                        "subject": alert.subject_label,
                    }
                )
            if not o["every"]:
                return
            time.sleep(o["every"])
