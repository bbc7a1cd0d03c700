"""Keeping the statistics aggregates up to date from declarations, receipts and the event log.

The unit of work is a bucket: one local month at one office. A refresh finds the buckets that
changed since its watermark (every change of a declaration appends an event: registration,
checks, amendments, payment, clearance, cancellation), deletes their rows and computes them
again from the declarations and receipts. Recomputing a bucket is idempotent, so a refresh that
stops half-way is simply run again, and `full=True` rebuilds everything.

Definitions (see README.md):
- declarations: registered (not drafts), counted in the month of registration; cancelled ones
  are counted apart and left out of every other figure;
- trade value (kim ngạch): the declarations' customs value in VND divided by the customs USD
  rate of the registration day (`refdata.ExchangeRate`; the latest earlier rate on days without
  one), to the cent, per declaration;
- revenue collected (thu ngân sách): duties paid, i.e. the receipts issued after the banks'
  confirmations, on the day of the receipt, to the office of its declaration. Guarantees are
  not revenue until paid;
- enterprise in-province: its province is one the office's Department manages.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Case, IntegerField, Max, Min, Q, QuerySet, Sum, Value, When
from django.db.models.functions import ExtractYear, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_noop

from haiquan.clearance.choices import Status
from haiquan.clearance.models import Declaration, DeclarationLine
from haiquan.core.i18n import later
from haiquan.core.localtime import local_day, local_midnight
from haiquan.eventlog.models import Event
from haiquan.payments.models import Receipt
from haiquan.refdata.models import Enterprise, ExchangeRate, Office

from .choices import Dimension
from .models import (
    DailyTotal,
    EnterpriseFirstMonth,
    EnterpriseYear,
    MonthlyBreakdown,
    MonthlyEnterprise,
    Watermark,
)
from .periods import add_months, month_of

CENT = Decimal("0.01")
WATERMARK = "aggregates"
# Events committed late (a transaction that took its id before the last refresh but committed
# after it) are caught by looking again at the events of the last minutes before that refresh.
LATE_COMMIT_MARGIN = timedelta(minutes=5)
BATCH = 2000

Say = Callable[[str], None]


@dataclass
class RefreshResult:
    buckets: int = 0
    months: int = 0
    declarations: int = 0
    receipts: int = 0
    last_event_id: int = 0


class UsdRates:
    """The customs USD rate of a day: that day's, or the latest earlier one (weekends)."""

    def __init__(self) -> None:
        rows = list(
            ExchangeRate.objects.filter(currency_id="USD")
            .order_by("day")
            .values_list("day", "rate_vnd")
        )
        self.days = [d for d, _r in rows]
        self.rates = [r for _d, r in rows]

    def on(self, day: date) -> Decimal | None:
        i = bisect.bisect_right(self.days, day) - 1
        if i >= 0:
            return self.rates[i]
        return self.rates[0] if self.rates else None

    def usd(self, vnd: Decimal, day: date) -> Decimal:
        rate = self.on(day)
        if not rate:
            return Decimal(0)
        return (Decimal(vnd) / rate).quantize(CENT, ROUND_HALF_UP)


def _department_provinces() -> dict[int, frozenset[str]]:
    offices = {o.pk: o for o in Office.objects.all()}
    out: dict[int, frozenset[str]] = {}
    for pk, office in offices.items():
        node: Office | None = office
        while node is not None and not node.provinces:
            node = offices.get(node.parent_id) if node.parent_id else None
        out[pk] = frozenset(node.provinces) if node is not None else frozenset()
    return out


def _month_bounds(month: date) -> tuple[datetime, datetime]:
    return local_midnight(month), local_midnight(add_months(month, 1))


def _chunks(ids: list[int], size: int = BATCH) -> Iterable[list[int]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def _bucket_compute(
    month: date,
    office_ids: set[int] | None,
    *,
    rates: UsdRates,
    provinces: dict[int, frozenset[str]],
    result: RefreshResult,
) -> None:
    """Delete and recompute the rows of `month` for these offices (None: every office)."""
    start, end = _month_bounds(month)
    decls = Declaration.objects.filter(registered_at__gte=start, registered_at__lt=end).exclude(
        status=Status.DRAFT
    )
    receipts = Receipt.objects.filter(issued_at__gte=start, issued_at__lt=end)
    old_daily = DailyTotal.objects.filter(month=month)
    old_breakdown = MonthlyBreakdown.objects.filter(month=month)
    old_active = MonthlyEnterprise.objects.filter(month=month)
    if office_ids is not None:
        decls = decls.filter(office_id__in=office_ids)
        receipts = receipts.filter(declaration__office_id__in=office_ids)
        old_daily = old_daily.filter(office_id__in=office_ids)
        old_breakdown = old_breakdown.filter(office_id__in=office_ids)
        old_active = old_active.filter(office_id__in=office_ids)

    sums = _BucketSums()
    _declarations_add(sums, decls, rates, result)
    _chapters_add(sums, rates)
    for issued_at, office_id, flow, amount in receipts.values_list(
        "issued_at", "declaration__office_id", "declaration__flow", "amount_vnd"
    ).iterator(chunk_size=BATCH):
        result.receipts += 1
        sums.daily[(local_day(issued_at), office_id, flow)][5] += amount
    province_of = _provinces_of({e for (_o, _f, e) in sums.active})

    old_daily.delete()
    old_breakdown.delete()
    old_active.delete()
    _bucket_write(month, sums, province_of, provinces)


def _daily_cell() -> list[Any]:
    # declarations, cancelled, value VND, value USD, duties VND, revenue VND
    return [0, 0, Decimal(0), Decimal(0), Decimal(0), Decimal(0)]


def _count_cell() -> list[Any]:
    # declarations, value USD
    return [0, Decimal(0)]


@dataclass
class _BucketSums:
    """A bucket's sums as they are added up, by the keys of the rows they become."""

    daily: defaultdict[tuple[date, int, str], list[Any]] = field(
        default_factory=lambda: defaultdict(_daily_cell)
    )
    breakdown: defaultdict[tuple[int, str, str, str], list[Any]] = field(
        default_factory=lambda: defaultdict(_count_cell)
    )
    active: defaultdict[tuple[int, str, int], list[Any]] = field(
        default_factory=lambda: defaultdict(_count_cell)
    )
    counted: dict[int, tuple[int, str, date]] = field(
        default_factory=dict
    )  # declaration id -> office, flow, day


def _declarations_add(
    sums: _BucketSums, decls: QuerySet[Declaration], rates: UsdRates, result: RefreshResult
) -> None:
    """Each declaration into its day's totals, its breakdowns and its enterprise's activity."""
    daily, breakdown, active, counted = sums.daily, sums.breakdown, sums.active, sums.counted
    rows = decls.values_list(
        "id",
        "registered_at",
        "office_id",
        "flow",
        "type_id",
        "lane",
        "status",
        "partner_country_id",
        "transport_mode",
        "enterprise_id",
        "customs_value_vnd",
        "total_duties_vnd",
    )
    for (
        pk,
        registered_at,
        office_id,
        flow,
        type_id,
        lane,
        status,
        country,
        transport,
        enterprise_id,
        value_vnd,
        duties_vnd,
    ) in rows.iterator(chunk_size=BATCH):
        result.declarations += 1
        assert registered_at is not None  # filtered on its range
        day = local_day(registered_at)
        cell = daily[(day, office_id, flow)]
        if status == Status.CANCELLED:
            cell[1] += 1
            continue
        usd = rates.usd(value_vnd, day)
        cell[0] += 1
        cell[2] += value_vnd
        cell[3] += usd
        cell[4] += duties_vnd
        counted[pk] = (office_id, flow, day)
        for dimension, key in (
            (Dimension.LANE, lane or "-"),
            (Dimension.TYPE, type_id),
            (Dimension.COUNTRY, country or "-"),
            (Dimension.TRANSPORT, transport or "-"),
        ):
            b = breakdown[(office_id, flow, dimension, key)]
            b[0] += 1
            b[1] += usd
        a = active[(office_id, flow, enterprise_id)]
        a[0] += 1
        a[1] += usd


def _chapters_add(sums: _BucketSums, rates: UsdRates) -> None:
    """HS chapters from the goods lines: each chapter's share of the value, and a declaration
    counted once in every chapter it has a line in."""
    counted, breakdown = sums.counted, sums.breakdown
    for chunk in _chunks(list(counted)):
        per_decl: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        for decl_id, hs_code, value_vnd in DeclarationLine.objects.filter(
            declaration_id__in=chunk
        ).values_list("declaration_id", "hs_code", "customs_value_vnd"):
            per_decl[decl_id][hs_code[:2]] += value_vnd
        for decl_id, chapters in per_decl.items():
            office_id, flow, day = counted[decl_id]
            for chapter, value_vnd in chapters.items():
                b = breakdown[(office_id, flow, Dimension.CHAPTER, chapter)]
                b[0] += 1
                b[1] += rates.usd(value_vnd, day)


def _provinces_of(enterprise_ids: set[int]) -> dict[int, str]:
    province_of: dict[int, str] = {}
    for chunk in _chunks(sorted(enterprise_ids)):
        province_of.update(
            Enterprise.objects.filter(pk__in=chunk).values_list("pk", "province_code")
        )
    return province_of


def _bucket_write(
    month: date,
    sums: _BucketSums,
    province_of: dict[int, str],
    provinces: dict[int, frozenset[str]],
) -> None:
    DailyTotal.objects.bulk_create(
        (
            DailyTotal(
                day=day,
                month=month,
                office_id=office_id,
                flow=flow,
                declarations=c[0],
                cancelled=c[1],
                value_vnd=c[2],
                value_usd=c[3],
                duties_vnd=c[4],
                revenue_vnd=c[5],
            )
            for (day, office_id, flow), c in sums.daily.items()
        ),
        batch_size=BATCH,
    )
    MonthlyBreakdown.objects.bulk_create(
        (
            MonthlyBreakdown(
                month=month,
                office_id=office_id,
                flow=flow,
                dimension=dimension,
                key=key,
                declarations=b[0],
                value_usd=b[1],
            )
            for (office_id, flow, dimension, key), b in sums.breakdown.items()
        ),
        batch_size=BATCH,
    )
    MonthlyEnterprise.objects.bulk_create(
        (
            MonthlyEnterprise(
                month=month,
                office_id=office_id,
                flow=flow,
                enterprise_id=enterprise_id,
                in_province=province_of.get(enterprise_id, "") in provinces.get(office_id, ()),
                declarations=a[0],
                value_usd=a[1],
            )
            for (office_id, flow, enterprise_id), a in sums.active.items()
        ),
        batch_size=BATCH,
    )


def _first_months_compute(office_ids: set[int] | None) -> None:
    """The first month of each enterprise at each of these offices, from the monthly rows."""
    old = EnterpriseFirstMonth.objects.all()
    source = MonthlyEnterprise.objects.all()
    if office_ids is not None:
        old = old.filter(office_id__in=office_ids)
        source = source.filter(office_id__in=office_ids)
    old.delete()
    EnterpriseFirstMonth.objects.bulk_create(
        (
            EnterpriseFirstMonth(
                office_id=r["office_id"],
                flow=r["flow"],
                enterprise_id=r["enterprise_id"],
                first_month=r["first"],
            )
            for r in source.values("office_id", "flow", "enterprise_id")
            .annotate(first=Min("month"))
            .iterator(chunk_size=BATCH)
        ),
        batch_size=BATCH,
    )


def _enterprise_years_compute(buckets: dict[int, set[int]] | None) -> None:
    """The yearly bit masks of active months, from the monthly rows: for these (year → offices),
    or for everything (None)."""
    old = EnterpriseYear.objects.all()
    source = MonthlyEnterprise.objects.all()
    if buckets is not None:
        if not buckets:
            return
        which = Q(pk__in=[])
        source_which = Q(pk__in=[])
        for year, offices in buckets.items():
            which |= Q(year=year, office_id__in=offices)
            source_which |= Q(
                month__gte=date(year, 1, 1), month__lt=date(year + 1, 1, 1), office_id__in=offices
            )
        old = old.filter(which)
        source = source.filter(source_which)
    old.delete()
    bit = Case(
        *(When(month__month=m, then=Value(1 << (m - 1))) for m in range(1, 13)),
        output_field=IntegerField(),
    )
    rows = (
        source.annotate(year=ExtractYear("month"), bit=bit)
        .values("office_id", "flow", "enterprise_id", "year")
        .annotate(
            months=Sum("bit"),
            inp=Max(Case(When(in_province=True, then=Value(1)), default=Value(0))),
        )
    )
    EnterpriseYear.objects.bulk_create(
        (
            EnterpriseYear(
                office_id=r["office_id"],
                flow=r["flow"],
                enterprise_id=r["enterprise_id"],
                year=r["year"],
                months=r["months"],
                in_province=bool(r["inp"]),
            )
            for r in rows.iterator(chunk_size=BATCH)
        ),
        batch_size=BATCH,
    )


def _months_with_data() -> list[date]:
    first_last = Declaration.objects.exclude(registered_at=None).aggregate(
        first=Min("registered_at"), last=Max("registered_at")
    )
    receipts = Receipt.objects.aggregate(first=Min("issued_at"), last=Max("issued_at"))
    moments = [m for m in (*first_last.values(), *receipts.values()) if m is not None]
    if not moments:
        return []
    month, last = month_of(local_day(min(moments))), month_of(local_day(max(moments)))
    out = []
    while month <= last:
        out.append(month)
        month = add_months(month, 1)
    return out


def _changed_buckets(watermark: Watermark, top: int) -> dict[date, set[int]]:
    """(month, office) buckets touched by the events appended since the watermark: the month of
    the declaration's registration and the month of the event (a payment, a receipt)."""
    events = Event.objects.filter(declaration_id__isnull=False, id__lte=top)
    since = events.filter(id__gt=watermark.last_event_id)
    if watermark.started_at is not None:
        late = events.filter(
            id__lte=watermark.last_event_id,
            occurred_at__gte=watermark.started_at - LATE_COMMIT_MARGIN,
        )
        since = since | late
    tz = timezone.get_default_timezone()
    buckets: dict[date, set[int]] = defaultdict(set)
    touched = since.values("declaration_id")
    for row in (
        Declaration.objects.filter(id__in=touched)
        .exclude(registered_at=None)
        .annotate(m=TruncMonth("registered_at", tzinfo=tz))
        .values("m", "office_id")
        .distinct()
    ):
        buckets[_as_date(row["m"])].add(row["office_id"])
    office_ids = dict(Office.objects.values_list("code", "pk"))
    for row in (
        since.annotate(m=TruncMonth("occurred_at", tzinfo=tz)).values("m", "office_code").distinct()
    ):
        pk = office_ids.get(row["office_code"])
        if pk is not None:
            buckets[_as_date(row["m"])].add(pk)
    return buckets


def _as_date(value: date | datetime) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value, timezone.get_default_timezone()).date()
    return value


def stats_refresh(*, full: bool = False, say: Say | None = None) -> RefreshResult:
    """Bring the aggregates up to date with the declarations, receipts and events.

    Incremental by default: only the (month, office) buckets touched by events after the
    watermark are recomputed. `full` rebuilds every month from scratch (after a restore, or
    the first time). Each month is one transaction; the watermark moves at the end.
    """
    result = RefreshResult()
    watermark, _created = Watermark.objects.get_or_create(name=WATERMARK)
    started = timezone.now()
    top = Event.objects.aggregate(top=Max("id"))["top"] or 0
    rates = UsdRates()
    provinces = _department_provinces()
    if full or watermark.finished_at is None:
        months = _months_with_data()
        with transaction.atomic():
            DailyTotal.objects.all().delete()
            MonthlyBreakdown.objects.all().delete()
            MonthlyEnterprise.objects.all().delete()
            EnterpriseYear.objects.all().delete()
        for month in months:
            with transaction.atomic():
                _bucket_compute(month, None, rates=rates, provinces=provinces, result=result)
            result.months += 1
            if say:
                say(later(gettext_noop("Statistics: %(m)s done."), m=f"{month:%Y-%m}"))
        with transaction.atomic():
            _first_months_compute(None)
            _enterprise_years_compute(None)
        result.buckets = DailyTotal.objects.values("month", "office_id").distinct().count()
    else:
        buckets = _changed_buckets(watermark, top)
        touched_offices: set[int] = set()
        for month in sorted(buckets):
            with transaction.atomic():
                _bucket_compute(
                    month, buckets[month], rates=rates, provinces=provinces, result=result
                )
            result.months += 1
            result.buckets += len(buckets[month])
            touched_offices |= buckets[month]
        if touched_offices:
            years: dict[int, set[int]] = defaultdict(set)
            for month, offices in buckets.items():
                years[month.year] |= offices
            with transaction.atomic():
                _first_months_compute(touched_offices)
                _enterprise_years_compute(years)
    Watermark.objects.filter(name=WATERMARK).update(
        last_event_id=max(top, watermark.last_event_id),
        started_at=started,
        finished_at=timezone.now(),
    )
    result.last_event_id = max(top, watermark.last_event_id)
    return result
