"""Writes of trader analysis and post-clearance audit. Each is one transaction that appends its
event to the event log."""

from __future__ import annotations

import time as clock
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import uuid4

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from haiquan.accounts.choices import Role
from haiquan.accounts.models import User
from haiquan.accounts.selectors import offices_in_scope_subtrees
from haiquan.audit.choices import Part
from haiquan.audit.services import access_record
from haiquan.clearance.choices import Status
from haiquan.clearance.models import Declaration
from haiquan.core.i18n import choice_labels, later
from haiquan.core.localtime import local_midnight
from haiquan.core.problems import Conflict, FieldProblem, Forbidden, ValidationFailed
from haiquan.eventlog import kinds
from haiquan.eventlog.choices import Party
from haiquan.eventlog.kinds import EventKind
from haiquan.eventlog.services import events_append
from haiquan.refdata.models import Enterprise, Office

from . import frames
from .anomalies import Found, ScanSettings, detect
from .choices import CaseResult, CaseState, FindingKind, RankTrigger
from .compliance import rank_decide, rank_inputs
from .models import (
    Anomaly,
    AnomalyDeclaration,
    AuditCase,
    AuditFinding,
    AuditOutcome,
    RankAssessment,
    ScanRun,
)
from .permissions import case_plan_require, sees_everything

AUDITABLE_STATUSES = (Status.CLEARED, Status.RELEASED)
KEEP_RUNS = 3  # older scans' anomalies are pruned (their run rows stay)


# Anomaly scan -------------------------------------------------------------------------------


def anomaly_scan_run(
    *,
    actor: User | None = None,
    day_from: date | None = None,
    day_to: date | None = None,
    settings: ScanSettings | None = None,
    say: Callable[[str], None] | None = None,
) -> ScanRun:
    """Scan the history for anomalies (see `anomalies`) and store them under a new run id."""
    began = clock.monotonic()
    s = settings or ScanSettings()
    lines = frames.lines_frame(day_from=day_from, day_to=day_to)
    if say:
        say(later(gettext_noop("Read %(n)d goods lines."), n=len(lines)))
    established = frames.established_dates()
    found = detect(lines, mfn_rates=frames.mfn_rates(), established=established, settings=s)
    if say:
        say(later(gettext_noop("Found %(n)d anomalies."), n=len(found)))
    return _scan_store(
        found=found,
        lines_n=len(lines),
        declarations_n=int(lines["declaration_id"].nunique()) if len(lines) else 0,
        data_from=lines["registered_at"].min().date() if len(lines) else day_from,
        data_to=lines["registered_at"].max().date() if len(lines) else day_to,
        parameters=s.as_dict(),
        actor=actor,
        began=began,
    )


@transaction.atomic
def _scan_store(
    *,
    found: list[Found],
    lines_n: int,
    declarations_n: int,
    data_from: date | None,
    data_to: date | None,
    parameters: dict[str, Any],
    actor: User | None,
    began: float,
) -> ScanRun:
    run = ScanRun.objects.create(
        data_from=data_from,
        data_to=data_to,
        parameters=parameters,
        lines_scanned=lines_n,
        declarations_scanned=declarations_n,
        created_by=actor if actor is not None and actor.pk else None,
    )
    rows = [
        Anomaly(
            run=run,
            enterprise_id=f.enterprise_id,
            kind=str(f.kind),
            reason_code=f.reason_code,
            facts=f.facts,
            score=f.score,
            period_start=f.period_start,
            period_end=f.period_end,
            hs_code=f.hs_code,
            origin=f.origin,
            value_vnd=Decimal(round(f.value_vnd)),
            gap_vnd=Decimal(round(max(0.0, f.gap_vnd))),
        )
        for f in found
    ]
    created = Anomaly.objects.bulk_create(rows, batch_size=2000)
    if created and created[0].pk is None:  # a backend that returns no ids
        created = list(Anomaly.objects.filter(run=run).order_by("id"))
    links = [
        AnomalyDeclaration(anomaly_id=a.pk, declaration_id=did)
        for a, f in zip(created, found, strict=True)
        for did in dict.fromkeys(f.declaration_ids)
    ]
    AnomalyDeclaration.objects.bulk_create(links, batch_size=5000)
    run.anomalies_found = len(created)
    run.finished_at = timezone.now()
    run.seconds = round(clock.monotonic() - began, 2)
    run.save(update_fields=["anomalies_found", "finished_at", "seconds"])
    old = ScanRun.objects.order_by("-id").values_list("pk", flat=True)[KEEP_RUNS:]
    Anomaly.objects.filter(run_id__in=list(old)).delete()
    kinds.POSTAUDIT_SCAN_COMPLETED.record(
        subject_type="scan_run",
        subject_id=run.pk,
        party=Party.SYSTEM if actor is None else Party.CUSTOMS,
        actor=actor,
        actor_label="" if actor is not None else "postaudit_scan",
        data={
            "lines": lines_n,
            "declarations": declarations_n,
            "anomalies": len(created),
            "seconds": run.seconds,
        },
    )
    return run


# Compliance rank ----------------------------------------------------------------------------


@transaction.atomic
def enterprise_rank_recompute(
    *,
    enterprise: Enterprise,
    trigger: str,
    actor: User | None = None,
    case: AuditCase | None = None,
    as_of: date | None = None,
) -> RankAssessment:
    """Recompute the enterprise's compliance rank from its record (rules in `compliance`), keep
    the inputs and the rule that decided, and store the new rank where risk profiles read it."""
    locked = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    inputs = rank_inputs(locked, as_of=as_of)
    rank, rule = rank_decide(inputs)
    before = locked.compliance_rank
    if rank != before:
        Enterprise.objects.filter(pk=locked.pk).update(compliance_rank=rank)
        enterprise.compliance_rank = rank
    assessment = RankAssessment.objects.create(
        enterprise=locked,
        rank_before=before,
        rank_after=rank,
        rule=rule,
        inputs=inputs.as_dict(),
        trigger=trigger,
        case=case,
        actor=actor if actor is not None and actor.pk else None,
    )
    kinds.ENTERPRISE_COMPLIANCE_RANK_RECOMPUTED.record(
        subject_type="enterprise",
        subject_id=locked.pk,
        party=Party.CUSTOMS if actor is not None else Party.SYSTEM,
        actor=actor,
        actor_label="" if actor is not None else "postaudit",
        data={
            "mst": locked.mst,
            "before": before,
            "after": rank,
            "rule": rule,
            "case": case.reference if case else None,
        },
    )
    return assessment


# Audit cases --------------------------------------------------------------------------------


def _money(value: Any, field: str, errors: list[FieldProblem]) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        errors.append(FieldProblem(field, _("must be an amount in VND"), "invalid-amount"))
        return Decimal(0)
    if not amount.is_finite() or amount < 0:
        errors.append(FieldProblem(field, _("must be zero or more"), "negative"))
        return Decimal(0)
    if amount != amount.to_integral_value():
        errors.append(FieldProblem(field, _("must be whole đồng"), "not-whole"))
    if amount >= Decimal(10) ** 18:
        errors.append(FieldProblem(field, _("is too large"), "too-large"))
    return amount


def _office_allowed(actor: User, office: Office) -> bool:
    if sees_everything(actor):
        return True
    return offices_in_scope_subtrees(actor).filter(pk=office.pk).exists()


def _team_member_ok(user: User, office: Office | None) -> bool:
    if not user.is_active or user.role not in (Role.OFFICER, Role.LEADER, Role.ANALYST):
        return False
    if user.role == Role.ANALYST or office is None:
        return True
    return offices_in_scope_subtrees(user).filter(pk=office.pk).exists()


def may_close(user: User, case: AuditCase) -> bool:
    """The result (kết luận kiểm tra) is decided by a leader whose scope holds the office."""
    return user.is_active and user.role == Role.LEADER and _office_allowed(user, case.office)


def may_work(user: User, case: AuditCase) -> bool:
    """A case is worked by its team and by the leaders whose scope holds its office; analysts
    and administrators read every case but work only those whose team they are on."""
    if may_close(user, case):
        return True
    return user.is_active and case.team.filter(pk=user.pk).exists()


def _lock(case: AuditCase) -> AuditCase:
    return (
        AuditCase.objects.select_for_update(of=("self",))
        .select_related("enterprise", "office")
        .get(pk=case.pk)
    )


def _event(
    case: AuditCase, kind: EventKind, actor: User, data: dict[str, Any], **extra: Any
) -> None:
    kind.record(
        subject_type="audit_case",
        subject_id=case.pk,
        party=Party.CUSTOMS,
        actor=actor,
        office_code=case.office.code,
        data={"reference": case.reference, **data},
        **extra,
    )


@transaction.atomic
def audit_case_plan(
    *,
    actor: User,
    enterprise_mst: str,
    office_code: str,
    plan: str,
    period_from: date,
    period_to: date,
    planned_start: date,
    planned_end: date,
    team: Sequence[str],
    declaration_ids: Sequence[int] | None = None,
) -> AuditCase:
    """Plan an audit (kế hoạch kiểm tra sau thông quan) of an enterprise's cleared declarations
    registered in a period at the auditing office or below it: what to audit, by whom, when.
    Without `declaration_ids`, every such declaration is audited."""
    case_plan_require(actor)
    enterprise, office, members = _plan_checked(
        actor,
        enterprise_mst=enterprise_mst,
        office_code=office_code,
        plan=plan,
        period_from=period_from,
        period_to=period_to,
        planned_start=planned_start,
        planned_end=planned_end,
        team=team,
    )
    chosen = _plan_declarations(enterprise, office, period_from, period_to, declaration_ids)
    case = AuditCase.objects.create(
        reference=f"tmp-{uuid4().hex[:16]}",  # until the id gives the real one
        enterprise=enterprise,
        office=office,
        plan=plan.strip(),
        period_from=period_from,
        period_to=period_to,
        planned_start=planned_start,
        planned_end=planned_end,
        created_by=actor,
    )
    case.reference = f"HK-{case.created_at:%Y}-{case.pk:05d}"
    case.save(update_fields=["reference"])
    case.team.set(members)
    case.declarations.set(chosen)
    _event(
        case,
        kinds.AUDIT_CASE_PLANNED,
        actor,
        {
            "enterprise": enterprise.mst,
            "declarations": len(chosen),
            "team": sorted(u.username for u in members),
            "period": [period_from.isoformat(), period_to.isoformat()],
        },
    )
    return case


def _plan_checked(
    actor: User,
    *,
    enterprise_mst: str,
    office_code: str,
    plan: str,
    period_from: date,
    period_to: date,
    planned_start: date,
    planned_end: date,
    team: Sequence[str],
) -> tuple[Enterprise, Office, list[User]]:
    """The plan's enterprise, office and team, or every problem with them and its dates.
    An office outside the actor's scope is refused outright."""
    errors: list[FieldProblem] = []
    enterprise = Enterprise.objects.filter(mst=(enterprise_mst or "").strip()).first()
    if enterprise is None:
        errors.append(
            FieldProblem("enterprise_mst", _("no enterprise with this tax code"), "unknown")
        )
    office = Office.objects.filter(code=(office_code or "").strip()).first()
    if office is None:
        errors.append(FieldProblem("office_code", _("no customs office with this code"), "unknown"))
    elif not _office_allowed(actor, office):
        raise Forbidden(_("Office %(code)s is outside your scope.") % {"code": office.code})
    if not (plan or "").strip():
        errors.append(FieldProblem("plan", _("describe what the audit will check"), "required"))
    if period_from > period_to:
        errors.append(
            FieldProblem("period_to", _("must be on or after the start of the period"), "order")
        )
    if period_to > timezone.localdate():
        errors.append(FieldProblem("period_to", _("cannot be in the future"), "future"))
    if planned_start > planned_end:
        errors.append(
            FieldProblem("planned_end", _("must be on or after the planned start"), "order")
        )
    members = _plan_team(team, office, errors)
    if errors:
        raise ValidationFailed(errors)
    assert enterprise is not None and office is not None
    return enterprise, office, members


def _plan_team(
    team: Sequence[str], office: Office | None, errors: list[FieldProblem]
) -> list[User]:
    """The named officers (appending a problem for each unknown or ineligible name)."""
    names = [n.strip() for n in team if n and n.strip()]
    members = list(User.objects.filter(username__in=names))
    if not names:
        errors.append(FieldProblem("team", _("name at least one officer"), "required"))
    found_names = {u.username for u in members}
    for i, name in enumerate(names):
        if name not in found_names:
            errors.append(FieldProblem(f"team[{i}]", _("no such user"), "unknown-user"))
        elif not _team_member_ok(next(u for u in members if u.username == name), office):
            errors.append(
                FieldProblem(
                    f"team[{i}]",
                    _("must be an active officer, leader or analyst working this office"),
                    "not-eligible",
                )
            )
    return members


def _plan_declarations(
    enterprise: Enterprise,
    office: Office,
    period_from: date,
    period_to: date,
    declaration_ids: Sequence[int] | None,
) -> list[int]:
    """The declarations to audit: those asked for, each checked to be auditable, or else every
    cleared declaration of the enterprise registered in the period at the office or below."""
    pool = Declaration.objects.filter(
        enterprise=enterprise,
        status__in=AUDITABLE_STATUSES,
        office__path__startswith=office.path,
        registered_at__gte=local_midnight(period_from),
        registered_at__lt=local_midnight(period_to + timedelta(days=1)),
    )
    if declaration_ids:
        wanted = list(dict.fromkeys(int(i) for i in declaration_ids))
        have = set(pool.filter(pk__in=wanted).values_list("pk", flat=True))
        bad = [
            FieldProblem(
                f"declaration_ids[{i}]",
                _(
                    "not a cleared declaration of this enterprise registered in the period at "
                    "this office"
                ),
                "not-auditable",
            )
            for i, did in enumerate(wanted)
            if did not in have
        ]
        if bad:
            raise ValidationFailed(bad)
        return wanted
    chosen = list(pool.values_list("pk", flat=True))
    if not chosen:
        raise ValidationFailed(
            [
                FieldProblem(
                    "period_from",
                    _("the enterprise has no cleared declaration in this period here"),
                    "nothing-to-audit",
                )
            ]
        )
    return chosen


def _require_work(actor: User, case: AuditCase) -> None:
    if not may_work(actor, case):
        raise Forbidden(_("Only the audit team and the office's leaders work this case."))


@transaction.atomic
def audit_case_start(*, case: AuditCase, actor: User) -> AuditCase:
    """The audit decision is served and the team starts (planned → in progress)."""
    case = _lock(case)
    _require_work(actor, case)
    if case.state != CaseState.PLANNED:
        raise Conflict(_("Only a planned audit can start."), code="wrong-state")
    case.state = CaseState.IN_PROGRESS
    case.started_at = timezone.now()
    case.save(update_fields=["state", "started_at"])
    _event(case, kinds.AUDIT_CASE_STARTED, actor, {})
    return case


@transaction.atomic
def audit_finding_record(
    *,
    case: AuditCase,
    actor: User,
    declaration_id: int,
    kind: str,
    description: str,
    additional_duty_vnd: Any,
    penalty_vnd: Any,
) -> AuditFinding:
    """A violation the team established on one of the audited declarations, with the duties
    it adds (truy thu) and the penalty (xử phạt)."""
    case = _lock(case)
    _require_work(actor, case)
    if case.state != CaseState.IN_PROGRESS:
        raise Conflict(_("Findings are recorded while the audit is in progress."), "wrong-state")
    errors: list[FieldProblem] = []
    if not case.declarations.filter(pk=declaration_id).exists():
        errors.append(
            FieldProblem(
                "declaration_id", _("not one of the declarations this audit covers"), "unknown"
            )
        )
    if kind not in FindingKind.values:
        errors.append(
            FieldProblem(
                "kind",
                _("must be one of %(values)s") % {"values": ", ".join(FindingKind.values)},
                "invalid-choice",
            )
        )
    if not (description or "").strip():
        errors.append(FieldProblem("description", _("describe what was found"), "required"))
    duty = _money(additional_duty_vnd, "additional_duty_vnd", errors)
    penalty = _money(penalty_vnd, "penalty_vnd", errors)
    if errors:
        raise ValidationFailed(errors)
    finding = AuditFinding.objects.create(
        case=case,
        declaration_id=declaration_id,
        kind=kind,
        description=description.strip(),
        additional_duty_vnd=duty,
        penalty_vnd=penalty,
        recorded_by=actor,
    )
    _event(
        case,
        kinds.AUDIT_FINDING_RECORDED,
        actor,
        {"finding": finding.pk, "kind": kind, "duty_vnd": duty, "penalty_vnd": penalty},
        declaration_id=declaration_id,
    )
    return finding


@transaction.atomic
def audit_case_close(*, case: AuditCase, actor: User, result: str, conclusion: str) -> AuditCase:
    """Close the audit with its result (kết luận kiểm tra). The result feeds back: one
    `AuditOutcome` per audited declaration for the learned model's training, and the
    enterprise's compliance rank recomputed from its record."""
    case = _lock(case)
    if not may_close(actor, case):
        raise Forbidden(_("Only a leader of the audited office closes the audit."))
    if case.state != CaseState.IN_PROGRESS:
        raise Conflict(_("Only an audit in progress can be closed."), "wrong-state")
    if timezone.localdate() < case.planned_start:
        # Its conclusion would predate the audit work its decision allows (from the planned start).
        raise Conflict(
            _(
                "This audit is planned to start on %(day)s: it can be closed from that day on, "
                "once the audit work is done."
            )
            % {"day": date_format(case.planned_start, "SHORT_DATE_FORMAT")},
            "not-started",
        )
    findings = list(case.findings.all())
    _close_check(result, conclusion, findings)
    now = timezone.now()
    _close_record(case, actor, result, conclusion, now)
    by_declaration: dict[int, list[AuditFinding]] = {}
    for f in findings:
        by_declaration.setdefault(f.declaration_id, []).append(f)
    outcomes = _close_outcomes(case, by_declaration, now)
    _event(
        case,
        kinds.AUDIT_CASE_CLOSED,
        actor,
        {
            "result": result,
            "additional_duties_vnd": case.additional_duties_vnd,
            "penalties_vnd": case.penalties_vnd,
            "declarations": len(outcomes),
            "with_violations": len(by_declaration),
        },
    )
    _close_violation_events(case, actor, by_declaration)
    enterprise_rank_recompute(
        enterprise=case.enterprise, trigger=RankTrigger.AUDIT_CLOSED, actor=actor, case=case
    )
    return case


def _close_check(result: str, conclusion: str, findings: list[AuditFinding]) -> None:
    """Every problem with the closing result and conclusion, given the findings recorded."""
    errors: list[FieldProblem] = []
    if result not in CaseResult.values:
        errors.append(
            FieldProblem(
                "result",
                _("choose one of: %(values)s") % {"values": choice_labels(CaseResult)},
                "invalid-choice",
            )
        )
    if result == CaseResult.VIOLATION and not findings:
        errors.append(
            FieldProblem("result", _("record the violations found before closing"), "no-findings")
        )
    if result == CaseResult.NO_VIOLATION and findings:
        errors.append(
            FieldProblem(
                "result", _("findings were recorded: the result is violations found"), "findings"
            )
        )
    if not (conclusion or "").strip():
        errors.append(FieldProblem("conclusion", _("write the audit's conclusion"), "required"))
    if errors:
        raise ValidationFailed(errors)


def _close_record(
    case: AuditCase, actor: User, result: str, conclusion: str, now: datetime
) -> None:
    """The case closed, with its result and the totals of its findings."""
    totals = case.findings.aggregate(d=Sum("additional_duty_vnd"), p=Sum("penalty_vnd"))
    case.state = CaseState.CLOSED
    case.result = result
    case.conclusion = conclusion.strip()
    case.closed_at = now
    case.closed_by = actor
    case.additional_duties_vnd = totals["d"] or Decimal(0)
    case.penalties_vnd = totals["p"] or Decimal(0)
    case.save(
        update_fields=[
            "state",
            "result",
            "conclusion",
            "closed_at",
            "closed_by",
            "additional_duties_vnd",
            "penalties_vnd",
        ]
    )


def _close_outcomes(
    case: AuditCase, by_declaration: dict[int, list[AuditFinding]], now: datetime
) -> list[AuditOutcome]:
    """One outcome per audited declaration (for the learned model's training), written."""
    outcomes = []
    for did in case.declarations.values_list("pk", flat=True):
        fs = by_declaration.get(did, [])
        outcomes.append(
            AuditOutcome(
                case=case,
                declaration_id=did,
                fraud_found=bool(fs),
                fraud_kind=max(fs, key=lambda f: f.additional_duty_vnd).kind if fs else "",
                revenue_found_vnd=sum((f.additional_duty_vnd for f in fs), Decimal(0)),
                penalty_vnd=sum((f.penalty_vnd for f in fs), Decimal(0)),
                closed_at=now,
            )
        )
    AuditOutcome.objects.bulk_create(outcomes)
    return outcomes


def _close_violation_events(
    case: AuditCase, actor: User, by_declaration: dict[int, list[AuditFinding]]
) -> None:
    """One event per declaration found at fault, so its timeline shows the audit's result."""
    events_append(
        [
            kinds.DECLARATION_AUDIT_VIOLATION.build(
                subject_type="declaration",
                subject_id=did,
                declaration_id=did,
                party=Party.CUSTOMS,
                actor=actor,
                office_code=case.office.code,
                data={
                    "reference": case.reference,
                    "duty_vnd": sum((f.additional_duty_vnd for f in fs), Decimal(0)),
                },
            )
            for did, fs in by_declaration.items()
        ]
    )


def profile_access_record(
    *, user: User, enterprise: Enterprise, via: str, address: str | None = None
) -> None:
    """The access trail: a customs user opened an enterprise's risk profile."""
    access_record(
        user=user,
        part=Part.PROFILE,
        subject_id=enterprise.pk,
        enterprise_id=enterprise.pk,
        reference=enterprise.mst,
        via=via,
        address=address,
    )


def case_access_record(
    *, user: User, case: AuditCase, via: str, address: str | None = None
) -> None:
    """The access trail: a customs user opened a post-clearance audit case of an enterprise."""
    access_record(
        user=user,
        part=Part.AUDIT_CASE,
        subject_id=case.pk,
        enterprise_id=case.enterprise_id,
        reference=case.reference,
        office_code=case.office.code,
        via=via,
        address=address,
    )
