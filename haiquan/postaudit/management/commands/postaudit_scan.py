"""haiquan postaudit_scan: look for anomalies in traders' history and store them under a new
run id (the trader analysis pages and the audit candidates read the latest run)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from haiquan.postaudit.services import anomaly_scan_run


class Command(BaseCommand):
    help = (
        "Scan the declaration history for anomalies per enterprise (unit-price outliers, sudden "
        "changes of volume, HS codes switched to lower duties, new enterprises with large "
        "volumes, origins moved to preferential partners) and store them with a run id. "
        "Run daily or weekly."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--from",
            dest="day_from",
            type=date.fromisoformat,
            default=None,
            help="first registration day to read, YYYY-MM-DD (default: all history)",
        )
        parser.add_argument(
            "--to",
            dest="day_to",
            type=date.fromisoformat,
            default=None,
            help="last registration day to read, YYYY-MM-DD (default: today)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = options["verbosity"]

        def say(message: str) -> None:
            if verbosity:
                self.stdout.write(str(message))

        run = anomaly_scan_run(day_from=options["day_from"], day_to=options["day_to"], say=say)
        say(
            _("Scan #%(id)d: %(n)d anomalies in %(lines)d goods lines (%(s).1f s).")
            % {"id": run.pk, "n": run.anomalies_found, "lines": run.lines_scanned, "s": run.seconds}
        )
