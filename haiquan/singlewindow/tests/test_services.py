"""National Single Window: what a line needing a permit or an inspection result gets."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haiquan.accounts.models import User
from haiquan.clearance import services as clearance
from haiquan.clearance.choices import Status
from haiquan.clearance.models import Declaration
from haiquan.clearance.tests.conftest import declaration_input, line
from haiquan.core.problems import Conflict, Forbidden, ValidationFailed
from haiquan.eventlog.models import Event
from haiquan.refdata.models import Enterprise
from haiquan.singlewindow import services
from haiquan.singlewindow.choices import RequestState
from haiquan.singlewindow.inputs import DocumentMessage, GoodsInput
from haiquan.singlewindow.models import Document, Request, Requirement

pytestmark = pytest.mark.django_db


def register(actor: User, mst: str, quantity: Decimal = Decimal("10000"), **kw: Any) -> Declaration:
    value = (quantity * Decimal("0.8")).quantize(Decimal("0.01"))
    lines = (line(quantity=quantity, value=value),)
    kw.setdefault("type_code", "E31")  # nothing to pay: only the single window can hold it
    return clearance.declaration_register(
        actor=actor, data=declaration_input(mst, lines=lines, **kw)
    )


def message(mst: str, **kw: Any) -> DocumentMessage:
    today = timezone.localdate()
    base: dict[str, Any] = {
        "message_id": "M1",
        "reference": "KDTV-2026-000123",
        "kind": "inspection",
        "holder_mst": mst,
        "issued_on": today,
        "valid_from": today,
        "valid_to": today + timedelta(days=30),
        "result": "pass",
        "goods": (GoodsInput(hs_code="08109092", quantity=Decimal("10000"), unit="KGM"),),
    }
    base.update(kw)
    return DocumentMessage(**base)


class TestQuarantine:
    def test_a_line_needing_a_quarantine_result_waits_until_the_agency_posts_a_pass(
        self,
        rates: None,
        declarant: User,
        hoanglong: Enterprise,
        quarantine_required: Requirement,
        quarantine_officer: User,
    ) -> None:
        decl = register(declarant, hoanglong.mst)
        assert decl.status == Status.AWAITING_PAYMENT  # nothing due, held for the agency
        held = Event.objects.get(declaration_id=decl.pk, kind="declaration.clearance_held")
        assert (
            "needs a specialised-inspection result from Chi cục Kiểm dịch thực vật"
            in (held.data["reasons"][0])
        )
        requested = Event.objects.get(declaration_id=decl.pk, kind="singlewindow.requested")
        assert requested.party == "agency"

        answer = services.document_message_receive(
            actor=quarantine_officer,
            message=message(hoanglong.mst, declaration_number=decl.number),
        )

        decl.refresh_from_db()
        assert decl.status == Status.CLEARED
        assert [d.number for d in answer.cleared] == [decl.number]
        req = Request.objects.get(declaration=decl)
        assert req.state == RequestState.SATISFIED
        assert req.goods is not None and req.goods.document == answer.document
        answered = Event.objects.get(declaration_id=decl.pk, kind="singlewindow.answered")
        assert answered.party == "agency" and answered.actor == quarantine_officer
        kinds = list(
            Event.objects.filter(declaration_id=decl.pk)
            .order_by("occurred_at", "id")
            .values_list("kind", flat=True)
        )
        # The agency's answer comes before customs clears: other-agency time is measurable.
        assert kinds.index("singlewindow.answered") < kinds.index("declaration.cleared")

    def test_a_fail_blocks_clearance_with_the_agencys_reason(
        self,
        rates: None,
        declarant: User,
        hoanglong: Enterprise,
        quarantine_required: Requirement,
        quarantine_officer: User,
    ) -> None:
        decl = register(declarant, hoanglong.mst)
        services.document_message_receive(
            actor=quarantine_officer,
            message=message(
                hoanglong.mst,
                declaration_number=decl.number,
                result="fail",
                notes="Phát hiện ruồi đục quả (Bactrocera dorsalis)",
            ),
        )
        decl = clearance.declaration_clearance_retry(declaration=decl)
        assert decl.status == Status.AWAITING_PAYMENT
        reasons = services.declaration_blockers(decl)
        assert reasons == [
            "Line 1 (HS 08109092): Chi cục Kiểm dịch thực vật vùng VII's result "
            "KDTV-2026-000123 is a fail: Phát hiện ruồi đục quả (Bactrocera dorsalis)"
        ]
        held = Event.objects.filter(
            declaration_id=decl.pk, kind="declaration.clearance_held"
        ).latest("id")
        assert "is a fail" in held.data["reasons"][0]

        # A re-inspection amends the result to a pass: the declaration clears.
        answer = services.document_message_receive(
            actor=quarantine_officer,
            message=message(
                hoanglong.mst,
                message_id="M2",
                function="amendment",
                declaration_number=decl.number,
                notes="Tái kiểm: đạt",
            ),
        )
        assert [d.number for d in answer.cleared] == [decl.number]
        assert answer.document.version == 2

    def test_a_result_posted_before_registration_is_linked_at_registration(
        self,
        rates: None,
        declarant: User,
        hoanglong: Enterprise,
        quarantine_required: Requirement,
        quarantine_officer: User,
    ) -> None:
        services.document_message_receive(actor=quarantine_officer, message=message(hoanglong.mst))
        decl = register(declarant, hoanglong.mst)
        assert decl.status == Status.CLEARED

    def test_revoking_the_result_holds_a_declaration_not_yet_cleared(
        self,
        rates: None,
        declarant: User,
        hoanglong: Enterprise,
        quarantine_required: Requirement,
        quarantine_officer: User,
    ) -> None:
        decl = register(declarant, hoanglong.mst, type_code="A11")  # duties to pay first
        services.document_message_receive(actor=quarantine_officer, message=message(hoanglong.mst))
        assert Request.objects.get(declaration=decl).state == RequestState.SATISFIED
        services.document_message_receive(
            actor=quarantine_officer,
            message=message(
                hoanglong.mst, message_id="M2", function="revocation", reason="Cấp nhầm"
            ),
        )
        req = Request.objects.get(declaration=decl)
        assert req.state == RequestState.WAITING and req.goods is None
        assert "needs a specialised-inspection result" in services.declaration_blockers(decl)[0]

    def test_goods_the_table_does_not_name_are_not_held(
        self, rates: None, declarant: User, hoanglong: Enterprise, quarantine_required: Requirement
    ) -> None:
        decl = clearance.declaration_register(
            actor=declarant,
            data=declaration_input(
                hoanglong.mst,
                type_code="E31",
                lines=(
                    line(
                        hs_code="84713020",
                        unit="PCE",
                        quantity=Decimal(10),
                        unit_price=Decimal(400),
                        value=Decimal(4000),
                        description="Laptop",
                    ),
                ),
            ),
        )
        assert decl.status == Status.CLEARED
        assert not Request.objects.filter(declaration=decl).exists()


class TestPermitDrawdown:
    def test_a_permit_is_drawn_down_across_two_declarations_and_refuses_the_third(
        self,
        rates: None,
        declarant: User,
        hoanglong: Enterprise,
        permit_required: Requirement,
        licensing_officer: User,
    ) -> None:
        services.document_message_receive(
            actor=licensing_officer,
            message=message(
                hoanglong.mst,
                reference="GP-2026-77",
                kind="permit",
                goods=(GoodsInput(hs_code="081090", quantity=Decimal("25000"), unit="KGM"),),
            ),
        )
        first = register(declarant, hoanglong.mst)
        second = register(declarant, hoanglong.mst)
        third = register(declarant, hoanglong.mst)
        assert first.status == Status.CLEARED and second.status == Status.CLEARED
        assert third.status == Status.AWAITING_PAYMENT
        req = Request.objects.get(declaration=third)
        assert req.state == RequestState.WAITING
        assert req.note == "Quantity exhausted: GP-2026-77 item 1 has 5000 KGM left, 10000 needed."
        assert services.declaration_blockers(third) == [
            "Line 1 (HS 08109092) needs a permit from Cục Xuất nhập khẩu. "
            "Quantity exhausted: GP-2026-77 item 1 has 5000 KGM left, 10000 needed."
        ]
        goods = Document.objects.get(reference="GP-2026-77").goods.get()
        assert services.goods_remaining(goods) == Decimal("5000")

        # The agency raises the permit's quantity: the third is linked and clears.
        answer = services.document_message_receive(
            actor=licensing_officer,
            message=message(
                hoanglong.mst,
                message_id="M2",
                function="amendment",
                reference="GP-2026-77",
                kind="permit",
                goods=(GoodsInput(hs_code="081090", quantity=Decimal("30000"), unit="KGM"),),
            ),
        )
        assert [d.number for d in answer.cleared] == [third.number]
        goods.refresh_from_db()
        assert services.goods_remaining(goods) == Decimal(0)

    def test_a_cancelled_declaration_gives_its_quantity_back(
        self,
        rates: None,
        declarant: User,
        hoanglong: Enterprise,
        permit_required: Requirement,
        licensing_officer: User,
    ) -> None:
        services.document_message_receive(
            actor=licensing_officer,
            message=message(hoanglong.mst, reference="GP-1", kind="permit"),
        )
        decl = register(declarant, hoanglong.mst, type_code="A11")
        goods = Document.objects.get(reference="GP-1").goods.get()
        assert services.goods_remaining(goods) == 0
        clearance.declaration_cancel(actor=declarant, declaration=decl, reason="sai hàng")
        assert services.goods_remaining(goods) == Decimal("10000")

    def test_another_enterprises_permit_does_not_count(
        self,
        rates: None,
        declarant: User,
        hoanglong: Enterprise,
        other_enterprise: Enterprise,
        permit_required: Requirement,
        licensing_officer: User,
    ) -> None:
        services.document_message_receive(
            actor=licensing_officer,
            message=message(other_enterprise.mst, reference="GP-2", kind="permit"),
        )
        decl = register(declarant, hoanglong.mst)
        assert decl.status == Status.AWAITING_PAYMENT


class TestBadMessages:
    """Refused before anything is written, naming the field."""

    def fields(self, exc: ValidationFailed) -> dict[str, str]:
        return {e.field: e.code for e in exc.errors}

    def test_unknown_declaration_and_holder_mismatch(
        self,
        rates: None,
        declarant: User,
        hoanglong: Enterprise,
        other_enterprise: Enterprise,
        quarantine_required: Requirement,
        quarantine_officer: User,
    ) -> None:
        decl = register(declarant, hoanglong.mst)
        with pytest.raises(ValidationFailed) as exc:
            services.document_message_receive(
                actor=quarantine_officer,
                message=message(hoanglong.mst, declaration_number="109999999999"),
            )
        assert self.fields(exc.value) == {"declaration_number": "unknown-declaration"}
        with pytest.raises(ValidationFailed) as exc:
            services.document_message_receive(
                actor=quarantine_officer,
                message=message(other_enterprise.mst, declaration_number=decl.number),
            )
        assert self.fields(exc.value) == {"holder_mst": "holder-mismatch"}
        assert not Document.objects.exists()

    def test_a_replay_changes_nothing_and_says_so(
        self, hoanglong: Enterprise, quarantine_officer: User
    ) -> None:
        services.document_message_receive(actor=quarantine_officer, message=message(hoanglong.mst))
        events = Event.objects.count()
        with pytest.raises(Conflict) as exc:
            services.document_message_receive(
                actor=quarantine_officer, message=message(hoanglong.mst)
            )
        assert exc.value.code == "replayed-message"
        assert "changed nothing" in str(exc.value.detail)
        with pytest.raises(Conflict) as exc:
            services.document_message_receive(
                actor=quarantine_officer, message=message(hoanglong.mst, notes="other")
            )
        assert exc.value.code == "message-id-reused"
        assert Event.objects.count() == events and Document.objects.count() == 1

    def test_only_agency_users_send(
        self, declarant: User, hoanglong: Enterprise, quarantine_officer: User
    ) -> None:
        with pytest.raises(Forbidden):
            services.document_message_receive(actor=declarant, message=message(hoanglong.mst))

    def test_every_content_problem_at_once(
        self, hoanglong: Enterprise, quarantine_officer: User
    ) -> None:
        with pytest.raises(ValidationFailed) as exc:
            services.document_message_receive(
                actor=quarantine_officer,
                message=message(
                    "0000000000",
                    kind="licence",
                    result="fail",
                    goods=(GoodsInput(hs_code="08", quantity=Decimal(0), unit="KILOS"),),
                ),
            )
        assert set(self.fields(exc.value)) == {
            "kind",
            "notes",
            "holder_mst",
            "goods[0].hs_code",
            "goods[0].quantity",
            "goods[0].unit",
        }


class TestAmendment:
    def test_an_amended_quantity_is_drawn_again(
        self,
        rates: None,
        declarant: User,
        hoanglong: Enterprise,
        permit_required: Requirement,
        licensing_officer: User,
    ) -> None:
        services.document_message_receive(
            actor=licensing_officer,
            message=message(
                hoanglong.mst,
                reference="GP-3",
                kind="permit",
                goods=(GoodsInput(hs_code="0810", quantity=Decimal("25000"), unit="KGM"),),
            ),
        )
        decl = register(declarant, hoanglong.mst, type_code="A11")
        goods = Document.objects.get(reference="GP-3").goods.get()
        assert services.goods_remaining(goods) == Decimal("15000")
        data = declaration_input(
            hoanglong.mst,
            lines=(line(quantity=Decimal("20000"), value=Decimal("16000.00")),),
        )
        clearance.declaration_amend(actor=declarant, declaration=decl, data=data, reason="thêm")
        req = Request.objects.get(declaration=decl)
        assert req.state == RequestState.SATISFIED and req.quantity_drawn == Decimal("20000")
        assert services.goods_remaining(goods) == Decimal("5000")


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    permit=st.integers(min_value=1, max_value=50),
    wanted=st.lists(st.integers(min_value=1, max_value=30), min_size=1, max_size=4),
)
def test_a_permit_is_never_overdrawn(
    rates: None,
    declarant: User,
    hoanglong: Enterprise,
    permit_required: Requirement,
    licensing_officer: User,
    permit: int,
    wanted: list[int],
) -> None:
    """Whatever the permit's quantity and the declarations' quantities (in tonnes, declared in kg), each one is
    linked exactly when what is left covers it, and the draws never exceed the permit."""
    from django.db import transaction

    with transaction.atomic():
        services.document_message_receive(
            actor=licensing_officer,
            message=message(
                hoanglong.mst,
                reference="GP-P",
                kind="permit",
                goods=(GoodsInput(hs_code="081090", quantity=Decimal(permit * 1000), unit="KGM"),),
            ),
        )
        left = permit * 1000
        for q in wanted:
            decl = clearance.declaration_register(
                actor=declarant,
                data=declaration_input(
                    hoanglong.mst,
                    type_code="E31",
                    lines=(line(quantity=Decimal(q * 1000), value=Decimal(q * 800)),),
                ),
            )
            req = Request.objects.get(declaration=decl)
            if q * 1000 <= left:
                assert req.state == RequestState.SATISFIED and decl.status == Status.CLEARED
                left -= q * 1000
            else:
                assert req.state == RequestState.WAITING and "Quantity exhausted" in req.note
        goods = Document.objects.get(reference="GP-P").goods.get()
        assert services.goods_remaining(goods) == Decimal(left) >= 0
        transaction.set_rollback(True)
