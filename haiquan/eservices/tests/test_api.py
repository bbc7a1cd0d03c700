"""/api/v1/eservices through HTTP, as an enterprise's software, a bank and officers use it."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.test import Client

from haiquan.eventlog.models import Event

from .conftest import BROKER_DATA, HS_RULING_DATA, PDF, PNG, TEXT, post_json, signed

pytestmark = pytest.mark.django_db
BASE = "/api/v1/eservices"


def _attach(client: Client, filing_id: int, slot: str, name: str, content: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        f"{BASE}/filings/{filing_id}/documents",
        data={"slot": slot, "file": SimpleUploadedFile(name, content)},
    )


class TestCatalogue:
    def test_every_required_procedure_is_offered_with_its_form(self, catalogue: Any) -> None:
        resp = Client().get(f"{BASE}/procedures")
        assert resp.status_code == 200
        by_code = {p["code"]: p for p in resp.json()}
        assert set(by_code) >= {
            "hs-ruling",
            "origin-ruling",
            "bonded-recognition",
            "broker-registration",
            "tax-refund",
            "bonded-extension",
        }
        hs = by_code["hs-ruling"]
        assert hs["level"] == 4 and hs["time_limit_days"] == 20 and hs["office_code"] == "00"
        fields = {f["name"]: f for f in hs["form"]["fields"]}
        assert (
            fields["proposed_hs_code"]["type"] == "hs_code_proposed"
            and fields["goods_name"]["required"]
        )
        request_form = hs["form"]["attachments"][0]
        assert request_form["types"] == ["application/pdf"] and request_form["max_bytes"] > 0
        assert by_code["broker-registration"]["fee_vnd"] == 200000


class TestLevelFourFlow:
    def test_filing_payment_decision_and_signed_result(
        self, catalogue: Any, broker: Any, tanphat: Any, hq_officer: Any, bank: Any, api: Any
    ) -> None:
        """Registration as a broker (level 4, fee 200,000 VND): file, attach, submit, pay at a
        bank, received and approved by the General Department, result downloaded and
        verified; the time limit is measured in working days."""
        trader, officer = api(broker), api(hq_officer)
        resp = post_json(
            trader,
            f"{BASE}/filings",
            {
                "procedure_code": "broker-registration",
                "enterprise_mst": tanphat.mst,
                "data": BROKER_DATA,
            },
        )
        assert resp.status_code == 201, resp.content
        filing = resp.json()
        fid = filing["id"]
        assert filing["status"] == "draft" and filing["fee_vnd"] == 200000
        assert filing["data"]["certified_staff"] == 3

        # Submitting without the documents names each one missing.
        resp = trader.post(f"{BASE}/filings/{fid}/submit")
        assert resp.status_code == 422
        missing = {e["field"] for e in resp.json()["errors"]}
        assert missing == {
            "documents.request_form",
            "documents.business_registration",
            "documents.staff_certificates",
        }
        for slot, name, content in (
            ("request_form", "don.pdf", PDF),
            ("business_registration", "gcn.png", PNG),
            ("staff_certificates", "cc.pdf", PDF),
        ):
            resp = _attach(trader, fid, slot, name, content)
            assert resp.status_code == 201, resp.content
        resp = trader.post(f"{BASE}/filings/{fid}/submit")
        assert resp.status_code == 200 and resp.json()["status"] == "awaiting_fee"
        assert resp.json()["due_on"] is None  # the clock waits for the fee

        # Not received before it is paid.
        assert officer.post(f"{BASE}/filings/{fid}/receive").status_code == 409

        resp = trader.post(f"{BASE}/filings/{fid}/fee-order")
        assert resp.status_code == 201
        order = resp.json()
        assert order["amount_vnd"] == 200000 and order["status"] == "open"

        _the_bank, secret = bank
        message = {
            "order_reference": order["reference"],
            "bank_transaction_id": "FT-FEE-1",
            "amount_vnd": 200000,
            "paid_at": "2026-03-02T09:00:00+07:00",
        }
        resp = Client().post(f"{BASE}/fee-confirmations", **signed(secret, message))
        assert resp.status_code == 201, resp.content
        assert resp.json()["filing_status"] == "submitted" and resp.json()["due_on"]
        # The same message again: the same answer, nothing twice.
        again = Client().post(f"{BASE}/fee-confirmations", **signed(secret, message))
        assert again.status_code == 200
        # A forged one is refused.
        forged = signed("not-the-secret", {**message, "bank_transaction_id": "FT-FEE-2"})
        assert Client().post(f"{BASE}/fee-confirmations", **forged).status_code == 401

        assert officer.post(f"{BASE}/filings/{fid}/receive").json()["status"] == "in_review"
        resp = post_json(
            officer,
            f"{BASE}/filings/{fid}/decision",
            {"outcome": "approved", "text": "Đủ điều kiện làm đại lý hải quan."},
        )
        assert resp.status_code == 200, resp.content
        decided = resp.json()
        assert decided["status"] == "approved"
        assert decided["working_days_used"] == 0 and decided["on_time"] is True
        code = decided["result_code"]
        assert code

        resp = trader.get(f"{BASE}/filings/{fid}/result")
        assert resp.status_code == 200 and resp["Content-Type"] == "application/pdf"
        pdf = resp.content
        assert pdf.startswith(b"%PDF")
        # Downloading again gives the very same signed file.
        assert trader.get(f"{BASE}/filings/{fid}/result").content == pdf

        resp = Client().get(f"{BASE}/verify/{code}")
        assert resp.status_code == 200
        verified = resp.json()
        assert verified["reference"] == decided["reference"]
        assert verified["enterprise_mst"] == tanphat.mst and verified["outcome"] == "approved"
        assert verified["result_sha256"] == hashlib.sha256(pdf).hexdigest()
        assert Client().get(f"{BASE}/verify/NOSUCHCODE").status_code == 404

        kinds = list(
            Event.objects.filter(subject_type="filing", subject_id=fid).values_list("kind", "party")
        )
        assert [k for k, _p in kinds] == [
            "eservice.filing_created",
            "eservice.document_uploaded",
            "eservice.document_uploaded",
            "eservice.document_uploaded",
            "eservice.filing_submitted",
            "eservice.fee_ordered",
            "eservice.fee_paid",
            "eservice.filing_received",
            "eservice.filing_decided",
            "eservice.result_issued",
        ]
        assert dict(kinds)["eservice.fee_paid"] == "bank"
        assert dict(kinds)["eservice.filing_decided"] == "customs"


class TestUploads:
    @pytest.fixture
    def draft(self, catalogue: Any, declarant: Any, hoanglong: Any, api: Any) -> tuple[Client, int]:
        client = api(declarant)
        resp = post_json(
            client,
            f"{BASE}/filings",
            {
                "procedure_code": "hs-ruling",
                "enterprise_mst": hoanglong.mst,
                "data": HS_RULING_DATA,
            },
        )
        assert resp.status_code == 201
        return client, resp.json()["id"]

    def test_a_file_of_the_wrong_type_is_refused_naming_the_field(self, draft: Any) -> None:
        client, fid = draft
        # Named .pdf, but its content is text: the content decides.
        resp = _attach(client, fid, "request_form", "don.pdf", TEXT)
        assert resp.status_code == 422
        [err] = resp.json()["errors"]
        assert err["field"] == "file" and err["code"] == "wrong-type"
        assert "PDF" in err["problem"]
        # A PNG where only PDF is accepted.
        resp = _attach(client, fid, "request_form", "scan.png", PNG)
        assert resp.status_code == 422 and "PNG" in resp.json()["errors"][0]["problem"]
        assert client.get(f"{BASE}/filings/{fid}").json()["documents"] == []

    def test_a_file_too_large_is_refused_naming_the_field(self, draft: Any, catalogue: Any) -> None:
        client, fid = draft
        procedure = catalogue["hs-ruling"]
        procedure.form["attachments"][0]["max_bytes"] = 1024  # the administrator's limit
        procedure.save()
        resp = _attach(client, fid, "request_form", "don.pdf", PDF + b"0" * 2000)
        assert resp.status_code == 422
        [err] = resp.json()["errors"]
        assert err["field"] == "file" and err["code"] == "too-large"
        assert client.get(f"{BASE}/filings/{fid}").json()["documents"] == []

    def test_an_unknown_attachment_and_a_missing_file_are_named(self, draft: Any) -> None:
        client, fid = draft
        resp = _attach(client, fid, "passport", "a.pdf", PDF)
        assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "slot"
        resp = client.post(f"{BASE}/filings/{fid}/documents", data={"slot": "request_form"})
        assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "file"

    def test_the_owner_downloads_what_it_uploaded(self, draft: Any) -> None:
        client, fid = draft
        doc = _attach(client, fid, "request_form", "đơn đề nghị.pdf", PDF).json()
        resp = client.get(doc["download_url"])
        assert resp.status_code == 200
        assert b"".join(resp.streaming_content) == PDF
        assert resp["Content-Type"] == "application/pdf"
        assert resp["Content-Disposition"].startswith("attachment;")
        assert resp["X-Content-Type-Options"] == "nosniff"


class TestScope:
    def test_another_enterprise_cannot_see_or_download_a_filing(
        self,
        ready_filing: Any,
        declarant: Any,
        hoanglong: Any,
        other_declarant: Any,
        broker: Any,
        gate_officer: Any,
        api: Any,
    ) -> None:
        filing = ready_filing(declarant, hoanglong.mst)
        doc = filing.documents.first()
        other = api(other_declarant)
        assert other.get(f"{BASE}/filings/{filing.pk}").status_code == 404
        assert other.get(f"{BASE}/filings/{filing.pk}/documents/{doc.pk}").status_code == 404
        assert other.get(f"{BASE}/filings/{filing.pk}/result").status_code == 404
        assert other.get(f"{BASE}/filings").json()["items"] == []
        # Nor may it file for that enterprise.
        resp = post_json(
            other,
            f"{BASE}/filings",
            {
                "procedure_code": "hs-ruling",
                "enterprise_mst": hoanglong.mst,
                "data": HS_RULING_DATA,
            },
        )
        assert resp.status_code == 403 and resp.json()["errors"][0]["field"] == "enterprise_mst"
        # The broker the enterprise authorised sees it; an officer of another office does not.
        assert api(broker).get(f"{BASE}/filings/{filing.pk}").status_code == 200
        assert api(gate_officer).get(f"{BASE}/filings/{filing.pk}").status_code == 404
        assert api(gate_officer).post(f"{BASE}/filings/{filing.pk}/receive").status_code == 404

    def test_the_form_is_checked_field_by_field(
        self, catalogue: Any, declarant: Any, hoanglong: Any, api: Any
    ) -> None:
        resp = post_json(
            api(declarant),
            f"{BASE}/filings",
            {
                "procedure_code": "hs-ruling",
                "enterprise_mst": hoanglong.mst,
                "data": {"proposed_hs_code": "99999999", "colour": "red"},
            },
        )
        assert resp.status_code == 422
        fields = {e["field"] for e in resp.json()["errors"]}
        assert fields == {
            "data.goods_name",
            "data.goods_description",
            "data.proposed_hs_code",
            "data.colour",
        }

    def test_a_procedure_handled_locally_needs_an_office_under_it(
        self, catalogue: Any, declarant: Any, hoanglong: Any, api: Any
    ) -> None:
        body = {
            "procedure_code": "tax-refund",
            "enterprise_mst": hoanglong.mst,
            "data": {
                "declaration_number": "100000000012",
                "reason": "overpaid",
                "amount_vnd": "1500000",
                "bank_account": "0011001234567 VCB",
            },
        }
        resp = post_json(api(declarant), f"{BASE}/filings", body)
        assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "office_code"
        resp = post_json(api(declarant), f"{BASE}/filings", {**body, "office_code": "20BD"})
        assert resp.status_code == 201 and resp.json()["office_code"] == "20BD"


def test_on_time_rates_through_the_api(
    ready_filing: Any, declarant: Any, hoanglong: Any, hq_officer: Any, api: Any
) -> None:
    from haiquan.accounts.services import user_create
    from haiquan.eservices import services

    filing = ready_filing(declarant, hoanglong.mst)
    services.filing_receive(actor=hq_officer, filing=filing)
    services.filing_decide(actor=hq_officer, filing=filing, outcome="refused", text="Không.")
    national = user_create(username="t.ld00", password=None, role="leader", office_codes=["00"])
    resp = api(national).get(f"{BASE}/performance", {"date_from": "2020-01-01"})
    assert resp.status_code == 200
    assert resp.json() == [
        {
            "procedure_code": "hs-ruling",
            "procedure_name": "Advance ruling on HS classification",
            "office_code": "00",
            "decided": 1,
            "on_time": 1,
            "late": 0,
            "on_time_rate": 1.0,
            "open_overdue": 0,
        }
    ]
    assert api(declarant).get(f"{BASE}/performance").status_code == 403
    assert api(hq_officer).get(f"{BASE}/performance", {"date_to": "nope"}).status_code == 422


def test_a_body_larger_than_any_document_is_refused_before_it_is_read(
    catalogue: Any, declarant: Any, hoanglong: Any, api: Any
) -> None:
    client = api(declarant)
    fid = post_json(
        client,
        f"{BASE}/filings",
        {"procedure_code": "hs-ruling", "enterprise_mst": hoanglong.mst, "data": HS_RULING_DATA},
    ).json()["id"]
    resp = client.post(
        f"{BASE}/filings/{fid}/documents",
        data=b"x",
        content_type="multipart/form-data; boundary=B",
        CONTENT_LENGTH=str(50 * 1024 * 1024),
    )
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"] == "file"
    assert resp.json()["errors"][0]["code"] == "too-large"
