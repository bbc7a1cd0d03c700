"""The event log is append-only, down to the database."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from haiquan.eventlog.models import Event
from haiquan.eventlog.services import event_build, event_record, events_append

pytestmark = pytest.mark.django_db


def test_record_and_append():
    e = event_record(
        kind="test.one", subject_type="thing", subject_id=1, party="customs", data={"a": 1}
    )
    events_append(
        [event_build(kind="test.two", subject_type="thing", subject_id=1, party="trader")]
    )
    assert list(Event.objects.for_subject("thing", 1).values_list("kind", flat=True)) == [
        "test.one",
        "test.two",
    ]
    assert e.data == {"a": 1}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL")
def test_the_database_refuses_update_and_delete_even_in_raw_sql():
    e = event_record(kind="test.raw", subject_type="thing", subject_id=2, party="customs")
    for sql in (
        "UPDATE eventlog_event SET kind = 'x' WHERE id = %s",
        "DELETE FROM eventlog_event WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cur,
        ):
            cur.execute(sql, [e.pk])
    assert Event.objects.get(pk=e.pk).kind == "test.raw"


@pytest.mark.django_db(transaction=True)
def test_recording_outside_a_transaction_is_a_programming_error():
    with pytest.raises(RuntimeError):
        event_record(kind="x", subject_type="thing", subject_id=3, party="customs")
