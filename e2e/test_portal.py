"""The customs-business partnership portal, clicked through in Chromium as a new user would.

1. A visitor, not logged in, searches the FAQ without diacritics and opens the answer.
2. An enterprise asks customs a question, customs answers, the enterprise reads the answer
   (and is told in its notifications).
3. A leader (password + authenticator code) reads the satisfaction ratings per office.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from haiquan.accounts.services import user_create
from haiquan.accounts.tests.helpers import totp_code
from haiquan.portal import services
from haiquan.portal.content import content_load
from haiquan.portal.models import Inquiry
from haiquan.portal.ratings import RatingInput, rating_submit
from haiquan.portal.tests.conftest import DATA

from .pages import LoginPage
from .world import PASSWORD, World, world_build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(refdata_reloaded: Any) -> World:
    built = world_build()
    content_load(directory=DATA)
    return built


def test_a_visitor_searches_the_faq_without_logging_in(
    live_server: Any, page: Any, world: World, artifacts: Any
) -> None:
    page.goto(live_server.url + "/portal/faq/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.locator("#id_q").fill("thu tuc tam nhap")
    page.locator("#id_q").press("Enter")
    first = page.locator(".faq-question a").first
    expect(first).to_have_text(re.compile("tạm nhập tái xuất"))
    page.screenshot(path=str(artifacts / "portal-faq-search.png"), full_page=True)
    first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("tạm nhập tái xuất"))
    expect(page.locator(".faq-answer")).to_contain_text("G12")
    # The menu shows "Help & FAQ" to a visitor too, and nothing asked for a log-in.
    expect(page).not_to_have_url(re.compile("/accounts/login/"))


def test_an_enterprise_files_an_inquiry_and_reads_the_answer(
    live_server: Any, page: Any, world: World, artifacts: Any
) -> None:
    LoginPage(page, live_server.url, artifacts).log_in("dn.hoanglong", PASSWORD)
    page.goto(live_server.url + "/portal/inquiries/new/")
    page.locator("#id_subject").fill("Thời hạn tái xuất máy móc tạm nhập")
    page.locator("#id_body").fill("Máy móc tạm nhập để thi công phải tái xuất trong bao lâu?")
    page.locator("#id_office_code").fill("20BD")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/portal/inquiries/VM\d{4}-\d{6}/$"))
    reference = page.url.rstrip("/").rsplit("/", 1)[1]

    inquiry = Inquiry.objects.get(reference=reference)
    services.inquiry_answer(
        inquiry=inquiry, actor=world.officer, body="Trong thời hạn thi công đã đăng ký với Chi cục."
    )

    page.goto(live_server.url + "/portal/notifications/")
    page.get_by_role("link", name=re.compile(reference)).click()
    expect(page.locator(".message--customs")).to_contain_text("Trong thời hạn thi công")
    page.screenshot(path=str(artifacts / "portal-inquiry-answered.png"), full_page=True)


def test_a_leader_sees_the_rating_report(
    live_server: Any, page: Any, world: World, artifacts: Any
) -> None:
    leader = user_create(
        username="ld.quangninh", password=PASSWORD, role="leader", office_codes=["20"]
    )
    device = TOTPDevice.objects.create(user=leader, name="phone", confirmed=True)
    inquiry = services.inquiry_submit(
        actor=world.declarant,
        data=services.InquiryInput(
            enterprise_mst=world.enterprise.mst, subject="Hỏi", body="Câu hỏi", office_code="20BD"
        ),
    )
    services.inquiry_answer(inquiry=inquiry, actor=world.officer, body="Trả lời")
    rating_submit(
        actor=world.declarant,
        data=RatingInput(score=4, reasons=("fast",), inquiry_reference=inquiry.reference),
    )

    login = LoginPage(page, live_server.url, artifacts)
    login.log_in("ld.quangninh", PASSWORD)
    login.second_factor(totp_code(device))
    page.goto(live_server.url + "/portal/ratings/")
    table = page.locator("table.rating-table").first
    expect(table).to_contain_text("20BD")
    expect(table).to_contain_text("4")
    expect(page.locator("body")).to_contain_text("cc.mongcai")  # per officer: leaders only
    page.screenshot(path=str(artifacts / "portal-ratings.png"), full_page=True)
