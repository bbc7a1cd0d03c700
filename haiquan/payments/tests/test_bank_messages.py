import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from haiquan.core.problems import ValidationFailed
from haiquan.payments.bank_messages import confirmation_parse, guarantee_parse

GOOD = {
    "order_reference": "TT10000000000101",
    "bank_transaction_id": "FT26001",
    "amount_vnd": 12_500_000,
    "paid_at": "2026-03-01T09:30:00+07:00",
}


def fields_of(exc: pytest.ExceptionInfo[ValidationFailed]) -> dict[str, str]:
    return {e.field: e.code for e in exc.value.errors}


def test_a_good_confirmation_is_read_exactly() -> None:
    msg = confirmation_parse(json.dumps({**GOOD, "note": "ignored"}).encode())
    assert msg.order_reference == "TT10000000000101"
    assert msg.bank_transaction_id == "FT26001"
    assert msg.amount_vnd == Decimal(12_500_000)
    # 09:30 in Hanoi is 02:30 UTC.
    assert msg.paid_at == datetime(2026, 3, 1, 2, 30, tzinfo=UTC)


def test_utc_written_with_z_is_accepted() -> None:
    msg = confirmation_parse(json.dumps({**GOOD, "paid_at": "2026-03-01T02:30:00Z"}).encode())
    assert msg.paid_at.utcoffset() == timedelta(0)


@pytest.mark.parametrize("raw", [b"", b"{", b"not json", b"\xff\xfe\x00", b"[" * 100_000])
def test_a_body_that_is_not_json_is_refused_naming_the_body(raw: bytes) -> None:
    with pytest.raises(ValidationFailed) as exc:
        confirmation_parse(raw)
    assert fields_of(exc) == {"body": "malformed"}


@pytest.mark.parametrize("raw", [b"[]", b"12", b'"text"', b"null"])
def test_json_that_is_not_an_object_is_refused(raw: bytes) -> None:
    with pytest.raises(ValidationFailed) as exc:
        confirmation_parse(raw)
    assert fields_of(exc) == {"body": "malformed"}


@pytest.mark.parametrize("missing", list(GOOD))
def test_each_missing_field_is_named(missing: str) -> None:
    body = {k: v for k, v in GOOD.items() if k != missing}
    with pytest.raises(ValidationFailed) as exc:
        confirmation_parse(json.dumps(body).encode())
    assert fields_of(exc) == {missing: "required"}


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("amount_vnd", 12_500_000.0, "invalid"),
        ("amount_vnd", "12500000", "invalid"),
        ("amount_vnd", True, "invalid"),
        ("amount_vnd", 0, "out-of-range"),
        ("amount_vnd", -5, "out-of-range"),
        ("amount_vnd", 10**30, "out-of-range"),
        ("paid_at", "2026-03-01T09:30:00", "invalid"),  # no offset: which time zone?
        ("paid_at", "01/03/2026 09:30", "invalid"),
        ("paid_at", 1772332200, "invalid"),
        ("order_reference", "", "invalid"),
        ("order_reference", "   ", "invalid"),
        ("order_reference", 42, "invalid"),
        ("order_reference", "T" * 21, "too-long"),
        ("bank_transaction_id", "FT\x00001", "invalid"),
        ("bank_transaction_id", "F" * 65, "too-long"),
    ],
)
def test_a_wrong_value_is_refused_naming_its_field(field: str, value: object, code: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        confirmation_parse(json.dumps({**GOOD, field: value}).encode())
    assert fields_of(exc) == {field: code}


def test_all_bad_fields_are_reported_at_once() -> None:
    with pytest.raises(ValidationFailed) as exc:
        confirmation_parse(json.dumps({"amount_vnd": "x", "paid_at": "yesterday"}).encode())
    assert set(fields_of(exc)) == {
        "order_reference",
        "bank_transaction_id",
        "amount_vnd",
        "paid_at",
    }


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.text(), inner, max_size=2),
    max_leaves=4,
)


@given(
    body=st.fixed_dictionaries(
        {},
        # Each field is absent, valid, or any JSON value at all.
        optional={k: st.just(v) | json_values for k, v in GOOD.items()},
    )
)
def test_any_json_object_is_either_read_or_refused_with_named_fields(
    body: dict[str, object],
) -> None:
    try:
        msg = confirmation_parse(json.dumps(body).encode())
    except ValidationFailed as exc:
        assert exc.errors
        assert {e.field for e in exc.errors} <= set(GOOD)
    else:
        assert msg.amount_vnd > 0 and msg.paid_at.tzinfo is not None


@given(raw=st.binary(max_size=200))
def test_any_bytes_are_either_read_or_refused(raw: bytes) -> None:
    try:
        confirmation_parse(raw)
    except ValidationFailed as exc:
        assert exc.errors


@given(
    amount=st.integers(min_value=1, max_value=10**17 - 1),
    paid_at=st.datetimes(
        min_value=datetime(2000, 1, 1),
        max_value=datetime(2100, 1, 1),
        timezones=st.sampled_from([UTC, timezone(timedelta(hours=7))]),
    ),
)
def test_valid_amounts_and_times_read_back_unchanged(amount: int, paid_at: datetime) -> None:
    raw = json.dumps({**GOOD, "amount_vnd": amount, "paid_at": paid_at.isoformat()}).encode()
    msg = confirmation_parse(raw)
    assert msg.amount_vnd == Decimal(amount)
    assert msg.paid_at == paid_at


GUARANTEE = {
    "reference": "BL-VCB-0001",
    "declaration_number": "100000000001",
    "amount_vnd": 12_500_000,
    "valid_from": "2026-03-01",
    "valid_to": "2026-05-30",
}


def test_a_good_guarantee_is_read_exactly() -> None:
    msg = guarantee_parse(json.dumps(GUARANTEE).encode())
    assert (msg.reference, msg.declaration_number, msg.amount_vnd) == (
        "BL-VCB-0001",
        "100000000001",
        Decimal(12_500_000),
    )
    assert (msg.valid_from, msg.valid_to) == (date(2026, 3, 1), date(2026, 5, 30))


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("declaration_number", "10000000001", "invalid"),  # 11 digits
        ("declaration_number", "10000000000A", "invalid"),
        ("declaration_number", "1000000000012", "too-long"),
        ("valid_from", "2026-02-30", "invalid"),
        ("valid_from", "2026-3-1", "invalid"),
        ("valid_to", "2026-02-28", "invalid"),  # before valid_from
        ("amount_vnd", 1.5, "invalid"),
    ],
)
def test_a_wrong_guarantee_field_is_named(field: str, value: object, code: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        guarantee_parse(json.dumps({**GUARANTEE, field: value}).encode())
    assert fields_of(exc) == {field: code}
