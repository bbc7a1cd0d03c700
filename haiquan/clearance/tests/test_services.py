"""The clearance workflow, through its services."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from haiquan.accounts.models import User
from haiquan.clearance import services
from haiquan.clearance.choices import CheckKind, CheckOutcome, PaymentState, Status
from haiquan.clearance.inputs import LineCorrection
from haiquan.clearance.models import Declaration
from haiquan.clearance.numbering import number_is_valid
from haiquan.core.problems import Conflict, Forbidden, ValidationFailed
from haiquan.eventlog.models import AppendOnlyError, Event
from haiquan.payments.models import Bank
from haiquan.payments.services import bank_confirmation_receive, bank_create, payment_order_create
from haiquan.payments.signing import sign
from haiquan.refdata.models import Enterprise
from haiquan.risk.choices import Lane
from haiquan.risk.models import RiskProfile
from haiquan.risk.services import profile_create

from .conftest import declaration_input, line

pytestmark = pytest.mark.django_db


def kinds(decl: Declaration) -> list[str]:
    return list(
        Event.objects.filter(declaration_id=decl.pk).order_by("id").values_list("kind", flat=True)
    )


def red_profile(analyst: User) -> RiskProfile:
    return profile_create(
        code="FRUIT-RED",
        name="Fresh fruit from CN",
        criteria={"hs_prefixes": ["0810"]},
        lane="red",
        reason="Fresh fruit: check quantity and quality",
        actor=analyst,
    )


def pay(decl: Declaration, actor: User) -> None:
    """The trader orders payment and its bank confirms with a signed message."""
    bank = Bank.objects.filter(code="VCB").first()
    secret = bank.secret if bank else bank_create(code="VCB", name="Vietcombank")[1]
    order = payment_order_create(declaration=decl, actor=actor)
    body = (
        f'{{"order_reference": "{order.reference}", "bank_transaction_id": "FT{order.pk:08d}", '
        f'"amount_vnd": {int(order.amount_vnd)}, "paid_at": "{timezone.now().isoformat()}"}}'
    ).encode()
    ts = str(int(timezone.now().timestamp()))
    bank_confirmation_receive(
        bank_code="VCB", timestamp=ts, signature=sign(secret, ts, body), raw_body=body
    )


class TestRegistration:
    def test_green_declaration_gets_number_duties_and_lane(
        self, rates: None, declarant: User, hoanglong: Enterprise
    ) -> None:
        decl = services.declaration_register(actor=declarant, data=declaration_input(hoanglong.mst))
        # CIF USD 8,000 × 25,000 = 200,000,000 VND. Dragon fruit from CN, no preference claimed:
        # MFN 25% → 50,000,000; VAT 5% × (200,000,000 + 50,000,000) = 12,500,000.
        assert decl.number is not None
        assert number_is_valid(decl.number) and decl.number.startswith("1")
        assert decl.customs_value_vnd == Decimal("200000000")
        assert decl.import_duty_vnd == Decimal("50000000")
        assert decl.vat_vnd == Decimal("12500000")
        assert decl.total_duties_vnd == Decimal("62500000")
        assert decl.lane == Lane.GREEN
        assert decl.status == Status.AWAITING_PAYMENT
        assert decl.payment_state == PaymentState.UNPAID
        assert decl.exchange_rate == Decimal("25000")
        assert kinds(decl) == [
            "declaration.lodged",
            "declaration.registered",
            "declaration.lane_decided",
        ]
        assert decl.versions.get().number == 1
        ln = decl.lines.get()
        assert (ln.import_rate, ln.vat_rate, ln.total_vnd) == (
            Decimal(25),
            Decimal(5),
            Decimal("62500000"),
        )

    def test_preference_with_valid_co_gives_the_acfta_rate(
        self, rates: None, declarant: User, hoanglong: Enterprise
    ) -> None:
        data = declaration_input(
            hoanglong.mst,
            lines=(
                line(
                    preference="ACFTA",
                    co_number="E2611223344",
                    co_date=timezone.localdate() - timedelta(days=5),
                ),
            ),
        )
        decl = services.declaration_register(actor=declarant, data=data)
        # ACFTA 0%: no import duty; VAT 5% × 200,000,000 = 10,000,000.
        assert decl.import_duty_vnd == 0
        assert decl.total_duties_vnd == Decimal("10000000")
        assert decl.lines.get().import_rate_kind == "preferential:ACFTA"

    def test_green_with_nothing_due_clears_at_once(
        self, rates: None, declarant: User, hoanglong: Enterprise
    ) -> None:
        # E31 materials for producing exports are not subject to duties or VAT.
        decl = services.declaration_register(
            actor=declarant, data=declaration_input(hoanglong.mst, type_code="E31")
        )
        assert decl.total_duties_vnd == 0
        assert decl.status == Status.CLEARED and decl.payment_state == PaymentState.NONE_DUE
        assert kinds(decl)[-1] == "declaration.cleared"

    def test_every_problem_is_reported_with_its_field_and_nothing_saved(
        self, rates: None, declarant: User, hoanglong: Enterprise
    ) -> None:
        bad = declaration_input(
            "0100109105",  # check digit wrong
            lines=(line(hs_code="99999999", origin="XX", quantity=Decimal("-1")),),
            containers=("CSQU3054384",),
            currency="ZZZ",
        )
        with pytest.raises(ValidationFailed) as exc:
            services.declaration_register(actor=declarant, data=bad)
        fields = {e.field for e in exc.value.errors}
        assert {
            "enterprise_mst",
            "lines[0].origin",
            "lines[0].quantity",
            "containers[0]",
            "currency",
        } <= fields
        assert Declaration.objects.count() == 0
        assert not Event.objects.filter(subject_type="declaration").exists()

    def test_unknown_hs_code_and_value_mismatch(
        self, rates: None, declarant: User, hoanglong: Enterprise
    ) -> None:
        data = declaration_input(
            hoanglong.mst, lines=(line(hs_code="08109098"), line(value=Decimal("7000")))
        )
        with pytest.raises(ValidationFailed) as exc:
            services.declaration_register(actor=declarant, data=data)
        problems = {e.field: e.problem for e in exc.value.errors}
        assert "lines[1].value" in problems
        data = declaration_input(hoanglong.mst, lines=(line(hs_code="08109098"),))
        with pytest.raises(ValidationFailed) as exc:
            services.declaration_register(actor=declarant, data=data)
        assert [e.field for e in exc.value.errors] == ["lines[0].hs_code"]

    def test_invoice_value_must_equal_the_lines(
        self, rates: None, declarant: User, hoanglong: Enterprise
    ) -> None:
        with pytest.raises(ValidationFailed) as exc:
            services.declaration_register(
                actor=declarant,
                data=declaration_input(hoanglong.mst, invoice_value=Decimal("9000")),
            )
        assert [e.field for e in exc.value.errors] == ["invoice_value"]

    def test_claimed_preference_without_co_is_refused(
        self, rates: None, declarant: User, hoanglong: Enterprise
    ) -> None:
        data = declaration_input(hoanglong.mst, lines=(line(preference="ACFTA"),))
        with pytest.raises(ValidationFailed) as exc:
            services.declaration_register(actor=declarant, data=data)
        assert "lines[0].co_number" in {e.field for e in exc.value.errors}
        assert Declaration.objects.count() == 0

    def test_cannot_declare_for_another_enterprise(
        self, rates: None, declarant: User, other_enterprise: Enterprise
    ) -> None:
        with pytest.raises(Forbidden):
            services.declaration_register(
                actor=declarant, data=declaration_input(other_enterprise.mst)
            )
        assert Declaration.objects.count() == 0

    def test_broker_declares_for_its_principal(
        self, rates: None, broker: User, hoanglong: Enterprise, other_enterprise: Enterprise
    ) -> None:
        decl = services.declaration_register(actor=broker, data=declaration_input(hoanglong.mst))
        assert decl.broker_id == broker.enterprise_id and decl.enterprise == hoanglong
        with pytest.raises(Forbidden):
            services.declaration_register(
                actor=broker, data=declaration_input(other_enterprise.mst)
            )

    def test_no_exchange_rate_is_a_clear_error(
        self, declarant: User, hoanglong: Enterprise
    ) -> None:
        with pytest.raises(ValidationFailed) as exc:
            services.declaration_register(actor=declarant, data=declaration_input(hoanglong.mst))
        assert (
            exc.value.errors[0].field == "currency"
            and "exchange rate" in exc.value.errors[0].problem
        )

    def test_numbers_follow_each_other_per_flow(
        self, rates: None, declarant: User, hoanglong: Enterprise
    ) -> None:
        a = services.declaration_register(actor=declarant, data=declaration_input(hoanglong.mst))
        b = services.declaration_register(actor=declarant, data=declaration_input(hoanglong.mst))
        assert a.number and b.number
        assert int(b.number[1:11]) == int(a.number[1:11]) + 1

    def test_draft_then_register(self, rates: None, declarant: User, hoanglong: Enterprise) -> None:
        draft = services.declaration_draft_save(
            actor=declarant, data=declaration_input(hoanglong.mst)
        )
        assert draft.status == Status.DRAFT and draft.number is None and draft.lines.count() == 1
        decl = services.declaration_register(actor=declarant, draft=draft)
        assert decl.pk == draft.pk and decl.number and decl.status == Status.AWAITING_PAYMENT
        with pytest.raises(Conflict):
            services.declaration_register(actor=declarant, draft=decl)


class TestGreenLane:
    def test_green_clears_when_the_bank_confirms_payment(
        self, rates: None, declarant: User, hoanglong: Enterprise
    ) -> None:
        decl = services.declaration_register(actor=declarant, data=declaration_input(hoanglong.mst))
        pay(decl, declarant)
        decl.refresh_from_db()
        assert decl.status == Status.CLEARED and decl.payment_state == PaymentState.PAID
        assert decl.paid_vnd == Decimal("62500000") and decl.cleared_at is not None
        assert kinds(decl)[-2:] == ["payment.confirmed", "declaration.cleared"]


class TestRedLane:
    def test_red_clears_after_inspection_and_payment(
        self, analyst: User, rates: None, declarant: User, hoanglong: Enterprise, officer: User
    ) -> None:
        red_profile(analyst)
        decl = services.declaration_register(actor=declarant, data=declaration_input(hoanglong.mst))
        assert decl.lane == Lane.RED and decl.status == Status.INSPECTION
        assert decl.lane_reasons[0]["code"] == "FRUIT-RED"
        pay(decl, declarant)
        decl.refresh_from_db()
        assert decl.status == Status.INSPECTION  # paid but not inspected yet
        services.declaration_check_record(
            actor=officer,
            declaration=decl,
            kind=CheckKind.INSPECTION,
            outcome=CheckOutcome.MATCH,
            expected_version=decl.version,
        )
        decl.refresh_from_db()
        assert decl.status == Status.CLEARED
        services.declaration_release(actor=officer, declaration=decl)
        decl.refresh_from_db()
        assert decl.status == Status.RELEASED
        assert kinds(decl)[-3:] == [
            "declaration.inspection_recorded",
            "declaration.cleared",
            "declaration.released",
        ]

    def test_discrepancy_recomputes_duties_and_the_difference_is_owed(
        self, analyst: User, rates: None, declarant: User, hoanglong: Enterprise, officer: User
    ) -> None:
        red_profile(analyst)
        decl = services.declaration_register(actor=declarant, data=declaration_input(hoanglong.mst))
        pay(decl, declarant)
        decl.refresh_from_db()
        # The officer finds 12,000 kg, not 10,000: CIF USD 9,600 → 240,000,000 VND;
        # duty 25% = 60,000,000; VAT 5% × 300,000,000 = 15,000,000; total 75,000,000 (+12,500,000).
        before, after, _ = services.declaration_check_preview(
            actor=officer,
            declaration=decl,
            corrections=[LineCorrection(line_no=1, quantity=Decimal("12000"))],
        )
        assert (before, after) == (Decimal("62500000"), Decimal("75000000"))
        result = services.declaration_check_record(
            actor=officer,
            declaration=decl,
            kind=CheckKind.INSPECTION,
            outcome=CheckOutcome.DISCREPANCY,
            findings="12,000 kg found against 10,000 kg declared",
            corrections=[LineCorrection(line_no=1, quantity=Decimal("12000"))],
            fraud_kind="undervaluation",
        )
        assert result.difference_vnd == Decimal("12500000")
        decl.refresh_from_db()
        assert decl.total_duties_vnd == Decimal("75000000") and decl.amount_due_vnd == Decimal(
            "12500000"
        )
        assert decl.status == Status.AWAITING_PAYMENT and decl.payment_state == PaymentState.PARTIAL
        assert decl.versions.count() == 2
        assert decl.lines.get().quantity == Decimal("12000")
        pay(decl, declarant)  # the difference
        decl.refresh_from_db()
        assert decl.status == Status.CLEARED

    def test_officer_of_another_office_cannot_act(
        self,
        analyst: User,
        rates: None,
        declarant: User,
        hoanglong: Enterprise,
        officer_elsewhere: User,
    ) -> None:
        red_profile(analyst)
        decl = services.declaration_register(actor=declarant, data=declaration_input(hoanglong.mst))
        with pytest.raises(Forbidden):
            services.declaration_check_record(
                actor=officer_elsewhere,
                declaration=decl,
                kind=CheckKind.INSPECTION,
                outcome=CheckOutcome.MATCH,
            )

    def test_a_leader_of_the_department_may_act_on_its_sub_office(
        self, analyst: User, rates: None, declarant: User, hoanglong: Enterprise, leader_qn: User
    ) -> None:
        red_profile(analyst)
        decl = services.declaration_register(actor=declarant, data=declaration_input(hoanglong.mst))
        services.declaration_check_record(
            actor=leader_qn, declaration=decl, kind=CheckKind.INSPECTION, outcome=CheckOutcome.MATCH
        )
        decl.refresh_from_db()
        assert decl.checks_pending is False

    def test_stale_version_is_refused(
        self, analyst: User, rates: None, declarant: User, hoanglong: Enterprise, officer: User
    ) -> None:
        red_profile(analyst)
        decl = services.declaration_register(actor=declarant, data=declaration_input(hoanglong.mst))
        seen = decl.version
        services.declaration_check_record(
            actor=officer,
            declaration=decl,
            kind=CheckKind.INSPECTION,
            outcome=CheckOutcome.MATCH,
            expected_version=seen,
        )
        with pytest.raises(Conflict):
            services.declaration_check_record(
                actor=officer,
                declaration=decl,
                kind=CheckKind.INSPECTION,
                outcome=CheckOutcome.MATCH,
                expected_version=seen,
            )

    def test_a_recorded_check_cannot_be_recorded_twice(
        self, analyst: User, rates: None, declarant: User, hoanglong: Enterprise, officer: User
    ) -> None:
        red_profile(analyst)
        decl = services.declaration_register(actor=declarant, data=declaration_input(hoanglong.mst))
        services.declaration_check_record(
            actor=officer, declaration=decl, kind=CheckKind.INSPECTION, outcome=CheckOutcome.MATCH
        )
        with pytest.raises(Conflict):
            services.declaration_check_record(
                actor=officer,
                declaration=decl,
                kind=CheckKind.INSPECTION,
                outcome=CheckOutcome.MATCH,
            )


class TestYellowLane:
    def test_escalation_to_red(
        self, analyst: User, rates: None, declarant: User, hoanglong: Enterprise, officer: User
    ) -> None:
        profile_create(
            code="FRUIT-Y",
            name="Fruit",
            criteria={"hs_prefixes": ["0810"]},
            lane="yellow",
            reason="Check the phytosanitary certificate",
            actor=analyst,
        )
        decl = services.declaration_register(actor=declarant, data=declaration_input(hoanglong.mst))
        assert decl.status == Status.DOCUMENT_CHECK
        with pytest.raises(ValidationFailed):
            services.declaration_escalate(actor=officer, declaration=decl, reason=" ")
        services.declaration_escalate(
            actor=officer, declaration=decl, reason="Invoice looks altered"
        )
        decl.refresh_from_db()
        assert (decl.lane, decl.status) == (Lane.RED, Status.INSPECTION)
        with pytest.raises(Conflict):
            services.declaration_check_record(
                actor=officer,
                declaration=decl,
                kind=CheckKind.DOCUMENT_CHECK,
                outcome=CheckOutcome.MATCH,
            )


class TestAmendAndCancel:
    def test_amendment_keeps_history_and_records_the_difference(
        self, rates: None, declarant: User, hoanglong: Enterprise
    ) -> None:
        decl = services.declaration_register(actor=declarant, data=declaration_input(hoanglong.mst))
        two = declaration_input(
            hoanglong.mst,
            lines=(
                line(),
                line(
                    hs_code="08106000",
                    description="Sầu riêng",
                    quantity=Decimal(1000),
                    unit_price=Decimal(2),
                    value=Decimal(2000),
                ),
            ),
        )
        services.declaration_amend(
            actor=declarant,
            declaration=decl,
            data=two,
            reason="Second line forgotten",
            expected_version=decl.version,
        )
        decl.refresh_from_db()
        # + USD 2,000 durian: 50,000,000 VND, duty 30% 15,000,000, VAT 5% 3,250,000 → +18,250,000.
        assert decl.total_duties_vnd == Decimal("80750000")
        v1, v2 = decl.versions.order_by("number")
        assert (v1.number, v2.number, v2.difference_vnd) == (1, 2, Decimal("18250000"))
        assert len(v1.content["lines"]) == 1 and len(v2.content["lines"]) == 2
        assert decl.amendment_count == 1 and "declaration.amended" in kinds(decl)

    def test_amendment_cannot_change_the_enterprise(
        self, rates: None, declarant: User, hoanglong: Enterprise, other_enterprise: Enterprise
    ) -> None:
        decl = services.declaration_register(actor=declarant, data=declaration_input(hoanglong.mst))
        with pytest.raises(ValidationFailed) as exc:
            services.declaration_amend(
                actor=declarant,
                declaration=decl,
                data=declaration_input(other_enterprise.mst),
                reason="x",
            )
        assert exc.value.errors[0].field == "enterprise_mst"

    def test_amendment_raises_the_lane_never_lowers_it(
        self, analyst: User, rates: None, declarant: User, hoanglong: Enterprise
    ) -> None:
        decl = services.declaration_register(actor=declarant, data=declaration_input(hoanglong.mst))
        assert decl.lane == Lane.GREEN
        red_profile(analyst)
        services.declaration_amend(
            actor=declarant,
            declaration=decl,
            data=declaration_input(hoanglong.mst),
            reason="correct the invoice number",
        )
        decl.refresh_from_db()
        assert decl.lane == Lane.RED and decl.status == Status.INSPECTION

    def test_cancel_with_reason_but_not_after_release(
        self, rates: None, declarant: User, hoanglong: Enterprise, officer: User
    ) -> None:
        decl = services.declaration_register(actor=declarant, data=declaration_input(hoanglong.mst))
        with pytest.raises(ValidationFailed):
            services.declaration_cancel(actor=declarant, declaration=decl, reason="")
        services.declaration_cancel(actor=declarant, declaration=decl, reason="Goods not shipped")
        decl.refresh_from_db()
        assert decl.status == Status.CANCELLED and decl.cancel_reason == "Goods not shipped"
        other = services.declaration_register(
            actor=declarant, data=declaration_input(hoanglong.mst)
        )
        pay(other, declarant)
        other.refresh_from_db()
        services.declaration_release(actor=officer, declaration=other)
        with pytest.raises(Conflict):
            services.declaration_cancel(actor=declarant, declaration=other, reason="too late")


class TestEventLog:
    def test_events_cannot_be_changed_or_deleted(
        self, rates: None, declarant: User, hoanglong: Enterprise
    ) -> None:
        decl = services.declaration_register(actor=declarant, data=declaration_input(hoanglong.mst))
        event = Event.objects.filter(declaration_id=decl.pk).first()
        assert event is not None
        event.kind = "tampered"
        with pytest.raises(AppendOnlyError):
            event.save()
        with pytest.raises(AppendOnlyError):
            event.delete()
        with pytest.raises(AppendOnlyError):
            Event.objects.filter(pk=event.pk).update(kind="x")

    def test_every_state_has_its_event(
        self, analyst: User, rates: None, declarant: User, hoanglong: Enterprise, officer: User
    ) -> None:
        red_profile(analyst)
        decl = services.declaration_register(actor=declarant, data=declaration_input(hoanglong.mst))
        pay(decl, declarant)
        services.declaration_check_record(
            actor=officer, declaration=decl, kind=CheckKind.INSPECTION, outcome=CheckOutcome.MATCH
        )
        services.declaration_release(actor=officer, declaration=decl)
        events = Event.objects.filter(declaration_id=decl.pk).order_by("id")
        parties = {e.kind: e.party for e in events}
        assert parties["declaration.registered"] == "trader"
        assert parties["declaration.inspection_recorded"] == "customs"
        assert parties["payment.confirmed"] == "bank"
        # The number exists from registration on; the lodging event precedes it.
        assert events[0].kind == "declaration.lodged"
        assert events[0].data["number"] is None
        assert all(
            e.data["number"] == decl.number for e in events[1:] if e.kind.startswith("declaration.")
        )


class TestCentralTeam:
    def test_a_central_team_works_declarations_of_every_office_it_serves(
        self, analyst: User, rates: None, declarant: User, hoanglong: Enterprise
    ) -> None:
        from haiquan.accounts.services import user_create
        from haiquan.clearance.selectors import officer_queue
        from haiquan.refdata.models import CentralTeam, Office

        team = CentralTeam.objects.create(code="QN-TT", name="Quang Ninh central team")
        team.offices.set(Office.objects.filter(code__in=["20BD", "20CD"]))
        central = user_create(
            username="cc.trungtam", password="pw-tt-2026!", role="officer", team_codes=["QN-TT"]
        )
        red_profile(analyst)
        at_gate = services.declaration_register(
            actor=declarant, data=declaration_input(hoanglong.mst)
        )
        at_port = services.declaration_register(
            actor=declarant, data=declaration_input(hoanglong.mst, office_code="20CD")
        )
        elsewhere = services.declaration_register(
            actor=declarant, data=declaration_input(hoanglong.mst, office_code="20CE")
        )
        assert set(officer_queue(central)) == {at_gate, at_port}
        services.declaration_check_record(
            actor=central,
            declaration=at_port,
            kind=CheckKind.INSPECTION,
            outcome=CheckOutcome.MATCH,
        )
        with pytest.raises(Forbidden):
            services.declaration_check_record(
                actor=central,
                declaration=elsewhere,
                kind=CheckKind.INSPECTION,
                outcome=CheckOutcome.MATCH,
            )


class TestClearanceGuards:
    def test_a_guard_holds_clearance_until_it_is_satisfied(
        self, rates: None, declarant: User, hoanglong: Enterprise
    ) -> None:
        from haiquan.clearance.hooks import clearance_guard_register, clearance_guard_unregister

        waiting = {"permit": True}

        def quarantine_guard(declaration: Declaration) -> list[str]:
            return ["line 1 needs a plant quarantine result"] if waiting["permit"] else []

        clearance_guard_register(quarantine_guard)
        try:
            decl = services.declaration_register(
                actor=declarant, data=declaration_input(hoanglong.mst, type_code="E31")
            )
            assert decl.status == Status.AWAITING_PAYMENT  # nothing due, but held
            held = Event.objects.get(declaration_id=decl.pk, kind="declaration.clearance_held")
            assert held.data["reasons"] == ["line 1 needs a plant quarantine result"]
            waiting["permit"] = False
            decl = services.declaration_clearance_retry(declaration=decl)
            assert decl.status == Status.CLEARED
        finally:
            clearance_guard_unregister(quarantine_guard)


def test_an_officers_correction_is_a_version_but_not_an_amendment(
    analyst: User, rates: None, declarant: User, hoanglong: Enterprise, officer: User
) -> None:
    red_profile(analyst)
    decl = services.declaration_register(actor=declarant, data=declaration_input(hoanglong.mst))
    services.declaration_check_record(
        actor=officer,
        declaration=decl,
        kind=CheckKind.INSPECTION,
        outcome=CheckOutcome.DISCREPANCY,
        findings="12 t found",
        corrections=[LineCorrection(line_no=1, quantity=Decimal("12000"))],
    )
    decl.refresh_from_db()
    services.declaration_amend(
        actor=declarant,
        declaration=decl,
        data=replace(services.declaration_input_from(decl), invoice_number="INV-9"),
        reason="invoice number",
    )
    decl.refresh_from_db()
    assert decl.versions.count() == 3 and decl.amendment_count == 1


class TestAmendmentKeepsFindings:
    def test_an_amendment_cannot_undo_what_the_officer_found(
        self, analyst: User, rates: None, declarant: User, hoanglong: Enterprise, officer: User
    ) -> None:
        red_profile(analyst)
        decl = services.declaration_register(actor=declarant, data=declaration_input(hoanglong.mst))
        services.declaration_check_record(
            actor=officer,
            declaration=decl,
            kind=CheckKind.INSPECTION,
            outcome=CheckOutcome.DISCREPANCY,
            findings="12,000 kg found against 10,000 kg declared",
            corrections=[LineCorrection(line_no=1, quantity=Decimal("12000"))],
        )
        decl.refresh_from_db()
        # Amending back to the declared 10,000 kg is refused, naming the line's quantity.
        with pytest.raises(ValidationFailed) as exc:
            services.declaration_amend(
                actor=declarant,
                declaration=decl,
                data=declaration_input(hoanglong.mst),
                reason="Khai lại số lượng",
            )
        assert [(e.field, e.code) for e in exc.value.errors] == [
            ("lines[0].quantity", "finding-kept")
        ]
        assert "12000" in str(exc.value.errors[0].problem)
        decl.refresh_from_db()
        assert decl.lines.get().quantity == Decimal("12000") and decl.version == 2
        # An amendment that keeps the finding goes through.
        kept = services.declaration_input_from(decl)
        amended = services.declaration_amend(
            actor=declarant,
            declaration=decl,
            data=replace(kept, invoice_number="INV-2026-001A"),
            reason="Sửa số hóa đơn",
        )
        assert amended.invoice_number == "INV-2026-001A"
        assert amended.lines.get().quantity == Decimal("12000")
