"""The workflow table says what the services do: for a declaration brought to each state through
the services, every action is tried through its service (and undone) and succeeds exactly where
the table has a row for it; the buttons the pages offer (`declaration_actions`) are the same."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction

from haiquan.accounts.models import User
from haiquan.clearance import services
from haiquan.clearance.choices import CheckKind, CheckOutcome, Status
from haiquan.clearance.models import CancellationRequest, Declaration
from haiquan.clearance.permissions import declaration_actions
from haiquan.clearance.workflow import (
    TRANSITIONS,
    Action,
    By,
    allows,
    lane_status,
    transition,
)
from haiquan.core.problems import Conflict, Forbidden
from haiquan.eventlog import kinds
from haiquan.eventlog.models import Event
from haiquan.payments.services import payment_order_create
from haiquan.refdata.models import Enterprise
from haiquan.risk.choices import Lane
from haiquan.risk.services import profile_create

from .conftest import declaration_input
from .test_services import pay

pytestmark = pytest.mark.django_db

# The states the services can bring a declaration to, with its lane.
STATES = (
    "draft",
    "green",  # awaiting payment, nothing checked
    "yellow",  # document check
    "red",  # inspection
    "checked",  # awaiting payment after a document check
    "cleared",
    "released",
    "cancelled",
)


class _Undo(Exception):
    """Raised to roll back an action once it has worked."""


def works(attempt: Callable[[], Any]) -> bool:
    """Whether the service accepts the action (it is rolled back either way)."""
    try:
        with transaction.atomic():
            attempt()
            raise _Undo
    except _Undo:
        return True
    except (Conflict, Forbidden):
        return False


def lane_profile(analyst: Any, lane: str) -> None:
    profile_create(
        code=f"ALL-{lane.upper()}",
        name="All fruit",
        criteria={"hs_prefixes": ["08"]},
        lane=lane,
        reason="Fruit",
        actor=analyst,
    )


def bring(state: str, *, declarant: Any, officer: Any, analyst: Any, mst: str) -> Declaration:
    """A declaration in `state`, brought there by the services only."""
    if state == "draft":
        return services.declaration_draft_save(actor=declarant, data=declaration_input(mst))
    if state in ("yellow", "red", "checked"):
        lane_profile(analyst, "red" if state == "red" else "yellow")
    d = services.declaration_register(actor=declarant, data=declaration_input(mst))
    if state == "checked":
        services.declaration_check_record(
            actor=officer, declaration=d, kind=CheckKind.DOCUMENT_CHECK, outcome=CheckOutcome.MATCH
        )
    if state in ("cleared", "released"):
        pay(d, declarant)
        d.refresh_from_db()
    if state == "released":
        services.declaration_release(actor=officer, declaration=d)
    if state == "cancelled":
        services.declaration_cancel(actor=declarant, declaration=d, reason="Khai sai")
    d.refresh_from_db()
    return d


def tries(d: Declaration, declarant: Any, officer: Any) -> dict[tuple[Action, By], Any]:
    """Each action of the table, taken through its service."""
    mst = d.enterprise.mst

    def check() -> None:
        kind = d.status if d.status in CheckKind.values else CheckKind.DOCUMENT_CHECK
        services.declaration_check_record(
            actor=officer, declaration=d, kind=kind, outcome=CheckOutcome.MATCH
        )

    def settle() -> None:
        locked = services.declaration_locked(d, None)
        services.declaration_payment_apply(
            declaration=locked,
            paid_vnd=locked.paid_vnd + 1,
            guaranteed_vnd=Decimal(0),
            actor=None,
            actor_label="bank:VCB",
            kind=kinds.PAYMENT_CONFIRMED.code,
            data={},
        )

    def decide(approve: bool) -> Callable[[], Any]:
        def attempt() -> None:
            services.declaration_cancel(actor=declarant, declaration=d, reason="Khai sai")
            services.declaration_cancellation_decide(
                actor=officer, declaration=d, approve=approve, reason="Quyết định"
            )

        return attempt

    return {
        (Action.SAVE_DRAFT, By.TRADER): lambda: services.declaration_draft_save(
            actor=declarant, data=declaration_input(mst), declaration=d
        ),
        (Action.REGISTER, By.TRADER): lambda: services.declaration_register(
            actor=declarant, draft=d
        ),
        (Action.RECORD_CHECK, By.OFFICER): check,
        (Action.ESCALATE, By.OFFICER): lambda: services.declaration_escalate(
            actor=officer, declaration=d, reason="Nghi vấn"
        ),
        (Action.PAY, By.TRADER): lambda: payment_order_create(declaration=d, actor=declarant),
        (Action.SETTLE, By.BANK): settle,
        (Action.RELEASE, By.OFFICER): lambda: services.declaration_release(
            actor=officer, declaration=d
        ),
        (Action.AMEND, By.TRADER): lambda: services.declaration_amend(
            actor=declarant,
            declaration=d,
            data=services.declaration_input_from(d),
            reason="Điều chỉnh",
        ),
        (Action.CANCEL, By.OFFICER): lambda: services.declaration_cancel(
            actor=officer, declaration=d, reason="Hàng không về"
        ),
        (Action.APPROVE_CANCELLATION, By.OFFICER): decide(True),
        (Action.REFUSE_CANCELLATION, By.OFFICER): decide(False),
        (Action.RECORD_PENALTY, By.OFFICER): lambda: services.declaration_penalty_record(
            actor=officer,
            declaration=d,
            number="QD-01",
            amount_vnd=1_000_000,
            legal_basis="Nghị định 128/2020/NĐ-CP, điều 9",
            reason="Khai sai",
        ),
    }


def trader_cancellation(d: Declaration, declarant: Any) -> set[Action]:
    """What the declarant's cancellation does: CANCEL (at once), REQUEST_CANCELLATION, or
    nothing (refused)."""
    done: set[Action] = set()

    def attempt() -> None:
        services.declaration_cancel(actor=declarant, declaration=d, reason="Khai sai")
        if Declaration.objects.get(pk=d.pk).status == Status.CANCELLED:
            done.add(Action.CANCEL)
        elif CancellationRequest.objects.filter(declaration=d).exists():
            done.add(Action.REQUEST_CANCELLATION)

    works(attempt)
    return done


T, C, B = By.TRADER, By.OFFICER, By.BANK  # trader, customs, bank
# What each side may do in each state, as the law and the services' tests say it (written out here
# once more so that a wrong row in the table, which the services read, is caught).
BEFORE_CLEARANCE = {(Action.PAY, T), (Action.SETTLE, B), (Action.AMEND, T), (Action.CANCEL, C)}
DECIDING = {(Action.APPROVE_CANCELLATION, C), (Action.REFUSE_CANCELLATION, C)}
PENALTY = {(Action.RECORD_PENALTY, C)}
EXPECTED: dict[str, set[tuple[Action, By]]] = {
    "draft": {(Action.SAVE_DRAFT, T), (Action.REGISTER, T), (Action.CANCEL, T)},
    "green": BEFORE_CLEARANCE | PENALTY | {(Action.CANCEL, T)},
    "yellow": BEFORE_CLEARANCE
    | DECIDING
    | PENALTY
    | {(Action.RECORD_CHECK, C), (Action.ESCALATE, C), (Action.REQUEST_CANCELLATION, T)},
    "red": BEFORE_CLEARANCE
    | DECIDING
    | PENALTY
    | {(Action.RECORD_CHECK, C), (Action.REQUEST_CANCELLATION, T)},
    "checked": BEFORE_CLEARANCE | DECIDING | PENALTY | {(Action.REQUEST_CANCELLATION, T)},
    "cleared": DECIDING
    | PENALTY
    | {(Action.SETTLE, B), (Action.AMEND, T), (Action.RELEASE, C)}
    | {(Action.REQUEST_CANCELLATION, T)},
    "released": PENALTY | {(Action.SETTLE, B), (Action.AMEND, T)},
    "cancelled": set(),
}


@pytest.mark.parametrize("state", STATES)
def test_the_services_do_what_the_table_says(
    state: str, rates: None, declarant: User, officer: User, analyst: User, hoanglong: Enterprise
) -> None:
    d = bring(state, declarant=declarant, officer=officer, analyst=analyst, mst=hoanglong.mst)
    accepted: set[tuple[Action, By]] = set()
    for (action, by), attempt in tries(d, declarant, officer).items():
        guarded = action == Action.PAY and d.amount_due_vnd <= 0
        expected = allows(d.status, action, by, d.lane) and not guarded
        assert works(attempt) == expected, (state, d.status, action, by)
        if expected:
            accepted.add((action, by))
        d.refresh_from_db()
    cancelling = {Action.CANCEL, Action.REQUEST_CANCELLATION}
    by_trader = trader_cancellation(d, declarant)
    assert by_trader == {a for a in cancelling if allows(d.status, a, T, d.lane)}, state
    assert accepted | {(a, T) for a in by_trader} == EXPECTED[state]


@pytest.mark.parametrize("state", STATES)
def test_the_pages_offer_what_the_services_accept(
    state: str, rates: None, declarant: User, officer: User, analyst: User, hoanglong: Enterprise
) -> None:
    d = bring(state, declarant=declarant, officer=officer, analyst=analyst, mst=hoanglong.mst)
    attempts = tries(d, declarant, officer)
    trader = declaration_actions(user=declarant, declaration=d)
    assert trader.edit == works(attempts[Action.SAVE_DRAFT, By.TRADER])
    assert trader.register == works(attempts[Action.REGISTER, By.TRADER])
    assert trader.amend == works(attempts[Action.AMEND, By.TRADER])
    assert trader.pay == works(attempts[Action.PAY, By.TRADER])
    assert trader.cancel == bool(trader_cancellation(d, declarant))
    customs = declaration_actions(user=officer, declaration=d)
    assert customs.record_check == works(attempts[Action.RECORD_CHECK, By.OFFICER])
    assert customs.escalate == works(attempts[Action.ESCALATE, By.OFFICER])
    assert customs.release == works(attempts[Action.RELEASE, By.OFFICER])
    assert customs.cancel == works(attempts[Action.CANCEL, By.OFFICER])
    assert customs.record_penalty == works(attempts[Action.RECORD_PENALTY, By.OFFICER])


def test_a_request_waiting_is_decided_and_nothing_else(
    rates: None, declarant: User, officer: User, analyst: User, hoanglong: Enterprise
) -> None:
    d = bring("red", declarant=declarant, officer=officer, analyst=analyst, mst=hoanglong.mst)
    services.declaration_cancel(actor=declarant, declaration=d, reason="Khai sai")
    d.refresh_from_db()
    customs = declaration_actions(user=officer, declaration=d)
    assert customs.decide_cancellation and not customs.cancel
    attempts = tries(d, declarant, officer)
    assert not works(attempts[Action.CANCEL, By.OFFICER])
    assert not trader_cancellation(d, declarant)  # one request at a time


@pytest.mark.parametrize("lane", list(Lane))
def test_registration_starts_where_the_lane_says_and_writes_its_events(
    lane: Lane, rates: None, declarant: User, analyst: User, hoanglong: Enterprise
) -> None:
    if lane != Lane.GREEN:
        lane_profile(analyst, lane)
    d = services.declaration_register(actor=declarant, data=declaration_input(hoanglong.mst))
    step = transition(None, Action.REGISTER, By.TRADER, lane)
    assert step is not None and d.lane == lane and d.status == lane_status(lane) == step.target
    codes = [k.code for k in step.emits]
    written = Event.objects.filter(declaration_id=d.pk, kind__in=codes).order_by("pk")
    assert list(written.values_list("kind", flat=True)) == codes


def test_an_amendment_that_raises_the_lane_moves_the_declaration_to_its_check(
    rates: None, declarant: User, analyst: User, hoanglong: Enterprise
) -> None:
    d = services.declaration_register(actor=declarant, data=declaration_input(hoanglong.mst))
    assert (d.status, d.lane) == (Status.AWAITING_PAYMENT, Lane.GREEN)
    lane_profile(analyst, "red")
    services.declaration_amend(
        actor=declarant, declaration=d, data=services.declaration_input_from(d), reason="Sửa"
    )
    d.refresh_from_db()
    step = transition(Status.AWAITING_PAYMENT, Action.RAISE_LANE, By.SYSTEM, Lane.RED)
    assert step is not None and (d.status, d.lane) == (step.target, Lane.RED)
    assert Event.objects.filter(declaration_id=d.pk, kind=step.emits[0].code).count() == 2


def test_every_row_writes_catalogued_kinds_and_every_state_is_reached() -> None:
    for row in TRANSITIONS:
        assert row.emits and all(k.code in kinds.KINDS for k in row.emits), row
    targets = {row.target for row in TRANSITIONS}
    assert targets == set(Status)
    sources = {row.source for row in TRANSITIONS}
    # Nothing leaves a cancelled declaration; everything else has a way on.
    assert sources == {None} | set(Status) - {Status.CANCELLED}
