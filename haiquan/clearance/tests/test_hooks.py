"""The extension points other apps use: preference verifiers, declaration validators and
written observers change what registration does, and only what they say."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from haiquan.accounts.models import User
from haiquan.clearance import hooks, services
from haiquan.clearance.choices import Status
from haiquan.clearance.inputs import LineInput
from haiquan.clearance.models import Declaration
from haiquan.clearance.validation import ResolvedDeclaration
from haiquan.core.problems import Conflict, FieldProblem, ValidationFailed
from haiquan.refdata.models import Enterprise
from haiquan.risk.choices import Lane

from .conftest import declaration_input, line

pytestmark = pytest.mark.django_db


def acfta_line(**kw: Any) -> LineInput:
    return line(
        preference="ACFTA",
        co_number=kw.pop("co_number", "E2611223344"),
        co_date=timezone.localdate() - timedelta(days=5),
        **kw,
    )


@pytest.fixture
def seen() -> Iterator[list[hooks.PreferenceClaim]]:
    claims: list[hooks.PreferenceClaim] = []
    yield claims


@pytest.fixture
def verifier(seen: list[hooks.PreferenceClaim]) -> Iterator[None]:
    """Refuses C/O numbers starting with X, sends those starting with P to a document check."""

    def verify(claim: hooks.PreferenceClaim) -> hooks.PreferenceVerdict | None:
        seen.append(claim)
        if claim.co_number.startswith("X"):
            return hooks.PreferenceVerdict(refused="no such e-C/O from CN")
        if claim.co_number.startswith("P"):
            return hooks.PreferenceVerdict(document_check="paper C/O to be checked")
        return hooks.PreferenceVerdict(note="e-C/O verified")

    hooks.preference_verifier_register(verify)
    yield
    hooks.preference_verifier_unregister(verify)


class TestPreferenceVerifier:
    def test_a_granted_claim_keeps_the_rate_and_says_why(
        self,
        rates: None,
        declarant: User,
        hoanglong: Enterprise,
        verifier: None,
        seen: list[hooks.PreferenceClaim],
    ) -> None:
        decl = services.declaration_register(
            actor=declarant, data=declaration_input(hoanglong.mst, lines=(acfta_line(),))
        )
        ln = decl.lines.get()
        assert ln.import_rate_kind == "preferential:ACFTA"
        assert any("e-C/O verified" in n for n in ln.duty_notes)
        [claim] = seen
        assert (claim.line_no, claim.co_number, claim.origin, claim.preference) == (
            1,
            "E2611223344",
            "CN",
            "ACFTA",
        )
        assert claim.enterprise_mst == hoanglong.mst and claim.declaration_id is None

    def test_a_refused_claim_pays_the_mfn_rate_with_the_reason(
        self, rates: None, declarant: User, hoanglong: Enterprise, verifier: None
    ) -> None:
        decl = services.declaration_register(
            actor=declarant,
            data=declaration_input(hoanglong.mst, lines=(acfta_line(co_number="X1"),)),
        )
        ln = decl.lines.get()
        assert ln.import_rate_kind == "mfn"
        assert ln.import_duty_vnd > 0
        # The note names the agreement and gives the verifier's reason (in the page's language).
        assert any("ACFTA" in n and "no such e-C/O from CN" in n for n in ln.duty_notes)

    def test_a_paper_certificate_sends_a_green_declaration_to_document_check(
        self, rates: None, declarant: User, hoanglong: Enterprise, verifier: None
    ) -> None:
        decl = services.declaration_register(
            actor=declarant,
            data=declaration_input(hoanglong.mst, lines=(acfta_line(co_number="P77"),)),
        )
        assert decl.lane == Lane.YELLOW and decl.status == Status.DOCUMENT_CHECK
        [reason] = [r for r in decl.lane_reasons if r["source"] == "document"]
        assert reason == {
            "source": "document",
            "code": "CO-PAPER",
            "lane": "yellow",
            "text": "paper C/O to be checked",
            "line_no": 1,
            "version": None,
        }
        assert decl.lines.get().import_rate_kind == "preferential:ACFTA"

    def test_lines_without_a_claim_are_not_asked_about(
        self,
        rates: None,
        declarant: User,
        hoanglong: Enterprise,
        verifier: None,
        seen: list[hooks.PreferenceClaim],
    ) -> None:
        services.declaration_register(actor=declarant, data=declaration_input(hoanglong.mst))
        assert seen == []

    def test_without_verifiers_the_claim_stands_on_the_tariff_alone(
        self, rates: None, declarant: User, hoanglong: Enterprise
    ) -> None:
        decl = services.declaration_register(
            actor=declarant,
            data=declaration_input(hoanglong.mst, lines=(acfta_line(co_number="X1"),)),
        )
        assert decl.lines.get().import_rate_kind == "preferential:ACFTA"
        assert decl.lane == Lane.GREEN


class TestValidatorAndObserver:
    def test_a_validator_problem_is_a_field_error_and_nothing_is_saved(
        self, rates: None, declarant: User, hoanglong: Enterprise
    ) -> None:
        def no_weapons(resolved: ResolvedDeclaration, on_day: date) -> list[FieldProblem]:
            return [
                FieldProblem(f"lines[{i}].description", "weapons need a licence", "licence")
                for i, ln in enumerate(resolved.data.lines)
                if "súng" in ln.description
            ]

        hooks.declaration_validator_register(no_weapons)
        try:
            with pytest.raises(ValidationFailed) as exc:
                services.declaration_register(
                    actor=declarant,
                    data=declaration_input(
                        hoanglong.mst, lines=(line(), line(description="súng săn"))
                    ),
                )
            assert [(e.field, e.code) for e in exc.value.errors] == [
                ("lines[1].description", "licence")
            ]
            assert not Declaration.objects.exists()
            decl = services.declaration_register(
                actor=declarant, data=declaration_input(hoanglong.mst)
            )
            assert decl.lines.count() == 1
        finally:
            hooks.declaration_validator_unregister(no_weapons)

    def test_an_observer_sees_the_written_lines_and_can_undo_the_registration(
        self, rates: None, declarant: User, hoanglong: Enterprise
    ) -> None:
        quantities: list[Decimal] = []

        def draw_down(declaration: Declaration) -> None:
            total = sum((ln.quantity for ln in declaration.lines.all()), Decimal(0))
            quantities.append(total)
            if total > Decimal("15000"):
                raise Conflict("the permit covers 15,000 kg")

        hooks.declaration_written_observer_register(draw_down)
        try:
            decl = services.declaration_register(
                actor=declarant, data=declaration_input(hoanglong.mst)
            )
            assert quantities == [Decimal("10000")]
            with pytest.raises(Conflict):
                services.declaration_register(
                    actor=declarant,
                    data=declaration_input(
                        hoanglong.mst, lines=(line(quantity=Decimal(20000), value=Decimal(16000)),)
                    ),
                )
            assert list(Declaration.objects.values_list("pk", flat=True)) == [decl.pk]
        finally:
            hooks.declaration_written_observer_unregister(draw_down)


class TestClearanceGuard:
    def test_the_trader_sees_what_holds_the_clearance_and_it_clears_when_it_arrives(
        self, rates: None, declarant: User, hoanglong: Enterprise, client: Client
    ) -> None:
        waiting = {"on": True}

        def quarantine(declaration: Declaration) -> list[str]:
            return (
                ["plant quarantine result for line 1 (Cục Bảo vệ thực vật)"]
                if waiting["on"]
                else []
            )

        hooks.clearance_guard_register(quarantine)
        try:
            # E31 owes nothing: without the guard it would clear at once.
            decl = services.declaration_register(
                actor=declarant, data=declaration_input(hoanglong.mst, type_code="E31")
            )
            assert decl.status == Status.AWAITING_PAYMENT
            client.force_login(declarant)
            page = client.get(f"/declarations/{decl.pk}/").content.decode()
            assert "plant quarantine result for line 1 (Cục Bảo vệ thực vật)" in page
            assert 'data-wait="partner_agency"' in page
            # Nothing to pay: the page does not promise a clearance on payment.
            assert 'data-testid="after-payment"' not in page
            waiting["on"] = False
            decl = services.declaration_clearance_retry(declaration=decl)
            assert decl.status == Status.CLEARED
            page = client.get(f"/declarations/{decl.pk}/").content.decode()
            assert 'data-wait="partner_agency"' not in page
            # The hold stays in the history, with what it waited for.
            assert "plant quarantine result for line 1" in page
        finally:
            hooks.clearance_guard_unregister(quarantine)
