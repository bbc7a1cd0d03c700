"""AHTN 2017 codes as traders still write them (issue 20), seen in the browser: the HS look-up
opens the line the code became and says so; an advance-ruling request written with one shows
the trader what it became."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from playwright.sync_api import expect

from haiquan.accounts.services import user_create
from haiquan.eservices import services as eservices
from haiquan.eservices.catalogue import catalogue_load
from haiquan.eservices.models import Filing, Procedure
from haiquan.refdata.tests.factories import EnterpriseFactory, valid_mst

from .pages import expected
from .test_pages import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_hs_look_up_opens_the_line_an_ahtn_2017_code_became(
    live_server: Any, page: Any, refdata_reloaded: Any, artifacts: Any
) -> None:
    page.context.add_cookies([{"name": "django_language", "value": "vi", "url": live_server.url}])
    page.goto(f"{live_server.url}/tariff/lines/8419.39.11/")
    assert page.url.endswith(reverse("tariff:line", args=["84193930"]))
    expect(page.get_by_role("status")).to_contain_text("8419.39.11 (AHTN 2017) nay là 8419.39.30")
    page.screenshot(path=str(artifacts / "ahtn2017-tariff-line.png"), full_page=False)


def test_an_advance_ruling_request_shows_what_its_ahtn_2017_code_became(
    live_server: Any, page: Any, refdata_reloaded: Any, artifacts: Any
) -> None:
    catalogue_load()
    enterprise = EnterpriseFactory(mst=valid_mst(7), name="Công ty TNHH Sấy Miền Nam")
    trader = user_create(
        username="dn.saymiennam",
        password="pw-smn-2026!",
        role="declarant",
        enterprise_msts=[enterprise.mst],
    )
    filing = eservices.filing_create(
        actor=trader,
        procedure=Procedure.objects.get(code="hs-ruling"),
        enterprise_mst=enterprise.mst,
        office_code="",
        data={
            "goods_name": "Lò sấy reflow",
            "goods_description": "Lò sấy gia nhiệt dùng để hàn linh kiện lên tấm mạch in, điện",
            "origin": "CN",
            "proposed_hs_code": "8419.39.11",
        },
    )
    assert filing.data["proposed_hs_code"] == "84193930"
    assert filing.data["proposed_hs_code_as_written"] == "84193911"
    signed_in(page, live_server.url, trader)
    page.goto(f"{live_server.url}{reverse('eservices:filing_detail', args=[filing.pk])}")
    note = page.get_by_test_id("hs-note")
    expect(note).to_contain_text("8419.39.11 (AHTN 2017) nay là 8419.39.30")
    note.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "ahtn2017-filing.png"), full_page=False)


def test_an_advance_ruling_request_takes_a_divided_code_and_the_officer_sees_its_lines(
    live_server: Any,
    page: Any,
    refdata_reloaded: Any,
    artifacts: Any,
    browser_problems: list[str],
) -> None:
    """8419.39.19 (AHTN 2017) was divided by AHTN 2022: the trader proposes it in the form, is
    told in Vietnamese which lines it became, with their texts; the officer deciding the ruling
    sees the same lines above the decision."""
    catalogue_load()
    enterprise = EnterpriseFactory(mst=valid_mst(8), name="Công ty TNHH Sữa Bột Cao Nguyên")
    trader = user_create(
        username="dn.suabot",
        password="pw-sbcn-2026!",
        role="declarant",
        enterprise_msts=[enterprise.mst],
    )
    signed_in(page, live_server.url, trader)
    page.goto(f"{live_server.url}{reverse('eservices:filing_create', args=['hs-ruling'])}")
    page.fill("#id_goods_name", "Máy sấy phun")
    page.fill("#id_goods_description", "Máy sấy phun dùng cho sữa bột, hoạt động bằng điện")
    page.fill("#id_proposed_hs_code", "99999999")
    page.get_by_role("button", name="Lưu và tiếp tục").click()
    expect(page.locator("#id_proposed_hs_code-error")).to_contain_text("99999999")
    expected(browser_problems, r"HTTP 422: .*/hs-ruling/file/$", r"status of 422")
    page.fill("#id_proposed_hs_code", "8419.39.19")
    page.get_by_role("button", name="Lưu và tiếp tục").click()
    note = page.get_by_test_id("hs-note")
    expect(note).to_contain_text("8419.39.19")
    expect(note).to_contain_text("AHTN 2017")
    expect(note).to_contain_text("Biểu thuế hiện hành (AHTN 2022) đã tách thành nhiều dòng thuế")
    expect(note.get_by_role("link", name="8419.33.90")).to_be_visible()
    expect(note.get_by_role("link", name="8419.39.90")).to_be_visible()
    expect(note).to_contain_text("Máy đông khô")
    note.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "ahtn2017-divided-filing.png"), full_page=False)

    filing = Filing.objects.get(enterprise=enterprise)
    assert filing.data["proposed_hs_code"] == "84193919"
    for att in filing.procedure.form["attachments"]:
        if att["required"]:
            eservices.document_upload(
                actor=trader,
                filing=filing,
                slot=att["name"],
                file=SimpleUploadedFile(
                    "a.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
                ),
            )
    filing = eservices.filing_submit(actor=trader, filing=filing)
    officer = user_create(
        username="hq.phanloai", password=None, role="officer", office_codes=["00"]
    )
    eservices.filing_receive(actor=officer, filing=filing)
    page.context.clear_cookies()
    signed_in(page, live_server.url, officer)
    page.goto(f"{live_server.url}{reverse('eservices:filing_detail', args=[filing.pk])}")
    candidates = page.get_by_test_id("ruling-candidates")
    expect(candidates).to_contain_text("8419.39.19")
    expect(candidates.get_by_role("link", name="8419.33.90")).to_be_visible()
    candidates.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "ahtn2017-divided-officer.png"), full_page=False)
