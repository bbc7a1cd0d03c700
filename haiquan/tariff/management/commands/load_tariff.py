"""`haiquan load-tariff --lines FILE [--preferential FILE]`: load an administration's schedule."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from haiquan.core.problems import ValidationFailed
from haiquan.tariff.services import agreements_load, tariff_load_csv


class Command(BaseCommand):
    help = (
        "Load (add or update) tariff lines and preferential rates from CSV files; the columns are "
        "described in haiquan/tariff/schedule_csv.py. Nothing is loaded if any row is wrong."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--lines", type=Path, required=True, help="CSV of national tariff lines"
        )
        parser.add_argument("--preferential", type=Path, help="CSV of FTA preferential rates")
        parser.add_argument(
            "--agreements", type=Path, help="CSV of trade agreements (with --parties)"
        )
        parser.add_argument("--parties", type=Path, help="CSV of the parties to each agreement")

    def handle(self, *args: Any, **options: Any) -> None:
        for name in ("lines", "preferential", "agreements", "parties"):
            path = options[name]
            if path is not None and not path.is_file():
                raise CommandError(
                    _("--%(option)s: no such file: %(path)s") % {"option": name, "path": path}
                )
        if bool(options["agreements"]) != bool(options["parties"]):
            raise CommandError(_("--agreements and --parties go together."))
        try:
            with transaction.atomic():  # agreements and schedule together, or neither
                if options["agreements"]:
                    n = agreements_load(
                        agreements_csv=options["agreements"], parties_csv=options["parties"]
                    )
                    self.stdout.write(_("Agreements loaded: %(n)d.") % {"n": n})
                n = tariff_load_csv(
                    lines_csv=options["lines"], preferential_csv=options["preferential"]
                )
        except ValidationFailed as exc:
            for problem in exc.errors:
                self.stderr.write(f"{problem.field}: {problem.problem}")
            raise CommandError(str(exc.detail)) from exc
        self.stdout.write(self.style.SUCCESS(_("Tariff lines loaded: %(n)d.") % {"n": n}))
