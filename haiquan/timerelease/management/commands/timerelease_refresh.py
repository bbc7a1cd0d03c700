"""`haiquan timerelease_refresh [--full]`: fold new events into the time-release fact store.
Run it every few minutes (cron, a systemd timer); `--full` rebuilds the store (e.g. nightly)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from haiquan.timerelease.services import timerelease_refresh


class Command(BaseCommand):
    help = "Fold the events appended since the last run into the time-release fact store."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--full", action="store_true", help="Rebuild the store from the whole event log."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        say = (lambda m: self.stdout.write(str(m))) if options["verbosity"] > 1 else None
        result = timerelease_refresh(full=options["full"], say=say)
        if options["verbosity"] > 0:
            template = (
                _("Rebuilt: %(n)d consignments up to event %(e)d in %(s).1f s.")
                if result.full
                else _("Refreshed: %(n)d consignments up to event %(e)d in %(s).1f s.")
            )
            self.stdout.write(
                template
                % {"n": result.consignments, "e": result.last_event_id, "s": result.seconds}
            )
