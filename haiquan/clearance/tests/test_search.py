"""Officers find any declaration of their offices by number, tax code, container, invoice and
status, at `/declarations/` and through the API; never one outside their scope."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from haiquan.accounts.models import User
from haiquan.accounts.tests.helpers import login
from haiquan.clearance import services
from haiquan.clearance.models import Declaration
from haiquan.refdata.models import Enterprise

from .conftest import declaration_input
from .test_services import pay

pytestmark = pytest.mark.django_db

URL = "/api/v1/declarations"


@pytest.fixture
def filed(
    rates: Any,
    declarant: Any,
    hoanglong: Enterprise,
    other_declarant: Any,
    other_enterprise: Enterprise,
) -> tuple[Declaration, Declaration, Declaration]:
    """Two of Hoàng Long's at Móng Cái (one cleared) and one of Minh Anh's at Sóng Thần."""
    mine = services.declaration_register(
        actor=declarant, data=declaration_input(hoanglong.mst, invoice_number="HĐ-0042")
    )
    cleared = services.declaration_register(
        actor=declarant,
        data=declaration_input(
            hoanglong.mst, invoice_number="HĐ-0043", containers=("MSKU1234565",)
        ),
    )
    pay(cleared, declarant)
    theirs = services.declaration_register(
        actor=other_declarant,
        data=declaration_input(other_enterprise.mst, office_code="43IH", invoice_number="HĐ-0042"),
    )
    return mine, cleared, theirs


def found(client: Client, **query: str) -> str:
    resp = client.get("/declarations/", query)
    assert resp.status_code == 200
    return resp.content.decode()


def test_an_officer_finds_a_declaration_by_what_is_on_the_documents(
    filed: tuple[Declaration, Declaration, Declaration], officer: User
) -> None:
    mine, cleared, theirs = filed
    assert mine.number and cleared.number and theirs.number
    client = login(Client(), officer)
    page = found(client)
    assert mine.number in page and cleared.number in page and theirs.number not in page
    assert cleared.number in found(client, q=cleared.number)
    assert mine.number not in found(client, q=cleared.number)
    assert cleared.number in found(client, q="MSKU1234565")  # the container
    assert cleared.number in found(client, q="msku 1234565")
    by_invoice = found(client, q="HĐ-0042")
    assert mine.number in by_invoice and theirs.number not in by_invoice
    assert cleared.number in found(client, status="cleared")
    assert mine.number not in found(client, status="cleared")
    assert mine.number in found(client, enterprise=mine.enterprise.mst[:6])
    assert 'data-testid="nothing-found"' in found(client, q=theirs.number)


def test_the_api_filters_by_container_and_invoice(
    filed: tuple[Declaration, Declaration, Declaration],
    officer: User,
    api: Callable[[User], Client],
) -> None:
    mine, cleared, _theirs = filed
    client = api(officer)
    by_box = client.get(URL, {"container": "MSKU1234565"}).json()
    assert [d["number"] for d in by_box["items"]] == [cleared.number]
    by_invoice = client.get(URL, {"invoice_number": "HĐ-0042"}).json()
    assert [d["number"] for d in by_invoice["items"]] == [mine.number]


def test_the_queue_leads_to_the_search(
    officer: User, filed: tuple[Declaration, Declaration, Declaration]
) -> None:
    page = login(Client(), officer).get("/officer/queue/").content.decode()
    assert 'data-testid="find-declaration"' in page and 'action="/declarations/"' in page


def test_a_trader_still_gets_its_own_list(
    filed: tuple[Declaration, Declaration, Declaration], declarant: User
) -> None:
    resp = login(Client(), declarant).get("/declarations/")
    assert "clearance/declaration_list.html" in [t.name for t in resp.templates]
