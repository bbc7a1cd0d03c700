"""The time-release measurement API, mounted at /api/v1/time-release: the same reports as the
pages, as JSON (times in seconds, shares as ratios, plus the texts the pages show)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from haiquan.accounts.apiauth import API_AUTH
from haiquan.core.dbrouter import reads_from_standby

from . import reports
from .choices import Dimension
from .permissions import require_reader
from .services import refresh_state

router = Router(tags=["Time-release measurement"], auth=API_AUTH)


class TimeReleaseReportQuery(Schema):
    date_from: date | None = Field(None, description="First registration day (Vietnam time)")
    date_to: date | None = Field(None, description="Last registration day; default: last month")
    office: str = Field("", max_length=16, description="An office code: its whole subtree")
    flow: str = Field("", max_length=6, description="import or export")
    lane: str = Field("", max_length=6, description="green, yellow or red (the final lane)")
    transport_mode: str = Field("", max_length=16)
    type_code: str = Field("", max_length=3, description="Declaration type, e.g. A11")
    hs_chapter: str = Field("", max_length=2, description="HS chapter of the main line, e.g. 08")
    compliance: str = Field("", max_length=16, description="compliant, not_compliant, unranked")
    within_hours: float | None = Field(None, description="For the share released within N hours")
    span: str = Field(
        "",
        max_length=16,
        description="registration (default: registration → release, Vietnam Customs') or "
        "arrival (arrival → release, the WCO Time Release Study's)",
    )


class TimeReleasePeriodOut(Schema):
    date_from: date
    date_to: date


class TimeReleaseBucketOut(Schema):
    bucket: str
    label: str
    seconds: float
    mean_s: float | None
    share: float | None


class TimeReleaseStepOut(Schema):
    step: str
    label: str
    seconds: float
    mean_s: float | None
    share: float | None
    consignments: int
    mean_when_present_s: float | None


class TimeReleaseRankedStepOut(TimeReleaseStepOut):
    rank: int


class TimeReleaseUnfinishedOut(Schema):
    open: int
    median_age_s: float | None
    max_age_s: float | None
    cancelled: int


class TimeReleaseOutliersOut(Schema):
    count: int
    mean_s: float | None
    cap_s: int


class TimeReleaseWithinOut(Schema):
    hours: float
    released: int
    count: int
    share: float | None


class TimeReleaseOutageOut(Schema):
    seconds: float = Field(description="Of the measured time, inside declared outages")
    share: float | None = Field(description="Σ outage time / Σ total time")
    consignments: int = Field(description="Measured consignments with time inside an outage")
    mean_without_s: float | None = Field(description="The mean time less the outages' part")


class TimeReleaseSpanOut(Schema):
    code: str = Field(description="registration or arrival: where the measured times start")
    label: str
    of_measured: int | None = Field(
        None,
        description="arrival span: the measured consignments of the period, with or "
        "without an arrival (`consignments` of them had one)",
    )
    before_registration_mean_s: float | None = Field(
        None, description="arrival span: the mean time from arrival to registration"
    )


class TimeReleaseSummaryOut(Schema):
    span: TimeReleaseSpanOut
    registered: int
    consignments: int = Field(description="Released and not outliers: the times are over these")
    mean_s: float | None
    median_s: float | None
    p90_s: float | None
    p95_s: float | None
    min_s: float | None
    max_s: float | None
    total_s: float
    customs_share: float | None = Field(description="Σ customs time / Σ total time")
    buckets: list[TimeReleaseBucketOut]
    steps: list[TimeReleaseStepOut]
    amended: int
    inspected: int
    unfinished: TimeReleaseUnfinishedOut
    outliers: TimeReleaseOutliersOut
    within: TimeReleaseWithinOut
    outage: TimeReleaseOutageOut = Field(
        description="Time inside declared outages at the offices, shown apart from the parties"
    )
    mean_text: str
    median_text: str


class TimeReleaseChangeOut(Schema):
    seconds: float | None
    ratio: float | None
    text: str


class TimeReleaseChangeBlockOut(Schema):
    mean_s: TimeReleaseChangeOut
    median_s: TimeReleaseChangeOut
    customs_share_points: float | None


class TimeReleaseReportOut(Schema):
    as_of: datetime
    refreshed_at: datetime | None
    period: TimeReleasePeriodOut
    previous_period: TimeReleasePeriodOut
    last_year_period: TimeReleasePeriodOut
    current: TimeReleaseSummaryOut
    previous: TimeReleaseSummaryOut
    last_year: TimeReleaseSummaryOut
    change_previous: TimeReleaseChangeBlockOut
    change_last_year: TimeReleaseChangeBlockOut
    bottlenecks: list[TimeReleaseRankedStepOut]


class TimeReleaseBreakdownRowOut(Schema):
    key: str
    label: str
    registered: int
    consignments: int
    mean_s: float | None
    median_s: float | None
    p90_s: float | None
    customs_share: float | None
    open: int
    within_share: float | None


class TimeReleaseBreakdownOut(Schema):
    by: str
    span: str
    period: TimeReleasePeriodOut
    rows: list[TimeReleaseBreakdownRowOut]


class TimeReleaseBorderFlowOut(Schema):
    flow: str
    consignments: int
    mean_hours: float | None
    median_hours: float | None
    p90_hours: float | None
    within_target: int
    within_target_share: float | None
    target_met: bool
    before_registration_hours: float | None
    with_arrival: int


class TimeReleaseBordersOut(Schema):
    period: TimeReleasePeriodOut
    target_hours: int
    flows: list[TimeReleaseBorderFlowOut]


class TimeReleaseSampleOut(Schema):
    days: list[date]
    as_of: datetime
    summary: TimeReleaseSummaryOut
    bottlenecks: list[TimeReleaseRankedStepOut]
    by_flow: list[TimeReleaseBreakdownRowOut]
    by_lane: list[TimeReleaseBreakdownRowOut]


class TimeReleaseStatusOut(Schema):
    last_event_id: int
    refreshed_at: datetime | None
    consignments: int


def _filters(request: HttpRequest, q: TimeReleaseReportQuery) -> reports.Filters:
    return reports.filters_build(user=request.user, **q.dict())


@router.get("/report", response=TimeReleaseReportOut, summary="Time-release figures of a period")
@reads_from_standby
def report(request: HttpRequest, q: Query[TimeReleaseReportQuery]) -> Any:
    """Mean, median, p90, p95, each party's and step's share (ratios of sums), unfinished and
    outlying consignments counted apart, the share released within N hours, the bottleneck
    steps, and the change against the previous period and the same period last year."""
    as_of = timezone.now()
    body = reports.report_texts(reports.report(_filters(request, q), as_of))
    return {**body, "as_of": as_of, "refreshed_at": refresh_state().refreshed_at}


@router.get(
    "/breakdown", response=TimeReleaseBreakdownOut, summary="The figures per office, lane, ..."
)
def breakdown(
    request: HttpRequest, q: Query[TimeReleaseReportQuery], by: Dimension = Dimension.OFFICE
) -> Any:
    """Per office (one level below the office chosen: a Department's offices), flow, lane,
    transport mode, declaration type, HS chapter, enterprise group or month."""
    f = _filters(request, q)
    return {
        "by": by,
        "span": f.span,
        "period": {"date_from": f.date_from, "date_to": f.date_to},
        "rows": reports.breakdown(f, by, timezone.now()),
    }


@router.get(
    "/trading-across-borders",
    response=TimeReleaseBordersOut,
    summary="Border compliance hours against the 160-hour target",
)
def borders(request: HttpRequest, q: Query[TimeReleaseReportQuery]) -> Any:
    f = _filters(request, q)
    return {
        "period": {"date_from": f.date_from, "date_to": f.date_to},
        **reports.trading_across_borders(f),
    }


@router.get("/sample", response=TimeReleaseSampleOut, summary="A WCO sample study")
def sample(
    request: HttpRequest,
    q: Query[TimeReleaseReportQuery],
    start: date | None = None,
    days: int = 6,
) -> Any:
    """Every declaration registered in `days` consecutive working days from `start` (default:
    the first day of last month), followed to release (the period filters are ignored; the
    others apply)."""
    if start is None:
        start = reports.last_month_start()
    asked = {**q.dict(), "date_from": start, "date_to": start}
    f = reports.filters_build(user=request.user, **asked)
    study = reports.sample_study(f, start, days, timezone.now())
    study["summary"] = reports.summary_texts(study["summary"])
    return study


@router.get(
    "/status", response=TimeReleaseStatusOut, summary="How far the fact store has read the log"
)
def status(request: HttpRequest) -> Any:
    require_reader(request.user)
    return refresh_state()
