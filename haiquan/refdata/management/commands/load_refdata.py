from django.core.management.base import BaseCommand

from haiquan.refdata.services import refdata_load_all


class Command(BaseCommand):
    help = "Load (or refresh) countries, currencies, declaration types, offices and the shipped tariff."

    def handle(self, *args, **options):
        counts = refdata_load_all()
        for k, v in counts.items():
            self.stdout.write(f"{k}: {v}")
