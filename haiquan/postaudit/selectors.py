"""Reads of trader analysis and post-clearance audit, restricted to what the user may see.

Who may use them is `permissions.py`'s; which rows, each model's `visibility`: analysts and
administrators see everything; leaders see the declarations of their offices' scope and what
rests on them (an anomaly is shown when one of its declarations is in scope, an enterprise when
it declared in scope); officers see the audit cases whose team they are on.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pandas as pd
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from haiquan.accounts.models import User
from haiquan.accounts.selectors import offices_in_scope_subtrees
from haiquan.clearance.choices import CheckOutcome
from haiquan.clearance.models import CheckResult, Declaration
from haiquan.core.localtime import local_midnight
from haiquan.core.problems import NotFound, invalid
from haiquan.refdata.models import Enterprise, Office
from haiquan.risk.choices import Lane

from .compliance import RankInputs, rank_decide, rank_inputs, rule_text
from .models import Anomaly, AnomalyDeclaration, AuditCase, AuditOutcome, ScanRun
from .permissions import can_analyse, sees_everything
from .services import AUDITABLE_STATUSES

log = logging.getLogger(__name__)

# The own estimate when no learned model is active (see `audit_candidates`).
ANOMALY_WEIGHT = 0.6  # chance that an anomaly of score 100 is a violation
SMOOTHING_CHECKS = 10  # prior weight of the base discrepancy rate, in checks
DEFAULT_BASE_RATE = 0.02
UNEXPLAINED_SHARE = Decimal("0.3")  # duties at stake when nothing says how much


# Scans and anomalies ------------------------------------------------------------------------


def latest_run() -> ScanRun | None:
    return ScanRun.objects.filter(finished_at__isnull=False).order_by("-id").first()


def _declarations_in_scope(user: User) -> QuerySet[Declaration]:
    if can_analyse(user):
        return Declaration.objects.visible_to(user)
    return Declaration.objects.none()


def anomalies_of_run(user: User, *, run: ScanRun | None = None) -> QuerySet[Anomaly]:
    """The anomalies of a run (the latest by default) the user may see."""
    run = run or latest_run()
    if run is None or not can_analyse(user):
        return Anomaly.objects.none()
    return Anomaly.objects.filter(run=run).visible_to(user).select_related("enterprise")


def enterprise_get_for(user: User, *, mst: str) -> Enterprise:
    if not can_analyse(user):
        raise NotFound(_("No enterprise with tax code %(mst)s in your scope.") % {"mst": mst})
    ent = Enterprise.objects.visible_to(user).filter(mst=mst).first()
    if ent is None:
        raise NotFound(_("No enterprise with tax code %(mst)s in your scope.") % {"mst": mst})
    return ent


@dataclass
class TraderRow:
    enterprise: Enterprise
    anomalies: int
    top_score: float
    total_score: float
    kinds: list[str]


def traders_ranked(
    user: User, *, run: ScanRun | None = None, kind: str = "", q: str = "", limit: int = 100
) -> list[TraderRow]:
    """Enterprises by the weight of their anomalies (sum of scores), most unusual first."""
    qs = anomalies_of_run(user, run=run)
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(Q(enterprise__mst__icontains=q) | Q(enterprise__name__icontains=q))
    rows = list(
        qs.values("enterprise_id")
        .annotate(n=Count("id"), top=Max("score"), total=Sum("score"))
        .order_by("-total", "enterprise_id")[:limit]
    )
    ids = [r["enterprise_id"] for r in rows]
    ents = Enterprise.objects.in_bulk(ids)
    kinds: dict[int, set[str]] = {}
    for eid, k in qs.filter(enterprise_id__in=ids).values_list("enterprise_id", "kind"):
        kinds.setdefault(eid, set()).add(k)
    return [
        TraderRow(
            enterprise=ents[r["enterprise_id"]],
            anomalies=r["n"],
            top_score=float(r["top"]),
            total_score=round(float(r["total"]), 1),
            kinds=sorted(kinds.get(r["enterprise_id"], set())),
        )
        for r in rows
    ]


# Enterprise risk page ------------------------------------------------------------------------


def enterprise_declarations(user: User, enterprise: Enterprise) -> QuerySet[Declaration]:
    return (
        _declarations_in_scope(user)
        .filter(enterprise=enterprise, registered_at__isnull=False)
        .exclude(status__in=["draft", "cancelled"])
    )


def enterprise_monthly(user: User, enterprise: Enterprise) -> list[dict[str, Any]]:
    """Its history month by month: declarations, customs value, duties, lanes."""
    rows = (
        enterprise_declarations(user, enterprise)
        .annotate(month=TruncMonth("registered_at"))
        .values("month")
        .annotate(
            declarations=Count("id"),
            value_vnd=Sum("customs_value_vnd"),
            duties_vnd=Sum("total_duties_vnd"),
            green=Count("id", filter=Q(lane=Lane.GREEN)),
            yellow=Count("id", filter=Q(lane=Lane.YELLOW)),
            red=Count("id", filter=Q(lane=Lane.RED)),
        )
        .order_by("month")
    )
    out = []
    for r in rows:
        month = r["month"]
        label = month.strftime("%Y-%m") if isinstance(month, date | datetime) else str(month)[:7]
        out.append(
            {
                "month": label,
                "declarations": r["declarations"],
                "value_vnd": int(r["value_vnd"] or 0),
                "duties_vnd": int(r["duties_vnd"] or 0),
                "green": r["green"],
                "yellow": r["yellow"],
                "red": r["red"],
            }
        )
    return out


@dataclass
class InspectionRecord:
    checks: int
    discrepancies: int
    revenue_found_vnd: Decimal
    recent: list[CheckResult]


def enterprise_inspections(
    user: User, enterprise: Enterprise, *, recent: int = 20
) -> InspectionRecord:
    qs = CheckResult.objects.filter(
        declaration__in=enterprise_declarations(user, enterprise)
    ).select_related("declaration", "officer")
    agg = qs.aggregate(
        n=Count("id"),
        bad=Count("id", filter=Q(outcome=CheckOutcome.DISCREPANCY)),
        rev=Sum("difference_vnd", filter=Q(outcome=CheckOutcome.DISCREPANCY)),
    )
    return InspectionRecord(
        checks=agg["n"],
        discrepancies=agg["bad"],
        revenue_found_vnd=agg["rev"] or Decimal(0),
        recent=list(qs.order_by("-recorded_at")[:recent]),
    )


@dataclass
class RankExplanation:
    stored: str
    computed: str
    rule: str
    rule_text: str
    inputs: RankInputs
    history: list[Any] = field(default_factory=list)


def enterprise_rank_explain(enterprise: Enterprise) -> RankExplanation:
    """The stored rank, what the rule gives today from the record, and the inputs."""
    inputs = rank_inputs(enterprise)
    rank, rule = rank_decide(inputs)
    return RankExplanation(
        stored=enterprise.compliance_rank,
        computed=rank,
        rule=rule,
        rule_text=rule_text(rule),
        inputs=inputs,
        history=list(enterprise.rank_assessments.order_by("-computed_at", "-id")[:10]),
    )


# Audit cases --------------------------------------------------------------------------------


# What the lists and pages show beside each case (the cases: `AuditCase.objects.visible_to`).
CASE_RELATED = ("enterprise", "office", "created_by")


def case_get_for(user: User, *, pk: int) -> AuditCase:
    case = AuditCase.objects.select_related(*CASE_RELATED).visible_to(user).filter(pk=pk).first()
    if case is None:
        raise NotFound(_("No audit case %(id)s in your scope.") % {"id": pk})
    return case


def audit_outcomes(*, since: datetime | None = None) -> list[dict[str, Any]]:
    """Every audited declaration's outcome, for the learned model's training: one dict per
    (case, declaration) with `declaration_id`, `fraud_found` (bool), `fraud_kind`,
    `revenue_found_vnd` (additional duties, Decimal), `penalty_vnd`, `closed_at`, `case`.
    A declaration audited twice appears twice; the later `closed_at` is the newer word."""
    qs = AuditOutcome.objects.order_by("closed_at", "id")
    if since is not None:
        qs = qs.filter(closed_at__gte=since)
    return [
        {
            "declaration_id": r["declaration_id"],
            "fraud_found": r["fraud_found"],
            "fraud_kind": r["fraud_kind"],
            "revenue_found_vnd": r["revenue_found_vnd"],
            "penalty_vnd": r["penalty_vnd"],
            "closed_at": r["closed_at"],
            "case": r["case__reference"],
        }
        for r in qs.values(
            "declaration_id",
            "fraud_found",
            "fraud_kind",
            "revenue_found_vnd",
            "penalty_vnd",
            "closed_at",
            "case__reference",
        )
    ]


# Audit candidates ---------------------------------------------------------------------------


@dataclass
class DeclarationCandidate:
    declaration_id: int
    number: str
    enterprise_mst: str
    enterprise_name: str
    office_code: str
    registered_at: datetime | None
    total_duties_vnd: Decimal
    probability: float
    expected_vnd: int
    reasons: list[str]


@dataclass
class EnterpriseCandidate:
    enterprise_mst: str
    enterprise_name: str
    compliance_rank: str
    declarations: int
    expected_vnd: int
    top_probability: float
    anomalies: int


@dataclass
class Candidates:
    source: str  # "model" (the active learned model) or "estimate" (this app's own)
    pool: int  # cleared declarations considered
    declarations: list[DeclarationCandidate]
    enterprises: list[EnterpriseCandidate]


def _model_recovery(ids: Sequence[int]) -> dict[int, tuple[float, float]] | None:
    """(probability, expected revenue) from the active learned model, or None."""
    try:
        from haiquan.riskml.selectors import (  # type: ignore[import-not-found, attr-defined, unused-ignore]
            expected_recovery,
        )
    except (ImportError, AttributeError):
        return None
    try:
        result = expected_recovery(declaration_ids=list(ids))
    except Exception:  # the model is an aid; the candidates stand without it
        log.exception("expected_recovery failed; using the own estimate")
        return None
    return dict(result) if result else None


def _candidate_pool(
    user: User, *, period_from: date, period_to: date, office_code: str
) -> QuerySet[Declaration]:
    qs = _declarations_in_scope(user).filter(
        status__in=AUDITABLE_STATUSES,
        registered_at__gte=local_midnight(period_from),
        registered_at__lt=local_midnight(period_to + timedelta(days=1)),
    )
    if office_code:
        office = Office.objects.filter(code=office_code).first()
        if office is None:
            raise invalid("office_code", _("no customs office with this code"), "unknown")
        if (
            not sees_everything(user)
            and not offices_in_scope_subtrees(user).filter(pk=office.pk).exists()
        ):
            raise invalid("office_code", _("this office is outside your scope"), "out-of-scope")
        qs = qs.filter(office__path__startswith=office.path)
    audited = AuditCase.declarations.through.objects.filter(declaration_id=OuterRef("pk"))
    return qs.exclude(Exists(audited))


def audit_candidates(
    user: User,
    *,
    period_from: date,
    period_to: date,
    office_code: str = "",
    limit: int = 50,
    pool_limit: int = 200_000,
) -> Candidates:
    """Cleared declarations not yet audited, and their enterprises, ranked by the revenue an
    audit is expected to recover.

    With an active learned model (`riskml.selectors.expected_recovery`) its probability and
    expected revenue are used. Otherwise this app's own estimate:

    - probability = 1 − (1 − p_enterprise) × Π over the declaration's anomalies of
      (1 − 0.6 × score/100), where p_enterprise is the enterprise's discrepancy rate in checks,
      smoothed towards the overall rate with the weight of 10 checks;
    - revenue if a violation = the anomalies' estimated revenue at stake shared over their
      declarations, and at least 30% of the duties declared;
    - expected = probability × revenue.
    """
    if period_from > period_to:
        raise invalid("period_to", _("must be on or after the start of the period"), "order")
    pool_qs = _candidate_pool(
        user, period_from=period_from, period_to=period_to, office_code=office_code
    )
    rows = list(
        pool_qs.order_by("-registered_at").values_list("id", "enterprise_id", "total_duties_vnd")[
            :pool_limit
        ]
    )
    if not rows:
        return Candidates("estimate", 0, [], [])
    pool = pd.DataFrame(rows, columns=["id", "enterprise_id", "duties"])
    pool["duties"] = pool["duties"].astype(float)
    ids = pool["id"].tolist()
    links = _candidate_links(pool)
    model = _model_recovery(ids)
    if model is not None:
        source = "model"
        pool["p"] = pool["id"].map(lambda i: model.get(i, (0.0, 0.0))[0]).astype(float)
        pool["expected"] = pool["id"].map(lambda i: model.get(i, (0.0, 0.0))[1]).astype(float)
    else:
        source = "estimate"
        pool = _estimate(pool, links)
    pool = pool.sort_values(["expected", "p", "id"], ascending=[False, False, False])
    out_decls = _declaration_candidates(pool.head(limit), links)
    out_ents = _enterprise_candidates(pool, links, limit)
    return Candidates(source, len(pool), out_decls, out_ents)


def _candidate_links(pool: pd.DataFrame) -> pd.DataFrame:
    """The latest anomaly run's links (declaration, anomaly, score, gap) to the pool's
    declarations."""
    run = latest_run()
    # The run's links, kept to the pool here rather than by `declaration__in=pool_qs`: SQLite
    # plans that as the pool's list walked once per anomaly (minutes on a year's history).
    links = pd.DataFrame(
        list(
            AnomalyDeclaration.objects.filter(anomaly__run=run).values_list(
                "declaration_id", "anomaly_id", "anomaly__score", "anomaly__gap_vnd"
            )
        )
        if run
        else [],
        columns=["id", "anomaly_id", "score", "gap"],
    )
    return links[links["id"].isin(pool["id"])].reset_index(drop=True)


def _declaration_candidates(top: pd.DataFrame, links: pd.DataFrame) -> list[DeclarationCandidate]:
    """The top declarations, each with its three strongest anomalies' reasons."""
    decls = Declaration.objects.select_related("enterprise", "office").in_bulk(top["id"].tolist())
    reasons: dict[int, list[str]] = {}
    if not links.empty:
        wanted = links[links["id"].isin(top["id"])]
        anomalies = Anomaly.objects.in_bulk(wanted["anomaly_id"].unique().tolist())
        for did, aid in wanted.sort_values("score", ascending=False)[
            ["id", "anomaly_id"]
        ].itertuples(index=False):
            reasons.setdefault(int(did), []).append(anomalies[int(aid)].reason)
    out_decls = []
    for r in top.itertuples(index=False):
        d = decls[int(r.id)]
        out_decls.append(
            DeclarationCandidate(
                declaration_id=d.pk,
                number=d.number or "",
                enterprise_mst=d.enterprise.mst,
                enterprise_name=d.enterprise.name,
                office_code=d.office.code,
                registered_at=d.registered_at,
                total_duties_vnd=d.total_duties_vnd,
                probability=round(float(r.p), 4),
                expected_vnd=round(float(r.expected)),
                reasons=reasons.get(d.pk, [])[:3],
            )
        )
    return out_decls


def _enterprise_candidates(
    pool: pd.DataFrame, links: pd.DataFrame, limit: int
) -> list[EnterpriseCandidate]:
    """The enterprises by the sum of their declarations' expected recovery."""
    n_anomalies = (
        links.merge(pool[["id", "enterprise_id"]], on="id")
        .groupby("enterprise_id")["anomaly_id"]
        .nunique()
        if not links.empty
        else pd.Series(dtype=int)
    )
    per_ent = (
        pool.groupby("enterprise_id")
        .agg(declarations=("id", "size"), expected=("expected", "sum"), top=("p", "max"))
        .sort_values(["expected", "top"], ascending=False)
        .head(limit)
    )
    ents = Enterprise.objects.in_bulk(per_ent.index.tolist())
    return [
        EnterpriseCandidate(
            enterprise_mst=ents[int(eid)].mst,
            enterprise_name=ents[int(eid)].name,
            compliance_rank=ents[int(eid)].compliance_rank,
            declarations=int(r.declarations),
            expected_vnd=round(float(r.expected)),
            top_probability=round(float(r.top), 4),
            anomalies=int(n_anomalies.get(eid, 0)),
        )
        for eid, r in per_ent.iterrows()
    ]


def _estimate(pool: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    checks = (
        CheckResult.objects.filter(declaration__enterprise_id__in=pool["enterprise_id"].unique())
        .values("declaration__enterprise_id")
        .annotate(n=Count("id"), bad=Count("id", filter=Q(outcome=CheckOutcome.DISCREPANCY)))
    )
    overall = CheckResult.objects.aggregate(
        n=Count("id"), bad=Count("id", filter=Q(outcome=CheckOutcome.DISCREPANCY))
    )
    base = overall["bad"] / overall["n"] if overall["n"] else DEFAULT_BASE_RATE
    stats = {c["declaration__enterprise_id"]: (c["n"], c["bad"]) for c in checks}
    p_ent = pool["enterprise_id"].map(
        lambda e: (
            (stats.get(e, (0, 0))[1] + SMOOTHING_CHECKS * base)
            / (stats.get(e, (0, 0))[0] + SMOOTHING_CHECKS)
        )
    )
    clean = pd.Series(1.0, index=pool["id"])
    at_stake = pd.Series(0.0, index=pool["id"])
    if not links.empty:
        lk = links.copy()
        lk["score"] = lk["score"].astype(float)
        lk["gap"] = lk["gap"].astype(float)
        lk["share"] = lk["gap"] / lk.groupby("anomaly_id")["id"].transform("size")
        lk["keep"] = 1 - ANOMALY_WEIGHT * lk["score"] / 100
        clean = clean.mul(lk.groupby("id")["keep"].prod(), fill_value=1.0)
        at_stake = at_stake.add(lk.groupby("id")["share"].sum(), fill_value=0.0)
    clean = clean.reindex(pool["id"]).to_numpy()
    at_stake = at_stake.reindex(pool["id"]).to_numpy()
    pool = pool.copy()
    pool["p"] = 1 - (1 - p_ent.to_numpy()) * clean
    floor = pool["duties"].to_numpy() * float(UNEXPLAINED_SHARE)
    pool["expected"] = (
        pool["p"] * pd.Series(at_stake).clip(lower=0).combine(pd.Series(floor), max).to_numpy()
    )
    return pool
