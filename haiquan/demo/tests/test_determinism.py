"""Same seed, same history; another seed, another history."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import transaction

from haiquan.clearance.models import Container, Declaration, DeclarationLine
from haiquan.demo.generator import demo_generate
from haiquan.demo.models import SyntheticEnterprise, SyntheticTruth
from haiquan.eventlog.models import Event

pytestmark = pytest.mark.django_db


def _fingerprint() -> dict[str, list]:
    return {
        "enterprises": sorted(
            SyntheticEnterprise.objects.values_list(
                "enterprise__mst", "enterprise__name", "enterprise__compliance_rank", "segment"
            )
        ),
        "declarations": list(
            Declaration.objects.order_by("number").values_list(
                "number",
                "type_id",
                "office__code",
                "enterprise__mst",
                "lane",
                "status",
                "registered_at",
                "invoice_value",
                "currency_id",
                "exchange_rate",
                "total_duties_vnd",
                "paid_vnd",
                "released_at",
            )
        ),
        "lines": list(
            DeclarationLine.objects.order_by("declaration__number", "line_no").values_list(
                "declaration__number",
                "hs_code",
                "origin_id",
                "quantity",
                "unit_price",
                "preference",
            )
        ),
        "containers": sorted(Container.objects.values_list("declaration__number", "number")),
        "truth": list(
            SyntheticTruth.objects.order_by("declaration__number").values_list(
                "declaration__number", "fraud_kind", "revenue_at_stake_vnd", "detected"
            )
        ),
        "events": sorted(
            Event.objects.filter(declaration_id__isnull=False).values_list(
                "occurred_at", "kind", "party", "actor_label"
            )
        ),
    }


def _generate(seed: int, *, threaded: bool = True) -> dict[str, list]:
    with transaction.atomic():
        demo_generate(seed=seed, months=1, until=date(2023, 7, 1), scale=0.02, threaded=threaded)
        fingerprint = _fingerprint()
        # Keys follow the order things happened in, whoever wrote the rows.
        fingerprint["event order"] = list(
            Event.objects.filter(declaration_id__isnull=False)
            .order_by("id")
            .values_list("occurred_at", "kind", "actor_label")
        )
        transaction.set_rollback(True)
    return fingerprint


def test_the_same_seed_gives_the_same_history_and_another_seed_another():
    first = _generate(11)
    assert len(first["declarations"]) > 200 and first["events"]
    again = _generate(11)
    for key in first:
        assert again[key] == first[key], key
    other = _generate(12)
    for key in ("enterprises", "declarations", "lines", "truth"):
        assert other[key] != first[key], key


def test_writing_on_a_second_thread_writes_the_same_history():
    """The background writer (`demo.writer`) changes when rows are written, not what."""
    threaded = _generate(13, threaded=True)
    assert len(threaded["declarations"]) > 200
    synchronous = _generate(13, threaded=False)
    for key in threaded:
        assert synchronous[key] == threaded[key], key
