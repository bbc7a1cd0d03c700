"""Concurrency, on PostgreSQL where transactions really race (CI runs the suite there).

SQLite serialises every writer, so these properties hold there trivially; the tests are skipped
on it rather than pretending to race.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client

from haiquan.accounts.models import User
from haiquan.accounts.services import user_create
from haiquan.accounts.tests.helpers import api_token
from haiquan.clearance import services
from haiquan.clearance.choices import CheckKind, CheckOutcome, Status
from haiquan.clearance.models import CheckResult, Declaration
from haiquan.clearance.numbering import number_is_valid
from haiquan.core.problems import Conflict
from haiquan.eventlog.models import Event
from haiquan.refdata.models import Enterprise
from haiquan.risk.services import profile_create

from .conftest import declaration_input, payload

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL's real concurrency"
    ),
]


def race(n: int, fn: Callable[[int], Any]) -> list[Any]:
    """Run fn(i) in n threads released together; return results or exceptions."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = fn(i)
        except Exception as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_concurrent_registrations_get_unique_gap_free_numbers(
    refdata_reloaded: None, rates: None, declarant: User, hoanglong: Enterprise
) -> None:
    results = race(
        12,
        lambda i: (
            services.declaration_register(
                actor=declarant, data=declaration_input(hoanglong.mst)
            ).number
        ),
    )
    assert all(isinstance(r, str) for r in results), results
    assert all(number_is_valid(r) for r in results)
    serials = sorted(int(r[1:11]) for r in results)
    assert serials == list(range(serials[0], serials[0] + 12))


def test_two_officers_acting_at_once_cannot_both_win(
    refdata_reloaded: None,
    rates: None,
    declarant: User,
    hoanglong: Enterprise,
    officer: User,
    analyst: User,
) -> None:
    profile_create(
        code="FRUIT-RED",
        name="Fruit",
        criteria={"hs_prefixes": ["0810"]},
        lane="red",
        reason="Inspect",
        actor=analyst,
    )
    second = user_create(
        username="cc.mongcai2", password="pw-mc2-2026!", role="officer", office_codes=["20BD"]
    )
    decl = services.declaration_register(actor=declarant, data=declaration_input(hoanglong.mst))
    officers = [officer, second]
    results = race(
        2,
        lambda i: services.declaration_check_record(
            actor=officers[i],
            declaration=Declaration.objects.get(pk=decl.pk),
            kind=CheckKind.INSPECTION,
            outcome=CheckOutcome.MATCH,
            expected_version=decl.version,
        ),
    )
    wins = [r for r in results if isinstance(r, CheckResult)]
    losses = [r for r in results if isinstance(r, Conflict)]
    assert len(wins) == 1 and len(losses) == 1, results
    assert CheckResult.objects.filter(declaration=decl).count() == 1
    assert (
        Event.objects.filter(declaration_id=decl.pk, kind="declaration.inspection_recorded").count()
        == 1
    )
    decl.refresh_from_db()
    assert decl.status == Status.AWAITING_PAYMENT


def test_concurrent_retries_with_one_idempotency_key_file_once(
    refdata_reloaded: None, rates: None, declarant: User, hoanglong: Enterprise
) -> None:

    raw = api_token(declarant, name="erp")
    body = json.dumps(payload(hoanglong.mst))

    def call(_i: int) -> tuple[int, str]:
        resp = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").post(
            "/api/v1/declarations",
            data=body,
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY="retry-1",
        )
        return resp.status_code, resp.json().get("number")

    results = race(6, call)
    assert all(isinstance(r, tuple) and r[0] == 201 for r in results), results
    assert len({r[1] for r in results}) == 1
    assert Declaration.objects.count() == 1


def test_working_one_declaration_does_not_lock_the_others_of_its_office(
    refdata_reloaded: None, rates: None, declarant: User, hoanglong: Enterprise
) -> None:
    """The workflow locks the declaration's row only, not the office, type or currency rows it
    joins: two officers working two declarations of the same office never wait on each other
    (the soak found a deadlock when it locked them all)."""
    first = services.declaration_register(actor=declarant, data=declaration_input(hoanglong.mst))
    second = services.declaration_register(actor=declarant, data=declaration_input(hoanglong.mst))
    holding, release = threading.Event(), threading.Event()

    def hold_first() -> None:
        try:
            from django.db import transaction

            with transaction.atomic():
                services.declaration_locked(first, None)
                holding.set()
                release.wait(10)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_first)
    holder.start()
    try:
        assert holding.wait(10)
        from django.db import transaction

        with transaction.atomic():
            with connection.cursor() as cur:
                cur.execute("SET LOCAL lock_timeout = '2s'")
            locked = services.declaration_locked(
                second, None
            )  # would time out if the office were locked
            assert locked.pk == second.pk and locked.office_id == first.office_id
    finally:
        release.set()
        holder.join(10)


def test_the_same_goods_filed_at_the_same_moment_are_registered_once(
    refdata_reloaded: None, rates: None, declarant: User, hoanglong: Enterprise
) -> None:
    from haiquan.clearance.services import DuplicateDeclaration

    data = declaration_input(hoanglong.mst, invoice_number="INV-RACE-1")
    results = race(4, lambda i: services.declaration_register(actor=declarant, data=data))
    registered = [r for r in results if isinstance(r, Declaration)]
    refused = [r for r in results if isinstance(r, DuplicateDeclaration)]
    assert len(registered) == 1 and len(refused) == 3, results
    assert registered[0].number
    assert all(registered[0].number in r.detail for r in refused)
    assert Declaration.objects.count() == 1
