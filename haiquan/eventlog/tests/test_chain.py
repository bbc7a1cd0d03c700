"""The hash chains of the record: every event and access record is linked by the database
itself, `haiquan verify-log` recomputes every link, and a change made behind the application's
back — as the tables' owner, with the append-only triggers disabled — is named."""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, connections, transaction
from django.utils import translation

from haiquan.eventlog.chain import (
    ACCESS,
    CHAINED_TABLES,
    EVENTS,
    chain_seal,
    chain_verify,
    log_root_close,
    sqlite_trigger_sql,
)
from haiquan.eventlog.models import Event, LogRoot
from haiquan.eventlog.services import event_build, event_record, events_append

pytestmark = pytest.mark.django_db

PG = connection.vendor == "postgresql"
TRICKY = {
    "text": 'Quả thanh long "tươi"\n\t— 火龍果 \\ 용과',
    "amount": Decimal("1.50"),
    "float": 0.1,
    "big": 12345678901234567890,
    "nested": {"b": [1, None, True, {"z": "", "a": -0.0}], "a": "x"},
    "empty": {},
}


@contextmanager
def behind_the_applications_back(table: str):
    """What a database administrator can do: disable the table's triggers as its owner
    (SQLite cannot disable a trigger: its chain trigger is dropped and made again)."""
    chain = CHAINED_TABLES.get(table)
    with transaction.atomic(), connection.cursor() as cur:
        if PG:
            # (the test's own transaction has deferred foreign-key checks pending)
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cur.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        elif chain is not None:
            cur.execute(f"DROP TRIGGER {chain.trigger}")
        yield cur
        if PG:
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cur.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        elif chain is not None:
            for statement in sqlite_trigger_sql(chain):
                cur.execute(statement)


def verify(*args: str) -> tuple[bool, str]:
    out = StringIO()
    try:
        with translation.override("en"):
            call_command("verify_log", *args, stdout=out)
    except CommandError:
        return False, out.getvalue()
    return True, out.getvalue()


def three_events(subject_id: int) -> list[Event]:
    first = event_record(
        kind="declaration.registered",
        subject_type="declaration",
        subject_id=subject_id,
        declaration_id=subject_id,
        party="trader",
        office_code="20BD",
        data=TRICKY,
    )
    rest = events_append(
        [
            event_build(
                kind=kind,
                subject_type="declaration",
                subject_id=subject_id,
                declaration_id=subject_id,
                party="customs",
                data={"lane": "red", "n": n},
            )
            for n, kind in enumerate(["declaration.lane_decided", "declaration.released"])
        ]
    )
    return [first, *rest]


def links(subject_id: int) -> list[tuple[int, str]]:
    return list(
        Event.objects.for_subject("declaration", subject_id)
        .order_by("id")
        .values_list("chain_seq", "chain_hash")
    )


def test_the_database_links_every_event_in_its_subjects_chain():
    before = chain_verify(EVENTS)  # the events of the reference data's loading
    three_events(1)
    three_events(2)
    event_record(
        kind="declaration.cleared", subject_type="declaration", subject_id=1, party="customs"
    )
    one, two = links(1), links(2)
    assert [seq for seq, _h in one] == [1, 2, 3, 4]
    assert [seq for seq, _h in two] == [1, 2, 3]
    assert all(len(h) == 64 for _s, h in one + two)
    assert len({h for _s, h in one + two}) == 7
    result = chain_verify(EVENTS)
    assert result.ok, result.breaks
    assert (result.rows - before.rows, result.chains - before.chains) == (7, 2)


def test_the_application_cannot_choose_the_link():
    e = Event(kind="x.forged", subject_type="thing", subject_id=9, party="customs")
    e.chain_seq, e.chain_hash = 7, "f" * 64
    with transaction.atomic():
        e.save()
    assert links_of(e.pk) != (7, "f" * 64)
    assert links_of(e.pk)[0] == 1
    assert chain_verify(EVENTS).ok


def links_of(pk: int) -> tuple[int, str]:
    return Event.objects.filter(pk=pk).values_list("chain_seq", "chain_hash").get()


def test_an_update_behind_the_applications_back_is_named_by_verify_log():
    events = three_events(5)
    three_events(6)
    assert verify()[0]
    with behind_the_applications_back("eventlog_event") as cur:
        cur.execute(
            "UPDATE eventlog_event SET data = %s WHERE id = %s",
            [json.dumps({"lane": "green", "n": 0}), events[1].pk],
        )
    ok, out = verify("--log", "events")
    assert not ok
    assert f"event #{events[1].pk} (Lane decided, declaration #5)" in out
    assert "does not match its hash" in out
    assert "declaration #6" not in out  # the other chain is intact


def test_a_rewritten_hash_breaks_the_next_link():
    events = three_events(7)
    with behind_the_applications_back("eventlog_event") as cur:
        cur.execute("UPDATE eventlog_event SET office_code = '01B1' WHERE id = %s", [events[0].pk])
        cur.execute(
            "UPDATE eventlog_event SET chain_hash = %s WHERE id = %s", ["0" * 64, events[0].pk]
        )
    result = chain_verify(EVENTS)
    # The first link now matches nothing it could be computed from, so it is the one named.
    assert [(b.reason, b.row_id) for b in result.breaks] == [("altered", events[0].pk)]


def test_an_event_removed_from_the_middle_leaves_a_gap():
    events = three_events(8)
    with behind_the_applications_back("eventlog_event") as cur:
        cur.execute("DELETE FROM eventlog_event WHERE id = %s", [events[1].pk])
    ok, out = verify("--log", "events")
    assert not ok
    assert f"event #{events[2].pk} (Goods released, declaration #8)" in out
    assert "positions 2-2" in out


def test_a_removed_last_event_is_caught_by_the_days_root_and_the_partners_copy(tmp_path):
    before = Event.objects.count()
    events = three_events(10)
    roots = [log_root_close(chain, day=date(2026, 12, 6)) for chain in (EVENTS, ACCESS)]
    assert roots[0].count == before + 3 and roots[0].last_id == events[-1].pk
    out = StringIO()
    call_command("log_roots", "export", stdout=out)
    exported = tmp_path / "ministry.jsonl"
    exported.write_text(out.getvalue())
    assert [json.loads(line)["log"] for line in out.getvalue().splitlines()] == ["access", "events"]
    assert verify("--roots", str(exported))[0]

    # The administrator removes the last event (its chain has no later link to break) ...
    with behind_the_applications_back("eventlog_event") as cur:
        cur.execute("DELETE FROM eventlog_event WHERE id = %s", [events[-1].pk])
    assert chain_verify(EVENTS).breaks[0].reason == "root"
    ok, text = verify("--log", "events")
    assert not ok and "The root of 2026-12-06 no longer matches its rows" in text

    # ... and even recomputes the stored root: the partner's copy still tells.
    again = LogRoot.objects.get(log="events")
    with behind_the_applications_back("eventlog_logroot") as cur:
        cur.execute("DELETE FROM eventlog_logroot WHERE id = %s", [again.pk])
    log_root_close(EVENTS, day=date(2026, 12, 6))
    assert not chain_verify(EVENTS, partner_roots=[]).breaks
    ok, text = verify("--roots", str(exported))
    assert not ok and "differs from the partner's copy" in text


def test_the_next_days_root_starts_where_the_last_ended():
    three_events(11)
    first = log_root_close(EVENTS, day=date(2026, 12, 5))
    later = three_events(12)
    second = log_root_close(EVENTS, day=date(2026, 12, 6))
    assert (second.first_id, second.last_id, second.count) == (first.last_id, later[-1].pk, 3)
    assert second.previous_root == first.root
    assert log_root_close(EVENTS, day=date(2026, 12, 6)) == second  # a day closes once
    with pytest.raises(ValueError):
        log_root_close(EVENTS, day=date(2026, 12, 4))


def test_events_written_before_the_chain_are_linked_by_the_backfill():
    with behind_the_applications_back("eventlog_event") as cur:
        for n in range(3):
            cur.execute(
                "INSERT INTO eventlog_event (occurred_at, kind, subject_type, subject_id, "
                "office_code, actor_label, party, data, chain_hash) "
                "VALUES (%s, %s, 'declaration', 20, '', '', 'trader', %s, '')",
                ["2026-01-02 03:04:05.123456+00:00", f"old.{n}", json.dumps({"n": n})],
            )
    result = chain_verify(EVENTS)
    assert [b.reason for b in result.breaks] == ["unsealed"]
    assert chain_seal(EVENTS) == 3
    event_record(kind="new.one", subject_type="declaration", subject_id=20, party="customs")
    assert [seq for seq, _h in links(20)] == [1, 2, 3, 4]
    assert chain_verify(EVENTS).ok


@pytest.mark.skipif(not PG, reason="concurrent writers need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_to_one_subject_never_fork_its_chain():
    def write(n: int) -> None:
        try:
            for i in range(10):
                with transaction.atomic():
                    event_record(
                        kind=f"w{n}.{i}", subject_type="declaration", subject_id=30, party="trader"
                    )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(seq for seq, _h in links(30)) == list(range(1, 41))
    assert chain_verify(EVENTS).ok


def test_rows_written_in_bulk_are_linked_too():
    """The demo generator and the history import write events with COPY (PostgreSQL) or
    multi-row INSERTs (SQLite): the trigger links them in the order written."""
    from datetime import UTC, datetime

    from haiquan.core.bulkwrite import IdAllocator, Table, write_rows
    from haiquan.demo.rows import EVENT_COLUMNS

    three_events(41)  # a chain with a head already: the bulk rows follow it
    table = Table(Event, EVENT_COLUMNS)
    ids = IdAllocator(Event, block=10)
    at = datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)
    rows = [
        (
            *(ids.next(), at, f"bulk.{n}", "declaration", 40 + n % 2, None, "", None, "", "trader"),
            json.dumps(TRICKY, cls=DjangoJSONEncoder),
        )
        for n in range(6)
    ]
    with transaction.atomic():
        assert write_rows(table, rows) == 6
    assert [seq for seq, _h in links(40)] == [1, 2, 3]
    assert [seq for seq, _h in links(41)] == [1, 2, 3, 4, 5, 6]
    # ... and what is written one by one afterwards is linked by the trigger again
    event_record(
        kind="declaration.cleared", subject_type="declaration", subject_id=40, party="customs"
    )
    assert [seq for seq, _h in links(40)] == [1, 2, 3, 4]
    result = chain_verify(EVENTS)
    assert result.ok, result.breaks
