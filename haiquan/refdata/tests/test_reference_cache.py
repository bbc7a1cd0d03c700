"""The per-process copy of the reference data registration reads (`reference_current`): kept
while nothing changes, renewed by any change however it is made, never stale after a rollback."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import TypeVar

import pytest
from django.db import connection, transaction
from django.db.models import Model
from pytest_django import DjangoAssertNumQueries

from haiquan.core.problems import ValidationFailed
from haiquan.refdata.models import Country, Currency, DeclarationType, ExchangeRate, Office
from haiquan.refdata.selectors import reference_cache_clear, reference_current
from haiquan.refdata.services import exchange_rate_set

pytestmark = pytest.mark.django_db
DAY = date(2026, 11, 20)
T = TypeVar("T")


def known(row: T | None) -> T:
    """The copy's row, which the test expects there."""
    assert row is not None
    return row


@pytest.fixture(autouse=True)
def _fresh_copy() -> Iterator[None]:
    reference_cache_clear()
    yield
    reference_cache_clear()


def test_the_copy_is_kept_while_nothing_changes(
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    first = reference_current()
    assert first.office("20BD") is not None and first.currency("USD") is not None
    with django_assert_num_queries(1):  # the revision row, nothing else
        again = reference_current()
        assert known(again.office("20BD")).code == "20BD"
        assert known(again.country("CN")).code == "CN" and again.declaration_type("A11") is not None
    assert again is first


def test_a_change_made_by_any_means_is_seen_by_the_next_use() -> None:
    before = reference_current()
    assert known(before.office("20BD")).valid_to is None
    # A queryset update sends no signal: the database trigger renews the token all the same.
    Office.objects.filter(code="20BD").update(valid_to=DAY)
    assert known(reference_current().office("20BD")).valid_to == DAY
    DeclarationType.objects.filter(code="A11").update(active=False)
    assert not known(reference_current().declaration_type("A11")).active
    Office.objects.bulk_create([Office(code="99ZZ", kind="border_gate", name_vi="Thử", path="/")])
    assert reference_current().office("99ZZ") is not None
    with connection.cursor() as cur:
        cur.execute("DELETE FROM refdata_office WHERE code = %s", ["99ZZ"])
    assert reference_current().office("99ZZ") is None
    Currency.objects.create(code="QQQ", name="Test currency")
    assert reference_current().currency("QQQ") is not None


def test_a_new_exchange_rate_is_used_at_once_and_the_offices_are_not_reloaded(
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    ref = reference_current()
    with pytest.raises(ValidationFailed) as exc:
        ref.exchange_rate(currency="USD", day=DAY)
    assert exc.value.errors[0].code == "no-exchange-rate"
    exchange_rate_set(currency="USD", day=DAY, rate_vnd=Decimal("25410"))
    fresh = reference_current()
    assert fresh.exchange_rate(currency="USD", day=DAY + timedelta(days=2)) == Decimal("25410")
    assert fresh.offices is ref.offices  # only the rates' token moved
    with django_assert_num_queries(1):  # remembered: the revision row only
        assert reference_current().exchange_rate(
            currency="USD", day=DAY + timedelta(days=2)
        ) == Decimal("25410")
    ExchangeRate.objects.filter(currency_id="USD", day=DAY).update(rate_vnd=Decimal("25500"))
    assert reference_current().exchange_rate(currency="USD", day=DAY) == Decimal("25500")


def test_a_rolled_back_change_leaves_no_trace_in_the_copy() -> None:
    reference_current()
    with pytest.raises(RuntimeError), transaction.atomic():
        Office.objects.filter(code="20BD").update(valid_to=DAY)
        assert known(reference_current().office("20BD")).valid_to == DAY  # seen inside the change
        raise RuntimeError("undo")
    assert known(reference_current().office("20BD")).valid_to is None


@pytest.mark.parametrize(
    ("model", "token"),
    [
        (DeclarationType, "token"),
        (Office, "token"),
        (Currency, "token"),
        (Country, "token"),
        (ExchangeRate, "rates_token"),
    ],
)
def test_every_table_in_the_copy_renews_its_token_when_written(
    model: type[Model], token: str
) -> None:
    """A table cached without its trigger would be served stale: caught here."""
    exchange_rate_set(currency="USD", day=DAY, rate_vnd=Decimal("25410"))
    ref = reference_current()
    untouched = "rates_token" if token == "token" else "token"
    with connection.cursor() as cur:
        cur.execute(
            f"UPDATE {model._meta.db_table} SET {model._meta.pk.column} = {model._meta.pk.column}"
        )
    fresh = reference_current()
    assert getattr(fresh, token) != getattr(ref, token)
    assert getattr(fresh, untouched) == getattr(ref, untouched)
