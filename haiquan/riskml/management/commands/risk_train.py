"""`haiquan risk_train`: train a new version of the learned risk score on the history so far.

    haiquan risk_train [--test-share 0.2] [--rank-by probability|revenue] [--activate]

Schedule it, e.g. every Sunday at 02:00 (cron):
    0 2 * * 0  cd /srv/haiquan && .venv/bin/haiquan risk_train >> var/log/risk_train.log 2>&1
A new version is not used until an analyst activates it (or `--activate` is given).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from haiquan.core.problems import ProblemError


class Command(BaseCommand):
    help = "Train a new version of the learned risk score (evaluated on the latest period)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--test-share", type=float, default=0.2)
        parser.add_argument("--rank-by", choices=["probability", "revenue"], default="probability")
        parser.add_argument(
            "--activate", metavar="USERNAME", help="activate the new version as this analyst"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from haiquan.accounts.models import User
        from haiquan.riskml.services import model_activate, model_train

        try:
            model = model_train(test_share=options["test_share"], rank_by=options["rank_by"])
        except ProblemError as exc:
            raise CommandError(str(exc.detail if hasattr(exc, "detail") else exc)) from exc
        m = model.metrics
        at5 = next(r for r in m["table"]["model_probability"] if r["rate"] == 0.05)
        self.stdout.write(
            _(
                "Version %(v)d: trained on %(n)d checked declarations; AUC %(auc).3f; at 5%% "
                "precision %(p).1f%% (base rate %(b).2f%%, labels: %(t)s)."
            )
            % {
                "v": model.version,
                "n": model.training_rows,
                "auc": m["auc"],
                "p": at5["precision"] * 100,
                "b": m["base_rate"] * 100,
                "t": m["truth"],
            }
        )
        if options.get("activate"):
            actor = User.objects.filter(username=options["activate"]).first()
            if actor is None:
                raise CommandError(
                    _("--activate: no user %(user)s.") % {"user": options["activate"]}
                )
            try:
                model_activate(actor=actor, model=model)
            except ProblemError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(_("Version %(v)d is now active.") % {"v": model.version})
