"""Reads for online public services, each restricted to what the user may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext as _

from haiquan.accounts.choices import Role
from haiquan.accounts.models import User
from haiquan.accounts.selectors import offices_in_scope_subtrees
from haiquan.core.problems import Forbidden, NotFound
from haiquan.eventlog.models import Event

from .choices import DECIDED_STATUSES, OPEN_STATUSES, FilingStatus
from .models import AdvanceRuling, Filing, FilingDocument, Holiday, Procedure

SUBJECT = "filing"


def holidays() -> frozenset[date]:
    """Every public holiday (a small table: a dozen rows a year)."""
    return frozenset(Holiday.objects.values_list("day", flat=True))


def procedures_active() -> QuerySet[Procedure]:
    return Procedure.objects.filter(active=True).select_related("office")


def procedure_get(*, code: str) -> Procedure:
    procedure = procedures_active().filter(code=code).first()
    if procedure is None:
        raise NotFound(_("No procedure %(code)s in the catalogue.") % {"code": code})
    return procedure


def filing_get_for(user: User, *, pk: int) -> Filing:
    """One filing the user may see; 404 (not 403) otherwise, so references do not leak."""
    filing = (
        Filing.objects.select_related("procedure", "enterprise", "office", "filed_by")
        .visible_to(user)
        .filter(pk=pk)
        .first()
    )
    if filing is None:
        raise NotFound(_("No filing %(id)s.") % {"id": pk})
    return filing


def filing_list(
    user: User, *, status: str | None = None, procedure_code: str | None = None
) -> QuerySet[Filing]:
    qs = Filing.objects.select_related("procedure", "enterprise", "office", "filed_by").visible_to(
        user
    )
    if status:
        qs = qs.filter(status=status)
    if procedure_code:
        qs = qs.filter(procedure__code=procedure_code)
    return qs.order_by("-created_at", "-id")


def officer_requests(user: User, *, status: str | None = None) -> QuerySet[Filing]:
    """The officers' list of service requests: open ones, nearest time limit first (paused
    ones, whose time limit is stopped, last)."""
    qs = Filing.objects.select_related("procedure", "enterprise", "office", "filed_by").visible_to(
        user
    )
    qs = qs.filter(status=status) if status else qs.filter(status__in=OPEN_STATUSES)
    return qs.order_by(F("due_on").asc(nulls_last=True), "submitted_at", "id")


def filing_document_get(user: User, *, filing_pk: int, pk: int) -> FilingDocument:
    filing = filing_get_for(user, pk=filing_pk)
    doc = FilingDocument.objects.filter(filing=filing, pk=pk).first()
    if doc is None:
        raise NotFound(_("No document %(id)s on this filing.") % {"id": pk})
    doc.filing = filing  # the one just read, with its enterprise and office
    return doc


def filing_events(*, filing: Filing) -> QuerySet[Event]:
    return Event.objects.for_subject(SUBJECT, filing.pk).in_order()


def ruling_find(*, number: str) -> AdvanceRuling | None:
    return AdvanceRuling.objects.select_related("enterprise").filter(number=number).first()


def result_verify(*, code: str) -> Filing | None:
    """The decided filing whose signed result carries this verification code."""
    if not code or len(code) > 32:
        return None
    return (
        Filing.objects.select_related("procedure", "enterprise", "office")
        .filter(result_code=code, status__in=DECIDED_STATUSES)
        .first()
    )


# --- On-time rates -----------------------------------------------------------------------------


@dataclass(frozen=True)
class OnTimeRow:
    procedure_code: str
    procedure_name: str
    office_code: str
    decided: int
    on_time: int
    late: int
    open_overdue: int

    @property
    def rate(self) -> float | None:
        """Share of decisions made within the time limit (None when nothing was decided)."""
        return self.on_time / self.decided if self.decided else None


def may_see_performance(user: Any) -> bool:
    return bool(
        getattr(user, "is_active", False)
        and getattr(user, "role", "") in (Role.LEADER, Role.ANALYST, Role.ADMIN)
    )


def on_time_rates(
    user: User, *, date_from: date | None, date_to: date | None, today: date
) -> list[OnTimeRow]:
    """Per procedure and handling office: filings decided between the two days (inclusive)
    and how many within the time limit; and the open ones already past it today. A leader
    sees his offices' subtrees, analysts and administrators all."""
    if not may_see_performance(user):
        raise Forbidden(_("Only leaders see the on-time rates."))
    scope = Filing.objects.filter(office__in=offices_in_scope_subtrees(user))
    decided = scope.filter(status__in=DECIDED_STATUSES, on_time__isnull=False)
    if date_from:
        decided = decided.filter(decided_on__gte=date_from)
    if date_to:
        decided = decided.filter(decided_on__lte=date_to)
    keys = ("procedure__code", "procedure__name_vi", "procedure__name_en", "office__code")
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for r in decided.values(*keys).annotate(n=Count("id"), ok=Count("id", filter=Q(on_time=True))):
        rows[(r["procedure__code"], r["office__code"])] = {**r, "overdue": 0}
    overdue = scope.filter(
        status__in=[FilingStatus.SUBMITTED, FilingStatus.IN_REVIEW], due_on__lt=today
    )
    for r in overdue.values(*keys).annotate(m=Count("id")):
        row = rows.setdefault((r["procedure__code"], r["office__code"]), {**r, "n": 0, "ok": 0})
        row["overdue"] = r["m"]
    procedures = {p.code: p.name for p in Procedure.objects.all()}
    out = [
        OnTimeRow(
            procedure_code=code,
            procedure_name=procedures.get(code, code),
            office_code=office,
            decided=r["n"],
            on_time=r["ok"],
            late=r["n"] - r["ok"],
            open_overdue=r["overdue"],
        )
        for (code, office), r in rows.items()
    ]
    return sorted(out, key=lambda row: (row.procedure_code, row.office_code))
