from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from haiquan.core.problems import ValidationFailed
from haiquan.eservices.catalogue import catalogue_load


class Command(BaseCommand):
    help = (
        "Load the catalogue of online public services (eservices/data/procedures.json) and the "
        "public holidays (eservices/data/holidays.csv); run again safely after editing them."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            procedures, holidays = catalogue_load()
        except ValidationFailed as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            _("%(p)d procedures, %(h)d public holidays loaded.") % {"p": procedures, "h": holidays}
        )
