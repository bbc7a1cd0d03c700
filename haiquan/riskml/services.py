"""Writes of the learned risk score: train a version, activate it, deactivate it, set an
office's target inspection rate. Each change is one transaction with its event, and moves the
risk rule-set revision token so every process picks up the change on its next decision."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from haiquan.core.i18n import later
from haiquan.core.problems import Conflict, FieldProblem, ValidationFailed
from haiquan.eventlog import kinds
from haiquan.eventlog.choices import Party
from haiquan.refdata.models import Office
from haiquan.risk.services import ruleset_revision_bump

from . import data, pipeline
from .choices import ModelStatus, RankBy
from .models import DEFAULT_TARGET_RATE, InspectionTarget, RiskModel
from .permissions import riskml_require_write
from .training import threshold_for

DEFAULT_TEST_SHARE = 0.2


def default_target_rate() -> Decimal:
    return Decimal(str(settings.HAIQUAN.get("RISKML_TARGET_RATE", DEFAULT_TARGET_RATE)))


def exploration_default() -> float:
    """The part of an office's share of the red lane spent exploring, unless it has its own."""
    from .scorer import exploration_default as default

    return default()


def _revision_bump() -> None:
    """The lane decision reads the rule-set revision token on every decision: moving it makes
    every process pick up the active model (or its absence, or new thresholds) on its next
    decision, at no extra read."""
    ruleset_revision_bump()


def _finite(value: float) -> float | None:
    """A threshold as stored (JSON has no infinity): None sends nothing red."""
    return value if math.isfinite(value) else None


def _thresholds(model: RiskModel) -> dict[str, dict[str, Any]]:
    """Per office ("*": the others), how the active version spends the office's share of the
    red lane: the threshold on its ranking (probability or expected revenue, the office's
    choice or the version's) that sends (1 - exploration) of the share red, the share itself
    and the exploration part (`scorer.Policy`)."""
    from .scorer import exploration_default

    all_grids = (model.metrics or {}).get("grids", {})
    default_rate = float(default_target_rate())
    default_explore = exploration_default()
    targets = {t.office.code: t for t in InspectionTarget.objects.select_related("office")}
    offices = set(all_grids.get(model.rank_by, {})) | set(targets) | {"*"}
    out: dict[str, dict[str, Any]] = {}
    for code in sorted(offices):
        target = targets.get(code)
        rate = float(target.rate) if target is not None else default_rate
        rank_by = (target.rank_by if target is not None else "") or model.rank_by
        explore = (
            float(target.exploration)
            if target is not None and target.exploration is not None
            else default_explore
        )
        grids = all_grids.get(rank_by, {})
        grid = grids.get(code, grids.get("*", []))
        unsure = all_grids.get("uncertainty", {})
        u_grid = unsure.get(code, unsure.get("*", []))
        out[code] = {
            "threshold": _finite(threshold_for(grid, rate * (1 - explore))),
            "rank_by": rank_by,
            "rate": rate,
            "explore": explore,
            "explore_threshold": _finite(threshold_for(u_grid, rate * explore)),
        }
    return out


def model_train(
    *,
    actor: Any = None,
    until: datetime | None = None,
    since: datetime | None = None,
    test_share: float = DEFAULT_TEST_SHARE,
    rank_by: str = RankBy.PROBABILITY,
    notes: str = "",
) -> RiskModel:
    """Train a new version on the declarations registered before `until` (default now): the
    latest `test_share` of that period is held out for the evaluation, then the version is
    refitted on everything known. The new version is not active until an analyst activates it."""
    if actor is not None:
        riskml_require_write(actor)
    if rank_by not in RankBy.values:
        raise ValidationFailed([FieldProblem("rank_by", _("must be 'probability' or 'revenue'"))])
    if not 0.05 <= test_share <= 0.5:
        raise ValidationFailed(
            [FieldProblem("test_share", _("must be between 0.05 and 0.5"), "range")]
        )
    until = until or timezone.now()
    frames = data.frames_load(since=since, until=until)
    if not len(frames.decl["id"]):
        raise ValidationFailed(
            [FieldProblem("until", _("no registered declarations before this moment"), "empty")]
        )
    t = frames.decl["t"]
    # The evaluation period is the latest share of the history there is, not of the calendar.
    first, last = float(t.min()), min(float(until.timestamp()), float(t.max()) + 1.0)
    split_t = last - (last - first) * test_share
    try:
        trained = pipeline.train(
            frames,
            split_t=split_t,
            train_from_t=None,
            duty_rates=data.duty_rates(),
            truth_loader=data.truth_load,
            rules_loader=data.profile_severity,
        )
    except pipeline.NotEnoughHistory as exc:
        raise ValidationFailed(
            [
                FieldProblem(
                    "until",
                    # Shown in the reader's language, whenever that is (the demo prints it).
                    later(
                        gettext_noop(
                            "not enough checked declarations to learn from (%(checked)s "
                            "checked declarations with %(findings)s findings before the split)"
                        ),
                        checked=exc.checked,
                        findings=exc.findings,
                    ),
                    "not-enough-history",
                )
            ]
        ) from exc
    tz = timezone.get_current_timezone()
    spec = trained.spec.as_json()
    spec["mean_log_revenue"] = trained.boosters.mean_log_revenue
    spec["rounds"] = trained.rounds
    metrics = dict(trained.metrics)
    metrics["grids"] = trained.grids
    metrics["random_selection"] = random_selection_estimate(
        since=datetime.fromtimestamp(split_t, tz), until=datetime.fromtimestamp(last, tz)
    )
    try:
        return _model_store(
            actor=actor,
            trained=trained,
            spec=spec,
            metrics=metrics,
            rank_by=rank_by,
            window=(first, split_t, last),
            notes=notes,
        )
    except IntegrityError as exc:  # another training took the same version number
        raise Conflict(
            _("Another version was stored at the same moment; train again."), code="version-taken"
        ) from exc


def _model_store(
    *,
    actor: Any,
    trained: pipeline.Trained,
    spec: dict[str, Any],
    metrics: dict[str, Any],
    rank_by: str,
    window: tuple[float, float, float],
    notes: str,
) -> RiskModel:
    tz = timezone.get_current_timezone()
    first, split_t, last = window
    with transaction.atomic():
        number = (RiskModel.objects.aggregate(m=Max("version"))["m"] or 0) + 1
        model = RiskModel(
            version=number,
            rank_by=rank_by,
            classifier=trained.boosters.classifier.model_to_string(),
            regressor=(
                trained.boosters.regressor.model_to_string() if trained.boosters.regressor else ""
            ),
            spec=spec,
            metrics=metrics,
            train_from=datetime.fromtimestamp(first, tz),
            train_until=datetime.fromtimestamp(split_t, tz),
            test_until=datetime.fromtimestamp(last, tz),
            training_rows=trained.training_rows,
            notes=notes,
            created_by=actor,
        )
        model.thresholds = _thresholds(model)
        model.save()
        kinds.RISKML_MODEL_TRAINED.record(
            subject_type="risk_model",
            subject_id=model.pk,
            party=Party.CUSTOMS,
            actor=actor,
            actor_label="" if actor else "risk_train",
            data={
                "version": number,
                "training_rows": trained.training_rows,
                "auc": metrics.get("auc"),
                "truth": metrics.get("truth"),
            },
        )
    return model


def random_selection_estimate(*, since: datetime, until: datetime) -> dict[str, Any]:
    """What the random selections of a period found: an unbiased estimate of the share of
    declarations with a violation (the profiles and the model choose where to look; the
    random draw does not)."""
    from haiquan.clearance.choices import CheckOutcome
    from haiquan.clearance.models import CheckResult

    found: dict[int, bool] = {}
    for did, outcome, diff in CheckResult.objects.filter(
        random_selection=True,
        declaration__registered_at__gte=since,
        declaration__registered_at__lte=until,
    ).values_list("declaration_id", "outcome", "difference_vnd"):
        hit = outcome == CheckOutcome.DISCREPANCY and diff > 0
        found[did] = found.get(did, False) or hit
    n = len(found)
    hits = sum(found.values())
    return {"checked": n, "found": hits, "rate": hits / n if n else None}


def _locked(model: RiskModel) -> RiskModel:
    return RiskModel.objects.select_for_update().get(pk=model.pk)


def model_activate(*, actor: Any, model: RiskModel, rank_by: str | None = None) -> RiskModel:
    """Make this version the one the lane decision uses (any other active one is retired)."""
    riskml_require_write(actor)
    if rank_by is not None and rank_by not in RankBy.values:
        raise ValidationFailed([FieldProblem("rank_by", _("must be 'probability' or 'revenue'"))])
    from .features import FEATURE_SET

    if (model.spec or {}).get("feature_set") != FEATURE_SET:
        raise Conflict(
            _(
                "Version %(v)s was trained with an earlier set of features and cannot score "
                "declarations; train a new version."
            )
            % {"v": model.version},
            code="outdated-features",
        )
    with transaction.atomic():
        list(RiskModel.objects.select_for_update().filter(status=ModelStatus.ACTIVE))
        model = _locked(model)
        now = timezone.now()
        for other in RiskModel.objects.filter(status=ModelStatus.ACTIVE).exclude(pk=model.pk):
            other.status = ModelStatus.RETIRED
            other.deactivated_at = now
            other.save(update_fields=["status", "deactivated_at"])
        if rank_by is not None:
            model.rank_by = rank_by
        model.status = ModelStatus.ACTIVE
        model.activated_at = now
        model.activated_by = actor
        model.deactivated_at = None
        model.thresholds = _thresholds(model)
        model.save()
        _revision_bump()
        kinds.RISKML_MODEL_ACTIVATED.record(
            subject_type="risk_model",
            subject_id=model.pk,
            party=Party.CUSTOMS,
            actor=actor,
            data={"version": model.version, "rank_by": model.rank_by},
        )
    return model


def model_deactivate(*, actor: Any, model: RiskModel) -> RiskModel:
    """Stop using this version: lanes rest on the rules alone until another is activated."""
    riskml_require_write(actor)
    with transaction.atomic():
        model = _locked(model)
        if model.status != ModelStatus.ACTIVE:
            raise Conflict(_("Model version %(v)s is not active.") % {"v": model.version})
        model.status = ModelStatus.RETIRED
        model.deactivated_at = timezone.now()
        model.save(update_fields=["status", "deactivated_at"])
        _revision_bump()
        kinds.RISKML_MODEL_DEACTIVATED.record(
            subject_type="risk_model",
            subject_id=model.pk,
            party=Party.CUSTOMS,
            actor=actor,
            data={"version": model.version},
        )
    return model


def inspection_target_set(
    *,
    actor: Any,
    office_code: str,
    rate: Decimal,
    rank_by: str | None = None,
    exploration: Decimal | None = None,
) -> InspectionTarget:
    """Set the share of an office's declarations the model may send red (0 to 50%), what it
    ranks them by there ("" or None: as the active version does) and the part of the share
    spent exploring (0 to 50%; None: the installation's default)."""
    riskml_require_write(actor)
    problems = []
    office = Office.objects.filter(code=office_code).first()
    if office is None:
        problems.append(FieldProblem("office", _("no office has this code"), "unknown"))
    if not (Decimal(0) <= rate <= Decimal("0.5")):
        problems.append(FieldProblem("rate", _("must be between 0 and 0.5"), "range"))
    if rank_by and rank_by not in RankBy.values:
        problems.append(
            FieldProblem(
                "rank_by",
                _("choose catching the most violations or recovering the most revenue"),
                "choice",
            )
        )
    if exploration is not None and not (Decimal(0) <= exploration <= Decimal("0.5")):
        problems.append(FieldProblem("exploration", _("must be between 0 and 0.5"), "range"))
    if problems:
        raise ValidationFailed(problems)
    assert office is not None
    with transaction.atomic():
        target, _created = InspectionTarget.objects.update_or_create(
            office=office,
            defaults={
                "rate": rate,
                "rank_by": rank_by or "",
                "exploration": exploration,
                "updated_by": actor,
                "updated_at": timezone.now(),
            },
        )
        active = RiskModel.objects.select_for_update().filter(status=ModelStatus.ACTIVE).first()
        if active is not None:
            active.thresholds = _thresholds(active)
            active.save(update_fields=["thresholds"])
            _revision_bump()
        kinds.RISKML_TARGET_SET.record(
            subject_type="office",
            subject_id=office.pk,
            party=Party.CUSTOMS,
            actor=actor,
            office_code=office.code,
            data={"rate": rate, "rank_by": rank_by or "", "exploration": exploration},
        )
    return target


def recent_window(days: int = 30) -> tuple[datetime, datetime]:
    now = timezone.now()
    return now - timedelta(days=days), now
