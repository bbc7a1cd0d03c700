"""The declaration, amendment and cancellation forms tell every problem at once, next to the
field as the page names it, in the user's language, amounts written as the page writes them."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from haiquan.accounts.models import User
from haiquan.accounts.tests.helpers import login
from haiquan.clearance import services
from haiquan.clearance.models import Declaration
from haiquan.refdata.models import Enterprise

from .conftest import declaration_input
from .test_views_enterprise import form_data

pytestmark = pytest.mark.django_db


def english(client: Client) -> Client:
    """The pages in English (the language cookie the switch sets)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def errors(html: str, field: str) -> bool:
    return f'id="{field}-error"' in html


def test_a_new_declaration_shows_unreadable_and_wrong_values_together(
    rates: None, declarant: User, hoanglong: Enterprise
) -> None:
    client = english(login(Client(), declarant))
    data = form_data(
        hoanglong.mst,
        type_code="",
        transport_mode="",
        quantity=["mười nghìn"],
        description=[""],
        invoice_value="9500",
    )
    resp = client.post("/declarations/new/", {**data, "action": "continue"})
    html = resp.content.decode()
    assert resp.status_code == 422 and Declaration.objects.count() == 0
    assert errors(html, "id_type_code") and "choose the declaration type" in html
    assert errors(html, "id_transport_mode") and "choose the transport mode" in html
    assert errors(html, "line-0-quantity") and errors(html, "line-0-description")
    # Never the list of internal values, never a field path.
    assert "must be one of" not in html and "lines[0]" not in html


def test_amounts_in_problems_are_written_in_the_pages_language(
    rates: None, declarant: User, hoanglong: Enterprise
) -> None:
    client = login(Client(), declarant)
    data = {**form_data(hoanglong.mst, invoice_value="9500"), "action": "continue"}
    # Vietnamese, the installation's language.
    html = client.post("/declarations/new/", data).content.decode()
    assert "9.500,00" in html and "8.000,00" in html and "9500.00" not in html


def test_an_amendment_tells_the_reason_and_the_content_problems_at_once(
    rates: None, declarant: User, hoanglong: Enterprise
) -> None:
    d = services.declaration_register(actor=declarant, data=declaration_input(hoanglong.mst))
    client = english(login(Client(), declarant))
    data = form_data(hoanglong.mst, description=[""], partner_country="XX")
    data.update(reason="", version=d.version)
    resp = client.post(f"/declarations/{d.pk}/amend/", data)
    html = resp.content.decode()
    assert resp.status_code == 422
    assert errors(html, "id_reason") and "say why the declaration is amended" in html
    assert errors(html, "line-0-description") and errors(html, "id_partner_country")
    # And with a value that is no number: the rest is still checked.
    data.update(quantity=["abc"])
    html = client.post(f"/declarations/{d.pk}/amend/", data).content.decode()
    assert errors(html, "id_reason") and errors(html, "line-0-quantity")
    assert errors(html, "line-0-description") and errors(html, "id_partner_country")
    d.refresh_from_db()
    assert d.version == 1 + 0 and d.amendment_count == 0


def test_the_cancellation_form_names_its_field(
    rates: None, declarant: User, hoanglong: Enterprise
) -> None:
    d = services.declaration_register(actor=declarant, data=declaration_input(hoanglong.mst))
    client = english(login(Client(), declarant))
    html = client.post(
        f"/declarations/{d.pk}/cancel/", {"reason": " ", "version": d.version}
    ).content.decode()
    assert errors(html, "id_reason") and "say why the declaration is cancelled" in html
    assert 'href="#id_reason"' in html  # the summary links to the field
