"""Bonded warehouse stock through the services: receipts, partial issues, cancellations.

Worked example (USD at 25,000 VND, CIF so customs value = invoice value × rate):
  C11 line 1: 10,000 kg dragon fruit, USD 8,000   → 200,000,000 VND
  C11 line 2:    100 laptops,         USD 42,000  → 1,050,000,000 VND
  R1 receives 6,000 kg (lot A: 120,000,000) and the 100 laptops (lot B);
  R2 receives the other 4,000 kg (lot C: 80,000,000).
  I1 (C12, abroad) issues 7,000 kg: all of lot A, then 1,000 kg of lot C
     (80,000,000 × 1,000/4,000 = 20,000,000) → 3,000 kg / 60,000,000 left.
  I2 (E31, domestic) issues 40 laptops: 1,050,000,000 × 40/100 = 420,000,000
     → 60 laptops / 630,000,000 left.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from haiquan.clearance.choices import Status
from haiquan.core.problems import Conflict, Forbidden, ValidationFailed
from haiquan.eventlog.models import Event
from haiquan.supervision.bonded import (
    DocumentLine,
    bonded_issue_cancel,
    bonded_issue_create,
    bonded_receipt_cancel,
    bonded_receipt_create,
    storage_time_scan,
)
from haiquan.supervision.choices import AlertKind, DocumentState
from haiquan.supervision.models import StockLedgerEntry, StockLot
from haiquan.supervision.selectors import bonded_ledger, bonded_reconciliation, bonded_stock

from .conftest import line

pytestmark = pytest.mark.django_db

FRUIT = line()
LAPTOPS = line(
    hs_code="84713020",
    description="Máy tính xách tay",
    quantity=Decimal("100"),
    unit="PCE",
    unit_price=Decimal("420"),
    value=Decimal("42000.00"),
)


def held(warehouse):  # type: ignore[no-untyped-def]
    return {(r.hs_code, r.unit): (r.quantity, r.value_vnd) for r in bonded_stock(warehouse)}


@pytest.fixture
def c11(declare):  # type: ignore[no-untyped-def]
    decl = declare(type_code="C11", containers=(), lines=(FRUIT, LAPTOPS))
    assert decl.status == Status.CLEARED
    return decl


@pytest.fixture
def received(c11, warehouse, warehouse_keeper):  # type: ignore[no-untyped-def]
    r1 = bonded_receipt_create(
        actor=warehouse_keeper,
        zone=warehouse,
        declaration_number=c11.number,
        document_number="PN-001",
        lines=[DocumentLine(1, Decimal("6000")), DocumentLine(2)],
    )
    r2 = bonded_receipt_create(
        actor=warehouse_keeper,
        zone=warehouse,
        declaration_number=c11.number,
        document_number="PN-002",
    )
    return r1, r2


class TestStock:
    def test_receipts_partial_issues_and_cancellations(
        self, declare, received, warehouse, warehouse_keeper
    ):
        r1, r2 = received
        assert held(warehouse) == {
            ("08109092", "KGM"): (Decimal("10000"), Decimal("200000000")),
            ("84713020", "PCE"): (Decimal("100"), Decimal("1050000000")),
        }
        c12 = declare(
            type_code="C12",
            containers=(),
            lines=(line(quantity=Decimal("7000"), value=Decimal("5600.00")),),
        )
        i1 = bonded_issue_create(
            actor=warehouse_keeper,
            zone=warehouse,
            declaration_number=c12.number,
            document_number="PX-001",
        )
        # Oldest lot first: all of R1's 6,000 kg, then 1,000 kg of R2's lot.
        taken = sorted(
            (il.lot.receipt.document_number, il.quantity, il.value_vnd) for il in i1.lines.all()
        )
        assert taken == [
            ("PN-001", Decimal("6000"), Decimal("120000000")),
            ("PN-002", Decimal("1000"), Decimal("20000000")),
        ]
        domestic = declare(
            type_code="E31",
            containers=(),
            lines=(line(hs_code="84713020", description="Máy tính xách tay", quantity=Decimal("40"),
                        unit="PCE", unit_price=Decimal("420"), value=Decimal("16800.00")),),
        )  # fmt: skip
        bonded_issue_create(
            actor=warehouse_keeper,
            zone=warehouse,
            declaration_number=domestic.number,
            document_number="PX-002",
        )
        assert held(warehouse) == {
            ("08109092", "KGM"): (Decimal("3000"), Decimal("60000000")),
            ("84713020", "PCE"): (Decimal("60"), Decimal("630000000")),
        }

        # R1's fruit went out on PX-001: it cannot be cancelled until that issue is.
        with pytest.raises(Conflict) as exc:
            bonded_receipt_cancel(actor=warehouse_keeper, receipt=r1, reason="typed twice")
        assert "PX-001" in exc.value.detail
        bonded_issue_cancel(actor=warehouse_keeper, issue=i1, reason="ship cancelled")
        assert held(warehouse)[("08109092", "KGM")] == (Decimal("10000"), Decimal("200000000"))
        bonded_receipt_cancel(actor=warehouse_keeper, receipt=r2, reason="counted twice")
        assert held(warehouse) == {
            ("08109092", "KGM"): (Decimal("6000"), Decimal("120000000")),
            ("84713020", "PCE"): (Decimal("60"), Decimal("630000000")),
        }
        r2.refresh_from_db()
        assert r2.state == DocumentState.CANCELLED

        # The ledger sums to what the lots hold, and tells the whole history.
        ledger = StockLedgerEntry.objects.filter(zone=warehouse)
        assert (
            ledger.aggregate(q=Sum("quantity"))["q"]
            == StockLot.objects.aggregate(q=Sum("quantity_held"))["q"]
        )
        assert [e.kind for e in bonded_ledger(warehouse).order_by("id")] == [
            "receipt", "receipt", "receipt", "issue", "issue", "issue", "issue_cancelled",
            "issue_cancelled", "receipt_cancelled",
        ]  # fmt: skip
        assert all(r.consistent for r in bonded_reconciliation(warehouse))
        kinds = set(Event.objects.filter(kind__startswith="bonded.").values_list("kind", flat=True))
        assert kinds == {"bonded.received", "bonded.issued", "bonded.issue_cancelled",
                         "bonded.receipt_cancelled"}  # fmt: skip

    def test_reconciliation_shows_goods_declared_but_not_yet_received(
        self, c11, warehouse, warehouse_keeper
    ):
        bonded_receipt_create(
            actor=warehouse_keeper,
            zone=warehouse,
            declaration_number=c11.number,
            document_number="PN-001",
            lines=[DocumentLine(1, Decimal("2500"))],
        )
        rows = {r.hs_code: r for r in bonded_reconciliation(warehouse)}
        fruit = rows["08109092"]
        assert fruit.declared_in == Decimal("10000") and fruit.received == Decimal("2500")
        assert fruit.not_yet_received == Decimal("7500") and fruit.consistent
        assert rows["84713020"].received == 0 and rows["84713020"].declared_in == Decimal("100")


class TestRules:
    def test_no_more_than_declared_is_received(self, received, c11, warehouse, warehouse_keeper):
        with pytest.raises(ValidationFailed) as exc:
            bonded_receipt_create(
                actor=warehouse_keeper,
                zone=warehouse,
                declaration_number=c11.number,
                document_number="PN-003",
                lines=[DocumentLine(1, Decimal("1"))],
            )
        (problem,) = exc.value.errors
        assert problem.field == "lines[0].quantity" and problem.code == "over-declared"

    def test_no_more_than_held_is_issued(self, declare, received, warehouse, warehouse_keeper):
        c12 = declare(
            type_code="C12",
            containers=(),
            lines=(line(quantity=Decimal("12000"), value=Decimal("9600.00")),),
        )
        with pytest.raises(ValidationFailed) as exc:
            bonded_issue_create(
                actor=warehouse_keeper,
                zone=warehouse,
                declaration_number=c12.number,
                document_number="PX-001",
            )
        (problem,) = exc.value.errors
        assert problem.code == "insufficient-stock" and "10000" in problem.problem

    def test_the_declaration_must_fit_and_be_cleared(
        self, declare, red_for_fruit, warehouse, warehouse_keeper
    ):
        a11 = declare(type_code="A11", containers=())  # red: not cleared
        with pytest.raises(ValidationFailed) as exc:
            bonded_receipt_create(
                actor=warehouse_keeper,
                zone=warehouse,
                declaration_number=a11.number,
                document_number="PN-001",
            )
        assert {e.code for e in exc.value.errors} == {"wrong-type", "not-cleared"}

    def test_only_the_warehouse_keeper_or_its_officers(
        self, c11, warehouse, operator, officer_elsewhere
    ):
        for outsider in (operator, officer_elsewhere):
            with pytest.raises(Forbidden):
                bonded_receipt_create(
                    actor=outsider,
                    zone=warehouse,
                    declaration_number=c11.number,
                    document_number="PN-001",
                )

    def test_a_receipt_number_is_recorded_once(
        self, declare, received, warehouse, warehouse_keeper
    ):
        another = declare(type_code="C11", containers=(), bill_of_lading="COSU6123456781")
        with pytest.raises(ValidationFailed) as exc:
            bonded_receipt_create(
                actor=warehouse_keeper,
                zone=warehouse,
                declaration_number=another.number,
                document_number="PN-001",
            )
        (problem,) = exc.value.errors
        assert problem.field == "document_number" and problem.code == "duplicate"


class TestStorageTime:
    def test_warned_before_the_end_then_told_it_ended_once_each(self, received, warehouse):
        lot = StockLot.objects.order_by("id").first()
        assert lot.expires_on == timezone.localdate() + timedelta(days=365)
        assert storage_time_scan(today=lot.expires_on - timedelta(days=31)) == []
        ending = storage_time_scan(today=lot.expires_on - timedelta(days=30))
        assert {a.kind for a in ending} == {AlertKind.STORAGE_TIME_ENDING}
        assert len(ending) == 3  # three lots hold goods
        assert storage_time_scan(today=lot.expires_on - timedelta(days=5)) == []
        ended = storage_time_scan(today=lot.expires_on + timedelta(days=1))
        assert {a.kind for a in ended} == {AlertKind.STORAGE_TIME_EXCEEDED} and len(ended) == 3


class TestReportedTimes:
    """Server time is the truth: the warehouse's reported times are checked against it."""

    def test_a_receipt_back_dated_or_before_clearance_is_refused(
        self, c11, warehouse, warehouse_keeper
    ):
        for at in (timezone.now() - timedelta(days=2), c11.cleared_at - timedelta(minutes=1)):
            with pytest.raises(ValidationFailed) as caught:
                bonded_receipt_create(
                    actor=warehouse_keeper,
                    zone=warehouse,
                    declaration_number=c11.number,
                    document_number="PN-OLD",
                    received_at=at,
                )
            assert [e.field for e in caught.value.errors] == ["occurred_at"]
        assert not StockLot.objects.exists()

    def test_both_times_are_kept_and_the_storage_time_runs_from_the_server_s(
        self, c11, warehouse, warehouse_keeper
    ):
        reported = timezone.now() + timedelta(minutes=2)  # the yard's clock a little ahead
        receipt = bonded_receipt_create(
            actor=warehouse_keeper,
            zone=warehouse,
            declaration_number=c11.number,
            document_number="PN-NOW",
            received_at=reported,
        )
        assert receipt.received_at == reported
        assert timezone.now() - receipt.recorded_at < timedelta(minutes=1)
        lot = receipt.lots.first()
        assert lot is not None
        assert lot.expires_on == timezone.localdate(receipt.recorded_at) + timedelta(days=365)

    def test_an_issue_dated_before_its_goods_came_in_is_refused(
        self, declare, c11, warehouse, warehouse_keeper
    ):
        c12 = declare(
            type_code="C12",
            containers=(),
            lines=(line(quantity=Decimal("10"), value=Decimal("8.00")),),
        )
        received = bonded_receipt_create(
            actor=warehouse_keeper,
            zone=warehouse,
            declaration_number=c11.number,
            document_number="PN-1",
            received_at=timezone.now() + timedelta(minutes=4),
        )
        with pytest.raises(ValidationFailed) as caught:
            bonded_issue_create(
                actor=warehouse_keeper,
                zone=warehouse,
                declaration_number=c12.number,
                document_number="PX-1",
                issued_at=received.received_at - timedelta(minutes=2),
            )
        assert [(e.field, e.code) for e in caught.value.errors] == [("occurred_at", "out-of-order")]
