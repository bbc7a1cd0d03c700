"""`haiquan single-window-requirements`: build the requirements table from the inspection lists."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from haiquan.singlewindow.measures import requirements_from_measures


class Command(BaseCommand):
    help = (
        "Build the single window's requirements from the ministries' inspection lists loaded "
        "with the tariff (the measures that need a permit or an inspection result), for the "
        "partner agencies of this installation. Rows written by hand are not touched."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = requirements_from_measures()
        self.stdout.write(
            f"requirements: {result.created} created, {result.kept} kept, {result.retired} retired"
        )
        if result.without_agency:
            self.stdout.write(
                "measures needing a document with no agency here: "
                + ", ".join(result.without_agency)
            )
