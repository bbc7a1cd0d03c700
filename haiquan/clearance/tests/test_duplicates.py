"""The same goods declared twice: the same invoice and container of an enterprise already on a
declaration that is not cancelled is refused, naming it; a shared container, bill of lading or
invoice alone is a warning the caller sees."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import pytest
from django.test import Client
from django.utils import translation

from haiquan.accounts.models import User
from haiquan.accounts.tests.helpers import login
from haiquan.clearance import services
from haiquan.clearance.models import Declaration
from haiquan.clearance.selectors import declaration_duplicates
from haiquan.clearance.services import DuplicateDeclaration
from haiquan.core import compiled
from haiquan.refdata.models import Enterprise

from .conftest import declaration_input, payload
from .test_services import pay

pytestmark = pytest.mark.django_db

URL = "/api/v1/declarations"
BOX, OTHER_BOX = "CSQU3054383", "MSKU1234565"
LABELS = {"clearance.Declaration", "refdata.Enterprise"}


@pytest.fixture(autouse=True)
def in_english(settings: Any) -> Any:
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def register(actor: Any, mst: str, **kw: Any) -> Declaration:
    return services.declaration_register(actor=actor, data=declaration_input(mst, **kw))


def test_the_same_invoice_and_container_again_is_refused_naming_the_first(
    rates: None, declarant: User, hoanglong: Enterprise
) -> None:
    first = register(declarant, hoanglong.mst, invoice_number="INV-77", containers=(BOX,))
    with pytest.raises(DuplicateDeclaration) as exc:
        register(declarant, hoanglong.mst, invoice_number="inv-77 ", containers=(OTHER_BOX, BOX))
    assert first.number
    assert first.number in exc.value.detail
    fields = {p.field: p.problem for p in exc.value.errors}
    assert first.number in fields["invoice_number"] and first.number in fields["containers[1]"]
    assert "containers[0]" not in fields
    assert exc.value.as_problem()["duplicates"] == [{"id": first.pk, "number": first.number}]
    assert Declaration.objects.count() == 1
    # Once the first is cancelled, the goods may be declared again.
    services.declaration_cancel(actor=declarant, declaration=first, reason="Khai sai loại hình")
    again = register(declarant, hoanglong.mst, invoice_number="INV-77", containers=(BOX,))
    assert again.number and again.registration_warnings == ()


def test_a_container_or_bill_of_lading_already_declared_is_a_warning(
    rates: None, declarant: User, hoanglong: Enterprise
) -> None:
    first = register(
        declarant, hoanglong.mst, invoice_number="INV-1", containers=(BOX,), bill_of_lading="B1"
    )
    second = register(
        declarant, hoanglong.mst, invoice_number="INV-2", containers=(BOX,), bill_of_lading="B1"
    )
    assert [m.number for m in second.registration_warnings] == [first.number]
    match = second.registration_warnings[0]
    assert match.containers == (BOX,) and match.same_bill_of_lading and not match.same_invoice
    text = services.duplicate_text(match, invoice_number="INV-2", bill_of_lading="B1")
    assert text == (
        f"Declaration {first.number} (Waiting for clearance) already declares bill of lading "
        f"B1; container {BOX}."
    )


def test_a_container_released_earlier_is_free_to_carry_new_goods(
    rates: None, declarant: User, hoanglong: Enterprise, officer: User
) -> None:
    first = register(declarant, hoanglong.mst, invoice_number="INV-1", containers=(BOX,))
    pay(first, declarant)
    services.declaration_release(actor=officer, declaration=first)
    later = register(declarant, hoanglong.mst, invoice_number="INV-2", containers=(BOX,))
    assert later.registration_warnings == ()


def test_another_enterprise_is_not_told_of_this_ones_declarations(
    rates: None,
    declarant: User,
    hoanglong: Enterprise,
    other_declarant: User,
    other_enterprise: Enterprise,
) -> None:
    register(declarant, hoanglong.mst, invoice_number="INV-1", containers=(BOX,))
    theirs = register(
        other_declarant, other_enterprise.mst, invoice_number="INV-1", containers=(BOX,)
    )
    assert theirs.number and theirs.registration_warnings == ()


def test_an_amendment_cannot_make_a_duplicate(
    rates: None, declarant: User, hoanglong: Enterprise
) -> None:
    register(declarant, hoanglong.mst, invoice_number="INV-1", containers=(BOX,))
    second = register(declarant, hoanglong.mst, invoice_number="INV-2", containers=(BOX,))
    with pytest.raises(DuplicateDeclaration):
        services.declaration_amend(
            actor=declarant,
            declaration=second,
            data=declaration_input(hoanglong.mst, invoice_number="INV-1", containers=(BOX,)),
            reason="Sửa số hóa đơn",
        )


def test_the_api_refuses_with_409_and_warns_in_the_answer(
    rates: None, declarant: User, hoanglong: Enterprise, api: Callable[[User], Client]
) -> None:
    client = api(declarant)
    body = payload(hoanglong.mst)
    first = client.post(URL, body, content_type="application/json")
    assert first.status_code == 201 and first.json()["warnings"] == []
    same = client.post(URL, body, content_type="application/json")
    assert same.status_code == 409
    assert same["Content-Type"] == "application/problem+json"
    problem = same.json()
    assert problem["type"].endswith("duplicate-declaration")
    assert problem["duplicates"] == [{"id": first.json()["id"], "number": first.json()["number"]}]
    assert first.json()["number"] in problem["detail"]
    assert {e["field"] for e in problem["errors"]} == {"invoice_number", "containers[0]"}
    # The same container on another invoice: registered, with a warning the caller can see.
    other = client.post(
        URL, {**body, "invoice_number": "INV-OTHER"}, content_type="application/json"
    )
    assert other.status_code == 201
    warning = other.json()["warnings"][0]
    assert warning["code"] == "possible-duplicate"
    assert warning["declarations"] == [{"id": first.json()["id"], "number": first.json()["number"]}]
    assert first.json()["number"] in warning["detail"]


def test_copying_a_declaration_unchanged_is_stopped_on_check_your_answers(
    rates: None, declarant: User, hoanglong: Enterprise
) -> None:
    first = register(declarant, hoanglong.mst, invoice_number="INV-9", containers=(BOX,))
    draft = services.declaration_draft_save(
        actor=declarant, data=services.declaration_input_from(first)
    )
    client = login(Client(), declarant)
    page = client.get(f"/declarations/{draft.pk}/review/").content.decode()
    assert 'data-testid="duplicate-refused"' in page
    assert f'href="/declarations/{first.pk}/"' in page
    assert "disabled" in page
    resp = client.post(f"/declarations/{draft.pk}/review/")
    assert first.number
    assert resp.status_code == 409 and first.number in resp.content.decode()
    draft.refresh_from_db()
    assert draft.status == "draft" and Declaration.objects.exclude(status="draft").count() == 1


def test_the_filings_queries_are_compiled_with_their_values_in_order(
    rates: None, declarant: User, hoanglong: Enterprise
) -> None:
    """The enterprise's read and the duplicate check run from SQL compiled once per process
    (haiquan.core.compiled): the values each lists must be the ones Django binds, in order, or
    the query is never cached. Registered twice, so the second runs the compiled SQL."""
    compiled.compiled_forget()
    first = register(
        declarant, hoanglong.mst, invoice_number="INV-1", containers=(BOX,), bill_of_lading="B1"
    )
    second = register(
        declarant, hoanglong.mst, invoice_number="INV-2", containers=(BOX,), bill_of_lading="B1"
    )
    assert [m.number for m in second.registration_warnings] == [first.number]
    assert second.registration_warnings[0].containers == (BOX,)
    for invoice, bill, boxes in [("INV-1", "", ()), ("", "B1", (BOX, OTHER_BOX)), ("X", "Y", ())]:
        for exclude in (None, second.pk):
            matches = declaration_duplicates(
                enterprise_id=hoanglong.pk,
                flow=first.flow,
                invoice_number=invoice,
                bill_of_lading=bill,
                containers=boxes,
                exclude_id=exclude,
            )
            again = declaration_duplicates(
                enterprise_id=hoanglong.pk,
                flow=first.flow,
                invoice_number=invoice,
                bill_of_lading=bill,
                containers=boxes,
                exclude_id=exclude,
            )
            assert again == matches
    assert [m.number for m in again] == []
    slots = [slot for slot in compiled._compiled if slot[2] in LABELS]
    assert {cast(tuple[str, ...], slot[3])[0] for slot in slots} == {
        "enterprise_for_declarant",
        "declaration_duplicates",
    }
    assert all(compiled._compiled[slot] is not None for slot in slots), slots


def test_an_amendment_making_a_duplicate_is_told_next_to_the_invoice_on_the_page(
    rates: None, declarant: User, hoanglong: Enterprise
) -> None:
    first = register(declarant, hoanglong.mst, invoice_number="INV-1", containers=(BOX,))
    second = register(declarant, hoanglong.mst, invoice_number="INV-2", containers=(BOX,))
    data = services.declaration_input_from(second)
    client = login(Client(), declarant)
    resp = client.post(
        f"/declarations/{second.pk}/amend/",
        {
            "type_code": data.type_code,
            "office_code": data.office_code,
            "enterprise_mst": data.enterprise_mst,
            "transport_mode": data.transport_mode,
            "containers": BOX,
            "partner_name": data.partner_name,
            "partner_country": data.partner_country,
            "invoice_number": "INV-1",
            "incoterm": data.incoterm,
            "currency": data.currency,
            "invoice_value": str(data.invoice_value),
            "hs_code": [ln.hs_code for ln in data.lines],
            "description": [ln.description for ln in data.lines],
            "origin": [ln.origin for ln in data.lines],
            "quantity": [str(ln.quantity) for ln in data.lines],
            "unit": [ln.unit for ln in data.lines],
            "unit_price": [str(ln.unit_price) for ln in data.lines],
            "action": "amend",
            "reason": "Sửa số hóa đơn",
            "version": second.version,
        },
    )
    html = resp.content.decode()
    assert resp.status_code == 409  # the form again, refused as a duplicate of another
    assert 'id="id_invoice_number-error"' in html and str(first.number) in html
    second.refresh_from_db()
    assert second.invoice_number == "INV-2" and second.versions.count() == 1
