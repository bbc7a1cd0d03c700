"""Declaration numbers: format, check digit, and the counter."""

from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st

from haiquan.clearance.numbering import number_format, number_is_valid, number_next


@given(
    flow=st.sampled_from(["import", "export"]),
    serial=st.integers(min_value=1, max_value=10**10 - 1),
)
def test_every_number_is_12_digits_valid_and_reversible(flow: str, serial: int) -> None:
    number = number_format(flow, serial)
    assert len(number) == 12 and number.isdigit()
    assert number_is_valid(number)
    assert number[0] == ("1" if flow == "import" else "3")
    assert int(number[1:11]) == serial


@given(
    serial=st.integers(min_value=1, max_value=10**10 - 1),
    pos=st.integers(0, 11),
    delta=st.integers(1, 9),
)
def test_a_single_mistyped_digit_is_caught(serial: int, pos: int, delta: int) -> None:
    number = number_format("import", serial)
    wrong = number[:pos] + str((int(number[pos]) + delta) % 10) + number[pos + 1 :]
    assert not number_is_valid(wrong)


@pytest.mark.parametrize("serial", [0, 10**10])
def test_serial_out_of_range(serial: int) -> None:
    with pytest.raises(ValueError):
        number_format("import", serial)


@pytest.mark.django_db
def test_counter_moves_per_flow_and_a_rollback_gives_the_number_back() -> None:
    with transaction.atomic():
        first = number_next("import")
        export = number_next("export")
    assert export[0] == "3"
    try:
        with transaction.atomic():
            lost = number_next("import")
            raise RuntimeError("registration failed")
    except RuntimeError:
        pass
    with transaction.atomic():
        after = number_next("import")
    assert lost == after  # the failed registration's number was not consumed
    assert int(after[1:11]) == int(first[1:11]) + 1


@pytest.mark.django_db(transaction=True)
def test_number_next_refuses_to_run_outside_a_transaction() -> None:
    with pytest.raises(RuntimeError):
        number_next("import")
