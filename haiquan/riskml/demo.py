"""Demo content of the learned risk score: a version trained on the generated history,
activated, and its evaluation printed (`demo_setup`, called by `haiquan demo`)."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext_noop

from haiquan.accounts.models import User
from haiquan.clearance.models import CheckResult
from haiquan.core.i18n import concat, later
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
    say(
        later(
            gettext_noop("Risk model version %(v)s is active. Evaluation on the latest period:"),
            v=model.version,
        )
    )
    # The table is written when shown, in the language of whoever reads it.
    for line in table_lines(model.metrics):
        say(concat("  ", line))
