"""Webhooks against a real HTTP receiver started by the test: bodies signed so the receiver's
recipe verifies them, retries on 500 and on a closed port until it answers, a receiver that
acts once per delivery id, order per declaration, the delivery log, redelivery, disabling."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from haiquan.eventlog import kinds
from haiquan.notifications import services
from haiquan.notifications.choices import DeliveryState
from haiquan.notifications.delivery import webhooks_send_due
from haiquan.notifications.models import WebhookDelivery, WebhookEndpoint
from haiquan.notifications.urlcheck import url_problem

from .conftest import drain, happen, register
from .servers import Receiver, free_port, verify

pytestmark = pytest.mark.django_db


def endpoint_for(actor: Any, enterprise: Any, url: str) -> tuple[WebhookEndpoint, str]:
    return services.endpoint_register(actor=actor, enterprise_mst=enterprise.mst, url=url)


def deliver_until(done: Any, timeout: float = 10.0) -> None:
    """Run the worker's webhook step until `done()` (retries come after their back-off)."""
    deadline = time.monotonic() + timeout
    drain()
    while not done():
        assert time.monotonic() < deadline, "not delivered in time"
        webhooks_send_due()
        drain()
        time.sleep(0.02)


@pytest.fixture
def receiver() -> Any:
    r = Receiver().start()
    yield r
    r.stop()


def test_the_receiver_verifies_the_signature_and_gets_what_happened(
    rates, started, declarant, hoanglong, receiver
):
    _endpoint, secret = endpoint_for(declarant, hoanglong, receiver.url)
    receiver.secret = secret
    declaration = register(declarant, hoanglong.mst)
    deliver_until(lambda: receiver.applied)
    ((headers, body),) = receiver.requests
    assert receiver.bad_signatures == 0 and verify(secret, headers, body)
    assert not verify("another secret", headers, body)
    assert not verify(secret, headers, body + b" ")  # a body changed on the way
    assert not verify(secret, headers, body, now=time.time() + 600)  # replayed much later
    doc = json.loads(body)
    assert doc["kind"] == kinds.DECLARATION_LANE_DECIDED.code
    assert doc["subject"] == {
        "type": "declaration",
        "id": declaration.pk,
        "reference": declaration.number,
        "url": f"/api/v1/declarations/{declaration.pk}",
    }
    assert headers["X-Haiquan-Delivery"] == doc["id"]
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == DeliveryState.DELIVERED and delivery.last_status == 200
    assert [(a.ok, a.status_code) for a in delivery.log.all()] == [(True, 200)]


def test_a_500_is_tried_again_until_the_receiver_answers(
    rates, started, declarant, hoanglong, receiver
):
    endpoint_for(declarant, hoanglong, receiver.url)
    receiver.fail_first = [500, 503]
    register(declarant, hoanglong.mst)
    deliver_until(lambda: receiver.applied)
    delivery = WebhookDelivery.objects.get()
    assert [a.status_code for a in delivery.log.all()] == [500, 503, 200]
    assert delivery.attempts == 3 and delivery.state == DeliveryState.DELIVERED
    assert len(receiver.applied) == 1
    # Exponential back-off: the second wait (2 × base) longer than the first (base, ±10 %).
    t = [a.at for a in delivery.log.all()]
    assert (t[1] - t[0]).total_seconds() >= 0.045 and (t[2] - t[1]).total_seconds() >= 0.09
    assert WebhookEndpoint.objects.get().failing_since is None  # a success ends the streak


def test_a_closed_port_is_tried_again_until_a_receiver_listens(
    rates, started, declarant, hoanglong
):
    port = free_port()  # nothing listens there yet
    late = Receiver(port=port)
    endpoint_for(declarant, hoanglong, late.url)
    register(declarant, hoanglong.mst)
    drain()
    deadline = time.monotonic() + 5
    while WebhookDelivery.objects.get().attempts < 2:
        assert time.monotonic() < deadline
        webhooks_send_due()
        time.sleep(0.02)
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == DeliveryState.PENDING
    assert all(a.ok is False and a.status_code is None and a.error for a in delivery.log.all())
    assert WebhookEndpoint.objects.get().failing_since is not None
    late.start()
    try:
        deliver_until(lambda: late.applied)
    finally:
        late.stop()
    assert WebhookDelivery.objects.get().state == DeliveryState.DELIVERED


def test_a_repeat_changes_nothing_for_a_receiver_that_keeps_delivery_ids(
    rates, started, declarant, hoanglong, receiver, settings
):
    # The receiver acts, then answers too late: haiquan cannot know it arrived, so sends again.
    settings.HAIQUAN_NOTIFICATIONS = {**settings.HAIQUAN_NOTIFICATIONS, "TIMEOUT_SECONDS": 0.3}
    _endpoint, _secret = endpoint_for(declarant, hoanglong, receiver.url)
    receiver.delay = 0.6
    register(declarant, hoanglong.mst)
    deliver_until(lambda: WebhookDelivery.objects.get().attempts >= 2)
    receiver.delay = 0
    deliver_until(lambda: WebhookDelivery.objects.get().state == DeliveryState.DELIVERED)
    delivery = WebhookDelivery.objects.get()
    assert receiver.deliveries()[str(delivery.pk)] >= 2
    assert len(receiver.applied) == 1
    # Sent again by hand: the same id, and still one effect.
    sent = receiver.deliveries()[str(delivery.pk)]
    services.delivery_redeliver(actor=declarant, delivery_id=str(delivery.pk))
    assert WebhookDelivery.objects.get().state == DeliveryState.PENDING
    deliver_until(lambda: WebhookDelivery.objects.get().state == DeliveryState.DELIVERED)
    assert receiver.deliveries()[str(delivery.pk)] == sent + 1
    assert len(receiver.applied) == 1
    assert WebhookDelivery.objects.get().state == DeliveryState.DELIVERED


def test_deliveries_of_one_declaration_arrive_in_order(
    rates, started, declarant, hoanglong, receiver
):
    endpoint_for(declarant, hoanglong, receiver.url)
    first = register(declarant, hoanglong.mst)
    second = register(declarant, hoanglong.mst)
    # The first declaration's receiver side fails twice; its later events must wait for it.
    receiver.fail_for_subject[f"declaration:{first.pk}"] = [500, 500]
    for kind in (kinds.DECLARATION_CLEARED, kinds.DECLARATION_RELEASED):
        happen(first, kind)
        happen(second, kind)
    deliver_until(lambda: len(receiver.applied) == 6)
    by_declaration: dict[int, list[str]] = {}
    for doc in receiver.applied:
        by_declaration.setdefault(doc["subject"]["id"], []).append(doc["kind"])
    expected = [
        kinds.DECLARATION_LANE_DECIDED.code,
        kinds.DECLARATION_CLEARED.code,
        kinds.DECLARATION_RELEASED.code,
    ]
    assert by_declaration == {first.pk: expected, second.pk: expected}
    # The second declaration did not wait for the first one's failures.
    kinds_in_order = [(d["subject"]["id"], d["kind"]) for d in receiver.applied]
    assert kinds_in_order.index((second.pk, expected[2])) < kinds_in_order.index(
        (first.pk, expected[2])
    )


def test_an_endpoint_failing_for_days_is_disabled_and_enabled_again(
    rates, started, declarant, hoanglong, settings
):
    # Days are a few tenths of a second here.
    settings.HAIQUAN_NOTIFICATIONS = {
        **settings.HAIQUAN_NOTIFICATIONS,
        "DISABLE_AFTER_DAYS": 0.4 / 86400,
    }
    port = free_port()
    endpoint, _secret = endpoint_for(declarant, hoanglong, f"http://127.0.0.1:{port}/h")
    register(declarant, hoanglong.mst)
    drain()
    deadline = time.monotonic() + 5
    while WebhookEndpoint.objects.get().disabled_at is None:
        assert time.monotonic() < deadline
        webhooks_send_due()
        time.sleep(0.05)
    attempts = WebhookDelivery.objects.get().attempts
    time.sleep(0.3)
    webhooks_send_due()
    assert WebhookDelivery.objects.get().attempts == attempts  # no more calls while disabled
    receiver = Receiver(port=port).start()
    try:
        services.endpoint_enable(actor=declarant, endpoint_id=endpoint.pk)
        deliver_until(lambda: receiver.applied)
    finally:
        receiver.stop()


def test_private_addresses_are_refused_unless_allowed(settings, declarant, hoanglong):
    settings.HAIQUAN_NOTIFICATIONS = {
        **settings.HAIQUAN_NOTIFICATIONS,
        "ALLOW_PRIVATE_URLS": False,
        "ALLOW_HTTP": False,
    }
    for url in (
        "https://127.0.0.1/h",
        "https://10.1.2.3/h",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/h",
        "https://localhost/h",
    ):
        assert url_problem(url), url
    assert url_problem("http://203.0.113.10/h")  # plain http refused in production
    assert url_problem("ftp://example.com/h")
    from haiquan.core.problems import ValidationFailed

    with pytest.raises(ValidationFailed) as exc:
        services.endpoint_register(
            actor=declarant, enterprise_mst=hoanglong.mst, url="https://127.0.0.1:8000/admin"
        )
    assert [p.field for p in exc.value.errors] == ["url"]
    assert not WebhookEndpoint.objects.exists()
