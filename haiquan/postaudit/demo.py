"""Demo content for trader analysis and post-clearance audit, on top of the generated history:
an anomaly scan, the Quảng Ninh post-clearance audit officer, and two audits of the enterprises
the candidates list puts first — one closed with the violations the generator planted (its
ground truth says what an audit would find), one in progress. Safe to run again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_noop

from haiquan.accounts.choices import Role
from haiquan.accounts.models import User
from haiquan.accounts.services import DEMO_PASSWORD, user_create
from haiquan.clearance.choices import Status
from haiquan.clearance.models import Declaration
from haiquan.core.i18n import concat, later
from haiquan.refdata.models import Office

from .choices import CaseResult, FindingKind
from .models import AuditCase, ScanRun
from .selectors import audit_candidates
from .services import (
    anomaly_scan_run,
    audit_case_close,
    audit_case_plan,
    audit_case_start,
    audit_finding_record,
)

AUDIT_OFFICER = "hk.quangninh"
QUANG_NINH = "20"
# Penalty for a false declaration that lowers the duty: 20% of the duty underpaid.
PENALTY_SHARE = Decimal("0.2")
FINDING_OF = {
    "undervaluation": FindingKind.UNDERVALUATION,
    "misclassification": FindingKind.MISCLASSIFICATION,
    "false_origin": FindingKind.FALSE_ORIGIN,
}


def _audit_officer() -> User:
    user = User.objects.filter(username=AUDIT_OFFICER).first()
    if user is None:
        user = user_create(
            username=AUDIT_OFFICER,
            password=DEMO_PASSWORD,
            check_password=False,  # the demo's shared password, printed and documented
            role=Role.OFFICER,
            email=f"{AUDIT_OFFICER}@demo.haiquan.invalid",
            office_codes=[QUANG_NINH],
        )
    return user


def _scan_needed() -> bool:
    run = ScanRun.objects.filter(finished_at__isnull=False).order_by("-id").first()
    if run is None:
        return True
    live = Declaration.objects.exclude(status__in=[Status.DRAFT, Status.CANCELLED])
    return run.declarations_scanned != live.count()


def _truth_findings(declaration_ids: list[int]) -> list[tuple[int, str, Decimal]]:
    """(declaration, kind, revenue at stake) of the planted violations no check found."""
    try:
        from haiquan.demo.models import SyntheticTruth
    except ImportError:  # pragma: no cover - the demo app is always installed with the demo
        return []
    rows = SyntheticTruth.objects.filter(
        declaration_id__in=declaration_ids, detected=False, revenue_at_stake_vnd__gt=0
    ).exclude(fraud_kind="")
    return [(r.declaration_id, r.fraud_kind, r.revenue_at_stake_vnd) for r in rows]


def _demo_cases(*, analyst: User, leader: User, officer: User, say: Callable[[str], None]) -> int:
    office = Office.objects.filter(code=QUANG_NINH).first()
    if office is None:
        return 0
    last = Declaration.objects.filter(
        status__in=[Status.CLEARED, Status.RELEASED], office__path__startswith=office.path
    ).aggregate(last=Max("registered_at"))["last"]
    if last is None:
        return 0
    period_to = timezone.localtime(last).date()
    period_from = period_to - timedelta(days=365)
    ranked = audit_candidates(
        leader, period_from=period_from, period_to=period_to, office_code=QUANG_NINH, limit=200
    )
    made = 0
    for n, ent in enumerate(ranked.enterprises[:2]):
        # The audit closed here was planned over a period that ended before the history's last
        # six weeks, so that its work began in the past (an audit closes once it has started);
        # the one left in progress covers the whole year.
        own = [d for d in ranked.declarations if d.enterprise_mst == ent.enterprise_mst]
        to = period_to - timedelta(days=45)
        earlier = [
            d.declaration_id
            for d in own
            if d.registered_at is not None and timezone.localtime(d.registered_at).date() <= to
        ]
        closing = n == 0 and bool(earlier)  # a history too short has none: both stay open
        if not closing:
            to = period_to
        ids = earlier if closing else [d.declaration_id for d in own]
        case = _demo_case_plan(
            leader=leader,
            officer=officer,
            enterprise_mst=ent.enterprise_mst,
            period_from=period_from,
            period_to=to,
            declaration_ids=ids,
        )
        made += 1
        audit_case_start(case=case, actor=officer)
        if not closing:
            continue  # the second audit stays in progress
        _demo_case_close(case, leader=leader, officer=officer, say=say)
    return made


def _demo_case_plan(
    *,
    leader: User,
    officer: User,
    enterprise_mst: str,
    period_from: date,
    period_to: date,
    declaration_ids: list[int],
) -> AuditCase:
    return audit_case_plan(
        actor=leader,
        enterprise_mst=enterprise_mst,
        office_code=QUANG_NINH,
        plan=(
            "Kiểm tra sau thông quan tại trụ sở doanh nghiệp: trị giá khai báo, mã số HS và "
            "xuất xứ của các tờ khai có dấu hiệu rủi ro trong kỳ."
        ),
        period_from=period_from,
        period_to=period_to,
        planned_start=period_to + timedelta(days=7),
        planned_end=period_to + timedelta(days=37),
        team=[officer.username],
        declaration_ids=declaration_ids[:30] or None,
    )


def _demo_case_close(
    case: AuditCase, *, leader: User, officer: User, say: Callable[[str], None]
) -> None:
    """The audit's findings recorded from the demo's ground truth, and the audit closed."""
    audited = list(case.declarations.values_list("pk", flat=True))
    found = _truth_findings(audited)
    for did, kind, at_stake in found:
        audit_finding_record(
            case=case,
            actor=officer,
            declaration_id=did,
            kind=FINDING_OF.get(kind, FindingKind.OTHER),
            description="Kết quả kiểm tra chứng từ thanh toán và hàng hóa thực tế.",
            additional_duty_vnd=at_stake,
            penalty_vnd=(at_stake * PENALTY_SHARE).quantize(Decimal(1)),
        )
    audit_case_close(
        case=case,
        actor=leader,
        result=CaseResult.VIOLATION if found else CaseResult.NO_VIOLATION,
        conclusion=(
            "Truy thu thuế và xử phạt vi phạm hành chính theo các phát hiện."
            if found
            else "Không phát hiện vi phạm."
        ),
    )
    say(
        concat(
            "  ",
            later(
                gettext_noop("%(case)s: %(n)s violations found"),
                case=case.reference,
                n=len(found),
            ),
        )
    )


def demo_setup(*, say: Callable[[str], None]) -> None:
    """Scan the generated history for anomalies (unless the latest scan covers it), add the
    audit officer, and plan two audits once."""
    officer = _audit_officer()
    if _scan_needed():
        run = anomaly_scan_run(say=say)
        say(
            later(
                gettext_noop("Trader analysis: %(n)s anomalies in %(s)s s."),
                n=run.anomalies_found,
                s=round(run.seconds),
            )
        )
    if AuditCase.objects.exists():
        return
    analyst = User.objects.filter(username="rr.phantich").first()
    leader = User.objects.filter(username="ld.quangninh").first()
    if analyst is None or leader is None:
        say(later(gettext_noop("Post-clearance audit: demo users missing, no demo audit planned.")))
        return
    with transaction.atomic():
        made = _demo_cases(analyst=analyst, leader=leader, officer=officer, say=say)
    say(later(gettext_noop("Post-clearance audit: %(n)s demo audits."), n=made))
