"""Gate events through the services: what an operator reports and the answer it gets."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from haiquan.clearance import services as clearance
from haiquan.clearance.choices import CheckKind, CheckOutcome, Status
from haiquan.core.problems import Conflict, Forbidden, ValidationFailed
from haiquan.eventlog.models import Event
from haiquan.supervision.alerts import alert_acknowledge, alert_message, alert_resolve
from haiquan.supervision.bonded import storage_time_scan
from haiquan.supervision.choices import AlertKind, AlertState, GateOutcome, RefusalCode
from haiquan.supervision.models import Alert, GateEvent, ZonePresence
from haiquan.supervision.selectors import zone_discrepancies, zone_inventory
from haiquan.supervision.services import GateReport, gate_event_report, gate_events_report

from .conftest import CONTAINER, OTHER_CONTAINER

pytestmark = pytest.mark.django_db


def report(actor, zone, message_id, direction, now=None, **kw):  # type: ignore[no-untyped-def]
    return gate_event_report(
        actor=actor,
        zone=zone,
        report=GateReport(message_id=message_id, direction=direction, **kw),
        now=now,
    )


class TestExitNeedsClearance:
    def test_a_container_cannot_leave_the_port_before_clearance_and_can_after(
        self, red_for_fruit, declare, port, operator, officer
    ):
        decl = declare()  # fresh fruit, red lane: waits for inspection
        assert decl.status == Status.INSPECTION
        arrived = report(operator, port, "IN-1", "in", container_number=CONTAINER)
        assert arrived.allowed is None and arrived.event.declaration_id == decl.pk

        refused = report(operator, port, "OUT-1", "out", container_number=CONTAINER)
        assert refused.allowed is False
        assert refused.event.refusal_code == RefusalCode.NOT_CLEARED
        assert decl.number in refused.reason and "not cleared" in refused.reason
        # Still inside; the office is alerted once.
        assert ZonePresence.objects.get(zone=port).exited_at is None
        alert = Alert.objects.get(kind=AlertKind.EXIT_REFUSED)
        assert alert.office.code == "20CD" and alert.subject_label == CONTAINER
        assert decl.number in alert_message(alert)

        clearance.declaration_check_record(
            actor=officer,
            declaration=decl,
            kind=CheckKind.INSPECTION,
            outcome=CheckOutcome.MATCH,
        )
        decl.refresh_from_db()
        assert decl.status == Status.CLEARED

        allowed = report(operator, port, "OUT-2", "out", container_number=CONTAINER)
        assert allowed.allowed is True and allowed.event.declaration_id == decl.pk
        assert decl.number in allowed.reason
        presence = ZonePresence.objects.get(zone=port)
        assert presence.exited_at == allowed.event.occurred_at
        # Time-release measurement reads arrival and exit from the log.
        kinds = list(
            Event.objects.filter(declaration_id=decl.pk, kind__startswith="cargo.")
            .order_by("id")
            .values_list("kind", "party")
        )
        assert kinds == [
            ("cargo.gate_in", "movement"),
            ("cargo.gate_out_refused", "movement"),
            ("cargo.gate_out", "movement"),
        ]
        # The exit does not release the declaration: release stays an officer's act.
        decl.refresh_from_db()
        assert decl.status == Status.CLEARED

    def test_a_declaration_covers_one_exit_of_each_container(self, declare, port, operator):
        decl = declare()
        assert decl.status == Status.CLEARED
        report(operator, port, "IN-1", "in", container_number=CONTAINER)
        assert report(operator, port, "OUT-1", "out", container_number=CONTAINER).allowed
        # The same box comes back with another shipment nobody declared yet.
        report(operator, port, "IN-2", "in", container_number=CONTAINER)
        again = report(operator, port, "OUT-2", "out", container_number=CONTAINER)
        assert again.allowed is False and again.event.refusal_code == RefusalCode.NOT_DECLARED
        assert decl.number in again.reason

    def test_undeclared_container_is_refused_with_the_reason(self, port, operator):
        out = report(operator, port, "OUT-9", "out", container_number=OTHER_CONTAINER)
        assert out.allowed is False
        assert out.event.refusal_code == RefusalCode.NOT_DECLARED
        assert "No cleared declaration and no transit movement" in out.reason

    def test_a_cancelled_declaration_covers_nothing(
        self, declare, port, operator, declarant, officer
    ):
        decl = declare()  # cleared at once: cancelled on the declarant's request by an officer
        clearance.declaration_cancel(actor=declarant, declaration=decl, reason="wrong box")
        clearance.declaration_cancellation_decide(
            actor=officer, declaration=decl, approve=True, reason="still in the port"
        )
        out = report(operator, port, "OUT-1", "out", container_number=CONTAINER)
        assert out.allowed is False and out.event.refusal_code == RefusalCode.NOT_DECLARED

    def test_bulk_goods_leave_by_bill_of_lading_in_several_trucks(self, declare, port, operator):
        declare(containers=(), bill_of_lading="HLCUHAN2601")
        report(
            operator, port, "IN-B", "in", bill_of_lading="HLCUHAN2601",
            quantity=Decimal("30"), unit="TNE",
        )  # fmt: skip
        first = report(
            operator, port, "OUT-B1", "out", bill_of_lading="hlcuhan2601",
            quantity=Decimal("12.5"), unit="TNE",
        )  # fmt: skip
        assert first.allowed
        presence = ZonePresence.objects.get(zone=port)
        assert presence.exited_at is None and presence.quantity_out == Decimal("12.5")
        last = report(
            operator, port, "OUT-B2", "out", bill_of_lading="HLCUHAN2601",
            quantity=Decimal("17.5"), unit="TNE",
        )  # fmt: skip
        assert last.allowed
        presence.refresh_from_db()
        assert presence.exited_at is not None and presence.quantity_out == Decimal("30")


class TestReports:
    def test_the_same_message_twice_is_recorded_once(self, declare, port, operator):
        declare()
        first = report(operator, port, "IN-1", "in", container_number=CONTAINER)
        events = Event.objects.count()
        again = report(operator, port, "IN-1", "in", container_number="CSQU 305438-3")
        assert again.replayed and again.event.pk == first.event.pk
        assert GateEvent.objects.count() == 1 and Event.objects.count() == events

    def test_a_message_id_reused_for_another_report_is_a_conflict(self, port, operator):
        report(operator, port, "M-1", "in", container_number=CONTAINER)
        with pytest.raises(Conflict) as exc:
            report(operator, port, "M-1", "in", container_number=OTHER_CONTAINER)
        assert exc.value.code == "message-id-reused"

    def test_a_container_inside_cannot_come_in_again(self, port, operator):
        report(operator, port, "IN-1", "in", container_number=CONTAINER)
        with pytest.raises(Conflict) as exc:
            report(operator, port, "IN-2", "in", container_number=CONTAINER)
        assert exc.value.code == "already-inside"

    def test_a_wrong_check_digit_names_the_right_one(self, port, operator):
        with pytest.raises(ValidationFailed) as exc:
            report(operator, port, "IN-1", "in", container_number="CSQU3054384")
        (problem,) = exc.value.errors
        assert problem.field == "container_number" and problem.code == "check-digit"
        assert "should be 3" in problem.problem

    def test_every_problem_of_a_report_is_named(self, port, operator):
        future = timezone.now() + timedelta(hours=2)
        with pytest.raises(ValidationFailed) as exc:
            report(operator, port, "", "sideways", occurred_at=future)
        fields = {e.field for e in exc.value.errors}
        assert fields == {"message_id", "direction", "container_number", "occurred_at"}

    def test_only_the_zone_operator_or_its_officers_report(
        self, port, warehouse_keeper, officer_elsewhere, officer
    ):
        for outsider in (warehouse_keeper, officer_elsewhere):
            with pytest.raises(Forbidden):
                report(outsider, port, "X-1", "in", container_number=CONTAINER)
        # An officer at the gate may report when the operator's system is down.
        answer = report(officer, port, "X-2", "in", container_number=CONTAINER)
        assert (
            Event.objects.get(subject_id=answer.event.pk, kind="cargo.gate_in").party == "customs"
        )

    def test_a_batch_answers_each_report_on_its_own(self, declare, port, operator):
        declare()
        answers = gate_events_report(
            actor=operator,
            zone=port,
            reports=[
                GateReport(message_id="B-1", direction="in", container_number=CONTAINER),
                GateReport(message_id="B-2", direction="in", container_number="XXXX1"),
                GateReport(message_id="B-3", direction="out", container_number=CONTAINER),
            ],
        )
        assert answers[0].event.outcome == GateOutcome.RECORDED  # type: ignore[union-attr]
        assert isinstance(answers[1], ValidationFailed)
        assert answers[2].allowed is True  # type: ignore[union-attr]


class TestWhatIsInside:
    def test_inventory_against_the_time_limit_and_the_alert_once(
        self, declare, port, operator, officer
    ):
        long_ago = timezone.now() - timedelta(days=95)
        # Reported when it happened, 95 days ago (the server's clock set back to then).
        report(
            operator, port, "IN-1", "in", container_number=CONTAINER, occurred_at=long_ago,
            now=long_ago,
        )  # fmt: skip
        report(operator, port, "IN-2", "in", container_number=OTHER_CONTAINER)
        rows = zone_inventory(port)
        assert [r.cargo for r in rows] == [CONTAINER, OTHER_CONTAINER]
        assert rows[0].overdue and rows[0].days_inside == Decimal("95.0")
        assert rows[0].days_left == Decimal("-5.0")
        assert not rows[1].overdue
        (alert,) = storage_time_scan()
        assert alert.kind == AlertKind.STORAGE_TIME_EXCEEDED and alert.subject_label == CONTAINER
        assert storage_time_scan() == []  # raised once

    def test_discrepancies_between_declared_and_gated(self, declare, port, operator):
        declare(containers=(CONTAINER, "TGHU8765436"))
        report(operator, port, "IN-1", "in", container_number=CONTAINER)
        report(operator, port, "IN-2", "in", container_number=OTHER_CONTAINER)  # undeclared
        report(operator, port, "OUT-3", "out", container_number="CMAU4000019")  # never in
        d = zone_discrepancies(port)
        assert [n for n, _decl in d.declared_not_gated_in] == ["TGHU8765436"]
        assert [p.container_number for p in d.inside_undeclared] == [OTHER_CONTAINER]
        assert d.out_without_gate_in == []  # refused, so not an exit
        assert [e.container_number for e in d.refused_exits] == []  # not inside
        report(operator, port, "OUT-4", "out", container_number=OTHER_CONTAINER)
        d = zone_discrepancies(port)
        assert [e.container_number for e in d.refused_exits] == [OTHER_CONTAINER]

    def test_an_exit_without_get_in_is_allowed_and_flagged(self, declare, port, operator):
        declare()
        out = report(operator, port, "OUT-1", "out", container_number=CONTAINER)
        assert out.allowed and out.event.without_gate_in
        assert zone_discrepancies(port).out_without_gate_in == [out.event]


class TestAlerts:
    def test_acknowledged_then_resolved_with_a_note(self, port, operator, officer):
        report(operator, port, "OUT-1", "out", container_number=CONTAINER)
        alert = Alert.objects.get()
        alert = alert_acknowledge(actor=officer, alert=alert, note="calling the gate")
        assert alert.state == AlertState.ACKNOWLEDGED
        with pytest.raises(ValidationFailed):
            alert_resolve(actor=officer, alert=alert, note="  ")
        alert = alert_resolve(actor=officer, alert=alert, note="Truck turned back; no loss")
        assert alert.state == AlertState.RESOLVED and alert.resolved_by == officer
        with pytest.raises(Conflict):
            alert_resolve(actor=officer, alert=alert, note="again")
        assert list(
            Event.objects.filter(subject_type="alert", subject_id=alert.pk)
            .order_by("id")
            .values_list("kind", flat=True)
        ) == ["alert.raised", "alert.acknowledged", "alert.resolved"]

    def test_only_officers_of_the_office_answer(self, port, operator, officer_elsewhere):
        report(operator, port, "OUT-1", "out", container_number=CONTAINER)
        with pytest.raises(Forbidden):
            alert_acknowledge(actor=officer_elsewhere, alert=Alert.objects.get())
        with pytest.raises(Forbidden):
            alert_acknowledge(actor=operator, alert=Alert.objects.get())
