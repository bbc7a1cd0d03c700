"""Demo content of the learned risk score: a version trained on the generated history,
activated, and its evaluation printed (`demo_setup`, called by `haiquan demo`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.utils.translation import gettext_noop

from haiquan.accounts.models import User
from haiquan.clearance.models import CheckResult
from haiquan.core.i18n import concat, later, number
from haiquan.core.problems import ValidationFailed

from .choices import ModelStatus
from .models import RiskModel
from .services import model_activate, model_train
from .tabular import table_lines


def _analyst() -> User:
    user = User.objects.filter(username="rr.phantich").first()
    if user is not None:
        return user
    from haiquan.demo.setup import synthetic_analyst

    return synthetic_analyst()


def _at5(result: Mapping[str, Any]) -> str:
    """Precision at a 5% inspection rate (± its spread over seeds), or a dash; written when
    shown, as the reader's language writes numbers."""
    for row in (result.get("table") or {}).get("model_probability", []):
        if abs(row["rate"] - 0.05) < 1e-9:
            sd = row.get("precision_sd") or 0.0
            spread = concat(" ± ", number(sd * 100, 1)) if sd else ""
            return concat(number(row["precision"] * 100, 1), " %", spread)
    return "—"


def demo_setup(*, say: Callable[[str], None]) -> None:
    """Train a version on the demo history and activate it, once: when a version already
    exists for the checks in the database (the same latest check), nothing is trained again."""
    latest_check = CheckResult.objects.order_by("-id").values_list("id", flat=True).first()
    if latest_check is None:
        say(later(gettext_noop("Risk model: no inspection results yet, nothing to learn from.")))
        return
    analyst = _analyst()
    model = RiskModel.objects.filter(notes=f"demo:{latest_check}").order_by("-version").first()
    if model is None:
        say(later(gettext_noop("Risk model: training on the demo history…")))
        try:
            model = model_train(actor=analyst, notes=f"demo:{latest_check}")
        except ValidationFailed as exc:
            # A short history (a few weeks at a small scale) has too few findings to learn from:
            # the demo goes on without a model, and says so.
            say(
                later(
                    gettext_noop("Risk model: not trained — %(why)s"),
                    why=exc.errors[0].problem if exc.errors else exc,
                )
            )
            return
    if model.status != ModelStatus.ACTIVE:
        model = model_activate(actor=analyst, model=model)
    metrics = model.metrics or {}
    subsets = metrics.get("subsets") or {}
    say(
        later(
            gettext_noop("Risk model version %(v)s is active. Evaluation on the latest period:"),
            v=model.version,
        )
    )
    say(
        later(
            gettext_noop(
                "  at a 5%% inspection rate, precision %(all)s on all declarations, %(novel)s on "
                "novel ones (importer and HS subheading never together in training), %(unseen)s "
                "on those of importers not seen in training (base rate %(base)s %%)"
            ),
            all=_at5(metrics),
            novel=_at5(subsets.get("novel") or {}),
            unseen=_at5(subsets.get("unseen_party") or {}),
            base=number((metrics.get("base_rate") or 0) * 100, 2),
        )
    )
    # The tables are written when shown, in the language of whoever reads them.
    for line in table_lines(metrics):
        say(concat("  ", line))
