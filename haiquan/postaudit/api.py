"""The trader analysis and post-clearance audit API, mounted at /api/v1/post-audit.

Analysts and administrators see everything, leaders their offices' scope, officers the cases
they work; traders are refused (403) everywhere. Thin: check, call a selector or a service,
shape the answer.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from haiquan.accounts.apiauth import API_AUTH
from haiquan.audit.choices import Via
from haiquan.core.api import ObjectId, Pagination
from haiquan.core.problems import Forbidden, invalid
from haiquan.core.web import user_of

from . import selectors, services
from .choices import RankTrigger
from .models import Anomaly, AuditCase, AuditFinding, RankAssessment, ScanRun
from .permissions import analysis_require, audit_require, plan_require, sees_everything

router = Router(tags=["Trader analysis and post-clearance audit"], auth=API_AUTH)


# Schemas -----------------------------------------------------------------------------------


class ScanRunOut(Schema):
    id: int
    started_at: datetime
    finished_at: datetime | None
    data_from: date | None
    data_to: date | None
    lines_scanned: int
    declarations_scanned: int
    anomalies_found: int
    seconds: float


class AnomalyOut(Schema):
    id: int
    run_id: int
    enterprise_mst: str
    enterprise_name: str
    kind: str
    score: float
    reason: str
    period_start: date
    period_end: date
    hs_code: str
    origin: str
    value_vnd: Decimal
    gap_vnd: Decimal
    facts: dict[str, Any]
    declaration_ids: list[int]

    @staticmethod
    def resolve_enterprise_mst(obj: Anomaly) -> str:
        return obj.enterprise.mst

    @staticmethod
    def resolve_enterprise_name(obj: Anomaly) -> str:
        return obj.enterprise.name

    @staticmethod
    def resolve_declaration_ids(obj: Anomaly) -> list[int]:
        return sorted(link.declaration_id for link in obj.links.all())


class TraderOut(Schema):
    enterprise_mst: str
    enterprise_name: str
    compliance_rank: str
    anomalies: int
    top_score: float
    total_score: float
    kinds: list[str]


class RankInputsOut(Schema):
    window_from: date
    as_of: date
    declarations: int
    months_trading: int
    checks: int
    discrepancies: int
    discrepancy_rate: float
    audits_closed: int
    audits_with_violations: int
    audit_amount_vnd: int
    current_rank: str


class ComplianceRankOut(Schema):
    stored: str
    computed: str
    rule: str
    rule_text: str
    inputs: RankInputsOut


class TraderMonthOut(Schema):
    month: str
    declarations: int
    value_vnd: int
    duties_vnd: int
    green: int
    yellow: int
    red: int


class InspectionRecordOut(Schema):
    checks: int
    discrepancies: int
    revenue_found_vnd: Decimal


class EnterpriseRiskOut(Schema):
    mst: str
    name: str
    compliance_rank: str
    rank: ComplianceRankOut
    history: list[TraderMonthOut]
    inspections: InspectionRecordOut
    anomalies: list[AnomalyOut]


class RankAssessmentOut(Schema):
    enterprise_mst: str
    rank_before: str
    rank_after: str
    rule: str
    inputs: dict[str, Any]
    trigger: str
    computed_at: datetime

    @staticmethod
    def resolve_enterprise_mst(obj: RankAssessment) -> str:
        return obj.enterprise.mst


class AnomalyFilterIn(Schema):
    kind: str = ""
    enterprise_mst: str = ""
    min_score: float = Field(0, ge=0, le=100)
    run_id: ObjectId | None = None


class TraderFilterIn(Schema):
    kind: str = ""
    q: str = ""
    limit: int = Field(100, ge=1, le=500)


class AuditCandidatesQuery(Schema):
    period_from: date
    period_to: date
    office_code: str = ""
    limit: int = Field(50, ge=1, le=500)


class AuditDeclarationCandidateOut(Schema):
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


class AuditEnterpriseCandidateOut(Schema):
    enterprise_mst: str
    enterprise_name: str
    compliance_rank: str
    declarations: int
    expected_vnd: int
    top_probability: float
    anomalies: int


class AuditCandidatesOut(Schema):
    source: str
    pool: int
    declarations: list[AuditDeclarationCandidateOut]
    enterprises: list[AuditEnterpriseCandidateOut]


class AuditCaseIn(Schema):
    enterprise_mst: str
    office_code: str
    plan: str
    period_from: date
    period_to: date
    planned_start: date
    planned_end: date
    team: list[str]
    declaration_ids: list[ObjectId] | None = None


class AuditFindingIn(Schema):
    declaration_id: ObjectId
    kind: str
    description: str
    additional_duty_vnd: Decimal = Decimal(0)
    penalty_vnd: Decimal = Decimal(0)


class AuditCloseIn(Schema):
    result: str
    conclusion: str


class AuditFindingOut(Schema):
    id: int
    declaration_id: int
    declaration_number: str
    kind: str
    description: str
    additional_duty_vnd: Decimal
    penalty_vnd: Decimal
    recorded_by: str
    recorded_at: datetime

    @staticmethod
    def resolve_declaration_number(obj: AuditFinding) -> str:
        return obj.declaration.number or ""

    @staticmethod
    def resolve_recorded_by(obj: AuditFinding) -> str:
        return obj.recorded_by.get_username()


class AuditCaseOut(Schema):
    id: int
    reference: str
    state: str
    enterprise_mst: str
    enterprise_name: str
    office_code: str
    plan: str
    period_from: date
    period_to: date
    planned_start: date
    planned_end: date
    team: list[str]
    declaration_ids: list[int]
    created_by: str
    created_at: datetime
    started_at: datetime | None
    closed_at: datetime | None
    result: str
    conclusion: str
    additional_duties_vnd: Decimal
    penalties_vnd: Decimal
    findings: list[AuditFindingOut]
    enterprise_rank: str

    @staticmethod
    def resolve_enterprise_mst(obj: AuditCase) -> str:
        return obj.enterprise.mst

    @staticmethod
    def resolve_enterprise_name(obj: AuditCase) -> str:
        return obj.enterprise.name

    @staticmethod
    def resolve_enterprise_rank(obj: AuditCase) -> str:
        return obj.enterprise.compliance_rank

    @staticmethod
    def resolve_office_code(obj: AuditCase) -> str:
        return obj.office.code

    @staticmethod
    def resolve_team(obj: AuditCase) -> list[str]:
        return sorted(u.get_username() for u in obj.team.all())

    @staticmethod
    def resolve_declaration_ids(obj: AuditCase) -> list[int]:
        return sorted(obj.declarations.values_list("pk", flat=True))

    @staticmethod
    def resolve_created_by(obj: AuditCase) -> str:
        return obj.created_by.get_username()

    @staticmethod
    def resolve_findings(obj: AuditCase) -> list[AuditFinding]:
        return list(obj.findings.select_related("declaration", "recorded_by"))


class AuditCaseListOut(Schema):
    id: int
    reference: str
    state: str
    enterprise_mst: str
    enterprise_name: str
    office_code: str
    planned_start: date
    planned_end: date
    result: str
    additional_duties_vnd: Decimal
    penalties_vnd: Decimal

    @staticmethod
    def resolve_enterprise_mst(obj: AuditCase) -> str:
        return obj.enterprise.mst

    @staticmethod
    def resolve_enterprise_name(obj: AuditCase) -> str:
        return obj.enterprise.name

    @staticmethod
    def resolve_office_code(obj: AuditCase) -> str:
        return obj.office.code


class AuditOutcomeOut(Schema):
    declaration_id: int
    fraud_found: bool
    fraud_kind: str
    revenue_found_vnd: Decimal
    penalty_vnd: Decimal
    closed_at: datetime
    case: str


# Trader analysis -----------------------------------------------------------------------------


@router.get("/runs", response=list[ScanRunOut], summary="Anomaly scans, newest first")
@paginate(Pagination)
def runs_list(request: HttpRequest) -> Any:
    analysis_require(user_of(request))
    return ScanRun.objects.order_by("-id")


@router.get("/anomalies", response=list[AnomalyOut], summary="Anomalies of a scan")
@paginate(Pagination)
def anomalies_list(request: HttpRequest, filters: Query[AnomalyFilterIn]) -> Any:
    user = user_of(request)
    analysis_require(user)
    run = None
    if filters.run_id is not None:
        run = ScanRun.objects.filter(pk=filters.run_id).first()
        if run is None:
            raise invalid("run_id", _("no such scan"), "unknown")
    qs = selectors.anomalies_of_run(user, run=run).filter(score__gte=filters.min_score)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.enterprise_mst:
        qs = qs.filter(enterprise__mst=filters.enterprise_mst)
    return qs.prefetch_related("links").order_by("-score", "id")


@router.get("/traders", response=list[TraderOut], summary="Traders by the weight of anomalies")
def traders_list(request: HttpRequest, filters: Query[TraderFilterIn]) -> Any:
    user = user_of(request)
    analysis_require(user)
    return [
        {
            "enterprise_mst": r.enterprise.mst,
            "enterprise_name": r.enterprise.name,
            "compliance_rank": r.enterprise.compliance_rank,
            "anomalies": r.anomalies,
            "top_score": r.top_score,
            "total_score": r.total_score,
            "kinds": r.kinds,
        }
        for r in selectors.traders_ranked(user, kind=filters.kind, q=filters.q, limit=filters.limit)
    ]


@router.get("/enterprises/{mst}", response=EnterpriseRiskOut, summary="An enterprise's risk")
def enterprise_risk(request: HttpRequest, mst: str) -> Any:
    user = user_of(request)
    analysis_require(user)
    ent = selectors.enterprise_get_for(user, mst=mst)
    services.profile_access_record(
        user=user, enterprise=ent, via=Via.API, address=request.META.get("REMOTE_ADDR")
    )
    rank = selectors.enterprise_rank_explain(ent)
    record = selectors.enterprise_inspections(user, ent, recent=0)
    anomalies = (
        selectors.anomalies_of_run(user)
        .filter(enterprise=ent)
        .prefetch_related("links")
        .order_by("-score", "id")[:100]
    )
    return {
        "mst": ent.mst,
        "name": ent.name,
        "compliance_rank": ent.compliance_rank,
        "rank": {
            "stored": rank.stored,
            "computed": rank.computed,
            "rule": rank.rule,
            "rule_text": rank.rule_text,
            "inputs": rank.inputs.as_dict(),
        },
        "history": selectors.enterprise_monthly(user, ent),
        "inspections": {
            "checks": record.checks,
            "discrepancies": record.discrepancies,
            "revenue_found_vnd": record.revenue_found_vnd,
        },
        "anomalies": list(anomalies),
    }


@router.post(
    "/enterprises/{mst}/rank",
    response=RankAssessmentOut,
    summary="Recompute an enterprise's compliance rank from its record",
)
def enterprise_rank(request: HttpRequest, mst: str) -> Any:
    user = user_of(request)
    plan_require(user)
    ent = selectors.enterprise_get_for(user, mst=mst)
    return services.enterprise_rank_recompute(
        enterprise=ent, trigger=RankTrigger.MANUAL, actor=user
    )


# Post-clearance audit ------------------------------------------------------------------------


@router.get(
    "/candidates", response=AuditCandidatesOut, summary="What to audit, by expected recovery"
)
def candidates(request: HttpRequest, query: Query[AuditCandidatesQuery]) -> Any:
    user = user_of(request)
    plan_require(user)
    return selectors.audit_candidates(
        user,
        period_from=query.period_from,
        period_to=query.period_to,
        office_code=query.office_code,
        limit=query.limit,
    )


@router.get("/cases", response=list[AuditCaseListOut], summary="Audit cases you may see")
@paginate(Pagination)
def cases_list(request: HttpRequest, state: str = "") -> Any:
    user = user_of(request)
    audit_require(user)
    qs = AuditCase.objects.select_related(*selectors.CASE_RELATED).visible_to(user)
    if state:
        qs = qs.filter(state=state)
    return qs


@router.post("/cases", response={201: AuditCaseOut}, summary="Plan an audit")
def case_plan(request: HttpRequest, payload: AuditCaseIn) -> Any:
    user = user_of(request)
    case = services.audit_case_plan(actor=user, **payload.dict())
    return Status(201, selectors.case_get_for(user, pk=case.pk))


def _case(request: HttpRequest, case_id: int) -> AuditCase:
    user = user_of(request)
    audit_require(user)
    return selectors.case_get_for(user, pk=case_id)


@router.get("/cases/{case_id}", response=AuditCaseOut, summary="An audit case")
def case_get(request: HttpRequest, case_id: ObjectId) -> Any:
    case = _case(request, case_id)
    services.case_access_record(
        user=user_of(request), case=case, via=Via.API, address=request.META.get("REMOTE_ADDR")
    )
    return case


@router.post("/cases/{case_id}/start", response=AuditCaseOut, summary="Start the audit")
def case_start(request: HttpRequest, case_id: ObjectId) -> Any:
    case = services.audit_case_start(case=_case(request, case_id), actor=user_of(request))
    return selectors.case_get_for(user_of(request), pk=case.pk)


@router.post(
    "/cases/{case_id}/findings", response={201: AuditFindingOut}, summary="Record a finding"
)
def case_finding(request: HttpRequest, case_id: ObjectId, payload: AuditFindingIn) -> Any:
    finding = services.audit_finding_record(
        case=_case(request, case_id), actor=user_of(request), **payload.dict()
    )
    return Status(201, finding)


@router.post("/cases/{case_id}/close", response=AuditCaseOut, summary="Close with the result")
def case_close(request: HttpRequest, case_id: ObjectId, payload: AuditCloseIn) -> Any:
    case = services.audit_case_close(
        case=_case(request, case_id),
        actor=user_of(request),
        result=payload.result,
        conclusion=payload.conclusion,
    )
    return selectors.case_get_for(user_of(request), pk=case.pk)


@router.get(
    "/outcomes",
    response=list[AuditOutcomeOut],
    summary="Audit outcomes (training data of the model)",
)
@paginate(Pagination)
def outcomes(request: HttpRequest, since: datetime | None = None) -> Any:
    user = user_of(request)
    if not sees_everything(user):
        raise Forbidden(_("Only analysts and administrators read the training data."))
    return selectors.audit_outcomes(since=since)
