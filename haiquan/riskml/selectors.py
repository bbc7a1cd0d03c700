"""Reads of the learned risk score: model versions, targets, drift, and the batch interface
other apps call (`expected_recovery`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
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


def model_list(*, user: Any) -> QuerySet[RiskModel]:
    """The model versions, newest first (403 to anyone but analysts and administrators)."""
    riskml_require_read(user)
    return RiskModel.objects.visible_to(user).defer("classifier", "regressor").order_by("-version")


def model_get(*, user: Any, version: int) -> RiskModel:
    riskml_require_read(user)
    model = RiskModel.objects.visible_to(user).filter(version=version).first()
    if model is None:
        raise NotFound(_("No risk model version %(v)s.") % {"v": version})
    return model


def model_active() -> RiskModel | None:
    return RiskModel.objects.filter(status=ModelStatus.ACTIVE).first()


def target_list(*, user: Any) -> QuerySet[InspectionTarget]:
    """The offices' target inspection rates (403 as the models)."""
    riskml_require_read(user)
    return (
        InspectionTarget.objects.visible_to(user).select_related("office").order_by("office__code")
    )


def expected_recovery(*, declaration_ids: Sequence[int]) -> dict[int, tuple[float, float]] | None:
    """(probability of a violation, expected revenue recovered in VND) per declaration, from
    the active model over the history known now (the batch path); None when no model is
    active. Declarations that do not exist are left out."""
    from .scorer import active_model_scorer, scores_for

    scorer = active_model_scorer(fresh=True)
    if scorer is None:
        return None
    return scores_for(scorer, declaration_ids)


# Below this many declarations scored since activation, the score distribution says nothing
# about a shift: the page says so instead of comparing.
DRIFT_MIN_SCORED = 200
PSI_SOME_SHIFT = 0.1
PSI_LARGE_SHIFT = 0.25


def _hit(outcome: str, diff: Any) -> int:
    from haiquan.clearance.choices import CheckOutcome

    return int(outcome == CheckOutcome.DISCREPANCY and diff > 0)


def drift_report(*, user: Any, model: RiskModel, days: int = 30) -> dict[str, Any]:
    """The scores this version gave in the last `days` (since its activation, if later)
    against its evaluation period: the histogram of probabilities with the population
    stability index — only once at least `DRIFT_MIN_SCORED` declarations were scored — and,
    among the recent declarations a check has examined, the hit rate per score decile; and
    what the version's own red picks and its exploration picks found, apart."""
    riskml_require_read(user)
    since = timezone.now() - timedelta(days=days)
    if model.activated_at is not None and model.activated_at > since:
        since = model.activated_at
    rows = _scored_rows(model, since)
    scores = np.array([r[1] for r in rows])
    recent = histogram(scores) if len(scores) else [0] * 20
    base = (model.metrics or {}).get("test_histogram", [])
    checked = _checked_hits([r[0] for r in rows])
    by_decile = _hit_rate_by_decile(rows, checked)
    picks = _picks_found(rows, checked)
    enough = len(scores) >= DRIFT_MIN_SCORED
    value = psi(base, recent) if base and enough else None
    return {
        "days": days,
        "since": since,
        "scored": len(scores),
        "minimum": DRIFT_MIN_SCORED,
        "enough": enough,
        "mean_score": float(scores.mean()) if len(scores) else None,
        "histogram": recent,
        "training_histogram": base,
        "psi": value,
        "shift": (
            None
            if value is None
            else "large"
            if value > PSI_LARGE_SHIFT
            else "some"
            if value > PSI_SOME_SHIFT
            else "none"
        ),
        "hit_rate_by_decile": by_decile,
        "training_hit_rate_by_decile": (model.metrics or {}).get("test_hit_rate_by_decile", []),
        "picks": picks,
    }


def _scored_rows(model: RiskModel, since: datetime) -> list[tuple[int, float, str, bool]]:
    """The declarations this version scored since `since`: (id, score, "model" or
    "explore", sent red)."""
    codes = {f"MODEL-{model.version}": "model", f"MODEL-{model.version}-EXPLORE": "explore"}
    query = Declaration.objects.filter(registered_at__gte=since, risk_score__isnull=False)
    if _json_contains_supported():
        from django.db.models import Q

        match = Q()
        for code in codes:
            match |= Q(lane_reasons__contains=[{"code": code}])
        query = query.filter(match)
    rows = []
    for did, score, reasons in query.values_list("id", "risk_score", "lane_reasons"):
        mine = [r for r in reasons or [] if r.get("code") in codes]
        if not mine:
            continue
        kind = codes[mine[0]["code"]]
        red = any(r.get("lane") == "red" for r in mine)
        rows.append((did, float(score or 0), kind, red))
    return rows


def _checked_hits(ids: list[int]) -> dict[int, int]:
    """Of these declarations, those a check has examined: 1 where one found something."""
    from haiquan.clearance.models import CheckResult

    checked: dict[int, int] = {}
    for part in range(0, len(ids), 50_000):
        for did, outcome, diff in CheckResult.objects.filter(
            declaration_id__in=ids[part : part + 50_000]
        ).values_list("declaration_id", "outcome", "difference_vnd"):
            checked[did] = max(checked.get(did, 0), _hit(outcome, diff))
    return checked


def _hit_rate_by_decile(
    rows: list[tuple[int, float, str, bool]], checked: dict[int, int]
) -> list[dict[str, Any]]:
    """The hit rate of the checked declarations per score decile (none under 10 checked)."""
    score_of = {r[0]: r[1] for r in rows}
    pairs = [(score_of[d], h) for d, h in checked.items()]
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
    return by_decile


def _picks_found(
    rows: list[tuple[int, float, str, bool]], checked: dict[int, int]
) -> dict[str, dict[str, Any]]:
    """What the version's own red picks and its exploration picks found, apart."""
    picks: dict[str, dict[str, Any]] = {}
    for kind in ("model", "explore"):
        mine = [r[0] for r in rows if r[2] == kind and r[3]]
        seen = [checked[d] for d in mine if d in checked]
        picks[kind] = {
            "sent_red": len(mine),
            "checked": len(seen),
            "found": int(sum(seen)),
            "hit_rate": (sum(seen) / len(seen)) if seen else None,
        }
    return picks


def _json_contains_supported() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"
