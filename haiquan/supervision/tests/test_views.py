"""Supervision pages, as operators and officers use them."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from haiquan.accounts.tests.helpers import login
from haiquan.supervision.models import Alert, GateEvent

from .conftest import CONTAINER

pytestmark = pytest.mark.django_db


def test_the_operator_sees_its_zone_and_reports_at_the_gate(declare, port, operator):
    client = login(Client(), operator)
    page = client.get("/supervision/zones/")
    assert page.status_code == 200 and b"20CDP01" in page.content
    page = client.get("/supervision/zones/20CDP01/")
    assert page.status_code == 200
    message_id = page.context["form"].initial["message_id"]
    assert message_id.startswith("web-")

    resp = client.post(
        "/supervision/zones/20CDP01/gate/",
        {"message_id": message_id, "direction": "out", "container_number": CONTAINER},
        HTTP_HX_REQUEST="true",
    )
    assert resp.status_code == 200
    assert b'data-testid="gate-answer"' in resp.content and b"Refused" in resp.content
    assert b"<html" not in resp.content  # the panel only, for htmx
    # The same form submitted twice is recorded once.
    client.post(
        "/supervision/zones/20CDP01/gate/",
        {"message_id": message_id, "direction": "out", "container_number": CONTAINER},
    )
    assert GateEvent.objects.count() == 1


def test_a_mistyped_container_is_shown_next_to_its_field(port, operator):
    client = login(Client(), operator)
    resp = client.post(
        "/supervision/zones/20CDP01/gate/",
        {"message_id": "web-1", "direction": "in", "container_number": "CSQU3054384"},
    )
    assert resp.status_code == 422
    assert b"should be 3" in resp.content and b"error-summary" in resp.content


def test_a_second_get_in_is_refused_with_409_on_the_panel_and_recorded_once(
    port: Any, operator: Any
) -> None:
    client = login(Client(), operator)
    url = "/supervision/zones/20CDP01/gate/"
    first = {"message_id": "web-a", "direction": "in", "container_number": CONTAINER}
    assert client.post(url, first, HTTP_HX_REQUEST="true").status_code == 200
    again = {**first, "message_id": "web-b"}
    resp = client.post(url, again, HTTP_HX_REQUEST="true")
    assert resp.status_code == 409  # a refusal (already inside), with its own status
    assert b"<html" not in resp.content  # the panel, which htmx swaps in (haiquan.js)
    assert b"error-summary" in resp.content and b"already inside" in resp.content
    assert GateEvent.objects.filter(direction="in").count() == 1


def test_other_zones_are_not_found(port, warehouse_keeper):
    client = login(Client(), warehouse_keeper)
    assert client.get("/supervision/zones/20CDP01/").status_code == 404


def test_an_officer_resolves_an_alert_on_its_page(port, operator, officer):
    login(Client(), operator).post(
        "/supervision/zones/20CDP01/gate/",
        {"message_id": "web-2", "direction": "out", "container_number": CONTAINER},
    )
    alert = Alert.objects.get()
    desk = login(Client(), officer)
    listing = desk.get("/supervision/alerts/")
    assert listing.status_code == 200 and CONTAINER.encode() in listing.content
    url = f"/supervision/alerts/{alert.pk}/"
    assert desk.post(url, {"action": "resolve", "note": ""}).status_code == 422
    resp = desk.post(url, {"action": "resolve", "note": "Wrong truck; sent back"})
    assert resp.status_code == 302
    alert.refresh_from_db()
    assert alert.state == "resolved" and alert.resolution_note == "Wrong truck; sent back"


def test_operators_have_no_alert_desk(port, operator):
    assert login(Client(), operator).get("/supervision/alerts/").status_code == 403


def test_the_warehouse_page_shows_stock_and_records_a_receipt(declare, warehouse, warehouse_keeper):
    c11 = declare(type_code="C11", containers=())
    client = login(Client(), warehouse_keeper)
    resp = client.post(
        "/supervision/zones/20CDK01/warehouse/receipt/",
        {"receipt-declaration_number": c11.number, "receipt-document_number": "PN-9"},
    )
    assert resp.status_code == 302
    page = client.get("/supervision/zones/20CDK01/warehouse/")
    assert page.status_code == 200 and b"08109092" in page.content and b"PN-9" in page.content
    receipt = page.context["receipts"][0]
    resp = client.post(
        f"/supervision/zones/20CDK01/warehouse/receipt/{receipt.pk}/cancel/", {"reason": "twice"}
    )
    assert resp.status_code == 302
    assert client.get("/supervision/zones/20CDK01/warehouse/").context["stock"] == []


def test_a_refused_receipt_names_the_problem(declare, warehouse, warehouse_keeper):
    e31 = declare(type_code="E31", containers=())
    client = login(Client(), warehouse_keeper)
    resp = client.post(
        "/supervision/zones/20CDK01/warehouse/receipt/",
        {"receipt-declaration_number": e31.number, "receipt-document_number": "PN-1"},
    )
    assert resp.status_code == 422 and b"cannot be used here" in resp.content


def test_an_operator_starts_at_its_control_zones_and_customs_see_the_desk_links(port, operator):
    client = login(Client(), operator)
    resp = client.get("/")
    assert resp.status_code == 302 and resp["Location"] == reverse("supervision:zone_list")
    page = client.get(resp["Location"]).content.decode()
    assert reverse("supervision:zone_list") in page
    assert reverse("transit:monitor") not in page  # the 24/7 desk is customs'
