"""The statistics API's shapes."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from ninja import Field, Schema

from .models import Target, TargetChange
from .selectors import Change, Report, TargetProgress


class ChangeOut(Schema):
    before: Decimal
    delta: Decimal
    percent: Decimal | None = Field(description="delta / before × 100; null when before is 0")


class MetricOut(Schema):
    name: str
    label: str
    value: Decimal
    month_on_month: ChangeOut = Field(description="against the period of equal length before")
    year_on_year: ChangeOut = Field(description="against the same months a year earlier")


class TotalsOut(Schema):
    declarations: int
    cancelled: int
    value_usd: Decimal
    duties_vnd: Decimal
    revenue_vnd: Decimal


class EnterprisesOut(Schema):
    active: int
    in_province: int
    out_of_province: int
    new: int


class TargetOut(Schema):
    id: int
    office_code: str
    year: int
    authority: str
    authority_label: str
    amount_vnd: Decimal
    collected_vnd: Decimal | None = None
    percent_reached: Decimal | None = None
    updated_by: str
    updated_at: datetime


class TargetIn(Schema):
    office_code: str = Field(max_length=16)
    year: int
    authority: str = Field(description="mof, gdvc or province")
    amount_vnd: Decimal = Field(description="whole đồng, more than zero")
    reason: str = Field("", max_length=1000)


class TargetChangeOut(Schema):
    amount_before_vnd: Decimal | None
    amount_after_vnd: Decimal
    reason: str
    changed_by: str
    changed_at: datetime


class SliceOut(Schema):
    key: str
    label: str
    declarations: int
    value_usd: Decimal
    share_percent: Decimal | None


class OfficeRowOut(Schema):
    office_code: str
    office_name: str
    declarations: int
    value_usd: Decimal
    revenue_vnd: Decimal
    enterprises_active: int
    declarations_year_on_year: ChangeOut


class MonthOut(Schema):
    month: int
    declarations: int
    value_usd: Decimal
    revenue_vnd: Decimal
    revenue_cumulative_vnd: Decimal
    last_year_declarations: int
    last_year_value_usd: Decimal
    last_year_revenue_vnd: Decimal
    last_year_revenue_cumulative_vnd: Decimal


class ReportOut(Schema):
    office_code: str
    office_name: str
    month_from: str
    month_to: str
    flow: str | None
    totals: TotalsOut
    previous: TotalsOut
    year_ago: TotalsOut
    metrics: list[MetricOut]
    enterprises: EnterprisesOut
    targets: list[TargetOut]
    revenue_to_date_vnd: Decimal
    revenue_to_date: date
    months: list[MonthOut] = Field(description="the year of month_to, month by month")
    breakdowns: dict[str, list[SliceOut]]
    offices: list[OfficeRowOut] = Field(description="the office's direct sub-offices")
    refreshed_at: datetime | None


def change_out(c: Change) -> ChangeOut:
    return ChangeOut(before=c.before, delta=c.delta, percent=c.pct)


def target_out(t: Target, progress: TargetProgress | None = None) -> TargetOut:
    return TargetOut(
        id=t.pk,
        office_code=t.office.code,
        year=t.year,
        authority=t.authority,
        authority_label=str(t.get_authority_display()),
        amount_vnd=t.amount_vnd,
        collected_vnd=progress.collected_vnd if progress else None,
        percent_reached=progress.pct if progress else None,
        updated_by=t.updated_by.get_username(),
        updated_at=t.updated_at,
    )


def target_change_out(c: TargetChange) -> TargetChangeOut:
    return TargetChangeOut(
        amount_before_vnd=c.amount_before_vnd,
        amount_after_vnd=c.amount_after_vnd,
        reason=c.reason,
        changed_by=c.changed_by.get_username(),
        changed_at=c.changed_at,
    )


def report_out(r: Report) -> ReportOut:
    def totals(t: object) -> TotalsOut:
        return TotalsOut(**{k: getattr(t, k) for k in TotalsOut.model_fields})

    return ReportOut(
        office_code=r.office.code,
        office_name=r.office.name,
        month_from=f"{r.period.first:%Y-%m}",
        month_to=f"{r.period.last:%Y-%m}",
        flow=r.flow,
        totals=totals(r.totals),
        previous=totals(r.previous),
        year_ago=totals(r.year_ago),
        metrics=[
            MetricOut(
                name=m.name,
                label=m.label,
                value=m.value,
                month_on_month=change_out(m.mom),
                year_on_year=change_out(m.yoy),
            )
            for m in r.metrics
        ],
        enterprises=EnterprisesOut(
            active=r.enterprises.active,
            in_province=r.enterprises.in_province,
            out_of_province=r.enterprises.out_of_province,
            new=r.enterprises.new,
        ),
        targets=[target_out(p.target, p) for p in r.targets],
        revenue_to_date_vnd=r.revenue_to_date_vnd,
        revenue_to_date=r.to_date,
        months=[MonthOut(**m) for m in r.months],
        breakdowns={
            dim: [
                SliceOut(
                    key=s.key,
                    label=s.label,
                    declarations=s.declarations,
                    value_usd=s.value_usd,
                    share_percent=s.share,
                )
                for s in slices
            ]
            for dim, slices in r.breakdowns.items()
        },
        offices=[
            OfficeRowOut(
                office_code=row.office.code,
                office_name=row.office.name,
                declarations=row.totals.declarations,
                value_usd=row.totals.value_usd,
                revenue_vnd=row.totals.revenue_vnd,
                enterprises_active=row.enterprises,
                declarations_year_on_year=change_out(row.yoy_declarations),
            )
            for row in r.children
        ],
        refreshed_at=r.refreshed_at,
    )
