from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from haiquan.refdata.services import refdata_load_all


class Command(BaseCommand):
    help = "Load (or refresh) countries, currencies, declaration types, offices and the shipped tariff."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = refdata_load_all()
        if not options["verbosity"]:
            return
        labels = {
            "countries": _("Countries: %(n)d"),
            "currencies": _("Currencies: %(n)d"),
            "declaration_types": _("Declaration types: %(n)d"),
            "offices": _("Customs offices: %(n)d"),
            "tariff_lines": _("Tariff lines: %(n)d"),
        }
        for k, v in counts.items():
            self.stdout.write(labels[k] % {"n": v} if k in labels else f"{k}: {v}")
