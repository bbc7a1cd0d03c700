"""`haiquan log-roots`: the daily roots of the event log and the access trail.

haiquan log-roots close [--day YYYY-MM-DD]   # close a day (default yesterday); the scheduler does it
haiquan log-roots export [--since YYYY-MM-DD] > roots.jsonl   # to print, sign and send
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from haiquan.eventlog.chain import CHAINS, RootNotReady, log_root_close
from haiquan.eventlog.models import LogRoot


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(_("%(value)s is not a date (YYYY-MM-DD).") % {"value": value}) from exc


class Command(BaseCommand):
    help = (
        "Close a day's roots of the event log and the access trail, or export the roots (JSON "
        "lines) to print, sign and send to a partner."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["close", "export"])
        parser.add_argument("--day", help="the day to close (default: yesterday)")
        parser.add_argument("--since", help="export the roots from this day on")

    def handle(self, *args: Any, **o: Any) -> None:
        if o["action"] == "close":
            day = _day(o["day"]) if o["day"] else timezone.localdate() - timedelta(days=1)
            for chain in CHAINS.values():
                try:
                    root = log_root_close(chain, day=day)
                except RootNotReady as exc:
                    raise CommandError(
                        _("Transactions begun before the cut are still open; try again later.")
                    ) from exc
                except ValueError as exc:
                    raise CommandError(
                        _("A later day than %(day)s is already closed.") % {"day": day}
                    ) from exc
                self.stdout.write(json.dumps(root.as_export()))
            return
        roots = LogRoot.objects.all()
        if o["since"]:
            roots = roots.filter(day__gte=_day(o["since"]))
        for root in roots.order_by("day", "log"):
            self.stdout.write(json.dumps(root.as_export()))
