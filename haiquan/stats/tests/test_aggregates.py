"""The aggregates follow the declarations through the event log, bucket by bucket."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction

from haiquan.clearance.models import Declaration
from haiquan.eventlog.services import event_record
from haiquan.stats.aggregates import stats_refresh
from haiquan.stats.models import (
    DailyTotal,
    EnterpriseFirstMonth,
    EnterpriseYear,
    MonthlyBreakdown,
    MonthlyEnterprise,
)
from haiquan.stats.selectors import statistics_report

from .builders import declaration, local
from .conftest import TODAY

pytestmark = pytest.mark.django_db


def october(history, **kw):
    return statistics_report(
        user=history.users["leader"], office_code="20", month_from="2026-10", today=TODAY, **kw
    )


def test_days_are_local_days(history):
    # D2 at 23:30 on 31 October (16:30 UTC) is October's; D6 at 00:30 on 1 November is not.
    row = DailyTotal.objects.get(office__code="20CD", day="2026-10-31")
    assert (row.declarations, row.value_usd) == (1, Decimal("20000.00"))
    assert DailyTotal.objects.get(office__code="20BD", day="2026-11-01").declarations == 1


def test_nothing_new_nothing_recomputed(history):
    result = stats_refresh()
    assert (result.buckets, result.declarations) == (0, 0)


def test_a_new_declaration_is_counted_at_the_next_refresh(history):
    before = october(history)
    declaration(
        actor=history.users["declarant"],
        office="20CD",
        enterprise=history.enterprises["E5"],
        registered="2026-10-20 14:00",
        value_vnd=52_000_000,
        lines=[("27011200", 52_000_000)],
    )
    assert october(history).totals.declarations == before.totals.declarations  # not yet
    result = stats_refresh()
    # Only October at Cái Lân was recomputed: D2 and the new one.
    assert (result.buckets, result.declarations) == (1, 2)
    after = october(history)
    assert after.totals.declarations == 4
    assert after.totals.value_usd == Decimal("37000.00")
    assert after.enterprises.active == 4 and after.enterprises.new == 2  # E3 and E5
    assert {s.key for s in after.breakdowns["chapter"]} == {"08", "84", "85", "27"}
    first = EnterpriseFirstMonth.objects.get(
        office__code="20CD", enterprise=history.enterprises["E5"]
    )
    assert first.first_month.isoformat() == "2026-10-01"


def test_a_cancellation_moves_the_declaration_out_of_the_figures(history):
    d1 = history.d["D1"]
    with transaction.atomic():
        Declaration.objects.filter(pk=d1.pk).update(status="cancelled")
        event_record(
            kind="declaration.cancelled",
            subject_type="declaration",
            subject_id=d1.pk,
            party="trader",
            declaration_id=d1.pk,
            office_code="20BD",
            occurred_at=local("2026-11-20 10:00"),
        )
    stats_refresh()
    r = october(history)
    assert (r.totals.declarations, r.totals.cancelled) == (2, 2)
    assert r.totals.value_usd == Decimal("25000.00")
    # D1's receipt stays revenue: it was collected.
    assert r.totals.revenue_vnd == 38_500_000
    # E1 no longer active in October at Móng Cái.
    assert not MonthlyEnterprise.objects.filter(
        month="2026-10-01", office__code="20BD", enterprise=history.enterprises["E1"]
    ).exists()
    assert r.enterprises.active == 2


def test_a_full_rebuild_gives_the_same_rows(history):
    def snapshot():
        return (
            sorted(DailyTotal.objects.values_list(
                "day", "office_id", "flow", "declarations", "value_usd", "revenue_vnd"
            )),
            sorted(MonthlyBreakdown.objects.values_list(
                "month", "office_id", "dimension", "key", "declarations", "value_usd"
            )),
            sorted(MonthlyEnterprise.objects.values_list(
                "month", "office_id", "enterprise_id", "in_province"
            )),
            sorted(EnterpriseFirstMonth.objects.values_list(
                "office_id", "enterprise_id", "first_month"
            )),
            sorted(EnterpriseYear.objects.values_list(
                "office_id", "flow", "enterprise_id", "year", "months", "in_province"
            )),
        )  # fmt: skip

    declaration(
        actor=history.users["declarant"],
        office="20BD",
        enterprise=history.enterprises["E2"],
        registered="2026-09-02 08:00",
        value_vnd=25_000_000,
    )
    stats_refresh()
    incremental = snapshot()
    # E1 at Móng Cái: October 2025 (bit 9) in 2025; September and November 2026 in 2026
    # (October's D1 stays: only the full rebuild below would differ if a bucket were missed).
    masks = dict(
        EnterpriseYear.objects.filter(
            office__code="20BD", enterprise=history.enterprises["E1"], flow="import"
        ).values_list("year", "months")
    )
    assert masks == {2025: 1 << 9, 2026: (1 << 8) | (1 << 9) | (1 << 10)}
    stats_refresh(full=True)
    assert snapshot() == incremental


def test_the_command_refreshes_and_says_how_much(history):
    from io import StringIO

    from django.core.management import call_command

    declaration(
        actor=history.users["declarant"],
        office="20BD",
        enterprise=history.enterprises["E3"],
        registered="2026-10-21 09:00",
        value_vnd=26_000_000,
    )
    out = StringIO()
    call_command("stats_refresh", stdout=out)
    # October at Móng Cái: D1, D3, the cancelled D4 and the new one; D1's receipt.
    assert out.getvalue().startswith("1 (month, office) buckets from 4 declarations and 1 receipts")
    assert october(history).totals.declarations == 4
    out = StringIO()
    call_command("stats_refresh", "--full", stdout=out)
    assert october(history).totals.declarations == 4
