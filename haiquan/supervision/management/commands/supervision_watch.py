"""haiquan supervision-watch: storage time limits of zones and bonded warehouses."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from haiquan.supervision.bonded import storage_time_scan


class Command(BaseCommand):
    help = (
        "Raise, once each, the alerts of goods near or past their storage time: bonded-warehouse "
        "lots within BONDED_EXPIRY_WARNING_DAYS of their end, cargo inside a zone past its limit. "
        "Run daily."
    )

    def handle(self, *args: Any, **o: Any) -> None:
        for alert in storage_time_scan():
            self.stdout.write(
                _("%(kind)s: %(subject)s (%(office)s)")
                % {
                    "kind": alert.get_kind_display(),
                    "subject": alert.subject_label,
                    "office": alert.office.code,
                }
            )
