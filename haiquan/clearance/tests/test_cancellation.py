"""Cancellation (hủy tờ khai) as the law has it (`rules.py`): at once before clearance for a
green declaration, otherwise a request an officer of the office decides; never once the goods
are out; what was paid is not promised back. Services, API and pages."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from haiquan.accounts.models import User
from haiquan.accounts.services import user_create
from haiquan.accounts.tests.helpers import login
from haiquan.clearance import services
from haiquan.clearance.choices import CancellationState, Status
from haiquan.clearance.models import CancellationRequest, Declaration
from haiquan.clearance.progress import declaration_progress
from haiquan.core.problems import Conflict, Forbidden, ValidationFailed
from haiquan.eventlog.models import Event
from haiquan.refdata.models import Enterprise
from haiquan.refdata.tests.factories import EnterpriseFactory, valid_mst
from haiquan.supervision.services import GateReport, gate_event_report, zone_create

from .conftest import declaration_input
from .test_services import pay, red_profile

pytestmark = pytest.mark.django_db

URL = "/api/v1/declarations"


@pytest.fixture(autouse=True)
def in_english(settings: Any) -> Any:
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def kinds(d: Declaration) -> list[str]:
    return list(
        Event.objects.filter(declaration_id=d.pk).order_by("id").values_list("kind", flat=True)
    )


@pytest.fixture
def cleared(rates: Any, declarant: Any, hoanglong: Enterprise) -> Declaration:
    """A green declaration, paid through the bank and cleared: its goods still at the gate."""
    d = services.declaration_register(actor=declarant, data=declaration_input(hoanglong.mst))
    pay(d, declarant)
    d.refresh_from_db()
    assert d.status == Status.CLEARED and d.paid_vnd == 62_500_000
    return d


def gate_out(officer: Any, container: str = "CSQU3054383") -> Any:
    """The container leaves Móng Cái's border-gate yard through its gate (supervision)."""
    firm = EnterpriseFactory.create(mst=valid_mst(40), name="Công ty CP Kho bãi Móng Cái")
    operator = user_create(
        username="op.mongcai", password=None, role="operator", employer_mst=firm.mst
    )
    zone = zone_create(
        actor=officer,
        code="20BDB01",
        name="Bãi kiểm hóa Móng Cái",
        kind="container_yard",
        operator_mst=firm.mst,
        office_code="20BD",
    )
    return gate_event_report(
        actor=operator,
        zone=zone,
        report=GateReport(message_id="OUT-1", direction="out", container_number=container),
    )


class TestBeforeClearance:
    def test_a_green_declaration_is_cancelled_at_once_on_the_declarants_request(
        self, rates: None, declarant: User, hoanglong: Enterprise
    ) -> None:
        d = services.declaration_register(actor=declarant, data=declaration_input(hoanglong.mst))
        with pytest.raises(ValidationFailed):
            services.declaration_cancel(actor=declarant, declaration=d, reason="  ")
        services.declaration_cancel(actor=declarant, declaration=d, reason="Hàng không về")
        d.refresh_from_db()
        assert d.status == Status.CANCELLED and d.cancel_reason == "Hàng không về"
        assert not CancellationRequest.objects.exists()
        event = Event.objects.get(declaration_id=d.pk, kind="declaration.cancelled")
        assert event.data["by"] == "declarant" and "refundable_vnd" not in event.data
        assert d.amount_due_vnd == 0  # a cancelled declaration owes nothing

    def test_a_declaration_under_inspection_is_only_cancelled_by_an_officers_decision(
        self, rates: None, declarant: User, hoanglong: Enterprise, officer: User, analyst: User
    ) -> None:
        red_profile(analyst)
        d = services.declaration_register(actor=declarant, data=declaration_input(hoanglong.mst))
        assert d.status == Status.INSPECTION
        services.declaration_cancel(actor=declarant, declaration=d, reason="Khách hủy đơn")
        d.refresh_from_db()
        # The trader cannot take the goods out of the inspection by withdrawing them.
        assert d.status == Status.INSPECTION and d.checks_pending
        request = CancellationRequest.objects.get()
        assert request.state == CancellationState.PENDING and request.requested_by == declarant
        assert kinds(d)[-1] == "declaration.cancellation_requested"
        with pytest.raises(Conflict, match="already waiting"):
            services.declaration_cancel(actor=declarant, declaration=d, reason="again")
        services.declaration_cancellation_decide(
            actor=officer, declaration=d, approve=True, reason="Hàng chưa dỡ xuống"
        )
        d.refresh_from_db()
        assert d.status == Status.CANCELLED and d.cancel_reason == "Khách hủy đơn"
        request.refresh_from_db()
        assert request.state == CancellationState.APPROVED and request.decided_by == officer
        event = Event.objects.filter(declaration_id=d.pk).latest("id")
        assert event.kind == "declaration.cancelled"
        assert event.data["decision_reason"] == "Hàng chưa dỡ xuống"

    def test_an_officer_cancels_on_the_offices_decision_only_before_clearance(
        self,
        rates: None,
        declarant: User,
        hoanglong: Enterprise,
        officer: User,
        cleared: Declaration,
    ) -> None:
        d = services.declaration_register(
            actor=declarant, data=declaration_input(hoanglong.mst, containers=("MSKU1234565",))
        )
        services.declaration_cancel(actor=officer, declaration=d, reason="Quá 15 ngày hàng chưa về")
        d.refresh_from_db()
        assert d.status == Status.CANCELLED
        with pytest.raises(Conflict, match="only on the declarant's request"):
            services.declaration_cancel(actor=officer, declaration=cleared, reason="x")


class TestAfterClearance:
    def test_a_cleared_declaration_is_cancelled_on_request_while_its_goods_are_in(
        self, declarant: User, officer: User, cleared: Declaration
    ) -> None:
        services.declaration_cancel(actor=declarant, declaration=cleared, reason="Xuất nhầm lô")
        cleared.refresh_from_db()
        assert cleared.status == Status.CLEARED  # not the trader's to cancel
        # Meanwhile the goods are not released.
        with pytest.raises(Conflict, match="decide that request"):
            services.declaration_release(actor=officer, declaration=cleared)
        progress = declaration_progress(cleared)
        assert progress.waits[0].key == "cancellation_decision"
        services.declaration_cancellation_decide(
            actor=officer, declaration=cleared, approve=True, reason="Hàng còn trong khu vực"
        )
        cleared.refresh_from_db()
        assert cleared.status == Status.CANCELLED
        event = Event.objects.filter(declaration_id=cleared.pk).latest("id")
        assert event.data["paid_vnd"] == "62500000"
        # What was paid is not promised back: it is refunded or set off on request.
        progress = declaration_progress(cleared)
        assert not progress.waits and "refunded or set off" in progress.notes[0]
        assert "62,500,000" in progress.notes[0]

    def test_once_the_goods_are_out_of_the_gate_nobody_cancels(
        self, declarant: User, officer: User, cleared: Declaration
    ) -> None:
        answer = gate_out(officer)
        assert answer.allowed is True
        with pytest.raises(Conflict, match="taken out of the customs area"):
            services.declaration_cancel(actor=declarant, declaration=cleared, reason="x")
        assert not CancellationRequest.objects.exists()

    def test_goods_taken_out_after_the_request_can_only_be_refused(
        self, declarant: User, officer: User, cleared: Declaration
    ) -> None:
        services.declaration_cancel(actor=declarant, declaration=cleared, reason="Xuất nhầm")
        gate_out(officer)
        with pytest.raises(Conflict, match="can only be refused"):
            services.declaration_cancellation_decide(
                actor=officer, declaration=cleared, approve=True, reason="ok"
            )
        with pytest.raises(ValidationFailed):
            services.declaration_cancellation_decide(
                actor=officer, declaration=cleared, approve=False, reason=""
            )
        services.declaration_cancellation_decide(
            actor=officer, declaration=cleared, approve=False, reason="Hàng đã qua cổng"
        )
        cleared.refresh_from_db()
        assert cleared.status == Status.CLEARED
        assert CancellationRequest.objects.get().state == CancellationState.REFUSED
        assert kinds(cleared)[-1] == "declaration.cancellation_refused"

    def test_a_released_declaration_cannot_be_cancelled(
        self, declarant: User, officer: User, cleared: Declaration
    ) -> None:
        services.declaration_release(actor=officer, declaration=cleared)
        with pytest.raises(Conflict, match="released"):
            services.declaration_cancel(actor=declarant, declaration=cleared, reason="x")

    def test_only_an_officer_of_the_office_decides(
        self, declarant: User, officer_elsewhere: User, other_declarant: User, cleared: Declaration
    ) -> None:
        services.declaration_cancel(actor=declarant, declaration=cleared, reason="Xuất nhầm")
        with pytest.raises(Forbidden):
            services.declaration_cancellation_decide(
                actor=officer_elsewhere, declaration=cleared, approve=True, reason="x"
            )
        with pytest.raises(Forbidden):
            services.declaration_cancellation_decide(
                actor=declarant, declaration=cleared, approve=True, reason="x"
            )
        with pytest.raises(Forbidden):
            services.declaration_cancel(actor=other_declarant, declaration=cleared, reason="x")

    def test_an_unpaid_penalty_stops_the_cancellation(
        self, declarant: User, officer: User, cleared: Declaration
    ) -> None:
        services.declaration_penalty_record(
            actor=officer,
            declaration=cleared,
            number="12/QĐ-XPHC",
            amount_vnd=5_000_000,
            legal_basis="Nghị định 128/2020/NĐ-CP, Điều 7",
            reason="Khai sai tên hàng",
        )
        with pytest.raises(Conflict, match="penalty"):
            services.declaration_cancel(actor=declarant, declaration=cleared, reason="x")


class TestApi:
    def test_the_answer_says_whether_it_is_cancelled_or_waits_for_a_decision(
        self,
        api: Callable[[User], Client],
        declarant: User,
        officer: User,
        cleared: Declaration,
        rates: None,
        hoanglong: Enterprise,
    ) -> None:
        trader = api(declarant)
        green = services.declaration_register(
            actor=declarant, data=declaration_input(hoanglong.mst, containers=("MSKU1234565",))
        )
        at_once = trader.post(
            f"{URL}/{green.pk}/cancel", {"reason": "Hàng không về"}, content_type="application/json"
        )
        assert at_once.status_code == 200 and at_once.json()["status"] == "cancelled"
        assert at_once.json()["amount_due_vnd"] == 0 and at_once.json()["waiting_for"] == []

        asked = trader.post(
            f"{URL}/{cleared.pk}/cancel",
            {"reason": "Xuất nhầm lô"},
            content_type="application/json",
        )
        assert asked.status_code == 202, asked.content
        body = asked.json()
        assert body["status"] == "cleared"
        assert body["cancellation_request"]["state"] == "pending"
        assert body["waiting_for"][0]["key"] == "cancellation_decision"

        desk = api(officer)
        refused = desk.post(
            f"{URL}/{cleared.pk}/cancellation-decision",
            {"decision": "approve", "reason": ""},
            content_type="application/json",
        )
        assert refused.status_code == 422
        decided = desk.post(
            f"{URL}/{cleared.pk}/cancellation-decision",
            {"decision": "approve", "reason": "Hàng còn trong bãi"},
            content_type="application/json",
        )
        assert decided.status_code == 200, decided.content
        assert decided.json()["status"] == "cancelled"
        assert decided.json()["cancellation_request"]["state"] == "approved"
        again = desk.post(
            f"{URL}/{cleared.pk}/cancellation-decision",
            {"decision": "refuse", "reason": "x"},
            content_type="application/json",
        )
        assert again.status_code == 409
        assert again["Content-Type"] == "application/problem+json"

    def test_the_trader_cannot_decide_its_own_request(
        self, api: Callable[[User], Client], declarant: User, cleared: Declaration
    ) -> None:
        resp = api(declarant).post(
            f"{URL}/{cleared.pk}/cancellation-decision",
            json.dumps({"decision": "approve", "reason": "tự duyệt"}),
            content_type="application/json",
        )
        assert resp.status_code == 403


class TestPages:
    def test_the_trader_asks_customs_and_is_not_promised_the_duty_back(
        self, declarant: User, cleared: Declaration
    ) -> None:
        client = login(Client(), declarant)
        url = f"/declarations/{cleared.pk}/cancel/"
        page = client.get(url).content.decode()
        assert "Ask customs to cancel the declaration" in page
        assert "Cancelling does not return it" in page and "62,500,000" in page
        assert "become refundable" not in page
        without = client.post(url, {"reason": " ", "version": cleared.version})
        assert without.status_code == 422  # refused: the reason, said next to its field
        assert not CancellationRequest.objects.exists()
        resp = client.post(url, {"reason": "Xuất nhầm lô", "version": cleared.version})
        assert resp.status_code == 302
        cleared.refresh_from_db()
        assert cleared.status == Status.CLEARED
        detail = client.get(f"/declarations/{cleared.pk}/").content.decode()
        assert 'data-wait="cancellation_decision"' in detail
        assert 'data-action="cancel"' not in detail  # one request at a time

    def test_the_officer_decides_on_its_page(
        self, declarant: User, officer: User, cleared: Declaration
    ) -> None:
        services.declaration_cancel(actor=declarant, declaration=cleared, reason="Xuất nhầm lô")
        cleared.refresh_from_db()
        client = login(Client(), officer)
        detail = client.get(f"/declarations/{cleared.pk}/").content.decode()
        # The decision is the next step: the page's main button; release waits for it.
        decide = f"/declarations/{cleared.pk}/cancellation/decide/"
        assert f'class="button" href="{decide}"' in detail
        assert 'data-action="release"' not in detail
        url = f"/declarations/{cleared.pk}/cancellation/decide/"
        page = client.get(url).content.decode()
        assert "Xuất nhầm lô" in page and 'value="approve"' in page
        resp = client.post(url, {"decision": "refuse", "reason": "", "version": cleared.version})
        assert resp.status_code == 422  # refused: the reason is missing
        assert "say why the request is refused" in resp.content.decode()
        resp = client.post(
            url, {"decision": "refuse", "reason": "Hàng đã xếp lên tàu", "version": cleared.version}
        )
        assert resp.status_code == 302
        cleared.refresh_from_db()
        assert cleared.status == Status.CLEARED

    def test_approval_is_not_offered_once_the_goods_are_out(
        self, declarant: User, officer: User, cleared: Declaration
    ) -> None:
        services.declaration_cancel(actor=declarant, declaration=cleared, reason="Xuất nhầm lô")
        gate_out(officer)
        page = login(Client(), officer).get(f"/declarations/{cleared.pk}/cancellation/decide/")
        text = page.content.decode()
        assert 'data-testid="approval-impossible"' in text and 'value="approve"' not in text

    def test_a_cancelled_declaration_shows_nothing_due(
        self, declarant: User, officer: User, cleared: Declaration
    ) -> None:
        services.declaration_cancel(actor=declarant, declaration=cleared, reason="Xuất nhầm lô")
        services.declaration_cancellation_decide(
            actor=officer, declaration=cleared, approve=True, reason="Đồng ý"
        )
        page = login(Client(), declarant).get(f"/declarations/{cleared.pk}/").content.decode()
        assert 'data-testid="still-due"' not in page and "Nothing is due" in page
        assert 'data-testid="pay"' not in page
        assert 'data-testid="refund-note"' in page

    def test_a_refusal_of_the_rules_is_said_on_top_of_the_form_with_its_status(
        self, declarant: User, officer: User, cleared: Declaration
    ) -> None:
        services.declaration_release(actor=officer, declaration=cleared)
        cleared.refresh_from_db()
        client = login(Client(), declarant)
        resp = client.post(
            f"/declarations/{cleared.pk}/cancel/",
            {"reason": "Xuất nhầm lô", "version": cleared.version},
        )
        assert resp.status_code == 409
        html = resp.content.decode()
        summary = html.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
        assert "released" in summary
        cleared.refresh_from_db()
        assert cleared.status == Status.RELEASED and not CancellationRequest.objects.exists()
