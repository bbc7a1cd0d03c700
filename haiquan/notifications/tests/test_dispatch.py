"""Events become notifications for the people whose subject it is, and nobody else; nothing for
a change rolled back; subscriptions say how; the cursor waits at an id not yet visible."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.utils import translation

from haiquan.accounts.services import user_create
from haiquan.eventlog import kinds
from haiquan.eventlog.models import Event
from haiquan.notifications import services
from haiquan.notifications.dispatch import dispatch_lag, dispatch_once
from haiquan.notifications.models import (
    DispatchCursor,
    EmailDelivery,
    Notification,
    WebhookDelivery,
    WebhookEndpoint,
)

from .conftest import happen, register

pytestmark = pytest.mark.django_db


def test_the_declarations_traders_hear_of_its_lane_and_nobody_else(
    rates, started, declarant, other_declarant, broker, officer, hoanglong, other_enterprise
):
    declarant.email, declarant.language = "dn@hoanglong.vn", "vi"
    declarant.save()
    declaration = register(declarant, hoanglong.mst)
    mine = WebhookEndpoint.objects.create(
        enterprise=hoanglong, url="http://127.0.0.1:9/h", secret="s"
    )
    WebhookEndpoint.objects.create(
        enterprise=other_enterprise, url="http://127.0.0.1:9/o", secret="s"
    )
    assert Notification.objects.count() == 0  # nothing in the request: the worker does it
    assert dispatch_lag() > 0
    dispatch_once()
    assert dispatch_lag() == 0
    note = Notification.objects.get(kind=kinds.DECLARATION_LANE_DECIDED.code)
    assert note.user == declarant and declaration.number in note.title
    with translation.override("en"):
        assert note.shown_title == f"Declaration {declaration.number}: lane decided"
    # Filed by the declarant itself: the broker firm (authorised by Hoàng Long) filed nothing.
    assert not Notification.objects.exclude(user=declarant).exists()
    assert EmailDelivery.objects.get().address == "dn@hoanglong.vn"
    (delivery,) = WebhookDelivery.objects.filter(kind=kinds.DECLARATION_LANE_DECIDED.code)
    assert delivery.endpoint == mine and delivery.ordering_key == f"declaration:{declaration.pk}"
    assert declaration.number in delivery.body and '"type":"declaration"' in delivery.body
    # Met again (a second worker, a restart): nothing twice.
    dispatch_once()
    assert Notification.objects.filter(kind=kinds.DECLARATION_LANE_DECIDED.code).count() == 1


def test_a_broker_filing_tells_its_firm_and_the_principal(
    rates, started, broker, declarant, hoanglong
):
    declaration = register(broker, hoanglong.mst)
    happen(declaration, kinds.DECLARATION_CLEARED)
    dispatch_once()
    cleared = Notification.objects.filter(kind=kinds.DECLARATION_CLEARED.code)
    assert {n.user for n in cleared} == {broker, declarant}


def test_a_change_rolled_back_tells_nobody(rates, started, declarant, hoanglong):
    declaration = register(declarant, hoanglong.mst)
    dispatch_once()
    before = Notification.objects.count()

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        happen(declaration, kinds.DECLARATION_RELEASED)
        raise Undo
    happen(declaration, kinds.DECLARATION_CLEARED)
    # (On PostgreSQL the rolled-back event's id is a gap: seen once, passed the next round.)
    dispatch_once()
    dispatch_once()
    kinds_told = list(Notification.objects.order_by("id").values_list("kind", flat=True)[before:])
    assert kinds_told == [kinds.DECLARATION_CLEARED.code]


def test_the_worker_starts_at_the_end_of_the_log(rates, declarant, hoanglong):
    register(declarant, hoanglong.mst)  # before any worker ran: history
    assert dispatch_once() == 0
    assert Notification.objects.count() == 0
    assert DispatchCursor.objects.get().position >= Event.objects.latest("id").pk


def test_subscriptions_turn_e_mail_or_everything_off(rates, started, declarant, hoanglong):
    declarant.email = "dn@hoanglong.vn"
    declarant.save()
    services.subscription_set(
        user=declarant, kind=kinds.DECLARATION_LANE_DECIDED.code, portal=True, email=False
    )
    services.subscription_set(
        user=declarant, kind=kinds.DECLARATION_CLEARED.code, portal=False, email=False
    )
    declaration = register(declarant, hoanglong.mst)
    happen(declaration, kinds.DECLARATION_CLEARED)
    dispatch_once()
    assert list(Notification.objects.values_list("kind", flat=True)) == [
        kinds.DECLARATION_LANE_DECIDED.code
    ]
    assert not EmailDelivery.objects.exists()


def test_an_enterprise_subscription_applies_to_its_people_unless_they_chose(
    rates, started, declarant, hoanglong
):
    colleague = user_create(
        username="dn.hoanglong2",
        password="pw-hl2-2026!",
        role="declarant",
        enterprise_msts=[hoanglong.mst],
    )
    from haiquan.notifications.models import Subscription

    Subscription.objects.create(
        enterprise=hoanglong, kind=kinds.DECLARATION_CLEARED.code, portal=False, email=False
    )
    services.subscription_set(
        user=colleague, kind=kinds.DECLARATION_CLEARED.code, portal=True, email=False
    )
    declaration = register(declarant, hoanglong.mst)
    happen(declaration, kinds.DECLARATION_CLEARED)
    dispatch_once()
    cleared = Notification.objects.filter(kind=kinds.DECLARATION_CLEARED.code)
    assert [n.user for n in cleared] == [colleague]


def test_officers_of_the_office_and_above_hear_of_its_alerts(
    started, officer, leader_qn, officer_elsewhere
):
    from datetime import timedelta

    from django.utils import timezone

    from haiquan.refdata.models import Office
    from haiquan.supervision.alerts import AlertRaise, alert_raise
    from haiquan.supervision.choices import AlertKind, AlertSubject

    with transaction.atomic():
        alert_raise(
            alert=AlertRaise(
                kind=AlertKind.SEAL_OPENED,
                subject_type=AlertSubject.TRANSIT_MOVEMENT,
                subject_id=7,
                subject_label="TR-20BD-0007",
                office=Office.objects.get(code="20BD"),
                occurred_at=timezone.now() - timedelta(minutes=1),
            )
        )
    dispatch_once()
    notes = Notification.objects.filter(kind=kinds.ALERT_RAISED.code)
    assert {n.user for n in notes} == {officer, leader_qn}
    with translation.override("en"):
        assert notes[0].shown_title == "Alert: TR-20BD-0007"
        assert notes[0].shown_body == "Seal opened or tampered before destination"
    assert not WebhookDelivery.objects.exists()  # alerts are customs' own


def test_the_cursor_waits_for_an_id_not_yet_visible(rates, started, declarant, hoanglong, settings):
    settings.HAIQUAN_NOTIFICATIONS = {**settings.HAIQUAN_NOTIFICATIONS, "GAP_GRACE_SECONDS": 3600}
    declaration = register(declarant, hoanglong.mst)
    dispatch_once()
    # The next id taken by a transaction still open: the one after it is visible first.
    last = Event.objects.latest("id").pk
    with transaction.atomic():
        Event(
            pk=last + 2,
            kind=kinds.DECLARATION_CLEARED.code,
            subject_type="declaration",
            subject_id=declaration.pk,
            declaration_id=declaration.pk,
            party="customs",
        ).save()
    assert dispatch_once() == 0 and DispatchCursor.objects.get().gap_id == last + 1
    assert dispatch_once() == 0  # still within the grace period: still waiting
    assert not Notification.objects.filter(kind=kinds.DECLARATION_CLEARED.code).exists()
    settings.HAIQUAN_NOTIFICATIONS = {**settings.HAIQUAN_NOTIFICATIONS, "GAP_GRACE_SECONDS": 0}
    # Past the grace period, and (PostgreSQL) no transaction that began before it was seen is
    # still running: the id will never appear.
    assert dispatch_once() == 1
    assert DispatchCursor.objects.get().position == last + 2
    assert Notification.objects.filter(kind=kinds.DECLARATION_CLEARED.code).exists()


def test_a_request_for_documents_tells_the_trader_and_its_answer_the_officers(
    rates, started, declarant, other_declarant, officer, leader_qn, officer_elsewhere, hoanglong
):
    declaration = register(declarant, hoanglong.mst)
    dispatch_once()
    for kind in (
        kinds.DECLARATION_DOCUMENTS_REQUESTED,
        kinds.DECLARATION_DOCUMENTS_ANSWERED,
        kinds.DECLARATION_DOCUMENT_REQUEST_ESCALATED,
        kinds.DECLARATION_DOCUMENTS_ACCEPTED,
    ):
        happen(declaration, kind)
    dispatch_once()

    def told(kind: Any) -> set[Any]:
        return {n.user for n in Notification.objects.filter(kind=kind.code)}

    assert told(kinds.DECLARATION_DOCUMENTS_REQUESTED) == {declarant}
    assert told(kinds.DECLARATION_DOCUMENTS_ACCEPTED) == {declarant}
    assert told(kinds.DECLARATION_DOCUMENTS_ANSWERED) == {officer, leader_qn}
    assert told(kinds.DECLARATION_DOCUMENT_REQUEST_ESCALATED) == {officer, leader_qn}
    with translation.override("vi"):
        note = Notification.objects.get(
            kind=kinds.DECLARATION_DOCUMENTS_ANSWERED.code, user=officer
        )
        assert note.shown_title.startswith(f"Tờ khai {declaration.number}")
