"""The statistics API, mounted at /api/v1/statistics: the report of an office's subtree for a
period, and the revenue targets leaders set. Customs roles only (traders get 403)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field as NinjaField
from ninja import Query, Router, Schema, Status

from haiquan.accounts.apiauth import API_AUTH
from haiquan.core.api import ObjectId
from haiquan.core.dbrouter import reads_from_standby
from haiquan.core.web import user_of

from . import services
from .permissions import require_statistics
from .schemas import (
    ReportOut,
    TargetChangeOut,
    TargetIn,
    TargetOut,
    report_out,
    target_change_out,
    target_out,
)
from .selectors import (
    statistics_report,
)
from .targets import target_collected, target_get_for, target_history, targets_seen_by

router = Router(tags=["Statistics"], auth=API_AUTH)


class ReportQuery(Schema):
    office: str | None = NinjaField(None, max_length=16, description="office code; default: yours")
    month_from: str | None = NinjaField(None, alias="from", description="YYYY-MM")
    month_to: str | None = NinjaField(None, alias="to", description="YYYY-MM")
    flow: str | None = NinjaField(None, description="import or export")


class TargetQuery(Schema):
    office: str | None = NinjaField(None, max_length=16)
    year: int | None = NinjaField(None, ge=2000, le=2100)


@router.get(
    "/summary",
    response=ReportOut,
    summary="Declarations, trade value, revenue, enterprises, against the month before, the "
    "year before and the targets",
)
@reads_from_standby
def summary(request: HttpRequest, q: Query[ReportQuery]) -> Any:
    report = statistics_report(
        user=user_of(request),
        office_code=q.office,
        month_from=q.month_from,
        month_to=q.month_to,
        flow=q.flow,
    )
    return report_out(report)


@router.get("/targets", response=list[TargetOut], summary="Revenue targets of your offices")
def target_list(request: HttpRequest, q: Query[TargetQuery]) -> Any:
    return [
        target_out(t, target_collected(t))
        for t in targets_seen_by(user=user_of(request), office_code=q.office, year=q.year)
    ]


@router.post(
    "/targets",
    response={200: TargetOut, 201: TargetOut},
    summary="Set an authority's revenue target for an office and a year (leaders, admins)",
)
def target_put(request: HttpRequest, payload: TargetIn) -> Any:
    require_statistics(user_of(request))
    target, created = services.target_set(actor=user_of(request), **payload.dict())
    return Status(201 if created else 200, target_out(target, target_collected(target)))


@router.get("/targets/{target_id}", response=TargetOut, summary="A revenue target")
def target_detail(request: HttpRequest, target_id: ObjectId) -> Any:
    target = target_get_for(user_of(request), target_id)
    return target_out(target, target_collected(target))


@router.get(
    "/targets/{target_id}/history",
    response=list[TargetChangeOut],
    summary="Every setting of a target: before, after, who, when, why",
)
def target_changes(request: HttpRequest, target_id: ObjectId) -> Any:
    target = target_get_for(user_of(request), target_id)
    return [target_change_out(c) for c in target_history(target)]
