"""`haiquan risk evaluate|export`: the learned risk score on any CSV, and the demo data as CSV.

haiquan risk evaluate --train TRAIN.csv --test TEST.csv --label COLUMN
                      [--revenue COLUMN] [--date COLUMN] [--id COLUMN] [--rules COLUMN]
                      [--code COLUMN ...] [--amount COLUMN ...] [--role COLUMN=ROLE ...]
                      [--seeds N] [--json]
haiquan risk export --out DIR [--split YYYY-MM-DD] [--test-share 0.2]
haiquan risk datasets --out DIR [--rows 50000] [--seed 19]
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = "Evaluate the learned risk score on CSV files, or export the declarations as CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        ev = sub.add_parser("evaluate", help="train on one CSV file and evaluate on another")
        ev.add_argument("--train", required=True, help="training CSV file")
        ev.add_argument("--test", required=True, help="test CSV file (later declarations)")
        ev.add_argument("--label", required=True, help="column: 1/yes when a violation was found")
        ev.add_argument("--revenue", help="column: additional revenue found (amount)")
        ev.add_argument("--date", help="column: registration date or time (orders the folds)")
        ev.add_argument("--id", dest="id_column", help="column: the declaration's identifier")
        ev.add_argument("--rules", help="column: the rules' own ranking, shown beside the model")
        ev.add_argument(
            "--code", action="append", default=[], metavar="COLUMN", help="type a column as a code"
        )
        ev.add_argument(
            "--amount",
            action="append",
            default=[],
            metavar="COLUMN",
            help="type a column as an amount",
        )
        ev.add_argument(
            "--role",
            action="append",
            default=[],
            metavar="COLUMN=ROLE",
            help="give a column its role (importer, seller, hs, origin, value, mass, ...)",
        )
        ev.add_argument(
            "--seeds", type=int, default=3, help="fits with different seeds, averaged (1-10)"
        )
        ev.add_argument("--json", action="store_true", help="print the evaluation as JSON")
        ex = sub.add_parser("export", help="write train.csv and test.csv from the database")
        ex.add_argument("--out", required=True, help="directory to write into")
        ex.add_argument("--split", type=str, help="first day of the test period (YYYY-MM-DD)")
        ex.add_argument("--test-share", type=float, default=0.2, help="latest share held out")
        ds = sub.add_parser(
            "datasets",
            help="build two public-format datasets from the demo generator (train/test CSV)",
        )
        ds.add_argument("--out", required=True, help="directory to write into")
        ds.add_argument("--rows", type=int, default=50_000, help="declarations per dataset")
        ds.add_argument("--seed", type=int, default=19)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "evaluate":
            self._evaluate(options)
        elif options["action"] == "datasets":
            self._datasets(options)
        else:
            self._export(options)

    def _datasets(self, options: dict[str, Any]) -> None:
        from haiquan.riskml.datasets import datasets_build

        if not 1_000 <= options["rows"] <= 1_000_000:
            raise CommandError("--rows must be between 1,000 and 1,000,000")
        try:
            report = datasets_build(
                out=Path(options["out"]), rows=options["rows"], seed=options["seed"]
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        for about in report:
            self.stdout.write(
                f"{about['dataset']}: {about['train_rows']} training and {about['test_rows']} test "
                f"rows (test from {about['test_from']}; violation rate "
                f"{about['violation_rate'] * 100:.1f}%: {about['violations']})\n"
                f"  {about['evaluate']}"
            )

    def _evaluate(self, options: dict[str, Any]) -> None:
        from haiquan.riskml.tabular import TabularError, evaluate_csv, table_text

        roles = {}
        for item in options["role"]:
            column, sep, role = item.rpartition("=")
            if not sep or not column:
                raise CommandError(f"--role {item!r}: write COLUMN=ROLE")
            roles[column] = role
        if not 1 <= options["seeds"] <= 10:
            raise CommandError("--seeds must be between 1 and 10")
        try:
            result = evaluate_csv(
                train_path=options["train"],
                test_path=options["test"],
                label=options["label"],
                revenue=options.get("revenue"),
                date=options.get("date"),
                id_column=options.get("id_column"),
                rules=options.get("rules"),
                codes=options["code"],
                amounts=options["amount"],
                roles=roles,
                seeds=tuple(range(7, 7 + options["seeds"])),
            )
        except TabularError as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(result, indent=2, default=str))
        else:
            self.stdout.write(table_text(result))

    def _export(self, options: dict[str, Any]) -> None:
        from haiquan.riskml.export import export_csv

        split = None
        if options.get("split"):
            try:
                day = datetime.fromisoformat(options["split"])
            except ValueError as exc:
                raise CommandError(
                    _("--split %(value)s: not a date (YYYY-MM-DD).") % {"value": options["split"]}
                ) from exc
            split = timezone.make_aware(day) if timezone.is_naive(day) else day
        if not 0.05 <= options["test_share"] <= 0.5:
            raise CommandError(_("--test-share must be between 0.05 and 0.5."))
        try:
            report = export_csv(
                out=Path(options["out"]), split=split, test_share=options["test_share"]
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            _(
                "train.csv: %(train)d declarations before %(split)s (%(checked)d checked); "
                "test.csv: %(test)d declarations after it (labels: %(labels)s)."
            )
            % {
                "train": report["train_rows"],
                "split": report["split"],
                "checked": report["train_checked"],
                "test": report["test_rows"],
                "labels": report["test_labels"],
            }
        )
