"""The notifications API through HTTP: a webhook endpoint registered (secret shown once), bad
input refused naming the field, another enterprise refused, the delivery log with response
codes, redelivery, subscriptions by kind, and the catalogue."""

from __future__ import annotations

import pytest

from haiquan.eventlog import kinds
from haiquan.notifications.delivery import webhooks_send_due
from haiquan.notifications.models import WebhookDelivery, WebhookEndpoint

from .conftest import drain, register
from .servers import Receiver

pytestmark = pytest.mark.django_db
URL = "/api/v1/notifications"


def test_a_trader_registers_its_system_and_reads_the_delivery_log(
    rates, started, api, declarant, hoanglong
):
    receiver = Receiver(fail_first=[503]).start()
    client = api(declarant)
    try:
        created = client.post(
            f"{URL}/webhooks",
            {
                "enterprise_mst": hoanglong.mst,
                "url": receiver.url,
                "kinds": ["declaration.cleared", "declaration.lane_decided"],
            },
            content_type="application/json",
        )
        assert created.status_code == 201, created.content
        body = created.json()
        assert len(body["secret"]) >= 40 and body["kinds"] == sorted(body["kinds"])
        listed = client.get(f"{URL}/webhooks").json()
        assert [e["id"] for e in listed] == [body["id"]] and "secret" not in listed[0]
        register(declarant, hoanglong.mst)
        drain()
        webhooks_send_due()  # 503
        WebhookDelivery.objects.update(next_attempt_at=WebhookDelivery.objects.get().created_at)
        webhooks_send_due()  # 200
        log = client.get(f"{URL}/webhooks/{body['id']}/deliveries").json()["items"]
        (delivery,) = log
        assert delivery["state"] == "delivered" and delivery["kind"] == "declaration.lane_decided"
        assert [a["status_code"] for a in delivery["log"]] == [503, 200]
        again = client.post(f"{URL}/webhooks/{body['id']}/deliveries/{delivery['id']}/redeliver")
        assert again.status_code == 202 and again.json()["state"] == "pending"
        webhooks_send_due()
        assert receiver.deliveries()[delivery["id"]] == 3 and len(receiver.applied) == 1
    finally:
        receiver.stop()


def test_bad_input_is_refused_naming_the_field(
    api, declarant, hoanglong, other_enterprise, settings
):
    settings.HAIQUAN_NOTIFICATIONS = {
        **settings.HAIQUAN_NOTIFICATIONS,
        "ALLOW_PRIVATE_URLS": False,
        "ALLOW_HTTP": False,
    }
    client = api(declarant)
    private = client.post(
        f"{URL}/webhooks",
        {"enterprise_mst": hoanglong.mst, "url": "https://169.254.169.254/latest/meta-data"},
        content_type="application/json",
    )
    assert private.status_code == 422 and private["Content-Type"] == "application/problem+json"
    (error,) = private.json()["errors"]
    assert error["field"] == "url" and "169.254.169.254" in error["problem"]
    assert "mạng riêng" in error["problem"]  # in the reader's language (Vietnamese by default)
    kinds_bad = client.post(
        f"{URL}/webhooks",
        {
            "enterprise_mst": hoanglong.mst,
            "url": "https://8.8.8.8/hooks",
            "kinds": ["alert.raised"],
        },
        content_type="application/json",
    )
    assert kinds_bad.status_code == 422
    assert [e["field"] for e in kinds_bad.json()["errors"]] == ["kinds"]
    theirs = client.post(
        f"{URL}/webhooks",
        {"enterprise_mst": other_enterprise.mst, "url": "https://8.8.8.8/hooks"},
        content_type="application/json",
    )
    assert theirs.status_code == 403
    assert not WebhookEndpoint.objects.exists()
    unknown = client.put(
        f"{URL}/subscriptions/declaration.nonsense",
        {"email": False},
        content_type="application/json",
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "kind"


def test_subscriptions_and_the_catalogue(api, declarant):
    client = api(declarant)
    kinds_out = {k["code"]: k for k in client.get(f"{URL}/kinds").json()}
    assert kinds_out[kinds.DECLARATION_CLEARED.code]["webhook"] is True
    assert kinds_out[kinds.ALERT_RAISED.code]["webhook"] is False
    put = client.put(
        f"{URL}/subscriptions/{kinds.DECLARATION_CLEARED.code}",
        {"portal": True, "email": False},
        content_type="application/json",
    )
    assert put.status_code == 200 and put.json()["email"] is False
    assert [s["kind"] for s in client.get(f"{URL}/subscriptions").json()] == [
        kinds.DECLARATION_CLEARED.code
    ]
