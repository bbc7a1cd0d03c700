"""Partner agencies' systems told by webhook (issue 22), against real HTTP receivers started by
the test: an agency hears, signed, of the declarations it was asked about and of nothing else;
its endpoints are its own (another agency's or a trader's id is not found)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from django.test import Client

from haiquan.accounts.models import User
from haiquan.eventlog import kinds
from haiquan.notifications import services as notifications
from haiquan.notifications.dispatch import dispatch_once
from haiquan.notifications.models import WebhookDelivery
from haiquan.notifications.tests.servers import Receiver, verify
from haiquan.notifications.tests.test_webhooks import deliver_until
from haiquan.refdata.models import Enterprise
from haiquan.singlewindow import services
from haiquan.singlewindow.models import Requirement

from .test_services import message, register

pytestmark = pytest.mark.django_db


@pytest.fixture
def receivers() -> Iterator[dict[str, Receiver]]:
    started = {name: Receiver().start() for name in ("plant", "trade", "trader")}
    yield started
    for r in started.values():
        r.stop()


def kinds_of(receiver: Receiver) -> list[str]:
    return [d["kind"] for d in receiver.applied]


def test_an_agency_system_hears_signed_of_what_it_was_asked_and_of_nothing_else(
    rates: None,
    declarant: User,
    hoanglong: Enterprise,
    quarantine_required: Requirement,
    quarantine_officer: User,
    licensing_officer: User,
    receivers: dict[str, Receiver],
) -> None:
    dispatch_once()  # the worker tells from now on
    plant, receivers["plant"].secret = notifications.endpoint_register(
        actor=quarantine_officer, agency_code="BVTV-KD", url=receivers["plant"].url
    )
    trade, receivers["trade"].secret = notifications.endpoint_register(
        actor=licensing_officer, agency_code="BCT-XNK", url=receivers["trade"].url
    )
    _trader, receivers["trader"].secret = notifications.endpoint_register(
        actor=declarant, enterprise_mst=hoanglong.mst, url=receivers["trader"].url
    )

    decl = register(declarant, hoanglong.mst)  # fresh fruit: the plant quarantine is asked
    deliver_until(lambda: receivers["plant"].applied and receivers["trader"].applied, 30)
    assert kinds_of(receivers["plant"]) == [kinds.SINGLEWINDOW_REQUESTED.code]
    ((headers, body),) = receivers["plant"].requests
    assert receivers["plant"].bad_signatures == 0
    assert verify(receivers["plant"].secret, headers, body)
    assert not verify(receivers["trade"].secret, headers, body)  # another agency's secret
    doc = json.loads(body)
    assert doc["subject"]["reference"] == decl.number and doc["subject"]["type"] == "declaration"
    # The trader's system hears of its own declaration, not that an agency was asked.
    assert kinds.SINGLEWINDOW_REQUESTED.code not in kinds_of(receivers["trader"])

    # The agency answers: the declaration is cleared, and the agency's system is told so, after.
    services.document_message_receive(
        actor=quarantine_officer, message=message(hoanglong.mst, declaration_number=decl.number)
    )
    deliver_until(lambda: len(receivers["plant"].applied) == 2, 30)
    assert kinds_of(receivers["plant"]) == [
        kinds.SINGLEWINDOW_REQUESTED.code,
        kinds.DECLARATION_CLEARED.code,
    ]
    assert all(verify(receivers["plant"].secret, h, b) for h, b in receivers["plant"].requests)
    # The trade agency was asked nothing about this declaration: not a word, not a delivery.
    assert receivers["trade"].requests == []
    assert not WebhookDelivery.objects.filter(endpoint=trade).exists()
    assert plant.deliveries.count() == 2


def test_an_agency_endpoint_is_its_own(
    declarant: User,
    hoanglong: Enterprise,
    quarantine_officer: User,
    licensing_officer: User,
    as_system: Callable[[User], Client],
) -> None:
    plant, _secret = notifications.endpoint_register(
        actor=quarantine_officer, agency_code="BVTV-KD", url="http://127.0.0.1:9/hooks"
    )
    trader, _secret = notifications.endpoint_register(
        actor=declarant, enterprise_mst=hoanglong.mst, url="http://127.0.0.1:9/erp"
    )
    base = "/api/v1/notifications/webhooks"
    own = as_system(quarantine_officer)
    listed = own.get(base).json()
    assert [(e["id"], e["agency_code"], e["enterprise_mst"]) for e in listed] == [
        (plant.pk, "BVTV-KD", None)
    ]
    assert own.get(f"{base}/{plant.pk}/deliveries").status_code == 200

    # Another agency, and a trader, do not find it; the agency does not find the trader's.
    other = as_system(licensing_officer)
    trader_client = as_system(declarant)
    for client, endpoint in ((other, plant), (trader_client, plant), (own, trader)):
        assert client.get(f"{base}/{endpoint.pk}/deliveries").status_code == 404
        assert client.post(f"{base}/{endpoint.pk}/enable").status_code == 404
        assert client.delete(f"{base}/{endpoint.pk}").status_code == 404
    assert [e["id"] for e in other.get(base).json()] == []

    # Nobody registers for an agency it does not act for, nor an agency for an enterprise.
    url = "http://127.0.0.1:9/x"
    for client, payload in (
        (other, {"agency_code": "BVTV-KD", "url": url}),
        (trader_client, {"agency_code": "BVTV-KD", "url": url}),
        (own, {"enterprise_mst": hoanglong.mst, "url": url}),
    ):
        r = client.post(base, payload, content_type="application/json")
        assert r.status_code == 403, r.content

    # An agency's system is told only the kinds sent to agencies: the field is named.
    r = own.post(
        base,
        {"agency_code": "BVTV-KD", "url": url, "kinds": [kinds.DECLARATION_LANE_DECIDED.code]},
        content_type="application/json",
    )
    assert r.status_code == 422 and r["Content-Type"].startswith("application/problem+json")
    assert [e["field"] for e in r.json()["errors"]] == ["kinds"]
    r = own.post(
        base,
        {"agency_code": "BVTV-KD", "url": url, "kinds": [kinds.SINGLEWINDOW_REQUESTED.code]},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["secret"]
