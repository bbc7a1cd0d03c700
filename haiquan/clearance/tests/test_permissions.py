"""`declaration_actions`: the buttons a page shows are the actions the services accept."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from haiquan.accounts.models import User
from haiquan.accounts.selectors import offices_in_scope_subtrees, user_needs_second_factor
from haiquan.accounts.services import user_create
from haiquan.clearance import services
from haiquan.clearance.models import Declaration
from haiquan.clearance.permissions import declaration_actions
from haiquan.clearance.tests.conftest import declaration_input
from haiquan.clearance.timeline import timeline
from haiquan.eventlog.selectors import events_for_declaration
from haiquan.refdata.models import Enterprise
from haiquan.risk.services import profile_create

pytestmark = pytest.mark.django_db


def on(actions: Any) -> set[str]:
    return {name for name, value in vars(actions).items() if value is True}


def test_a_draft_can_be_changed_registered_cancelled_and_copied_by_its_declarant(
    rates: None, declarant: User, hoanglong: Enterprise, officer: User
) -> None:
    draft = services.declaration_draft_save(actor=declarant, data=declaration_input(hoanglong.mst))
    assert on(declaration_actions(user=declarant, declaration=draft)) == {
        "edit",
        "register",
        "cancel",
        "copy",
        "upload_document",
    }
    assert on(declaration_actions(user=officer, declaration=draft)) == set()


def test_a_green_declaration_awaiting_payment(
    rates: None, declarant: User, hoanglong: Enterprise, officer: User
) -> None:
    d = services.declaration_register(actor=declarant, data=declaration_input(hoanglong.mst))
    assert on(declaration_actions(user=declarant, declaration=d)) == {
        "amend",
        "cancel",
        "copy",
        "pay",
        "upload_document",
    }
    # Before clearance an officer may cancel on the office's decision, or record a penalty.
    assert on(declaration_actions(user=officer, declaration=d)) == {"cancel", "record_penalty"}


def test_a_red_declaration_for_the_officer_and_after_release(
    rates: None,
    declarant: User,
    hoanglong: Enterprise,
    officer: User,
    officer_elsewhere: User,
    analyst: User,
) -> None:
    profile_create(
        code="ALL-RED",
        name="All",
        criteria={"hs_prefixes": ["08"]},
        lane="red",
        reason="x",
        actor=analyst,
    )
    d = services.declaration_register(actor=declarant, data=declaration_input(hoanglong.mst))
    assert on(declaration_actions(user=officer, declaration=d)) == {
        "cancel",
        "record_check",
        "record_penalty",
        "request_documents",
    }
    # The trader cannot withdraw goods from an inspection: it may only ask.
    trader = declaration_actions(user=declarant, declaration=d)
    assert "cancel" in on(trader) and trader.cancel_route == "decision"
    assert on(declaration_actions(user=officer_elsewhere, declaration=d)) == set()
    Declaration.objects.filter(pk=d.pk).update(status="cleared", checks_pending=False)
    d.refresh_from_db()
    # After clearance an officer cancels only on the declarant's request.
    assert on(declaration_actions(user=officer, declaration=d)) == {"release", "record_penalty"}
    Declaration.objects.filter(pk=d.pk).update(status="released")
    d.refresh_from_db()
    assert on(declaration_actions(user=officer, declaration=d)) == {"record_penalty"}
    assert on(declaration_actions(user=declarant, declaration=d)) == {
        "amend",
        "copy",
        "pay",
        "upload_document",
    }


def test_another_enterprises_declarant_may_only_copy(
    rates: None, declarant: User, hoanglong: Enterprise, other_declarant: User
) -> None:
    d = services.declaration_register(actor=declarant, data=declaration_input(hoanglong.mst))
    assert on(declaration_actions(user=other_declarant, declaration=d)) == {"copy"}


def test_the_timeline_keeps_the_selectivity_for_customs(
    rates: None, declarant: User, hoanglong: Enterprise, analyst: User
) -> None:
    profile_create(
        code="FRUIT-Y",
        name="Fruit",
        criteria={"hs_prefixes": ["0810"]},
        lane="yellow",
        reason="x",
        actor=analyst,
    )
    d = services.declaration_register(actor=declarant, data=declaration_input(hoanglong.mst))
    events = list(events_for_declaration(declaration_id=d.pk))
    customs = " ".join(" ".join(e.details) for e in timeline(events, customs=True))
    trader = " ".join(" ".join(e.details) for e in timeline(events, customs=False))
    assert "FRUIT-Y" in customs and "FRUIT-Y" not in trader
    with translation.override("en"):
        labels = [e.label for e in timeline(events, customs=False)]
    assert labels == ["Declaration submitted", "Registered, duties assessed", "Lane decided"]


def test_second_factor_and_office_scope(db: None) -> None:
    trader = user_create(username="t", password=None, role="declarant")
    staff_trader = user_create(username="s", password=None, role="declarant")
    staff_trader.is_staff = True
    officer = user_create(username="o", password=None, role="officer", office_codes=["20"])
    analyst = user_create(username="a", password=None, role="analyst")
    assert not user_needs_second_factor(trader)
    assert user_needs_second_factor(staff_trader)
    assert user_needs_second_factor(officer) and user_needs_second_factor(analyst)
    codes = set(offices_in_scope_subtrees(officer).values_list("code", flat=True))
    assert "20" in codes and "20BD" in codes and "43IH" not in codes
    assert "43IH" in set(offices_in_scope_subtrees(analyst).values_list("code", flat=True))
