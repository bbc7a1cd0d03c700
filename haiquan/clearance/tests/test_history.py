"""Importing declaration history: all or nothing, every problem named with its line and field,
the steps of each declaration in the event log at the time they happened."""

from __future__ import annotations

import io
import json
import multiprocessing
from copy import deepcopy
from datetime import UTC
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.forms.models import model_to_dict
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haiquan.accounts.models import User
from haiquan.accounts.services import user_create
from haiquan.clearance import history, history_records
from haiquan.clearance.history import history_check, history_import
from haiquan.clearance.models import Declaration, NumberSequence
from haiquan.clearance.numbering import number_format, number_is_valid, number_next
from haiquan.eventlog.models import Event
from haiquan.refdata.tests.factories import EnterpriseFactory, valid_mst

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(db: None) -> User:
    return user_create(username="h.admin", password=None, role="admin")


@pytest.fixture
def trader(db: None) -> Any:
    return EnterpriseFactory.create(mst=valid_mst(9301), name="Công ty TNHH Lịch Sử")


def record(mst: str, number: str, **kw: Any) -> dict[str, Any]:
    """A released import: 10,000 kg of dragon fruit from CN, duties as the old system assessed."""
    base: dict[str, Any] = {
        "number": number,
        "type_code": "A11",
        "office_code": "20BD",
        "enterprise_mst": mst,
        "status": "released",
        "lane": "yellow",
        "registered_at": "2024-03-04T08:00:00+07:00",
        "cleared_at": "2024-03-04T11:30:00+07:00",
        "released_at": "2024-03-04T13:00:00+07:00",
        "transport_mode": "road",
        "incoterm": "CIF",
        "currency": "USD",
        "exchange_rate": "24500",
        "invoice_value": "8000.00",
        "partner_country": "CN",
        "partner_name": "Pingxiang Fruit Co.",
        "duties": {"import_duty_vnd": 0, "vat_vnd": 9800000, "paid_vnd": 9800000},
        "lines": [
            {
                "hs_code": "08109092",
                "description": "Quả thanh long tươi",
                "origin": "CN",
                "quantity": "10000",
                "unit": "KGM",
                "unit_price": "0.8",
                "value": "8000.00",
                "preference": "ACFTA",
                "co_number": "E24001",
                "co_date": "2024-03-01",
                "customs_value_vnd": 196000000,
                "import_rate": "0",
                "import_rate_kind": "preferential:ACFTA",
                "vat_rate": "5",
                "vat_vnd": 9800000,
            }
        ],
        "containers": ["CSQU3054383"],
    }
    base.update(kw)
    return base


def jsonl(*records: Any) -> io.StringIO:
    return io.StringIO(
        "\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records)
    )


def test_a_clean_file_is_imported_with_its_steps_in_the_event_log(admin: User, trader: Any) -> None:
    ours = number_format("import", 41)  # fits haiquan's own numbering
    report = history_import(
        stream=jsonl(
            record(trader.mst, "106000000011"),
            record(trader.mst, ours, status="cleared", released_at=None),
            record(
                trader.mst,
                "106000000013",
                status="cancelled",
                cleared_at=None,
                released_at=None,
                cancelled_at="2024-03-05T09:00:00+07:00",
                cancel_reason="Hàng không về",
            ),
        ),
        actor=admin,
    )
    assert report.ok and (report.declarations, report.lines) == (3, 3)
    d = Declaration.objects.get(number="106000000011")
    assert (d.status, d.lane, d.flow, d.office.code) == ("released", "yellow", "import", "20BD")
    assert d.total_duties_vnd == 9800000 and d.payment_state == "paid"
    assert d.lines.get().import_rate_kind == "preferential:ACFTA"
    assert list(d.containers.values_list("number", flat=True)) == ["CSQU3054383"]
    steps = list(
        Event.objects.filter(declaration_id=d.pk)
        .order_by("occurred_at", "id")
        .values_list("kind", "occurred_at__hour", "party")
    )
    # Hours in the installation's time zone (Asia/Ho_Chi_Minh), as the file gave them.
    assert steps == [
        ("declaration.registered", 8, "trader"),
        ("declaration.lane_decided", 8, "customs"),
        ("declaration.cleared", 11, "customs"),
        ("declaration.released", 13, "movement"),
    ]
    assert d.registered_at is not None and d.registered_at.astimezone(UTC).hour == 1
    assert report.events == 4 + 3 + 3
    cancelled = Declaration.objects.get(number="106000000013")
    assert cancelled.cancel_reason == "Hàng không về"
    # The counter moved past the imported numbers that fit haiquan's numbering (the Luhn check
    # digit decides which do), so the next number given collides with none of them.
    imported = ["106000000011", ours, "106000000013"]
    serials = [int(n[1:11]) for n in imported if number_is_valid(n)]
    assert serials and 41 in serials
    with transaction.atomic():
        assert number_next("import") == number_format("import", max(serials) + 1)


def test_a_file_with_problems_names_each_and_writes_nothing(admin: User, trader: Any) -> None:
    existing = record(trader.mst, "106000000020")
    assert history_import(stream=jsonl(existing), actor=admin).ok
    bad_hs = record(trader.mst, "106000000021")
    bad_hs["lines"][0]["hs_code"] = "99999999"
    out_of_order = record(trader.mst, "106000000022", released_at="2024-03-04T10:00:00+07:00")
    report = history_import(
        stream=jsonl(
            record(trader.mst, "106000000023"),  # fine on its own
            bad_hs,
            out_of_order,
            record("0100109106", "106000000024"),  # a valid MST nobody registered
            record(trader.mst, "106000000023"),  # twice in the file
            "{not json",
            record(trader.mst, "106000000020"),  # imported already
            record(trader.mst, "106000000025", invoice_value="9000.00", lane="purple"),
        ),
        actor=admin,
    )
    assert not report.ok
    found = {(n, p.field, p.code) for n, p in report.problems}
    assert found == {
        (2, "lines[0].hs_code", "unknown-hs"),
        (3, "released_at", "out-of-order"),
        (4, "enterprise_mst", "unknown-enterprise"),
        (5, "number", "duplicate"),
        (6, "", "json"),
        (8, "lane", "invalid-lane"),
        (8, "invoice_value", "value-mismatch"),
        (7, "number", "duplicate"),
    }
    assert Declaration.objects.count() == 1


def test_a_cancellation_after_release_is_a_cancelled_declaration(admin: User, trader: Any) -> None:
    """An export released for loading and never shipped is cancelled on the officer's decision:
    imported with status cancelled and its earlier steps; time release counts it cancelled."""
    from haiquan.timerelease.services import consignment_rows

    late = {"status": "cancelled", "cancelled_at": "2024-03-06T09:00:00+07:00"}
    report = history_import(stream=jsonl(record(trader.mst, "106000000041", **late)), actor=admin)
    assert report.ok, report.problems
    d = Declaration.objects.get(number="106000000041")
    kinds = list(
        Event.objects.filter(declaration_id=d.pk)
        .order_by("occurred_at", "id")
        .values_list("kind", flat=True)
    )
    assert kinds[-2:] == ["declaration.released", "declaration.cancelled"]
    (fact,) = consignment_rows([d.pk])
    assert fact["status"] == "cancelled" and fact["total_s"] is None


def test_a_released_declaration_with_a_cancellation_or_one_out_of_order_is_refused(
    admin: User, trader: Any
) -> None:
    report = history_import(
        stream=jsonl(
            record(trader.mst, "106000000042", cancelled_at="2024-03-06T09:00:00+07:00"),
            record(
                trader.mst,
                "106000000043",
                status="cancelled",
                cancelled_at="2024-03-04T12:00:00+07:00",  # before the release at 13:00
            ),
        ),
        actor=admin,
    )
    assert not report.ok
    assert {(n, p.field, p.code) for n, p in report.problems} == {
        (1, "cancelled_at", "inconsistent"),
        (2, "cancelled_at", "out-of-order"),
    }
    assert not Declaration.objects.filter(number__in=["106000000042", "106000000043"]).exists()


def test_a_dry_run_checks_and_writes_nothing(admin: User, trader: Any) -> None:
    report = history_import(
        stream=jsonl(record(trader.mst, "106000000030")), actor=admin, dry_run=True
    )
    assert report.ok and report.records == 1
    assert not Declaration.objects.exists()


@translation.override("en")  # the command speaks its user's language
def test_the_command_refuses_an_actor_who_is_not_an_administrator(
    tmp_path: Path, trader: Any
) -> None:
    user_create(username="h.officer", password=None, role="officer", office_codes=["20BD"])
    path = tmp_path / "h.jsonl"
    path.write_text(json.dumps(record(trader.mst, "106000000040")), encoding="utf-8")
    with pytest.raises(CommandError, match="not an active administrator"):
        call_command("history_import", str(path), "--actor", "h.officer")


@translation.override("en")  # the command speaks its user's language
def test_the_command_imports_and_reports_problems(
    tmp_path: Path, admin: User, trader: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps(record(trader.mst, "106000000050")), encoding="utf-8")
    out = io.StringIO()
    call_command("history_import", str(good), "--actor", "h.admin", stdout=out)
    assert "Imported 1 declarations, 1 lines, 4 events" in out.getvalue()
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(record(trader.mst, "12")), encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("history_import", str(bad), "--actor", "h.admin", stderr=err)
    assert "line 1: number: must be 12 digits [invalid-number]" in err.getvalue()


@translation.override("en")  # the command speaks its user's language
def test_the_command_reads_standard_input_and_refuses_bytes_that_are_not_utf8(
    admin: User, trader: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = json.dumps(record(trader.mst, "106000000060")).encode()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(good), encoding="latin-1"))
    out = io.StringIO()
    call_command("history_import", "-", "--actor", "h.admin", stdout=out)
    assert "Imported 1 declarations" in out.getvalue()
    latin1 = json.dumps(record(trader.mst, "106000000061")).encode() + b'\n{"note": "caf\xe9"}\n'
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(latin1), encoding="latin-1"))
    with pytest.raises(CommandError, match="can't decode byte 0xe9"):
        call_command("history_import", "-", "--actor", "h.admin")
    assert not Declaration.objects.filter(number="106000000061").exists()


JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
FIELDS = [
    "number", "type_code", "office_code", "enterprise_mst", "status", "lane", "registered_at",
    "cleared_at", "transport_mode", "incoterm", "currency", "exchange_rate", "invoice_value",
    "partner_country", "duties", "lines", "containers",
]  # fmt: skip
LINE_FIELDS = ["hs_code", "origin", "quantity", "unit_price", "value", "co_date", "vat_vnd"]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    header=st.dictionaries(st.sampled_from(FIELDS), JUNK, max_size=3),
    line=st.dictionaries(st.sampled_from(LINE_FIELDS), JUNK, max_size=2),
)
def test_any_junk_in_any_field_is_a_named_problem_never_a_crash(
    trader: Any, header: dict[str, Any], line: dict[str, Any]
) -> None:
    rec = deepcopy(record(trader.mst, "106000000060"))
    rec.update(header)
    if isinstance(rec.get("lines"), list) and rec["lines"] and isinstance(rec["lines"][0], dict):
        rec["lines"][0].update(line)
    report = history_check(jsonl(rec))
    fields = {p.field for _n, p in report.problems}
    assert report.ok or fields, "a refused record names at least one field"
    assert not Declaration.objects.exists()


def test_impossible_dates_and_characters_are_named_problems(admin: User, trader: Any) -> None:
    """Well-formed but impossible times and days (month 13, 30 February, an offset of 25 hours),
    and a NUL that PostgreSQL cannot store, are problems of their fields, not a crash."""
    rec = record(
        trader.mst,
        "106000000070",
        registered_at="2024-13-04T08:00:00+07:00",
        cleared_at="2024-03-04T11:30:00+25:00",
        partner_name="Pingxiang\x00Fruit",
    )
    rec["lines"][0]["co_date"] = "2024-02-30"
    report = history_import(stream=jsonl(rec), actor=admin)
    assert [(n, p.field, p.code) for n, p in report.problems] == [
        (1, "registered_at", "invalid-datetime"),
        (1, "cleared_at", "invalid-datetime"),
        (1, "partner_name", "invalid-character"),
        (1, "lines[0].co_date", "invalid-date"),
    ]
    assert not Declaration.objects.exists()


def ways() -> list[Any]:
    """Checking in this process, and (on PostgreSQL) in a second one while this one writes."""
    if connection.vendor == "postgresql":
        return [False, True]
    return [False, pytest.param(True, marks=pytest.mark.skip(reason="PostgreSQL only"))]


@pytest.mark.parametrize("parallel", ways())
def test_problems_come_in_file_order_chunk_by_chunk(
    admin: User, trader: Any, monkeypatch: pytest.MonkeyPatch, parallel: bool
) -> None:
    """Each chunk's problems in the order of its lines and fields, then those of its numbers
    found in the database (looked up a chunk at a time), whichever way it was checked."""
    before = [record(trader.mst, "106000000080"), record(trader.mst, "106000000084")]
    assert history_import(stream=jsonl(*before), actor=admin).ok
    monkeypatch.setattr(history, "CHUNK", 2)
    bad_hs = record(trader.mst, "106000000082")
    bad_hs["lines"][0]["hs_code"] = "99999999"
    report = history_import(
        stream=jsonl(
            record(trader.mst, "106000000080"),  # in the database: reported with its chunk
            record(trader.mst, "106000000081", lane="purple", incoterm="XXX"),
            bad_hs,
            record(trader.mst, "106000000083"),  # second sound one: the first chunk ends
            "",
            "[1, 2]",
            record(trader.mst, "106000000084"),  # in the database too
            record(trader.mst, "106000000083"),  # twice in the file
            record(trader.mst, "106000000080"),  # twice in the file
        ),
        actor=admin,
        parallel=parallel,
    )
    assert report.records == 8 and report.problem_count == 8
    assert [(n, p.field, p.code) for n, p in report.problems] == [
        (2, "lane", "invalid-lane"),
        (2, "incoterm", "invalid-choice"),
        (3, "lines[0].hs_code", "unknown-hs"),
        (1, "number", "duplicate"),  # the first chunk's numbers (lines 1 and 4) looked up
        (6, "", "type"),
        (8, "number", "duplicate"),
        (9, "number", "duplicate"),
        (7, "number", "duplicate"),  # the last chunk's number (line 7) looked up
    ]
    assert [p.problem for n, p in report.problems if n in (1, 8, 7)] == [
        "106000000080 exists already",
        "106000000083 appears twice in the file",
        "106000000084 exists already",
    ]
    assert Declaration.objects.count() == 2


def _written() -> list[Any]:
    """What the imports wrote, without the keys and the moment of writing."""
    out: list[Any] = []
    for d in Declaration.objects.order_by("number"):
        head = model_to_dict(d, exclude=["id", "created_at", "updated_at"])
        head.pop("created_by")
        lines = [
            model_to_dict(ln, exclude=["id", "declaration"]) for ln in d.lines.order_by("line_no")
        ]
        containers = list(d.containers.values_list("number", "seal_number"))
        versions = list(
            d.versions.values_list("number", "content", "total_duties_vnd", "difference_vnd")
        )
        events = list(
            Event.objects.filter(declaration_id=d.pk)
            .order_by("id")
            .values_list("occurred_at", "kind", "office_code", "actor_label", "party", "data")
        )
        out.append((head, lines, containers, versions, events))
    return out


@pytest.mark.skipif(connection.vendor != "postgresql", reason="checks in a second process there")
def test_both_ways_write_the_same_rows(
    admin: User, trader: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(history, "CHUNK", 2)
    second = record(trader.mst, number_format("import", 77), status="cleared", released_at=None)
    second["lines"].append({**second["lines"][0], "description": "Tab\there, line\nbreak \\ø"})
    second["invoice_value"] = "16000.00"
    stream = [
        record(trader.mst, "106000000090"),
        second,
        record(
            trader.mst,
            "106000000092",
            status="cancelled",
            cleared_at=None,
            released_at=None,
            cancelled_at="2024-03-05T09:00:00+07:00",
            cancel_reason="Hàng không về",
            containers=[],
            partner_country=None,
        ),
    ]
    results = {}
    for parallel in (False, True):
        with transaction.atomic():
            report = history_import(stream=jsonl(*stream), actor=admin, parallel=parallel)
            assert report.ok, report.problems
            counts = (report.records, report.declarations, report.lines, report.events)
            results[parallel] = (counts, _written(), NumberSequence.objects.get(name="import").last)
            transaction.set_rollback(True)
    assert results[True] == results[False]
    counts, written, last = results[True]
    assert counts == (3, 3, 4, 10) and last == 77
    lines = next(lines for head, lines, *_ in written if head["number"] == second["number"])
    assert lines[1]["description"] == "Tab\there, line\nbreak \\ø"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="checks in a second process there")
def test_a_checker_that_fails_writes_nothing_and_says_why(
    admin: User, trader: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any) -> None:
        raise ZeroDivisionError("broken on purpose")

    monkeypatch.setattr(history, "_rows", broken)  # the forked checker inherits it
    with pytest.raises(RuntimeError, match="ZeroDivisionError: broken on purpose"):
        history_import(stream=jsonl(record(trader.mst, "106000000095")), actor=admin)
    assert not Declaration.objects.exists()
    assert not multiprocessing.active_children()


def test_a_file_that_is_not_utf8_is_refused_and_nothing_written(
    tmp_path: Path, admin: User, trader: Any
) -> None:
    path = tmp_path / "latin1.jsonl"
    good = json.dumps(record(trader.mst, "106000000096")) + "\n"
    path.write_bytes(good.encode() * 3 + "Công ty".encode("cp1258") + b"\n")
    with pytest.raises(CommandError, match="utf-8"):
        call_command("history_import", str(path), "--actor", "h.admin")
    assert not Declaration.objects.exists()


PLAIN_OR_NOT = st.text(alphabet="0123456789.eE+- _", max_size=22)


@given(text=PLAIN_OR_NOT, places=st.sampled_from([2, 3, 4]))
def test_an_amount_is_read_as_the_full_rule_says_whatever_its_spelling(
    text: str, places: int
) -> None:
    """The shortcut for plainly written amounts accepts exactly what the full rule accepts:
    a finite number, zero or more, under 10^16, with at most `places` decimals."""
    try:
        number = Decimal(text)
        exponent = number.as_tuple().exponent
        sound = (
            number.is_finite()
            and 0 <= number < 10**16
            and isinstance(exponent, int)
            and -exponent <= places
        )
    except InvalidOperation:
        sound = False
    problems: list[Any] = []
    got = history_records.Record({}, problems).amount({"x": text}, "x", places=places)
    assert (not problems) == sound
    if sound:
        assert got == number and str(got) == str(number)


@pytest.mark.parametrize("parallel", ways())
def test_an_empty_file_imports_nothing_and_is_no_problem(admin: User, parallel: bool) -> None:
    report = history_import(stream=jsonl("", "  "), actor=admin, parallel=parallel)
    assert report.ok and (report.records, report.declarations) == (0, 0)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="checks in a second process there")
def test_foreign_keys_are_checked_at_commit_again_after_the_import(
    admin: User, trader: Any
) -> None:
    """The import checks references at the end of each COPY; the caller's transaction gets
    Django's setting (checked at commit) back, so what it writes out of order later still goes."""
    assert history_import(stream=jsonl(record(trader.mst, "106000000097")), actor=admin).ok
    with transaction.atomic(), connection.cursor() as cursor:
        # A container of a declaration not written yet: refused at once only if checked per
        # statement; at commit it would be (this savepoint is rolled back before).
        cursor.execute(
            "INSERT INTO clearance_container (declaration_id, number, seal_number)"
            " VALUES (-1, 'CSQU3054383', '')"
        )
        transaction.set_rollback(True)
