"""What operators run of the learned risk score (see haiquan.ops): the weekly training of a
new version (not used until an analyst activates it)."""

from __future__ import annotations

from datetime import timedelta

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from haiquan.core.problems import ValidationFailed
from haiquan.ops.registry import NothingToDo, job_register

# Training that cannot start for want of history is not a failure to retry.
_NO_HISTORY = frozenset({"empty", "not-enough-history"})


def train() -> str:
    # Imported when the job runs: the web processes that read this module never load LightGBM.
    from .services import model_train

    try:
        model = model_train()
    except ValidationFailed as exc:
        if exc.errors and all(e.code in _NO_HISTORY for e in exc.errors):
            raise NothingToDo("; ".join(str(e.problem) for e in exc.errors)) from exc
        raise
    return _("Version %(version)s trained on %(rows)d checked declarations.") % {
        "version": model.version,
        "rows": model.training_rows,
    }


job_register(
    name="risk-train",
    schedule="0 2 * * 0",
    run=train,
    freshness=timedelta(days=8),
    description=gettext_lazy(
        "Train a new version of the learned risk score on the history so far."
    ),
)
