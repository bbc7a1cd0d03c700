"""Officers capture the paper declarations taken during an outage through the API and a page:
kept with their paper numbers and original times, the lane decided then, marked; problems
named by field (problem+json on the API, next to the field on the page); the office's own
officers only."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from haiquan.accounts.models import User
from haiquan.accounts.tests.helpers import login
from haiquan.clearance.models import Declaration
from haiquan.clearance.tests.conftest import payload
from haiquan.clearance.tests.test_views_enterprise import form_data
from haiquan.eventlog.models import Event
from haiquan.outage.services import outage_declare

pytestmark = pytest.mark.django_db
PAGE = reverse("clearance:paper_capture")


@pytest.fixture
def ended_outage(admin: User) -> Any:
    now = timezone.now()
    return outage_declare(
        actor=admin,
        office_code="20BD",
        starts_at=now - timedelta(hours=5),
        ends_at=now - timedelta(hours=1),
        reason="Mất kết nối VNACCS",
    )


def paper_body(mst: str, **kw: Any) -> dict[str, Any]:
    body = payload(mst)
    body.update(
        paper_number="GIAY-20BD-0042",
        registered_at=(timezone.now() - timedelta(hours=3)).isoformat(),
        lane="red",
    )
    body.update(kw)
    return body


def post_paper(client: Any, body: dict[str, Any]) -> Any:
    return client.post(
        "/api/v1/declarations/paper", data=json.dumps(body), content_type="application/json"
    )


def test_the_api_captures_a_paper_declaration_with_its_number_time_and_lane(
    rates: None, hoanglong: Any, officer: User, ended_outage: Any, api: Callable[[User], Client]
) -> None:
    body = paper_body(hoanglong.mst)
    resp = post_paper(api(officer), body)
    assert resp.status_code == 201, resp.content
    answer = resp.json()
    assert answer["paper_number"] == "GIAY-20BD-0042" and answer["back_captured"] is True
    decl = Declaration.objects.get(pk=answer["id"])
    assert decl.registered_at is not None
    assert decl.registered_at.isoformat() == body["registered_at"]
    assert decl.lane == "red" and decl.status == "inspection"
    captured = Event.objects.get(kind="declaration.back_captured", declaration_id=decl.pk)
    assert captured.data["paper_number"] == "GIAY-20BD-0042"
    assert captured.actor_id == officer.pk

    again = post_paper(api(officer), body)
    assert again.status_code == 422
    assert again["Content-Type"].startswith("application/problem+json")
    assert [e["field"] for e in again.json()["errors"]] == ["paper_number"]

    outside = paper_body(
        hoanglong.mst,
        paper_number="GIAY-20BD-0043",
        registered_at=(timezone.now() - timedelta(hours=7)).isoformat(),
        lane="purple",
    )
    resp = post_paper(api(officer), outside)
    assert resp.status_code == 422
    assert {e["field"] for e in resp.json()["errors"]} == {"registered_at", "lane"}


def test_only_the_offices_officers_capture_its_paper_declarations(
    rates: None,
    hoanglong: Any,
    officer_elsewhere: User,
    declarant: User,
    leader_mc: User,
    ended_outage: Any,
    api: Callable[[User], Client],
) -> None:
    body = paper_body(hoanglong.mst)
    assert post_paper(api(officer_elsewhere), body).status_code == 403
    assert post_paper(api(declarant), body).status_code == 403
    assert not Declaration.objects.exists()
    # The leader of Móng Cái's department captures for it.
    assert post_paper(api(leader_mc), body).status_code == 201


def test_the_page_shows_problems_next_to_their_fields_then_captures(
    rates: None,
    hoanglong: Any,
    officer: User,
    officer_elsewhere: User,
    ended_outage: Any,
    client: Client,
) -> None:
    login(client, officer)
    page = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "Mất kết nối VNACCS" in page.content.decode()  # the outages it may capture for

    data = form_data(hoanglong.mst, action="capture", paper_number="", lane="yellow")
    data["registered_at"] = (timezone.localtime() - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    resp = client.post(PAGE, data, HTTP_ACCEPT_LANGUAGE="en")
    assert resp.status_code == 422
    text = resp.content.decode()
    assert 'id="id_paper_number-error"' in text
    assert "Give the paper declaration" in text
    assert not Declaration.objects.exists()

    data["paper_number"] = "GIAY-20BD-0050"
    resp = client.post(PAGE, data)
    assert resp.status_code == 302, resp.content.decode()[:2000]
    decl = Declaration.objects.get()
    assert resp["Location"] == reverse("clearance:declaration_detail", args=[decl.pk])
    assert decl.lane == "yellow"
    assert (
        timezone.localtime(decl.registered_at).strftime("%Y-%m-%dT%H:%M") == (data["registered_at"])
    )

    login(client, officer_elsewhere)
    data["paper_number"] = "GIAY-20BD-0051"
    resp = client.post(PAGE, data, HTTP_ACCEPT_LANGUAGE="en")
    assert resp.status_code == 403
    assert 'id="id_office_code-error"' in resp.content.decode()
    assert Declaration.objects.count() == 1


def test_the_same_goods_captured_twice_are_told_next_to_the_invoice_with_409(
    rates: None, hoanglong: Any, officer: User, ended_outage: Any, client: Client
) -> None:
    login(client, officer)
    data = form_data(hoanglong.mst, action="capture", paper_number="GIAY-20BD-0060", lane="red")
    data["registered_at"] = (timezone.localtime() - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    assert client.post(PAGE, data).status_code == 302
    first = Declaration.objects.get()
    resp = client.post(PAGE, {**data, "paper_number": "GIAY-20BD-0061"}, HTTP_ACCEPT_LANGUAGE="en")
    assert resp.status_code == 409
    html = resp.content.decode()
    assert 'id="id_invoice_number-error"' in html and str(first.number) in html
    assert Declaration.objects.count() == 1
