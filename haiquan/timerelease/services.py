"""Keeping the fact store up to date with the event log (incremental, by a watermark)."""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_noop

from haiquan.clearance.models import Declaration, DeclarationLine
from haiquan.core.i18n import later
from haiquan.eventlog.models import Event
from haiquan.outage.selectors import outage_spans_by_office, outages_changed_after
from haiquan.refdata.models import Enterprise, Office

from .facts import OUTLIER_CAP_SECONDS, Dimensions, EventRow, OutageSpan, consignment_fact
from .models import RefreshState
from .store import rows_frame, store_count, store_generation, store_locked, store_merge, store_reset

# Events are numbered when inserted but become visible when their transaction commits, which on
# PostgreSQL is not always in id order: the consignments of the last LOOKBACK ids before the
# watermark are recomputed as well, so an event committed a little late is not missed.
LOOKBACK = 10_000
BATCH = 5_000  # declarations per read
SPAN = 20_000  # ... within this range of ids (changes are mostly recent, so dense)
FLUSH_EVERY = 50_000  # fact rows kept in memory before they go to the store


@dataclass(frozen=True)
class RefreshResult:
    full: bool
    consignments: int  # fact rows written
    last_event_id: int
    seconds: float


def _state() -> RefreshState:
    state, _created = RefreshState.objects.get_or_create(pk=1)
    return state


def _utc(value: Any) -> datetime:
    """A timestamp as the driver gives it (SQLite: text; PostgreSQL: aware) in naive UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    """Sorted ids in chunks of at most BATCH ids spanning at most SPAN ids (read by range)."""
    chunk: list[int] = []
    for i in ids:
        if chunk and (len(chunk) >= BATCH or i - chunk[0] >= SPAN):
            yield chunk
            chunk = []
        chunk.append(i)
    if chunk:
        yield chunk


class _Lookups:
    """Offices and enterprises' ranks, read once per refresh."""

    def __init__(self) -> None:
        self.offices = {
            pk: (code, path) for pk, code, path in Office.objects.values_list("id", "code", "path")
        }
        self.ranks = dict(Enterprise.objects.values_list("id", "compliance_rank"))
        # Declared outages, kept apart in each consignment's time: national ones and its office's.
        spans = {
            code: [(_utc(s.start), _utc(s.end)) for s in found]
            for code, found in outage_spans_by_office().items()
        }
        national = spans.pop("", [])
        self.outages: dict[str, list[OutageSpan]] = {
            code: national + found for code, found in spans.items()
        }
        self.national = national

    def outages_of(self, office_code: str) -> list[OutageSpan]:
        return self.outages.get(office_code, self.national)


def _rows_between(table: str, columns: str, lo: int, hi: int) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {table} WHERE declaration_id BETWEEN %s AND %s",  # noqa: S608 (names from the models)
            [lo, hi],
        )
        return cursor.fetchall()


def consignment_rows(ids: list[int], lookups: _Lookups | None = None) -> list[dict]:
    """The fact rows of these declarations (sorted ids), from their events; drafts give none.
    Read by id range with plain SQL: at national volume the ORM's row objects cost more than
    the rules."""
    if not ids:
        return []
    lookups = lookups or _Lookups()
    lo, hi, wanted = ids[0], ids[-1], set(ids)
    events: dict[int, list[EventRow]] = defaultdict(list)
    event_table = Event._meta.db_table
    for decl_id, event_id, at, kind, party in _rows_between(
        event_table, "declaration_id, id, occurred_at, kind, party", lo, hi
    ):
        if decl_id in wanted:
            events[decl_id].append(EventRow(event_id, _utc(at), kind, party))
    best: dict[int, tuple[Decimal, int, str]] = {}
    for decl_id, line_no, hs_code, value in _rows_between(
        DeclarationLine._meta.db_table,
        "declaration_id, line_no, hs_code, customs_value_vnd",
        lo,
        hi,
    ):
        key = (Decimal(value or 0), -line_no, hs_code[:2])
        if decl_id not in best or key[:2] > best[decl_id][:2]:
            best[decl_id] = key
    with connection.cursor() as cursor:
        table = Declaration._meta.db_table
        columns = "id, number, flow, lane, transport_mode, type_id, office_id, enterprise_id"
        sql = f"SELECT {columns} FROM {table} WHERE id BETWEEN %s AND %s"  # noqa: S608 (model names)
        cursor.execute(sql, [lo, hi])
        declarations = cursor.fetchall()
    rows = []
    for decl_id, number, flow, lane, mode, type_code, office_id, enterprise_id in declarations:
        if decl_id not in wanted:
            continue
        office_code, office_path = lookups.offices.get(office_id, ("", ""))
        dims = Dimensions(
            declaration_id=decl_id,
            number=number or "",
            office_code=office_code,
            office_path=office_path,
            flow=flow,
            lane=lane,
            transport_mode=mode,
            type_code=type_code,
            hs_chapter=best[decl_id][2] if decl_id in best else "",
            compliance_rank=lookups.ranks.get(enterprise_id, ""),
            enterprise_id=enterprise_id,
        )
        row = consignment_fact(dims, events.get(decl_id, ()), lookups.outages_of(office_code))
        if row is not None:
            rows.append(row)
    return rows


def _under_outages(since: int) -> set[int]:
    """Consignments whose time an outage declared or ended since the watermark may overlap:
    registered at its office (every office for a national one) before it ended and at most
    the outlier cap before it began."""
    found: set[int] = set()
    for office_code, start, end in outages_changed_after(since):
        qs = Declaration.objects.filter(
            registered_at__lte=end,
            registered_at__gte=start - timedelta(seconds=OUTLIER_CAP_SECONDS),
        )
        if office_code:
            qs = qs.filter(office__code=office_code)
        found.update(qs.values_list("id", flat=True))
    return found


def timerelease_refresh(
    *, full: bool = False, say: Callable[[str], None] | None = None
) -> RefreshResult:
    """Fold the events appended since the last refresh into the fact store: every consignment
    with a new event gets its fact row recomputed from all its events. `full` rebuilds the
    store from the whole event log (also done when the store and the database disagree)."""
    started = time.monotonic()
    with store_locked():
        state = _state()
        if full or not state.generation or state.generation != store_generation():
            full = True
            state.generation = uuid.uuid4().hex
            state.last_event_id = 0
            store_reset(state.generation)
        top = Event.objects.aggregate(top=Max("id"))["top"] or 0
        since = 0 if full else max(0, state.last_event_id - LOOKBACK)
        changed: list[int] = sorted(
            {
                decl_id
                for decl_id in Event.objects.filter(
                    id__gt=since, id__lte=top, declaration_id__isnull=False
                )
                .values_list("declaration_id", flat=True)
                .distinct()
                if decl_id is not None
            }
        )
        if not full:
            changed = sorted({*changed, *_under_outages(since)})
        if say:
            say(
                later(
                    gettext_noop(
                        "Time release: %(n)s consignments to (re)compute, up to event %(e)s."
                    ),
                    n=len(changed),
                    e=top,
                )
            )
        written = 0
        pending: list[dict] = []
        lookups = _Lookups()
        for chunk in _chunks(changed):
            pending += consignment_rows(chunk, lookups)
            if len(pending) >= FLUSH_EVERY:
                written += store_merge(rows_frame(pending))
                pending = []
                if say:
                    say(later(gettext_noop("Time release: %(n)s fact rows written."), n=written))
        written += store_merge(rows_frame(pending))
        with transaction.atomic():
            state.last_event_id = top
            state.refreshed_at = timezone.now()
            state.consignments = store_count()
            state.save()
    return RefreshResult(
        full=full,
        consignments=written,
        last_event_id=top,
        seconds=time.monotonic() - started,
    )


def refresh_state() -> RefreshState:
    return _state()
