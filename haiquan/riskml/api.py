"""The learned risk score API, mounted at /api/v1/risk-models.

Risk analysts and administrators only: model versions (list, read, train, activate,
deactivate, drift), the offices' target inspection rates, and the expected recovery of given
declarations (for post-clearance audit selection).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from haiquan.accounts.apiauth import API_AUTH
from haiquan.core.api import Pagination

from . import selectors, services
from .models import RiskModel
from .permissions import riskml_require_read

router = Router(tags=["Learned risk score"], auth=API_AUTH)


class ModelOut(Schema):
    version: int
    status: str
    rank_by: str
    created_at: datetime
    train_from: datetime
    train_until: datetime
    test_until: datetime
    training_rows: int
    activated_at: datetime | None
    deactivated_at: datetime | None
    auc: float | None = None
    base_rate: float | None = None
    precision_at_5: float | None = None
    truth: str | None = None

    @staticmethod
    def resolve_auc(obj: RiskModel) -> float | None:
        return (obj.metrics or {}).get("auc")

    @staticmethod
    def resolve_base_rate(obj: RiskModel) -> float | None:
        return (obj.metrics or {}).get("base_rate")

    @staticmethod
    def resolve_truth(obj: RiskModel) -> str | None:
        return (obj.metrics or {}).get("truth")

    @staticmethod
    def resolve_precision_at_5(obj: RiskModel) -> float | None:
        for row in (obj.metrics or {}).get("table", {}).get("model_probability", []):
            if abs(row["rate"] - 0.05) < 1e-9:
                return float(row["precision"])
        return None


class ModelDetailOut(ModelOut):
    evaluation: dict[str, Any]
    thresholds: dict[str, float | None]
    policies: dict[str, dict[str, Any]]
    features: list[str]

    @staticmethod
    def resolve_thresholds(obj: RiskModel) -> dict[str, float | None]:
        """Per office, the ranking value from which the model sends a declaration red."""
        out: dict[str, float | None] = {}
        for office, value in (obj.thresholds or {}).items():
            out[office] = value.get("threshold") if isinstance(value, dict) else value
        return out

    @staticmethod
    def resolve_policies(obj: RiskModel) -> dict[str, dict[str, Any]]:
        """Per office: the threshold, what it ranks by, its target rate, the part of it spent
        exploring and the uncertainty from which a declaration is explored."""
        return {k: v for k, v in (obj.thresholds or {}).items() if isinstance(v, dict)}

    @staticmethod
    def resolve_evaluation(obj: RiskModel) -> dict[str, Any]:
        return {k: v for k, v in (obj.metrics or {}).items() if k != "grids"}

    @staticmethod
    def resolve_features(obj: RiskModel) -> list[str]:
        return list((obj.spec or {}).get("features", []))


class TrainIn(Schema):
    test_share: float = Field(0.2, description="latest share of the history held out (0.05–0.5)")
    rank_by: str = "probability"
    notes: str = ""


class ActivateIn(Schema):
    rank_by: str | None = None


class InspectionTargetIn(Schema):
    rate: Decimal = Field(..., description="share of the office's declarations sent red (0–0.5)")


class InspectionTargetOut(Schema):
    office: str
    rate: Decimal
    updated_at: datetime


class RecoveryIn(Schema):
    declaration_ids: list[int] = Field(..., max_length=100_000)


class RecoveryOut(Schema):
    declaration_id: int
    probability: float
    expected_revenue_vnd: float


@router.get("", response=list[ModelOut])
@paginate(Pagination)
def models_list(request: HttpRequest) -> Any:
    return selectors.model_list(user=request.user)


@router.post("", response={201: ModelDetailOut})
def models_train(request: HttpRequest, payload: TrainIn) -> Any:
    model = services.model_train(
        actor=request.user,
        test_share=payload.test_share,
        rank_by=payload.rank_by,
        notes=payload.notes,
    )
    return Status(201, model)


@router.get("/targets", response=list[InspectionTargetOut])
def targets_list(request: HttpRequest) -> Any:
    return [
        {"office": t.office.code, "rate": t.rate, "updated_at": t.updated_at}
        for t in selectors.target_list(user=request.user)
    ]


@router.put("/targets/{office_code}", response=InspectionTargetOut)
def targets_set(request: HttpRequest, office_code: str, payload: InspectionTargetIn) -> Any:
    target = services.inspection_target_set(
        actor=request.user, office_code=office_code, rate=payload.rate
    )
    return {"office": office_code, "rate": target.rate, "updated_at": target.updated_at}


@router.post("/expected-recovery", response=list[RecoveryOut])
def expected_recovery(request: HttpRequest, payload: RecoveryIn) -> Any:
    riskml_require_read(request.user)
    scores = selectors.expected_recovery(declaration_ids=payload.declaration_ids)
    if scores is None:
        from django.utils.translation import gettext as _

        from haiquan.core.problems import Conflict

        raise Conflict(_("No risk model is active."), code="no-active-model")
    return [
        {"declaration_id": did, "probability": p, "expected_revenue_vnd": er}
        for did, (p, er) in scores.items()
    ]


@router.get("/{version}", response=ModelDetailOut)
def models_get(request: HttpRequest, version: int) -> Any:
    return selectors.model_get(user=request.user, version=version)


@router.post("/{version}/activate", response=ModelDetailOut)
def models_activate(request: HttpRequest, version: int, payload: ActivateIn | None = None) -> Any:
    model = selectors.model_get(user=request.user, version=version)
    return services.model_activate(
        actor=request.user, model=model, rank_by=payload.rank_by if payload else None
    )


@router.post("/{version}/deactivate", response=ModelDetailOut)
def models_deactivate(request: HttpRequest, version: int) -> Any:
    model = selectors.model_get(user=request.user, version=version)
    return services.model_deactivate(actor=request.user, model=model)


@router.get("/{version}/drift", response=dict[str, Any])
def models_drift(
    request: HttpRequest,
    version: int,
    days: int = Query(30, ge=1, le=365),  # type: ignore[type-arg]
) -> Any:
    model = selectors.model_get(user=request.user, version=version)
    return selectors.drift_report(user=request.user, model=model, days=days)
