"""`haiquan load-tariff`: load an administration's tariff.

haiquan load-tariff --published FILE.csv[.gz] [--valid-from 2027-01-01] [--valid-to ...]
haiquan load-tariff --lines FILE [--preferential FILE] [--agreements FILE --parties FILE]
haiquan load-tariff --remedies FILE
haiquan load-tariff --quotas FILE
haiquan load-tariff --correlation FILE   (AHTN 2017 → AHTN 2022: ahtn2017,ahtn2022,basis)
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from haiquan.core.problems import ValidationFailed
from haiquan.tariff.correlation import correlation_load
from haiquan.tariff.quotas import tariff_quotas_load
from haiquan.tariff.remedies import trade_remedies_load
from haiquan.tariff.services import agreements_load, tariff_load_csv, tariff_load_published


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(
            _("'%(value)s' is not a date written as YYYY-MM-DD.") % {"value": value}
        ) from exc


class Command(BaseCommand):
    help = (
        "Load (add or update) the tariff: a published schedule (every row of the tariff with "
        "its MFN, ordinary and FTA rates in the decrees' notation, see "
        "haiquan/tariff/published.py) from a day on, or a list of lines and preferential rates "
        "(haiquan/tariff/schedule_csv.py), trade remedies (haiquan/tariff/remedies.py) or "
        "tariff-rate quotas. Nothing is loaded if any row is wrong."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--published", type=Path, help="CSV (or .csv.gz) of the whole tariff")
        parser.add_argument("--valid-from", type=_day, help="First day of the published rates")
        parser.add_argument("--valid-to", type=_day, help="Last day of the published rates")
        parser.add_argument("--lines", type=Path, help="CSV of national tariff lines")
        parser.add_argument("--preferential", type=Path, help="CSV of FTA preferential rates")
        parser.add_argument(
            "--agreements", type=Path, help="CSV of trade agreements (with --parties)"
        )
        parser.add_argument("--parties", type=Path, help="CSV of the parties to each agreement")
        parser.add_argument("--remedies", type=Path, help="CSV of trade remedies")
        parser.add_argument("--quotas", type=Path, help="CSV of tariff-rate quotas")
        parser.add_argument(
            "--correlation",
            type=Path,
            help="CSV of AHTN 2017 codes and the lines in force they became (replaces the table)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for name in (
            "published",
            "lines",
            "preferential",
            "agreements",
            "parties",
            "remedies",
            "quotas",
            "correlation",
        ):
            path = options[name]
            if path is not None and not path.is_file():
                raise CommandError(
                    _("--%(option)s: no such file: %(path)s") % {"option": name, "path": path}
                )
        if bool(options["agreements"]) != bool(options["parties"]):
            raise CommandError(_("--agreements and --parties go together."))
        if options["published"] and options["lines"]:
            raise CommandError(_("--published and --lines are two formats: give one."))
        if options["preferential"] and not options["lines"]:
            raise CommandError(_("--preferential goes with --lines."))
        kinds = ("published", "lines", "agreements", "remedies", "quotas", "correlation")
        if not any(options[n] for n in kinds):
            raise CommandError(
                _("Give --published, --lines, --agreements, --remedies, --quotas or --correlation.")
            )
        try:
            with transaction.atomic():  # everything given, or nothing
                if options["agreements"]:
                    n = agreements_load(
                        agreements_csv=options["agreements"], parties_csv=options["parties"]
                    )
                    self.stdout.write(_("Agreements loaded: %(n)d.") % {"n": n})
                if options["published"]:
                    result = tariff_load_published(
                        path=options["published"],
                        valid_from=options["valid_from"] or date(2000, 1, 1),
                        valid_to=options["valid_to"],
                        source=options["published"].name,
                    )
                    for warning in result.warnings:
                        self.stderr.write(_("Warning: %(w)s") % {"w": warning})
                    self.stdout.write(
                        _(
                            "Tariff rows: %(nodes)d, lines: %(lines)d (closed: %(closed)d), "
                            "preferential rates: %(pref)d."
                        )
                        % {
                            "nodes": result.nodes,
                            "lines": result.lines,
                            "closed": result.lines_closed,
                            "pref": result.preferential_rates,
                        }
                    )
                    self.stdout.write(
                        _("Lines per chapter: %(chapters)s")
                        % {"chapters": " ".join(f"{c}:{n}" for c, n in result.per_chapter.items())}
                    )
                if options["lines"]:
                    n = tariff_load_csv(
                        lines_csv=options["lines"], preferential_csv=options["preferential"]
                    )
                    self.stdout.write(_("Tariff lines loaded: %(n)d.") % {"n": n})
                if options["remedies"]:
                    n = trade_remedies_load(path=options["remedies"])
                    self.stdout.write(_("Trade remedy cases loaded: %(n)d.") % {"n": n})
                if options["quotas"]:
                    n = tariff_quotas_load(path=options["quotas"])
                    self.stdout.write(_("Tariff quotas loaded: %(n)d.") % {"n": n})
                if options["correlation"]:  # after the lines it points at
                    n = correlation_load(path=options["correlation"])
                    self.stdout.write(_("AHTN 2017 correlation pairs loaded: %(n)d.") % {"n": n})
        except ValidationFailed as exc:
            for problem in exc.errors:
                self.stderr.write(f"{problem.field}: {problem.problem}")
            raise CommandError(str(exc.detail)) from exc
        self.stdout.write(self.style.SUCCESS(_("Done.")))
