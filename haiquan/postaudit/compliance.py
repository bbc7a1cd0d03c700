"""How an enterprise's compliance rank (xếp hạng tuân thủ) is computed from its record.

The rank is what risk profiles read (`refdata.Enterprise.compliance_rank`). It is recomputed
from the record after every closed audit (and on demand), by the first rule below that
matches, over the last `WINDOW_MONTHS` months:

1. ``audit_serious`` → non-compliant: two or more audits found violations, or one audit found
   additional duties and penalties of at least `SERIOUS_VND`.
2. ``checks_serious`` → non-compliant: at least 3 discrepancies found by document checks or
   inspections, and at least 20% of its checks.
3. ``audit_violation`` → low: one audit found violations.
4. ``checks_frequent`` → low: at least 2 discrepancies and at least 10% of its checks.
5. ``too_new`` → not ranked: less than 12 months of trading or fewer than 10 declarations.
6. ``priority_kept`` → priority: a priority enterprise (status granted by the General
   Department's decision, never by this rule) keeps it while its record stays clean.
7. ``some_discrepancy`` → medium: any discrepancy found by a check.
8. ``clean_record`` → high: no violation, 24 months of trading and 50 declarations or more.
9. ``clean_short`` → medium: no violation, a shorter record.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Min, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haiquan.clearance.choices import CheckOutcome, Status
from haiquan.clearance.models import CheckResult, Declaration
from haiquan.refdata.choices import ComplianceRank
from haiquan.refdata.models import Enterprise

from .choices import CaseResult, CaseState
from .models import AuditCase

WINDOW_MONTHS = 24
SERIOUS_VND = Decimal(100_000_000)

RULES: dict[str, Any] = {
    "audit_serious": _(
        "Two or more audits found violations, or one found additional duties and penalties of "
        "100,000,000 VND or more."
    ),
    "checks_serious": _(
        "Checks found at least 3 discrepancies, in at least 20 per cent of its checked declarations."
    ),
    "audit_violation": _("An audit found violations."),
    "checks_frequent": _(
        "Checks found at least 2 discrepancies, in at least 10 per cent of its checked declarations."
    ),
    "too_new": _("Less than 12 months of trading or fewer than 10 declarations: not ranked yet."),
    "priority_kept": _("A priority enterprise keeps its status while its record stays clean."),
    "some_discrepancy": _("A check found a discrepancy."),
    "clean_record": _("No violation over at least 24 months and 50 declarations."),
    "clean_short": _("No violation, but a record shorter than 24 months or 50 declarations."),
}


@dataclass(frozen=True)
class RankInputs:
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

    @property
    def discrepancy_percent(self) -> float:
        return round(100 * self.discrepancy_rate, 1)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["window_from"] = self.window_from.isoformat()
        out["as_of"] = self.as_of.isoformat()
        return out


def _months_between(a: date, b: date) -> int:
    return max(0, (b.year - a.year) * 12 + b.month - a.month - (1 if b.day < a.day else 0))


def rank_inputs(enterprise: Enterprise, *, as_of: date | None = None) -> RankInputs:
    """The facts of the enterprise's record the rank is computed from."""
    today = as_of or timezone.localdate()
    window_from = today - timedelta(days=round(WINDOW_MONTHS * 30.44))
    tz = timezone.get_current_timezone()
    lo = datetime.combine(window_from, time.min, tzinfo=tz)
    hi = datetime.combine(today, time.max, tzinfo=tz)
    mine = Declaration.objects.filter(enterprise=enterprise, registered_at__isnull=False).exclude(
        status__in=[Status.DRAFT, Status.CANCELLED]
    )
    first = mine.aggregate(first=Min("registered_at"))["first"]
    started = [d for d in (enterprise.established_on, first.date() if first else None) if d]
    # Trading starts at the first declaration; an enterprise set up later cannot have traded
    # before it was established.
    began = max(started) if len(started) == 2 else (started[0] if started else today)
    declarations = mine.filter(registered_at__range=(lo, hi)).count()
    checks = CheckResult.objects.filter(
        declaration__enterprise=enterprise, recorded_at__range=(lo, hi)
    ).aggregate(n=Count("id"), bad=Count("id", filter=Q(outcome=CheckOutcome.DISCREPANCY)))
    cases = AuditCase.objects.filter(
        enterprise=enterprise, state=CaseState.CLOSED, closed_at__range=(lo, hi)
    ).aggregate(
        n=Count("id"),
        bad=Count("id", filter=Q(result=CaseResult.VIOLATION)),
        duties=Sum("additional_duties_vnd"),
        penalties=Sum("penalties_vnd"),
    )
    n_checks, bad = int(checks["n"]), int(checks["bad"])
    return RankInputs(
        window_from=window_from,
        as_of=today,
        declarations=declarations,
        months_trading=_months_between(began, today),
        checks=n_checks,
        discrepancies=bad,
        discrepancy_rate=round(bad / n_checks, 4) if n_checks else 0.0,
        audits_closed=int(cases["n"]),
        audits_with_violations=int(cases["bad"]),
        audit_amount_vnd=int((cases["duties"] or 0) + (cases["penalties"] or 0)),
        current_rank=enterprise.compliance_rank,
    )


def rank_decide(inputs: RankInputs) -> tuple[str, str]:
    """(rank, rule) for these inputs: the first rule of the module's list that matches."""
    i = inputs
    if i.audits_with_violations >= 2 or (
        i.audits_with_violations >= 1 and i.audit_amount_vnd >= SERIOUS_VND
    ):
        return ComplianceRank.NON_COMPLIANT, "audit_serious"
    if i.discrepancies >= 3 and i.discrepancy_rate >= 0.2:
        return ComplianceRank.NON_COMPLIANT, "checks_serious"
    if i.audits_with_violations >= 1:
        return ComplianceRank.LOW, "audit_violation"
    if i.discrepancies >= 2 and i.discrepancy_rate >= 0.1:
        return ComplianceRank.LOW, "checks_frequent"
    if i.months_trading < 12 or i.declarations < 10:
        return ComplianceRank.UNRANKED, "too_new"
    if i.current_rank == ComplianceRank.PRIORITY and i.discrepancies == 0:
        return ComplianceRank.PRIORITY, "priority_kept"
    if i.discrepancies >= 1:
        return ComplianceRank.MEDIUM, "some_discrepancy"
    if i.months_trading >= 24 and i.declarations >= 50:
        return ComplianceRank.HIGH, "clean_record"
    return ComplianceRank.MEDIUM, "clean_short"


def rule_text(rule: str) -> str:
    return str(RULES.get(rule, rule))
