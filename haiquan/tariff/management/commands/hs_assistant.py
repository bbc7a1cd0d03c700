"""`haiquan hs-assistant`: train the classification assistant on this installation's history.

haiquan hs-assistant train [--until YYYY-MM-DD] [--evaluate-from YYYY-MM-DD] [--no-activate]
"""

from __future__ import annotations

import json
from datetime import date, datetime, time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from haiquan.tariff.assistant.training import classifier_train


def _moment(value: str) -> datetime:
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"'{value}' is not a date written as YYYY-MM-DD") from exc
    return timezone.make_aware(datetime.combine(day, time.min))


class Command(BaseCommand):
    help = (
        "Train the HS classification assistant on the declarations as finally classified "
        "(after officers' corrections) and the advance rulings, registered before --until "
        "(all by default); with --evaluate-from, measure it on the lines registered from then."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["train"])
        parser.add_argument("--until", type=_moment, help="Learn from what was registered before")
        parser.add_argument("--evaluate-from", type=_moment, help="Measure on lines from this day")
        parser.add_argument("--evaluate-until", type=_moment, help="... up to this day")
        parser.add_argument("--no-activate", action="store_true", help="Keep the active version")

    def handle(self, *args: Any, **options: Any) -> None:
        version = classifier_train(
            until=options["until"],
            evaluate_from=options["evaluate_from"],
            evaluate_until=options["evaluate_until"],
            activate=not options["no_activate"],
        )
        self.stdout.write(
            f"version {version.pk}: {version.examples} examples from {version.declarations} "
            f"goods lines{' (active)' if version.active else ''}"
        )
        if version.evaluation:
            self.stdout.write(json.dumps(version.evaluation, indent=2))
