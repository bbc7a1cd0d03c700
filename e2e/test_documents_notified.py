"""The conversation about a declaration's documents told through the bell, in Chromium (issue 22):
the officer asks for documents on the declaration's page; the notifications worker passes; the
trader sees the request in the bell, opens it, lands on the declaration, uploads the invoice and
answers; the worker passes again and the officer, told by the bell, opens the declaration from the
notification, accepts the answer and finishes the document check; the trader's bell then says so.

Nobody is sent anywhere by URL: each person reaches the next page by clicking what is on the
page they are on (the bell, the notification, the buttons). The worker is the scheduler's round
(`notifications.ops.deliver`), run where the real one would have passed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from haiquan.clearance import services
from haiquan.clearance.models import Declaration
from haiquan.eventlog import kinds as kinds_
from haiquan.notifications.models import Notification
from haiquan.notifications.ops import deliver
from haiquan.risk.services import profile_create

from .test_clearance_control import officer_logs_in, trader_logs_in
from .test_documents import PDF
from .test_flows import dragon_fruit
from .world import World, world_build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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


def the_worker_passes() -> None:
    """One round of the notifications worker: events become notifications."""
    deliver(max_seconds=10)


def bell_count(page: Any) -> Any:
    return page.locator("header .bell .bell__count")


def test_the_request_for_documents_reaches_the_trader_by_the_bell_and_the_answer_the_officer(
    live_server: Any, page: Any, new_page: Any, world: World, artifacts: Path
) -> None:
    url = live_server.url
    page.set_default_timeout(60_000)  # a shared machine under load: slow, not wrong
    the_worker_passes()  # running before the filing: it tells from then on
    decl = services.declaration_register(
        actor=world.declarant, data=dragon_fruit(world.enterprise.mst)
    )
    assert decl.status == "document_check"
    the_worker_passes()

    # The officer opens the declaration from the queue and asks for the signed invoice.
    desk = new_page()
    desk.set_default_timeout(60_000)
    officer = officer_logs_in(desk, url, artifacts, world)
    desk.locator("[data-testid=queue] tbody tr", has_text=decl.number or "").locator(
        "a"
    ).first.click()
    expect(desk).to_have_url(re.compile(rf"/declarations/{decl.pk}/$"))
    desk.locator("[data-action=request_documents]").click()
    desk.locator("input[name=documents][value=invoice]").check()
    desk.locator("#id_message").fill("Nộp hóa đơn thương mại có chữ ký của người bán.")
    desk.locator("[data-testid=request-form] button[type=submit]").click()
    officer.expect_status("awaiting_documents")
    the_worker_passes()

    # The trader: the bell shows the lane decision and the request, unread.
    trader = trader_logs_in(page, url, artifacts)
    expect(bell_count(page)).to_have_text("2")
    page.locator("header").screenshot(path=str(artifacts / "notified-trader-bell-vi.png"))
    page.locator("header .bell").click()
    expect(page).to_have_url(re.compile(r"/portal/notifications/$"))
    request_note = page.locator(
        "ul.notifications li", has_text="hải quan yêu cầu bổ sung chứng từ"
    ).first
    expect(request_note).to_contain_text(f"Tờ khai {decl.number}")
    trader.shot("notified-trader-list-vi")
    request_note.locator("a").click()

    # Opening the notification lands on the declaration and counts it read.
    expect(page).to_have_url(re.compile(rf"/declarations/{decl.pk}/$"))
    expect(bell_count(page)).to_have_text("1")
    trader.expect_status("awaiting_documents")
    open_request = page.locator("[data-testid=document-request][data-state=open]")
    expect(open_request).to_contain_text("Nộp hóa đơn thương mại có chữ ký của người bán.")
    form = page.locator("[data-testid=upload-form]")
    form.locator("#id_kind").select_option("invoice")
    form.locator("#id_reference").fill("INV-2026-007")
    form.locator("#id_file").set_input_files(
        {"name": "hoa-don.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    form.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=document-list]")).to_contain_text("hoa-don.pdf")
    page.locator("[data-testid=answer-form] #id_message").fill("Đã đính kèm hóa đơn.")
    page.locator("[data-testid=answer-form] button[type=submit]").click()
    trader.expect_status("document_check")
    the_worker_passes()

    # The officer is told by the bell, and opens the declaration from the notification.
    desk.reload()
    expect(bell_count(desk)).to_have_text("1")
    desk.locator("header .bell").click()
    answered = desk.locator("ul.notifications li", has_text=decl.number or "").first
    expect(answered).to_contain_text("doanh nghiệp đã trả lời yêu cầu bổ sung chứng từ")
    officer.shot("notified-officer-list-vi")
    answered.locator("a").click()
    expect(desk).to_have_url(re.compile(rf"/declarations/{decl.pk}/$"))
    expect(bell_count(desk)).to_have_count(0)
    expect(desk.locator("[data-testid=request-answer]")).to_contain_text("Đã đính kèm hóa đơn.")
    desk.locator("[data-testid=accept-form] button[type=submit]").click()
    expect(desk.locator("[data-testid=document-request][data-state=accepted]")).to_be_visible()
    desk.locator("[data-action=record_check]").click()
    desk.locator("input[name=outcome][value=match]").check()
    desk.locator("#check-form > button[type=submit]").click()
    officer.expect_status("awaiting_payment")
    officer.shot("notified-officer-check-done-vi")
    assert Declaration.objects.get(pk=decl.pk).checks_pending is False
    the_worker_passes()

    # The trader's bell: the answer accepted and the check recorded are new (the lane decision,
    # never opened, still waits).
    page.reload()
    expect(bell_count(page)).to_have_text("3")
    page.locator("header .bell").click()
    items = page.locator("ul.notifications")
    expect(items).to_contain_text(
        f"Tờ khai {decl.number}: hải quan đã chấp nhận chứng từ bạn bổ sung"
    )
    expect(items).to_contain_text(f"Tờ khai {decl.number}: đã ghi nhận kết quả kiểm tra hồ sơ")
    trader.shot("notified-trader-after-check-vi")
    told = set(Notification.objects.filter(user=world.declarant).values_list("kind", flat=True))
    assert {
        kinds_.DECLARATION_DOCUMENTS_REQUESTED.code,
        kinds_.DECLARATION_DOCUMENTS_ACCEPTED.code,
        kinds_.DECLARATION_DOCUMENT_CHECK_RECORDED.code,
    } <= told
