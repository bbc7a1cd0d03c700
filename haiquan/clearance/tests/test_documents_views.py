"""The documents on the declaration page: the officer's request, the declarant's upload (wrong
type or size: the message next to the field) and answer, the officer's acceptance; downloads
only for those who may see the declaration, customs' reads in the access trail."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any, cast

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from haiquan.accounts.tests.helpers import login
from haiquan.audit.models import AccessRecord
from haiquan.clearance.choices import RequestState, Status
from haiquan.clearance.models import Declaration, DocumentRequest

from .test_documents import EXE, PDF

pytestmark = pytest.mark.django_db


def page(decl: Declaration) -> str:
    return reverse("clearance:declaration_detail", args=[decl.pk])


def test_request_upload_answer_accept_on_the_pages(
    yellow: Declaration, declarant: Any, officer: Any
) -> None:
    desk, trader = login(Client(), officer), login(Client(), declarant)
    form = desk.get(reverse("clearance:document_request", args=[yellow.pk]))
    assert form.status_code == 200
    due = timezone.localtime() + timedelta(days=2)
    resp = desk.post(
        reverse("clearance:document_request", args=[yellow.pk]),
        {
            "documents": ["invoice", "packing_list"],
            "message": "Send the signed invoice and the packing list.",
            "due_at": due.strftime("%Y-%m-%dT%H:%M"),
            "version": yellow.version,
        },
    )
    assert resp.status_code == 302
    yellow.refresh_from_db()
    assert yellow.status == Status.AWAITING_DOCUMENTS
    html = trader.get(page(yellow)).content.decode()
    assert "Send the signed invoice and the packing list." in html
    assert 'data-testid="answer-form"' in html
    for kind, name in (("invoice", "invoice.pdf"), ("packing_list", "packing.pdf")):
        resp = trader.post(
            reverse("clearance:document_upload", args=[yellow.pk]),
            {"kind": kind, "file": SimpleUploadedFile(name, PDF)},
        )
        assert resp.status_code == 302, resp.content.decode()[:500]
    request = DocumentRequest.objects.get(declaration=yellow)
    resp = trader.post(
        reverse("clearance:request_answer", args=[yellow.pk, request.pk]),
        {"message": "Both attached.", "version": Declaration.objects.get(pk=yellow.pk).version},
    )
    assert resp.status_code == 302
    html = desk.get(page(yellow)).content.decode()
    assert "Both attached." in html and 'data-testid="accept-form"' in html
    assert 'data-action="record_check"' not in html  # accept first
    resp = desk.post(
        reverse("clearance:request_accept", args=[yellow.pk, request.pk]),
        {"note": "", "version": Declaration.objects.get(pk=yellow.pk).version},
    )
    assert resp.status_code == 302
    request.refresh_from_db()
    assert request.state == RequestState.ACCEPTED
    assert 'data-action="record_check"' in desk.get(page(yellow)).content.decode()
    # The officer downloads a document from the page: recorded in the access trail.
    doc = yellow.documents.get(kind="invoice")
    resp = desk.get(reverse("clearance:document_download", args=[yellow.pk, doc.pk]))
    assert resp.status_code == 200 and resp.getvalue() == PDF
    assert AccessRecord.objects.filter(user=officer, part="doc_file", via="page").count() == 1


def test_a_wrong_file_is_refused_next_to_the_field(yellow: Declaration, declarant: Any) -> None:
    trader = login(Client(), declarant)
    resp = trader.post(
        reverse("clearance:document_upload", args=[yellow.pk]),
        {"kind": "invoice", "file": SimpleUploadedFile("invoice.pdf", EXE)},
    )
    assert resp.status_code == 422
    error = re.search(r'id="id_file-error">(.*?)</p>', resp.content.decode(), re.S)
    assert error is not None
    assert "PDF" in error[1] and "XML" in error[1]  # what the invoice may be
    assert not yellow.documents.exists()
    resp = trader.post(reverse("clearance:document_upload", args=[yellow.pk]), {"kind": "invoice"})
    assert resp.status_code == 422 and 'id="id_file-error"' in resp.content.decode()


@override_settings(HAIQUAN={"DOCUMENT_MAX_BYTES": 1024})
def test_a_file_too_large_is_refused_next_to_the_field(yellow: Declaration, declarant: Any) -> None:
    resp = login(Client(), declarant).post(
        reverse("clearance:document_upload", args=[yellow.pk]),
        {"kind": "invoice", "file": SimpleUploadedFile("big.pdf", PDF + b"0" * 200_000)},
    )
    assert resp.status_code == 422
    assert 'id="id_file-error"' in resp.content.decode()
    assert not yellow.documents.exists()


def test_request_problems_next_to_the_fields(yellow: Declaration, officer: Any) -> None:
    resp = login(Client(), officer).post(
        reverse("clearance:document_request", args=[yellow.pk]),
        {"message": "", "due_at": "", "version": yellow.version},
    )
    assert resp.status_code == 422
    html = resp.content.decode()
    assert 'id="id_message-error"' in html and 'id="id_due_at-error"' in html


def test_other_enterprises_documents_are_not_found_on_the_pages(
    yellow: Declaration, declarant: Any, other_declarant: Any, officer_elsewhere: Any
) -> None:
    login(Client(), declarant).post(
        reverse("clearance:document_upload", args=[yellow.pk]),
        {"kind": "contract", "file": SimpleUploadedFile("c.pdf", PDF)},
    )
    doc = yellow.documents.get()
    for user in (other_declarant, officer_elsewhere):
        client = login(Client(), user)
        assert (
            client.get(reverse("clearance:document_download", args=[yellow.pk, doc.pk])).status_code
            == 404
        )
        resp = client.post(
            reverse("clearance:document_upload", args=[yellow.pk]),
            {"kind": "invoice", "file": SimpleUploadedFile("x.pdf", PDF)},
        )
        assert resp.status_code == 404
    assert yellow.documents.count() == 1


def test_the_printed_declaration_lists_its_documents(yellow: Declaration, declarant: Any) -> None:
    trader = login(Client(), declarant)
    trader.post(
        reverse("clearance:document_upload", args=[yellow.pk]),
        {
            "kind": "bill_of_lading",
            "reference": "HPH-77",
            "file": SimpleUploadedFile("bl.pdf", PDF),
        },
    )
    resp = trader.get(reverse("clearance:declaration_pdf", args=[yellow.pk]))
    assert resp.status_code == 200 and resp.content.startswith(b"%PDF-")
    html = render_to_string("clearance/declaration_print.html", cast(Any, resp.context).flatten())
    assert 'data-testid="print-documents"' in html
    assert "bl.pdf" in html and "HPH-77" in html
