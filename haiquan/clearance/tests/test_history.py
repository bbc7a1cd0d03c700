"""Importing declaration history: all or nothing, every problem named with its line and field,
the steps of each declaration in the event log at the time they happened."""

from __future__ import annotations

import io
import json
from copy import deepcopy
from datetime import UTC
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haiquan.accounts.services import user_create
from haiquan.clearance.history import history_check, history_import
from haiquan.clearance.models import Declaration
from haiquan.clearance.numbering import number_format, number_is_valid, number_next
from haiquan.eventlog.models import Event
from haiquan.refdata.tests.factories import EnterpriseFactory, valid_mst

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(db):  # type: ignore[no-untyped-def]
    return user_create(username="h.admin", password=None, role="admin")


@pytest.fixture
def trader(db):  # type: ignore[no-untyped-def]
    return EnterpriseFactory(mst=valid_mst(9301), name="Công ty TNHH Lịch Sử")


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


def test_a_clean_file_is_imported_with_its_steps_in_the_event_log(admin, trader):
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
    assert d.registered_at.astimezone(UTC).hour == 1
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


def test_a_file_with_problems_names_each_and_writes_nothing(admin, trader):
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


def test_a_dry_run_checks_and_writes_nothing(admin, trader):
    report = history_import(
        stream=jsonl(record(trader.mst, "106000000030")), actor=admin, dry_run=True
    )
    assert report.ok and report.records == 1
    assert not Declaration.objects.exists()


def test_the_command_refuses_an_actor_who_is_not_an_administrator(tmp_path, trader):
    user_create(username="h.officer", password=None, role="officer", office_codes=["20BD"])
    path = tmp_path / "h.jsonl"
    path.write_text(json.dumps(record(trader.mst, "106000000040")), encoding="utf-8")
    with pytest.raises(CommandError, match="not an active administrator"):
        call_command("history_import", str(path), "--actor", "h.officer")


def test_the_command_imports_and_reports_problems(tmp_path, admin, trader, capsys):
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps(record(trader.mst, "106000000050")), encoding="utf-8")
    out = io.StringIO()
    call_command("history_import", str(good), "--actor", "h.admin", stdout=out)
    assert "imported 1 declarations, 1 lines, 4 events" in out.getvalue()
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(record(trader.mst, "12")), encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("history_import", str(bad), "--actor", "h.admin", stderr=err)
    assert "line 1: number: must be 12 digits [invalid-number]" in err.getvalue()


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
def test_any_junk_in_any_field_is_a_named_problem_never_a_crash(trader, header, line):
    rec = deepcopy(record(trader.mst, "106000000060"))
    rec.update(header)
    if isinstance(rec.get("lines"), list) and rec["lines"] and isinstance(rec["lines"][0], dict):
        rec["lines"][0].update(line)
    report = history_check(jsonl(rec))
    fields = {p.field for _n, p in report.problems}
    assert report.ok or fields, "a refused record names at least one field"
    assert not Declaration.objects.exists()
