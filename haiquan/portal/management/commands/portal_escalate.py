"""`haiquan portal_escalate`: escalate every inquiry past its time limit (run it from cron,
e.g. every 15 minutes; reading an inquiry also escalates it when late)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import ngettext

from haiquan.portal.services import inquiries_escalate_due


class Command(BaseCommand):
    help = "Escalate inquiries (vướng mắc) not answered within their time limit."

    def handle(self, *args: Any, **options: Any) -> None:
        count = inquiries_escalate_due()
        self.stdout.write(
            ngettext("%(n)d inquiry escalated.", "%(n)d inquiries escalated.", count) % {"n": count}
        )
