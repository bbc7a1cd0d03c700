"""An advance ruling asked with a code of the earlier nomenclature (issue 20): 8419.39.19 was a
line of AHTN 2017 that AHTN 2022 divided between 8419.33.90 (spray dryers, freeze dryers) and
8419.39.90 (other dryers). A trader asking customs to classify may propose it: it is kept as
written, the trader is told which lines it became, the officer sees the same lines and the
ruling names one of them. A code that was never a line is still refused next to the field.
Everything that later shows or uses the filing copes: the pages, the API, the signed PDF, the
ruling in clearance."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from haiquan.accounts.tests.helpers import login
from haiquan.core.problems import ValidationFailed
from haiquan.eservices import services
from haiquan.eservices.catalogue import form_hs_notes, form_spec
from haiquan.eservices.models import AdvanceRuling, Filing
from haiquan.eservices.result import result_document

from .conftest import HS_RULING_DATA, post_json

pytestmark = pytest.mark.django_db
BASE = "/api/v1/eservices"
DRYER = {
    **HS_RULING_DATA,
    "goods_name": "Máy sấy phun",
    "goods_description": "Máy sấy phun dùng cho sữa bột, hoạt động bằng điện, công suất 50 kg/h",
    "proposed_hs_code": "8419.39.19",
    "origin": "DE",
}


def _problems(exc: pytest.ExceptionInfo[ValidationFailed]) -> dict[str, str]:
    return {p.field: str(p.problem) for p in exc.value.errors}


def test_the_service_keeps_a_divided_code_and_the_ruling_names_a_line_in_force(
    ready_filing: Any, declarant: Any, hoanglong: Any, hq_officer: Any
) -> None:
    filing = ready_filing(declarant, hoanglong.mst, data=DRYER, submit=False)
    assert filing.data["proposed_hs_code"] == "84193919"  # as written, not converted
    assert "proposed_hs_code_as_written" not in filing.data
    (note,) = form_hs_notes(form_spec(filing.procedure), filing.data)
    assert note.field == "proposed_hs_code" and note.divided is not None
    assert "8419.39.19" in note.text and "AHTN 2017" in note.text
    assert [ln.code for ln in note.divided.lines] == ["84193390", "84193990"]
    assert "84193930" not in [ln.code for ln in note.divided.lines]  # the PCB machines: not
    # Each line is shown with its subheadings' texts, not the heading's long one.
    spray = note.divided.lines[0].description_under_heading
    assert "spray dryers" in spray.lower() and spray.endswith("Other")
    assert note.divided.lines[0].context.split(" › ")[0] not in spray
    # Changing another answer of the draft keeps the proposal.
    filing = services.filing_update(
        actor=declarant, filing=filing, data={**filing.data, "goods_name": "Máy sấy phun sữa"}
    )
    assert filing.data["proposed_hs_code"] == "84193919"

    filing = services.filing_submit(actor=declarant, filing=filing)
    services.filing_receive(actor=hq_officer, filing=filing)
    # The officer cannot rule the divided code itself: the problem names the lines.
    for hs_code in ("", "84193919"):
        with pytest.raises(ValidationFailed) as exc:
            services.filing_decide(
                actor=hq_officer,
                filing=filing,
                outcome="approved",
                text="Máy sấy phun: phân nhóm 8419.33.",
                ruling=services.RulingTerms(hs_code=hs_code),
            )
        problem = _problems(exc)["hs_code"]
        assert "8419.33.90" in problem and "8419.39.90" in problem
    assert not AdvanceRuling.objects.filter(filing=filing).exists()  # nothing half-saved
    filing.refresh_from_db()
    assert filing.status == "in_review"

    filing = services.filing_decide(
        actor=hq_officer,
        filing=filing,
        outcome="approved",
        text="Máy sấy phun: phân nhóm 8419.33 (AHTN 2022).",
        ruling=services.RulingTerms(hs_code="8419.33.90"),
    )
    ruling = AdvanceRuling.objects.get(filing=filing)
    assert ruling.hs_code == "84193390"
    # The signed result is printed with the ruled line.
    pdf = result_document(filing=filing, base_url="http://testserver/")
    assert pdf.startswith(b"%PDF")


def test_a_code_that_never_was_a_line_is_refused_next_to_the_field(
    catalogue: Any, declarant: Any, hoanglong: Any
) -> None:
    for code in ("99999999", "84193999"):  # 8419.39.99 was no line of AHTN 2017 either
        with pytest.raises(ValidationFailed) as exc:
            services.filing_create(
                actor=declarant,
                procedure=catalogue["hs-ruling"],
                enterprise_mst=hoanglong.mst,
                office_code="",
                data={**DRYER, "proposed_hs_code": code},
            )
        assert list(_problems(exc)) == ["data.proposed_hs_code"]
    assert not Filing.objects.exists()


def test_the_api_takes_the_divided_code_and_names_its_lines(
    catalogue: Any, declarant: Any, hoanglong: Any, hq_officer: Any, api: Any
) -> None:
    trader, officer = api(declarant), api(hq_officer)
    body = {"procedure_code": "hs-ruling", "enterprise_mst": hoanglong.mst, "data": DRYER}
    resp = post_json(trader, f"{BASE}/filings", body)
    assert resp.status_code == 201, resp.content
    filing = resp.json()
    assert filing["data"]["proposed_hs_code"] == "84193919"
    (note,) = filing["hs_notes"]
    assert note["field"] == "proposed_hs_code" and "8419.39.19" in note["text"]
    assert [c["code"] for c in note["candidates"]] == ["84193390", "84193990"]
    assert all(c["description"] for c in note["candidates"])

    # A code that never was a line: problem+json naming the field.
    unknown = {**body, "data": {**DRYER, "proposed_hs_code": "99999999"}}
    resp = post_json(trader, f"{BASE}/filings", unknown)
    assert resp.status_code == 422
    assert resp["Content-Type"].startswith("application/problem+json")
    assert [e["field"] for e in resp.json()["errors"]] == ["data.proposed_hs_code"]
    assert "99999999" in resp.json()["errors"][0]["problem"]

    # Submitted and received, the officer's decision must name a line in force.
    fid = filing["id"]
    _attach_required(declarant, Filing.objects.get(pk=fid))
    assert trader.post(f"{BASE}/filings/{fid}/submit").status_code == 200
    assert officer.post(f"{BASE}/filings/{fid}/receive").json()["status"] == "in_review"
    assert officer.get(f"{BASE}/filings/{fid}").json()["hs_notes"][0]["candidates"]
    decision = {"outcome": "approved", "text": "Máy sấy phun: 8419.33.90."}
    resp = post_json(officer, f"{BASE}/filings/{fid}/decision", decision)
    assert resp.status_code == 422
    assert resp["Content-Type"].startswith("application/problem+json")
    (error,) = resp.json()["errors"]
    assert error["field"] == "hs_code" and "8419.33.90" in error["problem"]
    resp = post_json(officer, f"{BASE}/filings/{fid}/decision", {**decision, "hs_code": "84193390"})
    assert resp.status_code == 200, resp.content
    assert resp.json()["data"]["proposed_hs_code"] == "84193919"  # the request, as written

    rulings = trader.get(f"{BASE}/rulings")
    assert rulings.status_code == 200
    assert [r["hs_code"] for r in rulings.json()["items"]] == ["84193390"]
    assert trader.get(f"{BASE}/filings").status_code == 200
    assert trader.get(f"{BASE}/filings/{fid}").status_code == 200
    pdf = trader.get(f"{BASE}/filings/{fid}/result")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    code = resp.json()["result_code"]
    assert Client().get(f"{BASE}/verify/{code}").status_code == 200


def test_the_pages_tell_the_trader_and_the_officer_which_lines_it_became(
    catalogue: Any, declarant: Any, hoanglong: Any, hq_officer: Any
) -> None:
    trader = login(Client(), declarant)
    url = reverse("eservices:filing_create", args=["hs-ruling"])
    page = trader.post(url, {"enterprise_mst": hoanglong.mst, **DRYER, "proposed_hs_code": "9999"})
    assert page.status_code == 422
    assert "proposed_hs_code" in page.context["form"].errors
    page = trader.post(
        url, {"enterprise_mst": hoanglong.mst, **DRYER, "proposed_hs_code": "99999999"}
    )
    assert page.status_code == 422
    assert "99999999" in str(page.context["form"].errors["proposed_hs_code"])
    assert 'id="id_proposed_hs_code-error"' in page.content.decode()  # next to the field
    assert not Filing.objects.exists()

    page = trader.post(url, {"enterprise_mst": hoanglong.mst, **DRYER})
    filing = Filing.objects.get()
    detail = reverse("eservices:filing_detail", args=[filing.pk])
    assert page.status_code == 302 and page["Location"] == detail
    html = trader.get(detail).content.decode()
    assert 'data-testid="hs-note"' in html
    assert "8419.39.19 is a code of the AHTN 2017 nomenclature" in html
    assert "8419.33.90" in html and "8419.39.90" in html
    assert "spray dryers" in html.lower()  # the line is shown with its parents' text
    assert reverse("tariff:line", args=["84193390"]) in html
    # In Vietnamese, the lines' Vietnamese texts.
    trader.cookies["django_language"] = "vi"
    html_vi = trader.get(detail, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "8419.33.90" in html_vi and "Máy đông khô" in html_vi
    trader.cookies["django_language"] = "en"

    _attach_required(declarant, filing)
    assert trader.post(reverse("eservices:filing_submit", args=[filing.pk])).status_code == 302
    desk = login(Client(), hq_officer)
    assert desk.post(reverse("eservices:filing_receive", args=[filing.pk])).status_code == 302
    html = desk.get(detail).content.decode()
    assert 'data-testid="ruling-candidates"' in html
    assert "The enterprise proposed 8419.39.19" in html
    decide = reverse("eservices:filing_decide", args=[filing.pk])
    page = desk.post(decide, {"outcome": "approved", "text": "Máy sấy phun."})
    assert page.status_code == 422
    error = str(page.context["decision_form"].errors["hs_code"])
    assert "8419.33.90" in error and "8419.39.90" in error
    page = desk.post(
        decide, {"outcome": "approved", "text": "Máy sấy phun.", "hs_code": "8419.33.90"}
    )
    assert page.status_code == 302
    assert AdvanceRuling.objects.get(filing=filing).hs_code == "84193390"
    for client in (desk, trader):
        assert client.get(detail).status_code == 200
    assert desk.get(reverse("eservices:requests")).status_code == 200
    assert trader.get(reverse("eservices:home")).status_code == 200
    pdf = trader.get(reverse("eservices:filing_result", args=[filing.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    filing.refresh_from_db()
    verify = Client().get(reverse("eservices:verify_code", args=[filing.result_code]))
    assert verify.status_code == 200 and "84193390" in verify.content.decode()


def _pdf() -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .conftest import PDF

    return SimpleUploadedFile("a.pdf", PDF)


def _attach_required(actor: Any, filing: Filing) -> None:
    for att in filing.procedure.form["attachments"]:
        if att["required"] and not filing.documents.filter(slot=att["name"]).exists():
            services.document_upload(actor=actor, filing=filing, slot=att["name"], file=_pdf())
