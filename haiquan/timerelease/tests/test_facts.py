"""The fact row of one consignment, from its events alone (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haiquan.timerelease.facts import (
    BUCKETS,
    OUTLIER_CAP_SECONDS,
    STEPS,
    Dimensions,
    EventRow,
    consignment_fact,
)

T0 = datetime(2026, 5, 4, 1, 0, tzinfo=UTC)  # 08:00 in Vietnam
DIMS = Dimensions(declaration_id=1, flow="import", lane="red", compliance_rank="medium")


def events(*steps: tuple[int, str, str]) -> list[EventRow]:
    return [
        EventRow(i + 1, T0 + timedelta(seconds=s), kind, party)
        for i, (s, kind, party) in enumerate(steps)
    ]


def test_a_draft_has_no_fact() -> None:
    assert consignment_fact(DIMS, events((0, "declaration.draft_created", "trader"))) is None


def test_intervals_belong_to_the_party_and_step_of_the_event_that_ends_them() -> None:
    row = consignment_fact(
        DIMS,
        events(
            (-7200, "cargo.arrived", "movement"),
            (-5, "declaration.lodged", "trader"),
            (0, "declaration.registered", "trader"),
            (0, "declaration.lane_decided", "customs"),
            (1800, "declaration.escalated", "customs"),
            (9000, "declaration.inspection_recorded", "customs"),
            (9600, "declaration.clearance_held", "system"),
            (12000, "payment_order.created", "trader"),
            (12300, "payment.confirmed", "bank"),
            (12305, "declaration.cleared", "system"),
            (20000, "declaration.released", "customs"),
            (30000, "cargo.gate_out", "movement"),
        ),
    )
    assert row is not None
    assert row["status"] == "released"
    assert row["total_s"] == 20000
    assert row["customs_s"] == 1800 + 7200 + 600 + 5 + 7695  # system time is customs' time
    assert row["trader_s"] == 2400 and row["bank_s"] == 300 and row["movement_s"] == 0
    assert row["step_document_check_s"] == 1800  # ended by the escalation
    assert row["step_inspection_s"] == 7200
    assert row["step_clearance_s"] == 600 + 5
    assert row["step_release_s"] == 7695
    assert row["pre_s"] == 7200
    assert row["border_s"] == 7200 + 30000  # arrival to the gate-out after release
    assert row["compliance"] == "compliant"
    assert row["inspected"] is True and row["document_checked"] is False
    assert str(row["reg_date"]) == "2026-05-04"
    assert row["registered_at"].tzinfo is None  # stored as UTC


def test_unfinished_and_cancelled_consignments_are_kept_without_times() -> None:
    open_row = consignment_fact(
        DIMS,
        events((0, "declaration.registered", "trader"), (60, "declaration.amended", "trader")),
    )
    assert open_row is not None
    assert open_row["status"] == "open" and open_row["total_s"] is None
    assert open_row["amendments"] == 1
    cancelled = consignment_fact(
        DIMS,
        events((0, "declaration.registered", "trader"), (60, "declaration.cancelled", "trader")),
    )
    assert cancelled is not None and cancelled["status"] == "cancelled"


def test_a_consignment_cancelled_after_its_release_is_cancelled_not_released() -> None:
    """An export cleared and released for loading, never shipped, then cancelled: its goods did
    not cross, so it is not a release to measure (nor averaged in)."""
    row = consignment_fact(
        DIMS,
        events(
            (0, "declaration.registered", "trader"),
            (600, "declaration.cleared", "system"),
            (900, "declaration.released", "customs"),
            (86400, "declaration.cancelled", "customs"),
        ),
    )
    assert row is not None
    assert row["status"] == "cancelled"
    assert row["total_s"] is None and row["customs_s"] is None
    assert row["cancelled_at"] == (T0 + timedelta(seconds=86400)).replace(tzinfo=None)


def test_beyond_thirty_days_is_an_outlier() -> None:
    def released_after(seconds: int) -> bool:
        row = consignment_fact(
            DIMS,
            events(
                (0, "declaration.registered", "trader"),
                (seconds, "declaration.released", "movement"),
            ),
        )
        assert row is not None
        return bool(row["outlier"])

    assert released_after(OUTLIER_CAP_SECONDS) is False
    assert released_after(OUTLIER_CAP_SECONDS + 1) is True


KINDS = st.sampled_from(
    [
        "declaration.lane_decided",
        "declaration.document_check_recorded",
        "declaration.inspection_recorded",
        "declaration.amended",
        "payment_order.created",
        "payment.confirmed",
        "declaration.cleared",
        "singlewindow.result_posted",
        "transit.arrived",
    ]
)
PARTIES = st.sampled_from(["customs", "trader", "agency", "movement", "bank", "system"])


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)  # a shared machine
@given(
    st.lists(st.tuples(st.integers(0, 10**6), KINDS, PARTIES), max_size=12),
    st.integers(0, 10**6),
    st.randoms(use_true_random=False),
)
def test_the_parts_add_up_to_the_whole_in_any_order(
    middle: list[tuple[int, str, str]], release: int, rng: object
) -> None:
    steps = [(0, "declaration.registered", "trader"), *middle]
    steps.append((max([release, *(s for s, _k, _p in middle)]), "declaration.released", "movement"))
    rows = events(*steps)
    shuffled = list(rows)
    rng.shuffle(shuffled)  # type: ignore[attr-defined]
    row = consignment_fact(DIMS, shuffled)
    assert row is not None and row["status"] == "released"
    total = row["total_s"]
    assert sum(row[f"{b}_s"] for b in BUCKETS) == total
    assert sum(row[f"step_{s}_s"] for s in STEPS) == total
    assert row == consignment_fact(DIMS, rows)


def test_the_wait_for_requested_documents_is_the_traders_in_its_own_step() -> None:
    """Customs asks at 1 h; the declarant attaches a file at 3 h (it ends nobody's work) and
    answers at 5 h; the officer accepts at 5.5 h and records the check at 6 h."""
    row = consignment_fact(
        DIMS,
        events(
            (0, "declaration.registered", "trader"),
            (0, "declaration.lane_decided", "customs"),
            (3600, "declaration.documents_requested", "customs"),
            (10800, "declaration.document_uploaded", "trader"),
            (18000, "declaration.documents_answered", "trader"),
            (19800, "declaration.documents_accepted", "customs"),
            (21600, "declaration.document_check_recorded", "customs"),
            (21605, "declaration.cleared", "system"),
            (25000, "declaration.released", "customs"),
        ),
    )
    assert row is not None and row["status"] == "released"
    assert row["step_document_request_s"] == 18000 - 3600  # the upload does not cut it
    assert row["trader_s"] == 18000 - 3600
    assert row["step_document_check_s"] == 3600 + 1800 + 1800
    assert sum(row[f"{b}_s"] for b in BUCKETS) == row["total_s"] == 25000
    assert sum(row[f"step_{s}_s"] for s in STEPS) == row["total_s"]


def test_a_late_answer_after_the_escalation_is_still_the_traders_time() -> None:
    row = consignment_fact(
        DIMS,
        events(
            (0, "declaration.registered", "trader"),
            (100, "declaration.documents_requested", "customs"),
            (90000, "declaration.document_request_escalated", "trader"),
            (100000, "declaration.documents_answered", "trader"),
            (100100, "declaration.released", "customs"),
        ),
    )
    assert row is not None
    assert row["step_document_request_s"] == row["trader_s"] == 100000 - 100
