"""haiquan stats_refresh: bring the statistics aggregates up to date."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from haiquan.stats.aggregates import stats_refresh


class Command(BaseCommand):
    help = (
        "Recompute the statistics of every (month, office) touched since the last run (from the "
        "event log), or of everything with --full. Run it every few minutes (cron, a systemd "
        "timer); it is safe to run again or after an interruption."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--full", action="store_true", help="rebuild every month")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        say = (lambda m: self.stdout.write(str(m))) if options["verbosity"] > 1 else None
        result = stats_refresh(full=options["full"], say=say)
        self.stdout.write(
            _(
                "%(b)d (month, office) buckets from %(d)d declarations and %(r)d receipts, events "
                "up to %(e)d, in %(s).1f s."
            )
            % {
                "b": result.buckets,
                "d": result.declarations,
                "r": result.receipts,
                "e": result.last_event_id,
                "s": time.monotonic() - started,
            }
        )
