"""The pages: an enterprise files through the forms, attaches, submits, pays at the demo bank;
the officer receives and decides; the result is downloaded and verified publicly; leaders see
on-time rates; nobody else sees the filing."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from haiquan.accounts.tests.helpers import login
from haiquan.eservices import services
from haiquan.eservices.models import Filing

from .conftest import BROKER_DATA, PDF, TEXT

pytestmark = pytest.mark.django_db


def test_anyone_reads_the_catalogue(catalogue: Any) -> None:
    page = Client().get(reverse("eservices:home"))
    assert page.status_code == 200
    html = page.content.decode()
    assert (
        "Advance ruling on HS classification" in html and "Registration as a customs broker" in html
    )
    page = Client().get(reverse("eservices:procedure", args=["hs-ruling"]))
    assert page.status_code == 200 and "working days" in page.content.decode()
    assert Client().get(reverse("eservices:procedure", args=["nope"])).status_code == 404


def test_a_level_four_filing_through_the_pages(
    catalogue: Any, broker: Any, tanphat: Any, hq_officer: Any, settings: Any
) -> None:
    settings.HAIQUAN = {**settings.HAIQUAN, "BANK_SIMULATOR": True}
    trader = login(Client(), broker)
    url = reverse("eservices:filing_create", args=["broker-registration"])
    page = trader.post(url, {"enterprise_mst": tanphat.mst, "certified_staff": "x"})
    assert page.status_code == 422
    assert page.context["form"].errors.keys() >= {"legal_representative", "certified_staff"}

    page = trader.post(url, {"enterprise_mst": tanphat.mst, **BROKER_DATA})
    filing = Filing.objects.get(enterprise=tanphat)
    detail = reverse("eservices:filing_detail", args=[filing.pk])
    assert page.status_code == 302 and page["Location"] == detail

    upload = reverse("eservices:document_upload", args=[filing.pk])
    page = trader.post(upload, {"slot": "request_form", "file": SimpleUploadedFile("a.pdf", TEXT)})
    assert page.status_code == 422
    assert "accepts PDF" in str(page.context["upload_form"].errors["file"])
    for slot in ("request_form", "business_registration", "staff_certificates"):
        page = trader.post(upload, {"slot": slot, "file": SimpleUploadedFile(f"{slot}.pdf", PDF)})
        assert page.status_code == 302
    assert trader.post(reverse("eservices:filing_submit", args=[filing.pk])).status_code == 302
    assert trader.post(reverse("eservices:fee_pay", args=[filing.pk])).status_code == 302
    html = trader.get(detail).content.decode()
    assert 'data-testid="fee-reference"' in html
    assert trader.post(reverse("eservices:fee_bank", args=[filing.pk])).status_code == 302
    filing.refresh_from_db()
    assert filing.status == "submitted" and filing.paid_at and filing.due_on

    desk = login(Client(), hq_officer)
    assert "DVC" in desk.get(reverse("eservices:requests")).content.decode()
    assert desk.post(reverse("eservices:filing_receive", args=[filing.pk])).status_code == 302
    page = desk.post(
        reverse("eservices:filing_decide", args=[filing.pk]),
        {"outcome": "approved", "text": "Đủ điều kiện."},
    )
    assert page.status_code == 302
    filing.refresh_from_db()
    assert filing.status == "approved" and filing.on_time is True

    pdf = trader.get(reverse("eservices:filing_result", args=[filing.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    verify = Client().get(reverse("eservices:verify_code", args=[filing.result_code]))
    assert verify.status_code == 200 and filing.reference in verify.content.decode()
    same = Client().post(
        reverse("eservices:verify_code", args=[filing.result_code]),
        {"file": SimpleUploadedFile("r.pdf", pdf.content)},
    )
    assert same.context["match"] is True
    other = Client().post(
        reverse("eservices:verify_code", args=[filing.result_code]),
        {"file": SimpleUploadedFile("r.pdf", PDF)},
    )
    assert other.context["match"] is False
    nothing = Client().post(reverse("eservices:verify_code", args=[filing.result_code]), {})
    assert nothing.status_code == 422  # no file chosen: said next to the field
    assert nothing.context["match"] is None
    assert 'id="id_file-error"' in nothing.content.decode()
    filing.refresh_from_db()
    assert filing.result_sha256 == hashlib.sha256(pdf.content).hexdigest()
    assert Client().get(reverse("eservices:verify_code", args=["WRONG"])).status_code == 404


def test_another_enterprise_gets_404_on_the_filing_and_its_documents(
    ready_filing: Any, declarant: Any, hoanglong: Any, other_declarant: Any, gate_officer: Any
) -> None:
    filing = ready_filing(declarant, hoanglong.mst)
    doc = filing.documents.first()
    owner = login(Client(), declarant)
    assert owner.get(reverse("eservices:filing_detail", args=[filing.pk])).status_code == 200
    download = reverse("eservices:document_download", args=[filing.pk, doc.pk])
    assert owner.get(download).status_code == 200
    for user in (other_declarant, gate_officer):
        client = login(Client(), user)
        assert client.get(reverse("eservices:filing_detail", args=[filing.pk])).status_code == 404
        assert client.get(download).status_code == 404
    assert Client().get(download).status_code == 302  # to the log-in page


def test_the_officer_asks_for_more_and_the_enterprise_answers(
    ready_filing: Any, declarant: Any, hoanglong: Any, hq_officer: Any
) -> None:
    filing = ready_filing(declarant, hoanglong.mst)
    services.filing_receive(actor=hq_officer, filing=filing)
    desk = login(Client(), hq_officer)
    page = desk.post(reverse("eservices:filing_request", args=[filing.pk]), {"text": ""})
    assert page.status_code == 422
    page = desk.post(
        reverse("eservices:filing_request", args=[filing.pk]), {"text": "Bổ sung ảnh hàng hóa."}
    )
    assert page.status_code == 302
    trader = login(Client(), declarant)
    html = trader.get(reverse("eservices:filing_detail", args=[filing.pk])).content.decode()
    assert "Bổ sung ảnh hàng hóa." in html and "The time limit is stopped" in html
    page = trader.post(
        reverse("eservices:filing_answer", args=[filing.pk]), {"text": "Đã gửi ảnh."}
    )
    assert page.status_code == 302
    filing.refresh_from_db()
    assert filing.status == "in_review" and filing.due_on is not None


def test_leaders_see_the_on_time_page_and_traders_do_not(
    ready_filing: Any, declarant: Any, hoanglong: Any, hq_officer: Any
) -> None:
    from haiquan.accounts.services import user_create

    filing = ready_filing(declarant, hoanglong.mst)
    services.filing_receive(actor=hq_officer, filing=filing)
    services.filing_decide(actor=hq_officer, filing=filing, outcome="refused", text="Không.")
    national = user_create(username="t.ld", password=None, role="leader", office_codes=["00"])
    page = login(Client(), national).get(reverse("eservices:performance"))
    assert page.status_code == 200
    [row] = page.context["rows"]
    assert (row.decided, row.on_time) == (1, 1)
    assert 'id="eservices-on-time-data"' in page.content.decode()
    assert login(Client(), declarant).get(reverse("eservices:performance")).status_code == 403
    assert login(Client(), hq_officer).get(reverse("eservices:performance")).status_code == 403


def test_a_draft_s_answers_can_be_changed_until_it_is_submitted(
    ready_filing: Any, declarant: Any, hoanglong: Any
) -> None:
    filing = ready_filing(declarant, hoanglong.mst, submit=False)
    trader = login(Client(), declarant)
    edit = reverse("eservices:filing_edit", args=[filing.pk])
    page = trader.get(edit)
    assert page.status_code == 200 and page.context["form"]["goods_name"].value()
    data = {**filing.data, "goods_name": "Máy tính xách tay 13 inch", "proposed_hs_code": "1"}
    page = trader.post(edit, data)
    assert page.status_code == 422 and "proposed_hs_code" in page.context["form"].errors
    data["proposed_hs_code"] = "84713020"
    assert trader.post(edit, data).status_code == 302
    filing.refresh_from_db()
    assert filing.data["goods_name"] == "Máy tính xách tay 13 inch"
    services.filing_submit(actor=declarant, filing=filing)
    assert trader.post(edit, data).status_code == 409


def test_submitting_without_the_documents_lists_what_is_missing(
    catalogue: Any, declarant: Any, hoanglong: Any
) -> None:
    from .conftest import HS_RULING_DATA

    filing = services.filing_create(
        actor=declarant,
        procedure=catalogue["hs-ruling"],
        enterprise_mst=hoanglong.mst,
        data=HS_RULING_DATA,
    )
    trader = login(Client(), declarant)
    page = trader.post(reverse("eservices:filing_submit", args=[filing.pk]))
    assert page.status_code == 422
    errors = page.context["submit_errors"]
    assert any("Request form" in e for e in errors) and len(errors) == 2
    filing.refresh_from_db()
    assert filing.status == "draft"


def test_a_file_too_large_is_refused_next_to_the_field_before_it_is_read(
    catalogue: Any, declarant: Any, hoanglong: Any
) -> None:
    from .conftest import HS_RULING_DATA

    filing = services.filing_create(
        actor=declarant,
        procedure=catalogue["hs-ruling"],
        enterprise_mst=hoanglong.mst,
        data=HS_RULING_DATA,
    )
    page = login(Client(), declarant).post(
        reverse("eservices:document_upload", args=[filing.pk]),
        {"slot": "request_form", "file": SimpleUploadedFile("big.pdf", PDF)},
        CONTENT_LENGTH=str(30 * 1024 * 1024),  # what the browser announces: 30 MB
    )
    assert page.status_code == 422
    assert "larger than the 20 MB" in str(page.context["upload_form"].errors["file"])
    assert not filing.documents.exists()
