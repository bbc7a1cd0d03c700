"""The demo hook on a small generated history: idempotent, and the figures plausible against
the sources (Quảng Ninh, May 2020: imports about 10 h, exports about 2.5 h, customs' own work
under 20%)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from haiquan.accounts.services import user_create
from haiquan.clearance.models import Declaration
from haiquan.demo.generator import demo_generate
from haiquan.demo.tests.conftest import HISTORY
from haiquan.eventlog.models import Event
from haiquan.manifests.demo import demo_setup as manifests_demo_setup
from haiquan.manifests.models import Bill, BillDrawdown, Voyage
from haiquan.timerelease.demo import demo_setup
from haiquan.timerelease.models import RefreshState
from haiquan.timerelease.reports import breakdown, filters_build, report
from haiquan.timerelease.store import store_count


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any, store_root: Path) -> Iterator[list[str]]:
    with django_db_blocker.unblock(), transaction.atomic():
        demo_generate(**HISTORY)
        said: list[str] = []
        manifests_demo_setup(say=said.append)  # the carriers' arrivals, as `haiquan demo` does
        demo_setup(say=said.append)
        yield said
        transaction.set_rollback(True)


def test_every_registered_declaration_has_its_row(demo: list[str], db: Any) -> None:
    assert store_count() == Declaration.objects.registered().count() > 500
    watermark = RefreshState.objects.get().last_event_id
    demo_setup(say=demo.append)  # again: nothing new, nothing doubled
    assert store_count() == Declaration.objects.registered().count()
    assert RefreshState.objects.get().last_event_id == watermark


def test_quang_ninh_figures_are_plausible(demo: list[str], db: Any) -> None:
    leader = user_create(
        username="tr.demo.leader", password=None, role="leader", office_codes=["20"]
    )
    period = {"date_from": date(2024, 1, 1), "date_to": date(2024, 2, 29)}
    for flow, low, high in (("import", 4, 16), ("export", 1, 5)):
        f = filters_build(user=leader, flow=flow, **period)
        now = report(f, timezone.now())["current"]
        assert now["consignments"] > 50
        assert low * 3600 < now["mean_s"] < high * 3600, (flow, now["mean_s"] / 3600)
        assert 0 < now["customs_share"] < 0.3
        assert now["median_s"] <= now["p90_s"] <= now["p95_s"]
        shares = sum(b["share"] for b in now["buckets"])
        assert shares == pytest.approx(1)
    lanes = {
        r["key"]: r
        for r in breakdown(
            filters_build(user=leader, flow="import", **period), "lane", timezone.now()
        )
    }
    assert lanes["red"]["mean_s"] > lanes["green"]["mean_s"]
    offices = breakdown(filters_build(user=leader, **period), "office", timezone.now())
    assert len(offices) >= 3 and all(r["key"].startswith("20") for r in offices)


def test_the_demo_imports_by_sea_and_air_arrive_on_manifested_voyages(
    demo: list[str], db: Any
) -> None:
    by_sea_or_air = Declaration.objects.filter(
        flow="import", transport_mode__in=["sea", "air"]
    ).values("pk")
    arrived = dict(
        Event.objects.filter(kind="cargo.arrived", declaration_id__in=by_sea_or_air).values_list(
            "declaration_id", "occurred_at"
        )
    )
    assert len(arrived) > 50
    drawn = {
        d: (when, mode)
        for d, when, mode in BillDrawdown.objects.values_list(
            "declaration_id", "bill__voyage__actual_arrival", "bill__voyage__mode"
        )
    }
    # Every arrived consignment draws on a bill of a voyage arrived at that very time.
    assert set(drawn) == set(arrived)
    assert all(drawn[d][0] == at for d, at in arrived.items())
    voyages = Voyage.objects.count()
    assert Bill.objects.count() > voyages > 0  # calls carry several consignments
    manifests_demo_setup(say=demo.append)  # again: nothing doubled
    assert Voyage.objects.count() == voyages


def test_the_demo_gives_arrival_to_release_figures(demo: list[str], db: Any) -> None:
    leader = user_create(username="tr.demo.span", password=None, role="leader", office_codes=["20"])
    period = {"date_from": date(2024, 1, 1), "date_to": date(2024, 2, 29), "flow": "import"}
    by_registration = report(filters_build(user=leader, **period), timezone.now())["current"]
    by_arrival = report(filters_build(user=leader, span="arrival", **period), timezone.now())[
        "current"
    ]
    assert by_arrival["span"]["code"] == "arrival"
    assert 0 < by_arrival["consignments"] <= by_arrival["span"]["of_measured"]
    assert by_arrival["span"]["of_measured"] == by_registration["consignments"]
    # Goods arrive before they are declared: the WCO's span is the longer.
    assert by_arrival["mean_s"] > by_registration["mean_s"]
    assert by_arrival["span"]["before_registration_mean_s"] > 0
