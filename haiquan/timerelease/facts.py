"""One fact row per consignment (declaration), derived from its events alone.

The rules of time-release measurement live here, as pure functions:

- The measured time is from registration (`DECLARATION_REGISTERED`) to release
  (`DECLARATION_RELEASED`), as Vietnam Customs measures it. Arrival (`CARGO_ARRIVED` or the
  first gate-in) to release, or to the gate-out when the goods left later, is the border time
  of the Trading-across-Borders view.
- The events between registration and release, in time order, cut that span into intervals;
  each interval ends at an event and belongs to that event's party (the event log's `party`
  says whose time ends there) and to that event's step (its `step` in the
  event catalogue, `eventlog/kinds.py`). So the intervals add
  up exactly to the measured time, per party and per step.
- A few events mark nobody's work ending (`PASSING_KINDS`: a document attached) and cut no
  interval: the time runs on to the next event. Customs' request for documents ends customs'
  check time; the declarant's answer (or the escalation of a late one) ends the declarant's
  time waited for it, the step `document_request`; the officer's acceptance is check time again.
- Events after release (a later amendment, khai bổ sung sau thông quan) do not change it.
- A consignment not yet released is `open` and a cancelled one `cancelled`: both are kept and
  counted separately, never averaged in. A cancellation counts whenever it comes: a declaration
  cancelled after its release (an export cleared and released for loading but never shipped,
  cancelled on the officer's decision) is cancelled, not released — its goods did not cross.
- Declared outages (haiquan.outage) are shown apart: `outage_s` is the part of the measured
  time that fell inside an outage declared for the consignment's office (or nationally). It
  overlays the parties and steps (which still add up to the whole) and is not one of them.
- Outliers: a released consignment whose measured time exceeds `OUTLIER_CAP_SECONDS` (30 days)
  is flagged and reported separately (counted, with its own mean), not averaged in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import timezone as dt_timezone
from operator import itemgetter
from typing import Any, NamedTuple

from haiquan.eventlog import kinds

from .choices import Bucket, ComplianceGroup, FactStatus, Step

VN_TZ = dt_timezone(timedelta(hours=7))  # Asia/Ho_Chi_Minh: UTC+7, no daylight saving
OUTLIER_CAP_SECONDS = 30 * 24 * 3600

# Plain strings (`.code`): the fact rows compare every event's kind with them.
REGISTERED = kinds.DECLARATION_REGISTERED.code
RELEASED = kinds.DECLARATION_RELEASED.code
CANCELLED = kinds.DECLARATION_CANCELLED.code
LODGED = kinds.DECLARATION_LODGED.code
CLEARED = kinds.DECLARATION_CLEARED.code
AMENDED = kinds.DECLARATION_AMENDED.code
INSPECTED = kinds.DECLARATION_INSPECTION_RECORDED.code
DOCUMENT_CHECKED = kinds.DECLARATION_DOCUMENT_CHECK_RECORDED.code
ARRIVAL_KINDS = frozenset({kinds.CARGO_ARRIVED.code, kinds.CARGO_GATE_IN.code})
EXIT_KINDS = frozenset({kinds.CARGO_GATE_OUT.code})

# Each kind's step is the catalogue's (`eventlog/kinds.py`): a kind's own, else its family's.
STEP_OF_KIND: dict[str, Step] = {
    kind.code: kind.step for kind in kinds.KINDS.values() if kind.step is not None
}
AGENCY_KINDS = frozenset(code for code, step in STEP_OF_KIND.items() if step == Step.AGENCY)
AGENCY_FAMILIES = tuple(f"{f}." for f, step in kinds.FAMILY_STEPS.items() if step == Step.AGENCY)
# Events that end nobody's work: the interval runs through them to the next event.
PASSING_KINDS = frozenset({kinds.DECLARATION_DOCUMENT_UPLOADED.code})
BUCKET_OF_PARTY: dict[str, Bucket] = {
    "customs": Bucket.CUSTOMS,
    "system": Bucket.CUSTOMS,  # VNACCS/VCIS are customs' own systems
    "agency": Bucket.AGENCY,
    "trader": Bucket.TRADER,
    "movement": Bucket.MOVEMENT,
    "bank": Bucket.BANK,
}
COMPLIANT_RANKS = frozenset({"priority", "high", "medium"})
NOT_COMPLIANT_RANKS = frozenset({"low", "non_compliant"})

STEPS: tuple[str, ...] = tuple(s.value for s in Step)
BUCKETS: tuple[str, ...] = tuple(b.value for b in Bucket)

# The fact rows' columns and their DuckDB types (the columnar store keeps exactly these).
COLUMNS: tuple[tuple[str, str], ...] = (
    ("declaration_id", "BIGINT"),
    ("number", "VARCHAR"),
    ("office_code", "VARCHAR"),
    ("office_path", "VARCHAR"),
    ("flow", "VARCHAR"),
    ("lane", "VARCHAR"),
    ("transport_mode", "VARCHAR"),
    ("type_code", "VARCHAR"),
    ("hs_chapter", "VARCHAR"),
    ("compliance", "VARCHAR"),
    ("enterprise_id", "BIGINT"),
    ("status", "VARCHAR"),
    ("reg_date", "DATE"),  # the registration day in Vietnam: periods select on it
    ("registered_at", "TIMESTAMP"),  # UTC
    ("arrived_at", "TIMESTAMP"),
    ("lodged_at", "TIMESTAMP"),
    ("cleared_at", "TIMESTAMP"),
    ("released_at", "TIMESTAMP"),
    ("exited_at", "TIMESTAMP"),
    ("cancelled_at", "TIMESTAMP"),
    # Whole seconds: integers scan and add up about twice as fast as doubles at 12 M rows.
    ("total_s", "INTEGER"),  # registration to release
    ("border_s", "INTEGER"),  # arrival (or lodging) to release or gate-out
    ("pre_s", "INTEGER"),  # arrival to registration
    *((f"{b}_s", "INTEGER") for b in BUCKETS),
    *((f"step_{s}_s", "INTEGER") for s in STEPS),
    ("outage_s", "INTEGER"),  # of total_s, inside declared outages at the office
    ("amendments", "INTEGER"),
    ("document_checked", "BOOLEAN"),
    ("inspected", "BOOLEAN"),
    ("agency_involved", "BOOLEAN"),
    ("outlier", "BOOLEAN"),
    ("last_event_id", "BIGINT"),
)
COLUMN_NAMES: tuple[str, ...] = tuple(name for name, _type in COLUMNS)


# A declared outage's [start, end] in naive UTC (an outage under way: until now).
OutageSpan = tuple[datetime, datetime]


class EventRow(NamedTuple):
    id: int
    occurred_at: datetime
    kind: str
    party: str


@dataclass(frozen=True)
class Dimensions:
    """What a consignment is, as its declaration says now (the lane after any escalation)."""

    declaration_id: int
    number: str = ""
    office_code: str = ""
    office_path: str = ""
    flow: str = ""
    lane: str = ""
    transport_mode: str = ""
    type_code: str = ""
    hs_chapter: str = ""
    compliance_rank: str = ""
    enterprise_id: int | None = None


def compliance_group(rank: str) -> str:
    if rank in COMPLIANT_RANKS:
        return ComplianceGroup.COMPLIANT.value
    if rank in NOT_COMPLIANT_RANKS:
        return ComplianceGroup.NOT_COMPLIANT.value
    return ComplianceGroup.UNRANKED.value


def step_of(kind: str, party: str) -> str:
    if party == "agency":
        return Step.AGENCY.value
    return (kinds.step_of_kind(kind) or Step.OTHER).value


def _is_agency(kind: str, party: str) -> bool:
    """Other agencies' time: an event of party agency, or of an agency kind or family."""
    return party == "agency" or kind in AGENCY_KINDS or kind.startswith(AGENCY_FAMILIES)


def _naive_utc(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def local_date(moment: datetime) -> date:
    """The day in Vietnam of a UTC moment (naive, or aware in any zone)."""
    naive = _naive_utc(moment)
    assert naive is not None
    return (naive + timedelta(hours=7)).date()


_BY_TIME = itemgetter(1, 0)  # (occurred_at, id)


def outage_seconds(start: datetime, end: datetime, outages: Sequence[OutageSpan]) -> float:
    """How much of [start, end] fell inside the outages (overlapping outages counted once)."""
    covered = 0.0
    reached = start
    for o_start, o_end in sorted(outages):
        lo, hi = max(o_start, reached), min(o_end, end)
        if hi > lo:
            covered += (hi - lo).total_seconds()
            reached = hi
    return covered


def consignment_fact(
    dims: Dimensions, events: Iterable[EventRow], outages: Sequence[OutageSpan] = ()
) -> dict[str, Any] | None:
    """The fact row of one consignment, or None if it was never registered (a draft).
    Times may be aware or naive UTC; the row's are naive UTC. `outages`: the declared outages
    that covered its office (naive UTC), whose part of the measured time is kept apart."""
    ordered = _in_time_order(events)
    scanned = _row_scanned(dims, ordered)
    if scanned is None:
        return None
    row, start, end = scanned
    registered_at, released_at = row["registered_at"], row["released_at"]
    began = row["arrived_at"] or row["lodged_at"]
    if began is not None:
        row["pre_s"] = (registered_at - began).total_seconds()

    if end is None or row["cancelled_at"] is not None:
        row["status"] = (
            FactStatus.CANCELLED.value if row["cancelled_at"] is not None else FactStatus.OPEN.value
        )
        row["amendments"] = sum(1 for e in ordered[start + 1 :] if e.kind == AMENDED)
        return row

    assert released_at is not None
    row["status"] = FactStatus.RELEASED.value
    row["amendments"] = _intervals_add(row, ordered[start + 1 : end + 1], registered_at)
    total = (released_at - registered_at).total_seconds()
    row["total_s"] = total
    row["outage_s"] = outage_seconds(registered_at, released_at, outages) if outages else 0.0
    exited_at = row["exited_at"]
    out_at = exited_at if exited_at is not None and exited_at > released_at else released_at
    if began is not None:
        row["border_s"] = (out_at - began).total_seconds()
    row["outlier"] = total > OUTLIER_CAP_SECONDS
    return row


def _in_time_order(events: Iterable[EventRow]) -> list[EventRow]:
    """The events by time (then id), their times naive UTC."""
    ordered = sorted(events, key=_BY_TIME)
    if ordered and ordered[0].occurred_at.tzinfo is not None:
        ordered = [
            e._replace(occurred_at=e.occurred_at.astimezone(UTC).replace(tzinfo=None))
            for e in ordered
        ]
    return ordered


def _row_scanned(
    dims: Dimensions, ordered: Sequence[EventRow]
) -> tuple[dict[str, Any], int, int | None] | None:
    """One pass over the events: the row's dimensions and milestones (its measures not yet
    computed), with the positions of the registration and of the release after it; None
    without a registration."""
    start = end = None
    arrived_at = lodged_at = cleared_at = cancelled_at = exited_at = None
    document_checked = inspected = agency = False
    last_id = 0
    for i, e in enumerate(ordered):
        kind = e.kind
        if e.id > last_id:
            last_id = e.id
        if kind == REGISTERED:
            if start is None:
                start = i
        elif kind == RELEASED:
            if start is not None and end is None:
                end = i
        elif kind in ARRIVAL_KINDS:
            if arrived_at is None:
                arrived_at = e.occurred_at
        elif kind == LODGED:
            if lodged_at is None:
                lodged_at = e.occurred_at
        elif kind == CLEARED:
            if cleared_at is None:
                cleared_at = e.occurred_at
        elif kind == CANCELLED:
            if cancelled_at is None:
                cancelled_at = e.occurred_at
        elif kind in EXIT_KINDS:
            exited_at = e.occurred_at
        elif kind == DOCUMENT_CHECKED:
            document_checked = True
        elif kind == INSPECTED:
            inspected = True
        if _is_agency(kind, e.party):
            agency = True
    if start is None:
        return None
    registered_at = ordered[start].occurred_at
    row: dict[str, Any] = {
        "declaration_id": dims.declaration_id,
        "number": dims.number,
        "office_code": dims.office_code,
        "office_path": dims.office_path,
        "flow": dims.flow,
        "lane": dims.lane,
        "transport_mode": dims.transport_mode,
        "type_code": dims.type_code,
        "hs_chapter": dims.hs_chapter,
        "compliance": compliance_group(dims.compliance_rank),
        "enterprise_id": dims.enterprise_id,
        "reg_date": local_date(registered_at),
        "registered_at": registered_at,
        "arrived_at": arrived_at,
        "lodged_at": lodged_at,
        "cleared_at": cleared_at,
        "released_at": ordered[end].occurred_at if end is not None else None,
        "exited_at": exited_at,
        "cancelled_at": cancelled_at,
        "total_s": None,
        "border_s": None,
        "pre_s": None,
        "outage_s": None,
        "amendments": 0,
        "document_checked": document_checked,
        "inspected": inspected,
        "agency_involved": agency,
        "outlier": False,
        "last_event_id": last_id,
        **_EMPTY,
    }
    return row, start, end


def _intervals_add(row: dict[str, Any], measured: Sequence[EventRow], previous: datetime) -> int:
    """Each interval from registration to release added to its party's bucket and its step
    (set to zero first) in `row`; answers the amendments counted among the steps."""
    amendments = 0
    for b in BUCKETS:
        row[f"{b}_s"] = 0.0
    for s in STEPS:
        row[f"step_{s}_s"] = 0.0
    bucket_column, step_column = _BUCKET_COLUMN, _STEP_COLUMN
    agency_kinds, agency_families = AGENCY_KINDS, AGENCY_FAMILIES
    for e in measured:
        kind, party = e.kind, e.party
        if kind in PASSING_KINDS:
            continue
        seconds = (e.occurred_at - previous).total_seconds()
        row[bucket_column.get(party, "customs_s")] += seconds
        if party == "agency" or kind in agency_kinds or kind.startswith(agency_families):
            row["step_agency_s"] += seconds
        else:
            row[step_column.get(kind, "step_other_s")] += seconds
            if kind == AMENDED:
                amendments += 1
        previous = e.occurred_at
    return amendments


_EMPTY: dict[str, None] = {
    **{f"{b}_s": None for b in BUCKETS},
    **{f"step_{s}_s": None for s in STEPS},
}
_BUCKET_COLUMN = {party: f"{bucket.value}_s" for party, bucket in BUCKET_OF_PARTY.items()}

_STEP_COLUMN = {kind: f"step_{step.value}_s" for kind, step in STEP_OF_KIND.items()}
