"""The clearance fixtures (enterprises, declarants, a broker, officers, rates) and a few of the
notifications' own."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from haiquan.clearance import services as clearance
from haiquan.clearance.tests.conftest import (  # noqa: F401 - fixtures
    api,
    broker,
    broker_firm,
    declarant,
    declaration_input,
    hoanglong,
    leader_qn,
    officer,
    officer_elsewhere,
    other_declarant,
    other_enterprise,
    rates,
)
from haiquan.eventlog.choices import Party
from haiquan.eventlog.services import event_record
from haiquan.notifications.dispatch import dispatch_once


@pytest.fixture
def started(db: Any) -> None:
    """The worker has run once: it tells from now on (not of the history before it)."""
    dispatch_once()


def register(actor: Any, mst: str, **kw: Any) -> Any:
    return clearance.declaration_register(actor=actor, data=declaration_input(mst, **kw))


def happen(declaration: Any, kind: Any) -> None:
    """An event of a declaration, as its writer records it (in its transaction)."""
    with transaction.atomic():
        event_record(
            kind=str(kind),
            subject_type="declaration",
            subject_id=declaration.pk,
            party=Party.CUSTOMS,
            declaration_id=declaration.pk,
            office_code="20BD",
        )


def drain(rounds: int = 1) -> None:
    for _ in range(rounds):
        while dispatch_once():
            pass
