"""The demo hook over a small generated history: the aggregates agree with the declarations and
receipts counted directly, and the targets are set once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import translation

from haiquan.accounts.services import user_create
from haiquan.clearance.models import Declaration
from haiquan.core.localtime import local_midnight
from haiquan.demo.generator import demo_generate
from haiquan.payments.models import Receipt
from haiquan.stats.demo import demo_setup
from haiquan.stats.models import Target, TargetChange
from haiquan.stats.selectors import statistics_report

pytestmark = pytest.mark.django_db

# January–February 2025 and two days of March, at 2% of the calibrated volume.
HISTORY = {"seed": 11, "months": 2, "until": date(2025, 3, 2), "scale": 0.02}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        demo_generate(**HISTORY)
        leader = user_create(
            username="ld.quangninh", password=None, role="leader", office_codes=["20"]
        )
        user_create(username="ld.binhduong", password=None, role="leader", office_codes=["43"])
        said: list[str] = []
        demo_setup(say=said.append)
        demo_setup(say=said.append)  # idempotent
        yield leader, said
        transaction.set_rollback(True)


def test_the_aggregates_agree_with_the_declarations_and_receipts(demo):
    leader, said = demo
    r = statistics_report(
        user=leader, office_code="20", month_from="2025-02", today=date(2025, 3, 2)
    )
    feb = (local_midnight(date(2025, 2, 1)), local_midnight(date(2025, 3, 1)))
    qn = Declaration.objects.filter(
        office__path__startswith="/00/20/", registered_at__gte=feb[0], registered_at__lt=feb[1]
    )
    assert r.totals.declarations == qn.exclude(status__in=["draft", "cancelled"]).count() > 20
    assert r.totals.cancelled == qn.filter(status="cancelled").count()
    revenue = Receipt.objects.filter(
        declaration__office__path__startswith="/00/20/", issued_at__gte=feb[0], issued_at__lt=feb[1]
    ).aggregate(s=Sum("amount_vnd"))["s"]
    assert r.totals.revenue_vnd == revenue > 0
    active = qn.exclude(status="cancelled").values("enterprise_id").distinct().count()
    assert r.enterprises.active == active
    assert 0 < r.enterprises.in_province < active  # Quảng Ninh has firms from elsewhere too
    assert sum(s.declarations for s in r.breakdowns["lane"]) == r.totals.declarations
    assert r.totals.value_usd > Decimal(100_000)
    with translation.override("en"):  # the messages are written in the reader's language
        assert any("Statistics" in str(line) for line in said)


def test_targets_of_both_authorities_for_2025_and_2026(demo):
    leader, _said = demo
    targets = {(t.office.code, t.year, t.authority): t.amount_vnd for t in Target.objects.all()}
    assert len(targets) == 8
    for code in ("20", "43"):
        for year in (2025, 2026):
            assert targets[(code, year, "gdvc")] > targets[(code, year, "mof")] > 0
    assert TargetChange.objects.count() == 8  # the second run changed nothing
    r = statistics_report(
        user=leader, office_code="20", month_from="2025-02", today=date(2025, 3, 2)
    )
    assert [t.target.authority for t in r.targets] == ["mof", "gdvc"]
    assert all(t.pct is not None and t.pct > 0 for t in r.targets)
