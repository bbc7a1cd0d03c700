"""Documents and requests for them through the HTTP API: a request, the trader's multipart
upload and answer, the officer's acceptance; versions; refusals as problem+json naming the field;
other enterprises' documents not found; every customs read in the access trail."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from haiquan.audit.models import AccessRecord
from haiquan.clearance.models import Declaration

from .test_documents import EXE, PDF, PNG

pytestmark = pytest.mark.django_db
BASE = "/api/v1/declarations"


def post_file(client: Any, url: str, name: str, content: bytes, **fields: str) -> Any:
    return client.post(url, {**fields, "file": SimpleUploadedFile(name, content)})


def test_request_upload_answer_accept_over_http(
    api: Any, yellow: Declaration, declarant: Any, officer: Any
) -> None:
    trader, customs = api(declarant), api(officer)
    due = (timezone.now() + timedelta(days=1)).isoformat()
    resp = customs.post(
        f"{BASE}/{yellow.pk}/document-requests",
        {"documents": ["invoice"], "message": "Send the signed invoice.", "due_at": due},
        content_type="application/json",
    )
    assert resp.status_code == 201, resp.content
    rid = resp.json()["id"]
    assert trader.get(f"{BASE}/{yellow.pk}").json()["status"] == "awaiting_documents"
    resp = post_file(trader, f"{BASE}/{yellow.pk}/documents", "invoice.pdf", PDF, kind="invoice")
    assert resp.status_code == 201, resp.content
    doc = resp.json()
    assert (doc["kind"], doc["version"], doc["request"], doc["content_type"]) == (
        "invoice",
        1,
        rid,
        "application/pdf",
    )
    resp = trader.post(
        f"{BASE}/{yellow.pk}/document-requests/{rid}/answer",
        {"message": "Attached."},
        content_type="application/json",
    )
    assert resp.status_code == 200 and resp.json()["state"] == "answered"
    assert resp.json()["attached"] == [doc["id"]]
    # The officer reads the document: the file as uploaded, its read in the access trail.
    resp = customs.get(doc["download_url"])
    assert resp.status_code == 200
    assert b"".join(resp.streaming_content) == PDF
    assert resp["Content-Type"] == "application/pdf"
    assert resp["Content-Disposition"].startswith("attachment;")
    assert AccessRecord.objects.filter(
        user=officer, part="doc_file", subject_id=yellow.pk, via="api"
    ).exists()
    resp = customs.post(
        f"{BASE}/{yellow.pk}/document-requests/{rid}/accept",
        {"note": "Invoice matches."},
        content_type="application/json",
    )
    assert resp.status_code == 200 and resp.json()["state"] == "accepted"
    resp = customs.post(
        f"{BASE}/{yellow.pk}/document-check",
        {"outcome": "match"},
        content_type="application/json",
    )
    assert resp.status_code == 200 and resp.json()["status"] == "awaiting_payment"
    # The trader's own reads are not recorded.
    trader.get(f"{BASE}/{yellow.pk}/documents")
    assert not AccessRecord.objects.filter(user=declarant).exists()


def test_a_replaced_document_keeps_its_earlier_version(
    api: Any, yellow: Declaration, declarant: Any
) -> None:
    trader = api(declarant)
    first = post_file(trader, f"{BASE}/{yellow.pk}/documents", "bl.pdf", PDF, kind="bill_of_lading")
    assert first.status_code == 201
    second = post_file(
        trader, f"{BASE}/{yellow.pk}/documents/{first.json()['id']}/replace", "bl2.png", PNG
    )
    assert second.status_code == 201 and second.json()["version"] == 2
    listed = trader.get(f"{BASE}/{yellow.pk}/documents").json()
    assert [(d["version"], d["current"], d["original_name"]) for d in listed] == [
        (1, False, "bl.pdf"),
        (2, True, "bl2.png"),
    ]
    assert b"".join(trader.get(listed[0]["download_url"]).streaming_content) == PDF


@pytest.mark.parametrize(
    ("name", "content", "kind", "field", "code"),
    [
        ("invoice.pdf", EXE, "invoice", "file", "wrong-type"),
        ("../../../../tmp/evil.pdf", EXE, "invoice", "file", "wrong-type"),
        ("photo.jpg", PDF, "photo", "file", "wrong-type"),
        ("invoice.pdf", PDF, "", "kind", "required"),
    ],
)
def test_hostile_uploads_are_problems_naming_the_field(
    api: Any,
    yellow: Declaration,
    declarant: Any,
    name: str,
    content: bytes,
    kind: str,
    field: str,
    code: str,
) -> None:
    resp = post_file(api(declarant), f"{BASE}/{yellow.pk}/documents", name, content, kind=kind)
    assert resp.status_code == 422
    assert resp["Content-Type"].startswith("application/problem+json")
    (error,) = resp.json()["errors"]
    assert (error["field"], error["code"]) == (field, code)
    assert not yellow.documents.exists()


def test_a_huge_upload_is_refused_before_it_is_read(
    api: Any, yellow: Declaration, declarant: Any
) -> None:
    resp = api(declarant).post(
        f"{BASE}/{yellow.pk}/documents",
        data=b"x",
        content_type="multipart/form-data; boundary=B",
        CONTENT_LENGTH=str(500 * 1024 * 1024),
    )
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"] == "file"
    assert resp.json()["errors"][0]["code"] == "too-large"


def test_a_missing_file_part_names_file(api: Any, yellow: Declaration, declarant: Any) -> None:
    resp = api(declarant).post(f"{BASE}/{yellow.pk}/documents", {"kind": "invoice"})
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "file"


def test_other_enterprises_documents_are_not_found(
    api: Any, yellow: Declaration, declarant: Any, other_declarant: Any, officer_elsewhere: Any
) -> None:
    doc = post_file(
        api(declarant), f"{BASE}/{yellow.pk}/documents", "c.pdf", PDF, kind="contract"
    ).json()
    for user in (other_declarant, officer_elsewhere):
        client = api(user)
        assert client.get(doc["download_url"]).status_code == 404
        assert client.get(f"{BASE}/{yellow.pk}/documents").status_code == 404
        assert client.get(f"{BASE}/{yellow.pk}/document-requests").status_code == 404
        assert (
            post_file(client, f"{BASE}/{yellow.pk}/documents", "x.pdf", PDF, kind="invoice")
        ).status_code == 404
    # Another declaration's document id under this declaration's path is not found either.
    assert api(declarant).get(f"{BASE}/{yellow.pk}/documents/{doc['id'] + 1000}").status_code == 404


def test_request_problems_over_http(api: Any, yellow: Declaration, officer: Any) -> None:
    resp = api(officer).post(
        f"{BASE}/{yellow.pk}/document-requests",
        {"documents": ["visa"], "message": "", "due_at": None},
        content_type="application/json",
    )
    assert resp.status_code == 422
    assert {e["field"] for e in resp.json()["errors"]} == {"documents[0]", "message", "due_at"}
    resp = api(officer).post(
        f"{BASE}/{yellow.pk}/document-requests",
        {"documents": [], "message": "x", "due_at": "tomorrow"},
        content_type="application/json",
    )
    assert resp.status_code == 422
    assert "due_at" in resp.json()["errors"][0]["field"]
