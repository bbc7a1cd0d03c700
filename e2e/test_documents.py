"""Documents on a declaration, clicked through in Chromium (issue 22): the officer asks for
documents during the document check, the declarant sees the request on the declaration page,
attaches the invoice (a wrong file first: refused next to the field) and answers; the officer
finds the answer first in the queue, accepts it and records the check. Screenshots in
Vietnamese and English."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from haiquan.clearance import services
from haiquan.clearance.models import Declaration
from haiquan.risk.services import profile_create

from .pages import DeclarationPage, LoginPage, expected
from .test_clearance_control import officer_logs_in, trader_logs_in
from .test_flows import dragon_fruit
from .world import World, world_build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


@pytest.fixture
def world(refdata_reloaded: Any) -> World:
    w = world_build()
    profile_create(
        code="FRUIT-DOC",
        name="Trái cây tươi",
        criteria={"hs_prefixes": ["0810"]},
        lane="yellow",
        reason="Kiểm tra hóa đơn và C/O",
        actor=w.analyst,
    )
    return w


def test_the_officer_asks_for_documents_the_trader_answers_and_the_check_finishes(
    live_server: Any,
    page: Any,
    new_page: Any,
    world: World,
    artifacts: Path,
    browser_problems: list[str],
) -> None:
    decl = services.declaration_register(
        actor=world.declarant, data=dragon_fruit(world.enterprise.mst)
    )
    assert decl.status == "document_check"
    url = live_server.url

    # The officer asks for the signed invoice.
    desk = new_page()
    officer = officer_logs_in(desk, url, artifacts, world)
    officer.open(decl.pk)
    desk.locator("[data-action=request_documents]").click()
    expect(desk).to_have_url(re.compile(r"/documents/request/$"))
    desk.locator("input[name=documents][value=invoice]").check()
    desk.locator("#id_message").fill("Nộp hóa đơn thương mại có chữ ký của người bán.")
    officer.shot("documents-request-form-vi")
    desk.locator("[data-testid=request-form] button[type=submit]").click()
    officer.expect_status("awaiting_documents")

    # The declarant sees the request on the declaration page and attaches the invoice.
    trader = trader_logs_in(page, url, artifacts)
    trader.open(decl.pk)
    trader.expect_status("awaiting_documents")
    request = page.locator("[data-testid=document-request][data-state=open]")
    expect(request).to_contain_text("Nộp hóa đơn thương mại có chữ ký của người bán.")
    form = page.locator("[data-testid=upload-form]")
    form.locator("#id_kind").select_option("invoice")
    form.locator("#id_file").set_input_files(
        {"name": "hoa-don.pdf", "mimeType": "application/pdf", "buffer": EXE}
    )
    form.locator("button[type=submit]").click()
    # An executable named .pdf: refused, the message next to the file field.
    expect(page.locator("#id_file-error")).to_contain_text("PDF")
    trader.shot("documents-upload-refused-vi")
    expected(browser_problems, r"HTTP 422: .*/documents/$", r"status of 422")
    form = page.locator("[data-testid=upload-form]")
    form.locator("#id_kind").select_option("invoice")
    form.locator("#id_reference").fill("INV-2026-007")
    form.locator("#id_file").set_input_files(
        {"name": "hoa-don.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    form.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=document-list]")).to_contain_text("hoa-don.pdf")
    page.locator("[data-testid=answer-form] #id_message").fill("Đã đính kèm hóa đơn.")
    trader.shot("documents-trader-vi")
    page.locator("[data-testid=answer-form] button[type=submit]").click()
    trader.expect_status("document_check")

    # The officer finds the answer first in the queue, accepts it and records the check.
    desk.goto(url + "/officer/queue/")
    first = desk.locator("[data-testid=queue] tbody tr").first
    expect(first).to_contain_text(decl.number or "")
    expect(first.locator("[data-testid=answered]")).to_be_visible()
    officer.open(decl.pk)
    expect(desk.locator("[data-testid=request-answer]")).to_contain_text("Đã đính kèm hóa đơn.")
    with desk.expect_download() as download:
        desk.locator("[data-testid=document-list] a[download]").first.click()
    assert Path(download.value.path()).read_bytes() == PDF
    officer.shot("documents-officer-vi")
    desk.locator("[data-testid=accept-form] button[type=submit]").click()
    expect(desk.locator("[data-testid=document-request][data-state=accepted]")).to_be_visible()
    desk.locator("[data-action=record_check]").click()
    desk.locator("input[name=outcome][value=match]").check()
    desk.locator("#check-form > button[type=submit]").click()
    officer.expect_status("awaiting_payment")
    assert Declaration.objects.get(pk=decl.pk).checks_pending is False

    # The same pages in English.
    LoginPage(desk, url, artifacts).switch_language("en")
    officer.open(decl.pk)
    expect(desk.locator("#documents-title")).to_have_text("Documents")
    officer.shot("documents-officer-en")
    LoginPage(page, url, artifacts).switch_language("en")
    DeclarationPage(page, url, artifacts).open(decl.pk)
    trader.shot("documents-trader-en")
