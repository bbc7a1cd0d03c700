"""Reads of the learned risk score: model versions, targets, drift, and the batch interface
other apps call (`expected_recovery`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import numpy as np
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from haiquan.clearance.models import Declaration
from haiquan.core.problems import NotFound

from .choices import ModelStatus
from .models import InspectionTarget, RiskModel
from .permissions import riskml_require_read
from .training import histogram, psi


def models_visible_to(user: Any) -> QuerySet[RiskModel]:
    riskml_require_read(user)
    return RiskModel.objects.defer("classifier", "regressor").order_by("-version")


def model_get(*, user: Any, version: int) -> RiskModel:
    riskml_require_read(user)
    model = RiskModel.objects.filter(version=version).first()
    if model is None:
        raise NotFound(_("No risk model version %(v)s.") % {"v": version})
    return model


def model_active() -> RiskModel | None:
    return RiskModel.objects.filter(status=ModelStatus.ACTIVE).first()


def targets_visible_to(user: Any) -> QuerySet[InspectionTarget]:
    riskml_require_read(user)
    return InspectionTarget.objects.select_related("office").order_by("office__code")


def expected_recovery(*, declaration_ids: Sequence[int]) -> dict[int, tuple[float, float]] | None:
    """(probability of a violation, expected revenue recovered in VND) per declaration, from
    the active model over the history known now (the batch path); None when no model is
    active. Declarations that do not exist are left out."""
    from .scorer import active_model_scorer, scores_for

    scorer = active_model_scorer(fresh=True)
    if scorer is None:
        return None
    return scores_for(scorer, declaration_ids)


def drift_report(*, user: Any, model: RiskModel, days: int = 30) -> dict[str, Any]:
    """The scores this version gave in the last `days` against its evaluation period: the
    histogram of probabilities (with the population stability index) and, among the recent
    declarations a check has examined, the hit rate per score decile."""
    riskml_require_read(user)
    since = timezone.now() - timedelta(days=days)
    rows = list(
        Declaration.objects.filter(
            registered_at__gte=since,
            risk_score__isnull=False,
            lane_reasons__contains=[{"code": f"MODEL-{model.version}"}],
        ).values_list("id", "risk_score")
        if _json_contains_supported()
        else Declaration.objects.filter(
            registered_at__gte=since, risk_score__isnull=False
        ).values_list("id", "risk_score")
    )
    scores = np.array([float(s) for _i, s in rows if s is not None])
    recent = histogram(scores) if len(scores) else [0] * 20
    base = (model.metrics or {}).get("test_histogram", [])
    from haiquan.clearance.choices import CheckOutcome
    from haiquan.clearance.models import CheckResult

    checked: dict[int, int] = {}
    ids = [i for i, _s in rows]
    for did, outcome, diff in CheckResult.objects.filter(declaration_id__in=ids).values_list(
        "declaration_id", "outcome", "difference_vnd"
    ):
        hit = int(outcome == CheckOutcome.DISCREPANCY and diff > 0)
        checked[did] = max(checked.get(did, 0), hit)
    score_of = dict(rows)
    pairs = [(float(score_of[d] or 0), h) for d, h in checked.items()]
    by_decile = []
    if len(pairs) >= 10:
        p = np.array([a for a, _h in pairs])
        h = np.array([b for _a, b in pairs])
        edges = np.quantile(p, np.linspace(0, 1, 11))
        for i in range(10):
            chosen = (p >= edges[i]) & ((p <= edges[i + 1]) if i == 9 else (p < edges[i + 1]))
            k = int(chosen.sum())
            by_decile.append(
                {"decile": i + 1, "checked": k, "hit_rate": float(h[chosen].mean()) if k else 0.0}
            )
    return {
        "days": days,
        "scored": len(scores),
        "mean_score": float(scores.mean()) if len(scores) else None,
        "histogram": recent,
        "training_histogram": base,
        "psi": psi(base, recent) if base else None,
        "hit_rate_by_decile": by_decile,
        "training_hit_rate_by_decile": (model.metrics or {}).get("test_hit_rate_by_decile", []),
    }


def _json_contains_supported() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"
