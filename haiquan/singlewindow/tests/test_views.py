"""The single window pages: an agency files a result, the trader and the officer see where each
line stands, administrators keep the requirements table."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from haiquan.accounts.models import User
from haiquan.accounts.services import user_create
from haiquan.accounts.tests.helpers import login
from haiquan.clearance import services as clearance
from haiquan.clearance.choices import Status
from haiquan.clearance.models import Declaration
from haiquan.clearance.tests.conftest import declaration_input
from haiquan.refdata.models import Enterprise
from haiquan.singlewindow.models import Agency, Document, PartnerEndpoint, Requirement

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(
    rates: None, declarant: User, hoanglong: Enterprise, quarantine_required: Requirement
) -> Declaration:
    return clearance.declaration_register(
        actor=declarant, data=declaration_input(hoanglong.mst, type_code="E31")
    )


def number_of(declaration: Declaration) -> str:
    """The number of a registered declaration (the model allows none for a draft)."""
    assert declaration.number is not None
    return declaration.number


def result_form(mst: str, number: str, **kw: str) -> dict[str, str]:
    today = timezone.localdate()
    data = {
        "message_id": "web-1",
        "kind": "inspection",
        "reference": "KDTV-WEB-1",
        "holder_mst": mst,
        "declaration_number": number,
        "issued_on": today.isoformat(),
        "valid_from": today.isoformat(),
        "valid_to": (today + timedelta(days=30)).isoformat(),
        "result": "pass",
        "notes": "",
        "goods-TOTAL_FORMS": "3",
        "goods-INITIAL_FORMS": "0",
        "goods-MIN_NUM_FORMS": "0",
        "goods-MAX_NUM_FORMS": "20",
        "goods-0-hs_code": "08109092",
        "goods-0-description": "Thanh long",
        "goods-0-quantity": "10000",
        "goods-0-unit": "KGM",
    }
    data.update(kw)
    return data


def test_the_agency_files_a_pass_on_its_page_and_the_declaration_clears(
    held: Declaration, hoanglong: Enterprise, quarantine_officer: User
) -> None:
    page = login(Client(), quarantine_officer)
    home = page.get(reverse("singlewindow:home"))
    assert home.status_code == 200 and number_of(held) in home.content.decode()
    resp = page.post(
        reverse("singlewindow:document_new"), result_form(hoanglong.mst, number_of(held))
    )
    doc = Document.objects.get()
    assert resp.status_code == 302 and resp["Location"] == reverse(
        "singlewindow:document_detail", args=[doc.pk]
    )
    held.refresh_from_db()
    assert held.status == Status.CLEARED


def test_a_bad_quantity_is_shown_next_to_its_field(
    held: Declaration, hoanglong: Enterprise, quarantine_officer: User
) -> None:
    page = login(Client(), quarantine_officer)
    resp = page.post(
        reverse("singlewindow:document_new"),
        result_form(hoanglong.mst, number_of(held), **{"goods-0-unit": "BASKET"}),
    )
    assert resp.status_code == 422
    assert 'id="id_goods-0-unit-error"' in resp.content.decode()
    assert "&#x27;BASKET&#x27; is not a unit code" in resp.content.decode()
    assert not Document.objects.exists()


def test_a_reference_sent_already_is_a_409_said_above_the_form(
    held: Declaration, hoanglong: Enterprise, quarantine_officer: User
) -> None:
    page = login(Client(), quarantine_officer)
    url = reverse("singlewindow:document_new")
    assert page.post(url, result_form(hoanglong.mst, number_of(held))).status_code == 302
    again = page.post(url, result_form(hoanglong.mst, number_of(held), message_id="web-2"))
    assert again.status_code == 409  # a refusal (sent already), with its own status
    assert 'class="error-summary"' in again.content.decode()
    assert Document.objects.count() == 1


def test_the_trader_sees_what_holds_the_declaration(
    held: Declaration, declarant: User, other_declarant: User
) -> None:
    page = login(Client(), declarant)
    resp = page.get(reverse("singlewindow:declaration", args=[held.pk]))
    text = resp.content.decode()
    assert resp.status_code == 200
    assert "Clearance is held until:" in text
    assert "needs a specialised-inspection result from Chi cục Kiểm dịch thực vật vùng VII" in text
    other = login(Client(), other_declarant)
    assert other.get(reverse("singlewindow:declaration", args=[held.pk])).status_code == 404


def test_the_officer_sees_the_requests_of_the_office(held: Declaration, officer: User) -> None:
    page = login(Client(), officer)
    resp = page.get(reverse("singlewindow:home") + "?state=waiting")
    assert resp.status_code == 200 and number_of(held) in resp.content.decode()
    resp = page.get(reverse("singlewindow:declaration", args=[held.pk]))
    assert resp.status_code == 200 and "Giấy chứng nhận kiểm dịch thực vật" in resp.content.decode()
    from haiquan.audit.models import AccessRecord

    assert AccessRecord.objects.filter(user=officer, subject_id=held.pk, part="detail").exists()


def test_an_administrator_adds_a_requirement_on_the_page(
    plant_agency: Agency, declarant: User
) -> None:
    admin = user_create(username="admin.sw", password="pw-ad-2026!", role="admin")
    page = login(Client(), admin)
    form = {
        "agency_code": plant_agency.code,
        "kind": "inspection",
        "title": "Kiểm dịch thực vật – cam",
        "hs_prefix": "0805",
        "flow": "import",
        "origins": "CN, TH",
        "active": "on",
    }
    resp = page.post(reverse("singlewindow:requirement_new"), form)
    assert resp.status_code == 302
    assert Requirement.objects.get().origins == ["CN", "TH"]
    resp = page.post(reverse("singlewindow:requirement_new"), {**form, "hs_prefix": "8"})
    assert resp.status_code == 422 and "2 to 8 digits" in resp.content.decode()
    assert 'id="id_hs_prefix-error"' in resp.content.decode()
    assert Requirement.objects.count() == 1
    trader = login(Client(), declarant)
    assert trader.get(reverse("singlewindow:requirements")).status_code == 200
    assert trader.post(reverse("singlewindow:requirement_new"), form).status_code == 403
    assert Requirement.objects.count() == 1


def test_pages_need_a_login() -> None:
    resp = Client().get(reverse("singlewindow:home"))
    assert resp.status_code == 302 and "login" in resp["Location"]


def test_e_co_pages_for_the_importer_and_the_gateway(
    rates: None, hoanglong: Enterprise, declarant: User, thai_endpoint: PartnerEndpoint
) -> None:
    from haiquan.singlewindow import asw
    from haiquan.singlewindow.tests.test_asw import eco

    cert = asw.certificate_receive(actor=thai_endpoint.user, data=eco(hoanglong.mst))
    for user in (declarant, thai_endpoint.user):
        page = login(Client(), user)
        listed = page.get(reverse("singlewindow:certificates") + "?q=TH2026")
        assert listed.status_code == 200 and "TH2026-D-000123" in listed.content.decode()
        detail = page.get(reverse("singlewindow:certificate_detail", args=[cert.pk]))
        assert detail.status_code == 200 and "081090" in detail.content.decode()
        assert page.get(reverse("singlewindow:home")).status_code == 200


def test_the_document_page_and_its_revocation(
    held: Declaration, hoanglong: Enterprise, quarantine_officer: User, declarant: User
) -> None:
    page = login(Client(), quarantine_officer)
    page.post(reverse("singlewindow:document_new"), result_form(hoanglong.mst, number_of(held)))
    doc = Document.objects.get()
    assert (
        "Revoke"
        in page.get(reverse("singlewindow:document_detail", args=[doc.pk])).content.decode()
    )
    trader = login(Client(), declarant)
    seen = trader.get(reverse("singlewindow:document_detail", args=[doc.pk]))
    assert seen.status_code == 200 and "Revoke" not in seen.content.decode()
    assert (
        trader.post(
            reverse("singlewindow:document_revoke", args=[doc.pk]), {"reason": "x"}
        ).status_code
        == 403
    )
    no_reason = page.post(
        reverse("singlewindow:document_revoke", args=[doc.pk]),
        {"reason": "", "message_id": "web-revoke-1"},
    )
    assert no_reason.status_code == 422
    assert 'id="id_reason-error"' in no_reason.content.decode()
    doc.refresh_from_db()
    assert doc.state == "valid"
    resp = page.post(
        reverse("singlewindow:document_revoke", args=[doc.pk]),
        {"reason": "Cấp nhầm", "message_id": "web-revoke-1"},
    )
    assert resp.status_code == 302
    doc.refresh_from_db()
    assert doc.state == "revoked"
